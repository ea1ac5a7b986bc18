import { ruleTester } from './rule-tester.js';
import { scenario } from '../support/snapshot-builder.js';
import { discovery, server, sourceResult, withDiscovery } from '../support/discovery-builder.js';

const base = () => scenario('healthy-imap-only');
const nothing = (id: 'autoconfig' | 'srv' | 'mx-autoconfig' | 'autodiscover', reason: string, status: 'nothing' | 'failed' | 'timed-out' = 'nothing') => sourceResult(id, [], { status, reason });

ruleTester('nothing-published', {
  healthy: (s) => withDiscovery(s),
  valid: [{ name: 'SRV records alone are published settings', snapshot: withDiscovery(base(), discovery([sourceResult('srv', [server('imap', { from: 'SRV _imaps._tcp.example.com' })])])) }],
  invalid: [
    {
      name: 'nothing published; guessing finds imap.example.com',
      snapshot: withDiscovery(
        base(),
        discovery([
          nothing('autoconfig', 'HTTP 404'),
          nothing('srv', 'no IMAP or POP3 SRV records for example.com'),
          nothing('mx-autoconfig', 'no MX record for example.com'),
          nothing('autodiscover', 'no answer within its deadline of 10 s', 'timed-out'),
          sourceResult('guess', [server('imap', { from: 'guess imap.example.com:993' })]),
        ]),
      ),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['example.com publishes no mail settings', 'IMAP imap.example.com:993 (TLS)'],
          evidence: {
            domain: 'example.com',
            guessed: [{ source: 'guess', protocol: 'imap', host: 'imap.example.com', port: 993, tls: 'implicit' }],
            sources: [
              { source: 'autoconfig', status: 'nothing', reason: 'HTTP 404' },
              { source: 'srv', status: 'nothing', reason: 'no IMAP or POP3 SRV records for example.com' },
              { source: 'mx-autoconfig', status: 'nothing', reason: 'no MX record for example.com' },
              { source: 'autodiscover', status: 'timed-out', reason: 'no answer within its deadline of 10 s' },
            ],
          },
          steps: ['publish-settings', 'check-protocol-on-every-device'],
        },
      ],
    },
  ],
});
