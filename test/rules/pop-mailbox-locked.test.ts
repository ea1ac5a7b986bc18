import { ruleTester } from './rule-tester.js';
import { buildSnapshot, fail, healthyImapOnlySpec, scenario } from '../support/snapshot-builder.js';

ruleTester('pop-mailbox-locked', {
  valid: [
    { name: 'POP3 login refused for a wrong password is not a lock', snapshot: scenario('wrong-password') },
    { name: 'POP3 sys-temp at login is not a lock', snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('sys-temp', 'try later', { step: 'login', code: 'SYS/TEMP' }) }) },
  ],
  invalid: [
    {
      name: '[IN-USE] at login → warning',
      snapshot: scenario('pop-locked'),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['Another POP3 session held the mailbox'],
          evidence: {
            code: 'IN-USE',
            step: 'login',
            message: 'mail.example.com:995 refused the login: Mailbox is locked by another POP3 session.',
            serverText: '-ERR [IN-USE] Mailbox is locked by another POP3 session.',
            imapClientSeen: false,
          },
        },
      ],
    },
    {
      name: '[IN-USE] while IMAP clients work on the account',
      snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('in-use', 'locked', { step: 'login' }) }),
      findings: [{ severity: 'warning', evidence: { code: null, step: 'login', message: 'locked', serverText: null, imapClientSeen: true } }],
    },
  ],
  skipped: [{ name: 'POP3 not probed', snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: null }), reason: 'POP3 not probed (--only imap)' }],
});
