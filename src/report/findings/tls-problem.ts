import { duration, plural } from '../format.js';
import { PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';
import type { TlsProblem, TlsProblemKind } from '../../analyzer/types.js';

const TLS_PROBLEM_TEXT: Record<TlsProblemKind, (p: TlsProblem) => string> = {
  'certificate-expired': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} expired ${duration(-(p.expiresInSeconds ?? 0))} ago`,
  'certificate-not-yet-valid': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} is not valid yet`,
  'certificate-self-signed': (p) => `The ${PROTOCOL_NAME[p.protocol]} server ${p.host} uses a self-signed certificate that devices do not trust`,
  'certificate-untrusted': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} is not issued by a trusted authority`,
  'certificate-wrong-host': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate does not match the host name ${p.host}`,
  'handshake-failed': (p) => `The TLS handshake with ${PROTOCOL_NAME[p.protocol]} ${p.host}:${p.port} failed`,
  'certificate-expiring': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} expires in ${duration(p.expiresInSeconds ?? 0)}`,
  'no-tls-offered': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} offers no TLS, so passwords would travel unencrypted`,
  'tls-not-chosen': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} offers STARTTLS, but the check was told to use no TLS, so it did not log in`,
  'plaintext-login': (p) => `The ${PROTOCOL_NAME[p.protocol]} login to ${p.host}:${p.port} went without TLS: the password travelled unencrypted`,
  'plaintext-login-offered': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} accepts a password before TLS is started`,
  'insecure-unneeded': (p) => `--insecure was used for ${PROTOCOL_NAME[p.protocol]}, but the certificate of ${p.host} is valid`,
};

const words: FindingWords<'tls-problem'> = {
  title: (e) => {
    const first = e.problems[0];
    if (!first) return 'TLS problem';
    const more = e.problems.length - 1;
    return TLS_PROBLEM_TEXT[first.problem](first) + (more > 0 ? ` (and ${plural(more, 'more TLS problem')})` : '');
  },
  explanation: (e) => {
    const kinds = new Set(e.problems.map((p) => p.problem));
    const parts: string[] = [];
    if (['certificate-expired', 'certificate-not-yet-valid', 'certificate-self-signed', 'certificate-untrusted', 'certificate-wrong-host', 'handshake-failed'].some((k) => kinds.has(k as TlsProblemKind))) {
      parts.push('Mail programs refuse a certificate they cannot verify, or warn until someone clicks the warning away, which would also let an impostor collect the password; phones often just stop fetching mail.');
    }
    if (kinds.has('certificate-expiring')) parts.push('Once it expires, many devices stop fetching mail.');
    if (kinds.has('no-tls-offered') || kinds.has('plaintext-login') || kinds.has('plaintext-login-offered')) {
      parts.push('Without TLS the password and the mail cross the network readable by anyone on the way.');
    }
    if (kinds.has('tls-not-chosen')) parts.push('The password is sent only over TLS unless --allow-plaintext says otherwise; this server offers TLS, so nothing was checked after the greeting.');
    if (kinds.has('insecure-unneeded')) parts.push('--insecure turns off the check that catches a fake server; here it was not needed.');
    return parts.join(' ');
  },
  headline: (f) => (f.severity === 'critical' ? "The server's certificate is not valid, so devices may refuse to connect." : 'The connection security (TLS) needs attention.'),
  evidence: (e) =>
    e.problems.map((p) => {
      const details = [
        p.severity,
        p.verifyError ? `verification: ${p.verifyError}` : null,
        p.validTo ? `valid until ${p.validTo.slice(0, 10)}` : null,
        p.insecure ? 'checked with --insecure' : null,
      ].filter(Boolean);
      return `${PROTOCOL_NAME[p.protocol]} ${p.host ?? '?'}:${p.port ?? '?'}: ${p.problem} (${details.join(', ')})`;
    }),
};

export default words;
