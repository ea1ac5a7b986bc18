import { ruleTester } from './rule-tester.js';
import { buildSnapshot, fail, healthyImapOnlySpec, scenario } from '../support/snapshot-builder.js';

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
          evidence: {
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
          },
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
  ],
});
