import type { FindingEvidenceMap } from '../../src/analyzer/types.js';
import { ruleTester } from './rule-tester.js';
import { buildSnapshot, fail, healthyImapOnlySpec, scenario } from '../support/snapshot-builder.js';

/** What the wrong-password scenario's refusals give as evidence. */
const WRONG_PASSWORD_EVIDENCE: FindingEvidenceMap['login-failed'] = {
  failures: [
    {
      protocol: 'imap',
      host: 'mail.example.com',
      port: 993,
      tls: 'implicit',
      kind: 'auth',
      step: 'login',
      code: 'AUTHENTICATIONFAILED',
      message: 'mail.example.com:993 rejected the login: Authentication failed.',
      serverText: 'A1 NO [AUTHENTICATIONFAILED] Authentication failed.',
    },
    {
      protocol: 'pop3',
      host: 'mail.example.com',
      port: 995,
      tls: 'implicit',
      kind: 'auth',
      step: 'login',
      code: 'AUTH',
      message: 'mail.example.com:995 rejected the login: Authentication failed.',
      serverText: '-ERR [AUTH] Authentication failed.',
    },
  ],
  otherProtocolWorks: false,
};

ruleTester('login-failed', {
  valid: [
    { name: 'a refused connection is not a login failure', snapshot: scenario('imap-port-closed') },
    { name: 'a POP3 lock is not a login failure', snapshot: scenario('pop-locked') },
  ],
  invalid: [
    {
      name: 'wrong password over both protocols → one critical finding listing both',
      snapshot: scenario('wrong-password'),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['IMAP and POP3'],
          evidence: WRONG_PASSWORD_EVIDENCE,
        },
      ],
    },
    {
      name: 'only POP3 refused while IMAP logs in → POP3 may be disabled',
      snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('sys-perm', 'POP3 access disabled', { step: 'login', code: 'SYS/PERM' }) }),
      findings: [
        {
          severity: 'critical',
          evidence: {
            failures: [
              { protocol: 'pop3', host: 'mail.example.com', port: 995, tls: 'implicit', kind: 'sys-perm', step: 'login', code: 'SYS/PERM', message: 'POP3 access disabled', serverText: null },
            ],
            otherProtocolWorks: true,
          },
        },
      ],
    },
    {
      name: 'an admin login on behalf of the user refused → the admin\'s steps, not the customer\'s password',
      snapshot: { ...scenario('wrong-password'), account: { ...scenario('wrong-password').account, authUser: 'support', masterSeparator: '*' } },
      findings: [{ severity: 'critical', evidence: WRONG_PASSWORD_EVIDENCE, steps: ['check-admin-login'] }],
    },
    {
      name: 'an admin login refused over POP3 only → POP3 may be disabled, then the admin\'s steps',
      snapshot: (() => {
        const s = buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('auth', 'refused', { step: 'login', code: 'AUTH' }) });
        return { ...s, account: { ...s.account, authUser: 'support' } };
      })(),
      findings: [
        {
          severity: 'critical',
          evidence: {
            failures: [{ protocol: 'pop3', host: 'mail.example.com', port: 995, tls: 'implicit', kind: 'auth', step: 'login', code: 'AUTH', message: 'refused', serverText: null }],
            otherProtocolWorks: true,
          },
          steps: ['protocol-disabled-for-account', 'check-admin-login'],
        },
      ],
    },
  ],
});
