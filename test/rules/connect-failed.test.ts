import { ruleTester } from './rule-tester.js';
import { buildSnapshot, fail, healthyImapOnlySpec, healthyPopOnlySpec, scenario } from '../support/snapshot-builder.js';

ruleTester('connect-failed', {
  valid: [
    { name: 'wrong password is a login failure', snapshot: scenario('wrong-password') },
    { name: 'a timeout after login (during UIDL) only means "not observed"', snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('timeout', 'no answer during uidl', { step: 'uidl' }) }) },
  ],
  invalid: [
    {
      name: 'IMAP port closed, POP3 works → critical',
      snapshot: scenario('imap-port-closed'),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['IMAP at mail.example.com:993'],
          evidence: {
            failures: [
              {
                protocol: 'imap',
                host: 'mail.example.com',
                port: 993,
                tls: 'implicit',
                kind: 'refused',
                step: 'connect',
                code: 'ECONNREFUSED',
                message: 'connection to mail.example.com:993 refused (nothing listens on that port)',
                serverText: null,
              },
            ],
            otherProtocolWorks: true,
          },
        },
      ],
    },
    {
      name: 'host name does not resolve, and garbage on the POP3 port → both listed',
      snapshot: buildSnapshot({
        imap: fail('dns', 'cannot resolve host name of mail.example.com:993', { step: 'connect', code: 'ENOTFOUND' }),
        pop: fail('protocol', 'the greeting is not +OK or -ERR', { step: 'greeting', serverText: '220 smtp ready' }),
      }),
      findings: [
        {
          severity: 'critical',
          evidence: {
            failures: [
              { protocol: 'imap', host: 'mail.example.com', port: 993, tls: 'implicit', kind: 'dns', step: 'connect', code: 'ENOTFOUND', message: 'cannot resolve host name of mail.example.com:993', serverText: null },
              { protocol: 'pop3', host: 'mail.example.com', port: 995, tls: 'implicit', kind: 'protocol', step: 'greeting', code: null, message: 'the greeting is not +OK or -ERR', serverText: '220 smtp ready' },
            ],
            otherProtocolWorks: false,
          },
        },
      ],
    },
    {
      name: 'timeout before the greeting → critical',
      snapshot: buildSnapshot({ ...healthyPopOnlySpec(), pop: fail('timeout', 'no answer', { step: 'greeting' }) }),
      findings: [
        {
          severity: 'critical',
          evidence: {
            failures: [{ protocol: 'pop3', host: 'mail.example.com', port: 995, tls: 'implicit', kind: 'timeout', step: 'greeting', code: null, message: 'no answer', serverText: null }],
            otherProtocolWorks: true,
          },
        },
      ],
    },
  ],
});
