import { ruleTester } from './rule-tester.js';
import { scenario } from '../support/snapshot-builder.js';
import { check, discovery, server, sourceResult, withDiscovery } from '../support/discovery-builder.js';

const base = () => scenario('healthy-imap-only');

ruleTester('published-without-tls', {
  healthy: (s) => withDiscovery(s),
  valid: [
    {
      name: 'a guessed endpoint with a wrong certificate is not a published setting',
      snapshot: withDiscovery(
        base(),
        discovery([sourceResult('autoconfig', [server('imap')]), sourceResult('guess', [server('imap', { host: 'mail.example.com' })])], [check(server('imap')), check(server('imap', { host: 'mail.example.com' }), { tlsVerified: false, tlsError: 'ERR_TLS_CERT_ALTNAME_INVALID' })]),
      ),
    },
  ],
  invalid: [
    {
      name: 'POP3 published without TLS (critical), IMAP with a certificate for another name',
      snapshot: withDiscovery(
        base(),
        discovery(
          [sourceResult('autoconfig', [server('imap'), server('pop3', { port: 110, tls: 'none' })])],
          [check(server('imap'), { tlsVerified: false, tlsError: 'ERR_TLS_CERT_ALTNAME_INVALID' }), check(server('pop3', { port: 110, tls: 'none' }), { tlsVerified: null })],
        ),
      ),
      findings: [
        {
          severity: 'critical',
          evidence: {
            problems: [
              { source: 'autoconfig', protocol: 'imap', host: 'imap.example.com', port: 993, tls: 'implicit', problem: 'certificate-not-verified', tlsError: 'ERR_TLS_CERT_ALTNAME_INVALID' },
              { source: 'autoconfig', protocol: 'pop3', host: 'pop.example.com', port: 110, tls: 'none', problem: 'no-tls', tlsError: null },
            ],
          },
          steps: ['publish-tls-settings'],
        },
      ],
    },
    {
      name: 'SRV _imap (STARTTLS) at a server that does not offer STARTTLS: a warning',
      snapshot: withDiscovery(
        base(),
        discovery([sourceResult('srv', [server('imap', { port: 143, tls: 'starttls', from: 'SRV _imap._tcp.example.com' })])], [check(server('imap', { port: 143, tls: 'starttls' }), { tlsVerified: null, error: 'STARTTLS is not offered' })]),
      ),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['says STARTTLS, but the server does not offer it: IMAP imap.example.com:143 (STARTTLS) from SRV records'],
          evidence: { problems: [{ source: 'srv', protocol: 'imap', host: 'imap.example.com', port: 143, tls: 'starttls', problem: 'starttls-not-offered', tlsError: 'STARTTLS is not offered' }] },
          steps: ['publish-tls-settings'],
        },
      ],
    },
    {
      name: "an SRV target's certificate does not verify: a warning",
      snapshot: withDiscovery(
        base(),
        discovery([sourceResult('srv', [server('imap', { from: 'SRV _imaps._tcp.example.com' })])], [check(server('imap'), { tlsVerified: false, tlsError: 'DEPTH_ZERO_SELF_SIGNED_CERT' })]),
      ),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ["certificate does not verify for its name: IMAP imap.example.com:993 (TLS) from SRV records, DEPTH_ZERO_SELF_SIGNED_CERT"],
          evidence: { problems: [{ source: 'srv', protocol: 'imap', host: 'imap.example.com', port: 993, tls: 'implicit', problem: 'certificate-not-verified', tlsError: 'DEPTH_ZERO_SELF_SIGNED_CERT' }] },
          steps: ['publish-tls-settings'],
        },
      ],
    },
  ],
});
