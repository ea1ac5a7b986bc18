import { ruleTester } from './rule-tester.js';
import { scenario } from '../support/snapshot-builder.js';
import { check, discovery, server, sourceResult, withDiscovery } from '../support/discovery-builder.js';

const base = () => scenario('healthy-imap-only');
const imap = (source: 'autoconfig' | 'srv', host: string, port = 993) => ({ source, protocol: 'imap' as const, host, port, tls: 'implicit' as const });
const pop = { source: 'autoconfig' as const, protocol: 'pop3' as const, host: 'pop.example.com', port: 995, tls: 'implicit' as const };

ruleTester('discovery-sources-disagree', {
  healthy: (s) => withDiscovery(s),
  valid: [
    {
      name: 'a guess elsewhere does not count: only published sources',
      snapshot: withDiscovery(base(), discovery([sourceResult('autoconfig', [server('imap')]), sourceResult('guess', [server('imap', { host: 'mail.example.com' })])])),
    },
  ],
  invalid: [
    {
      name: 'SRV says one host, autoconfig another; the SRV port does not answer',
      snapshot: withDiscovery(
        base(),
        discovery(
          [sourceResult('autoconfig', [server('imap'), server('pop3')]), sourceResult('srv', [server('imap', { host: 'mx.example.com', from: 'SRV _imaps._tcp.example.com' })])],
          [check(server('imap')), check(server('pop3')), check(server('imap', { host: 'mx.example.com' }), { answered: false, greeting: null, tlsVerified: null, error: 'connection refused' })],
        ),
      ),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['autoconfig says IMAP imap.example.com:993', 'SRV records says mx.example.com:993'],
          evidence: {
            disagreements: [{ protocol: 'imap', settings: [imap('autoconfig', 'imap.example.com'), imap('srv', 'mx.example.com')] }],
            notAnswering: [{ ...imap('srv', 'mx.example.com'), error: 'connection refused' }],
            chosen: { imap: imap('autoconfig', 'imap.example.com'), pop3: pop },
          },
          steps: ['align-published-settings', 'fix-published-port'],
        },
      ],
    },
    {
      name: 'one source only, but its POP3 port does not answer',
      snapshot: withDiscovery(
        base(),
        discovery([sourceResult('autoconfig', [server('imap'), server('pop3')])], [check(server('imap')), check(server('pop3'), { answered: false, error: 'no answer within 3000 ms (connect)' })]),
      ),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['does not answer: pop.example.com:995'],
          evidence: { disagreements: [], notAnswering: [{ ...pop, error: 'no answer within 3000 ms (connect)' }], chosen: { imap: imap('autoconfig', 'imap.example.com'), pop3: pop } },
          steps: ['fix-published-port'],
        },
      ],
    },
  ],
});
