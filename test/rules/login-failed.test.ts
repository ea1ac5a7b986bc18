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
    {
      name: 'a refused OAuth2 token → the decoded reason in the evidence, and the token step instead of the password steps',
      snapshot: buildSnapshot({
        imap: fail('auth', 'mail.example.com:993 rejected the access token (OAUTHBEARER: status invalid_token, scope https://mail.google.com/)', {
          step: 'login',
          code: 'AUTHENTICATIONFAILED',
          oauth2: { mechanism: 'OAUTHBEARER', status: 'invalid_token', scope: 'https://mail.google.com/', schemes: 'bearer' },
        }),
        pop: null,
      }),
      findings: [
        {
          severity: 'critical',
          steps: ['check-oauth2-token'],
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
                message: 'mail.example.com:993 rejected the access token (OAUTHBEARER: status invalid_token, scope https://mail.google.com/)',
                serverText: null,
                oauth2: { mechanism: 'OAUTHBEARER', status: 'invalid_token', scope: 'https://mail.google.com/', schemes: 'bearer' },
              },
            ],
            otherProtocolWorks: false,
          },
        },
      ],
    },
    {
      name: 'a token refused over POP3 while IMAP takes it → POP3 may be off, then the token step',
      snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('auth', 'refused', { step: 'login', code: 'AUTH', oauth2: { mechanism: 'XOAUTH2' } }) }),
      findings: [
        {
          severity: 'critical',
          steps: ['protocol-disabled-for-account', 'check-oauth2-token'],
          evidence: {
            failures: [
              { protocol: 'pop3', host: 'mail.example.com', port: 995, tls: 'implicit', kind: 'auth', step: 'login', code: 'AUTH', message: 'refused', serverText: null, oauth2: { mechanism: 'XOAUTH2' } },
            ],
            otherProtocolWorks: true,
          },
        },
      ],
    },
  ],
});
