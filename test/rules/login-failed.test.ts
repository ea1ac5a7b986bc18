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
