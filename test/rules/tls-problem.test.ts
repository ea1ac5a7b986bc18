import { ruleTester } from './rule-tester.js';
import type { TlsProblem } from '../../src/analyzer/types.js';
import { buildSnapshot, daysAgo, fail, healthyImapOnlySpec, scenario, type ImapSpec, type PopSpec, type SnapshotSpec } from '../support/snapshot-builder.js';

const DAY = 86_400;

function healthy(mutate: (s: SnapshotSpec) => void, host?: string) {
  const spec = healthyImapOnlySpec();
  if (host) spec.host = host;
  mutate(spec);
  return buildSnapshot(spec);
}

type Required = Pick<TlsProblem, 'protocol' | 'port' | 'problem' | 'severity'>;
const problem = (p: Required & Partial<TlsProblem>): TlsProblem => ({ host: 'mail.example.com', verifyError: null, validTo: null, expiresInSeconds: null, insecure: false, ...p });

ruleTester('tls-problem', {
  valid: [
    {
      name: 'STARTTLS on loopback offering AUTH=PLAIN before TLS (Dovecot treats loopback as secure)',
      snapshot: healthy((s) => {
        const imap = s.imap as ImapSpec;
        imap.transport = 'starttls';
        imap.capabilitiesPreLogin = ['IMAP4REV1', 'STARTTLS', 'AUTH=PLAIN'];
      }, '127.0.0.1'),
    },
    {
      name: 'STARTTLS with LOGINDISABLED before TLS',
      snapshot: healthy((s) => {
        const imap = s.imap as ImapSpec;
        imap.transport = 'starttls';
        imap.capabilitiesPreLogin = ['IMAP4REV1', 'STARTTLS', 'LOGINDISABLED'];
      }),
    },
    { name: 'certificate valid for 15 more days', snapshot: healthy((s) => ((s.imap as ImapSpec).tls = { validTo: daysAgo(-15) })) },
  ],
  invalid: [
    {
      name: 'self-signed certificate on both protocols, seen only thanks to --insecure → critical',
      snapshot: scenario('tls-self-signed-insecure'),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['self-signed', 'and 1 more TLS problem'],
          evidence: {
            problems: [
              problem({ protocol: 'imap', port: 993, problem: 'certificate-self-signed', severity: 'critical', verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', validTo: daysAgo(-60), expiresInSeconds: 60 * DAY, insecure: true }),
              problem({ protocol: 'pop3', port: 995, problem: 'certificate-self-signed', severity: 'critical', verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', validTo: daysAgo(-60), expiresInSeconds: 60 * DAY, insecure: true }),
            ],
          },
        },
      ],
    },
    {
      name: 'expiring in 10 days → warning',
      snapshot: healthy((s) => ((s.imap as ImapSpec).tls = { validTo: daysAgo(-10) })),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['expires in 10 days'],
          evidence: { problems: [problem({ protocol: 'imap', port: 993, problem: 'certificate-expiring', severity: 'warning', validTo: daysAgo(-10), expiresInSeconds: 10 * DAY })] },
        },
      ],
    },
    {
      name: 'expired 3 days ago (probe went through with --insecure) → critical',
      snapshot: healthy((s) => ((s.pop as PopSpec).tls = { validTo: daysAgo(3), verified: false, verifyError: 'CERT_HAS_EXPIRED', insecure: true })),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['expired 3 days ago'],
          evidence: {
            problems: [problem({ protocol: 'pop3', port: 995, problem: 'certificate-expired', severity: 'critical', verifyError: 'CERT_HAS_EXPIRED', validTo: daysAgo(3), expiresInSeconds: -3 * DAY, insecure: true })],
          },
        },
      ],
    },
    {
      name: 'the probe failed TLS verification (wrong host name) → critical',
      snapshot: healthy((s) => (s.imap = fail('tls', "TLS with mail.example.com:993 failed: ERR_TLS_CERT_ALTNAME_INVALID", { step: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))),
      findings: [
        {
          severity: 'critical',
          evidence: { problems: [problem({ protocol: 'imap', port: 993, problem: 'certificate-wrong-host', severity: 'critical', verifyError: 'ERR_TLS_CERT_ALTNAME_INVALID' })] },
        },
      ],
    },
    {
      name: '--insecure used although the certificate verifies → info',
      snapshot: healthy((s) => ((s.imap as ImapSpec).tls = { insecure: true })),
      findings: [
        {
          severity: 'info',
          evidence: { problems: [problem({ protocol: 'imap', port: 993, problem: 'insecure-unneeded', severity: 'info', validTo: daysAgo(-60), expiresInSeconds: 60 * DAY, insecure: true })] },
        },
      ],
    },
    {
      name: 'login without TLS (port 143, no TLS) and POP3 without STLS → warning',
      snapshot: healthy((s) => {
        (s.imap as ImapSpec).transport = 'none';
        s.pop = fail('starttls-missing', 'mail.example.com:110 does not offer STLS (its CAPA lacks it)', { step: 'starttls' });
      }),
      findings: [
        {
          severity: 'warning',
          evidence: {
            problems: [
              problem({ protocol: 'imap', port: 143, problem: 'plaintext-login', severity: 'warning' }),
              problem({ protocol: 'pop3', port: 995, problem: 'no-tls-offered', severity: 'warning' }),
            ],
          },
        },
      ],
    },
    {
      name: 'STARTTLS ports that accept a password before TLS (IMAP without LOGINDISABLED, POP3 USER before STLS) → warning',
      snapshot: healthy((s) => {
        const imap = s.imap as ImapSpec;
        imap.transport = 'starttls';
        imap.capabilitiesPreLogin = ['IMAP4REV1', 'STARTTLS', 'AUTH=PLAIN'];
        const pop = s.pop as PopSpec;
        pop.transport = 'starttls';
        pop.capaBeforeStls = ['TOP', 'UIDL', 'STLS', 'USER', 'SASL PLAIN'];
      }),
      findings: [
        {
          severity: 'warning',
          evidence: {
            problems: [
              problem({ protocol: 'imap', port: 143, problem: 'plaintext-login-offered', severity: 'warning', validTo: daysAgo(-60), expiresInSeconds: 60 * DAY }),
              problem({ protocol: 'pop3', port: 110, problem: 'plaintext-login-offered', severity: 'warning', validTo: daysAgo(-60), expiresInSeconds: 60 * DAY }),
            ],
          },
        },
      ],
    },
  ],
});
