import { defineRule } from '../define-rule.js';
import { ageSeconds, isLoopback, loginOf } from '../facts.js';
import { step } from '../steps.js';
import { DAY_SECONDS } from '../facts.js';
import { SEVERITY_RANK, type StepRef, type Protocol, type Severity, type TlsProblem, type TlsProblemKind } from '../types.js';
import type { Snapshot, TlsFacts } from '../../snapshot/schema.js';

/**
 * TLS facts of both protocols, one finding listing every problem:
 *  critical  certificate expired, not yet valid, self-signed or untrusted, wrong host name, handshake failed
 *            (from a failed probe, or from a probe that got through only because of --insecure);
 *  warning   certificate valid but expiring within warnDays; no TLS offered (STARTTLS missing, or only
 *            plaintext login possible); the login went without TLS; a STARTTLS port that accepts a password
 *            before TLS (IMAP without LOGINDISABLED, POP3 USER/SASL in the CAPA before STLS; not judged on
 *            loopback, which servers such as Dovecot treat as secure);
 *  info      --insecure used although the certificate verifies.
 */
function certProblem(verifyError: string | null, selfSigned: boolean | null): TlsProblemKind {
  const e = verifyError ?? '';
  if (/CERT_HAS_EXPIRED/.test(e)) return 'certificate-expired';
  if (/CERT_NOT_YET_VALID/.test(e)) return 'certificate-not-yet-valid';
  if (/SELF_SIGNED/.test(e)) return 'certificate-self-signed';
  if (/ALTNAME|HOSTNAME_MISMATCH|does not match certificate/i.test(e)) return 'certificate-wrong-host';
  if (/UNABLE_TO_|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|CERT_CHAIN_TOO_LONG|INVALID_CA|certificate/i.test(e)) {
    return selfSigned ? 'certificate-self-signed' : 'certificate-untrusted';
  }
  return selfSigned ? 'certificate-self-signed' : verifyError ? 'handshake-failed' : 'certificate-untrusted';
}

const CRITICAL: TlsProblemKind[] = [
  'certificate-expired',
  'certificate-not-yet-valid',
  'certificate-self-signed',
  'certificate-untrusted',
  'certificate-wrong-host',
  'handshake-failed',
];

function severityOf(kind: TlsProblemKind): Severity {
  if (CRITICAL.includes(kind)) return 'critical';
  return kind === 'insecure-unneeded' || kind === 'tls-not-chosen' ? 'info' : 'warning';
}

function problemsOf(snapshot: Snapshot, protocol: Protocol, now: Date, warnDays: number): TlsProblem[] {
  // The login's facts: a login-only check (check --just-login) has them as much as a full probe.
  const result = loginOf(snapshot, protocol);
  const endpoint = protocol === 'imap' ? snapshot.account.imap : snapshot.account.pop;
  if (!result) return [];
  const base = { protocol, host: endpoint?.host ?? null, port: endpoint?.port ?? null };
  const make = (problem: TlsProblemKind, tls: TlsFacts | null, extra: Partial<TlsProblem> = {}): TlsProblem => {
    const validTo = tls?.certificate?.validTo ?? null;
    return {
      ...base,
      problem,
      severity: severityOf(problem),
      verifyError: tls?.verifyError ?? null,
      validTo,
      expiresInSeconds: validTo ? -ageSeconds(validTo, now) : null,
      insecure: tls?.insecure ?? false,
      ...extra,
    };
  };
  if (!result.ok) {
    const e = result.error;
    if (e.kind === 'tls') return [make(certProblem(e.code ?? e.message, null), null, { verifyError: e.code ?? null })];
    // Refused by us on a connection without TLS: the server's fault only when it offers no STARTTLS.
    if (e.kind === 'plaintext-refused' && e.starttlsOffered) return [make('tls-not-chosen', null)];
    if (e.kind === 'starttls-missing' || e.kind === 'plaintext-refused') return [make('no-tls-offered', null)];
    return [];
  }
  const ev = result.evidence;
  const out: TlsProblem[] = [];
  if (ev.transport === 'none') out.push(make('plaintext-login', null));
  const tls = ev.tls;
  if (tls) {
    const cert = tls.certificate;
    const expiresIn = cert ? -ageSeconds(cert.validTo, now) : null;
    if (cert && expiresIn !== null && expiresIn < 0) out.push(make('certificate-expired', tls));
    else if (cert && Date.parse(cert.validFrom) > now.getTime()) out.push(make('certificate-not-yet-valid', tls));
    else if (!tls.verified) out.push(make(certProblem(tls.verifyError, cert?.selfSigned ?? null), tls));
    else if (expiresIn !== null && expiresIn < warnDays * DAY_SECONDS) out.push(make('certificate-expiring', tls));
    else if (tls.insecure) out.push(make('insecure-unneeded', tls));
  }
  if (ev.transport === 'starttls' && !isLoopback(endpoint?.host)) {
    const upper = (xs: string[] | null | undefined) => (xs ?? []).map((x) => x.toUpperCase());
    if (protocol === 'imap' && 'capabilitiesPreLogin' in ev) {
      const caps = upper(ev.capabilitiesPreLogin);
      if (caps.includes('STARTTLS') && !caps.includes('LOGINDISABLED')) out.push(make('plaintext-login-offered', tls));
    }
    if (protocol === 'pop3' && 'capaBeforeStls' in ev) {
      const capa = upper(ev.capaBeforeStls);
      if (capa.some((l) => l === 'USER' || /^SASL \S/.test(l))) out.push(make('plaintext-login-offered', tls));
    }
  }
  return out;
}

export default defineRule({
  id: 'tls-problem',
  needs: [],
  defaults: { warnDays: 14 },
  docs: { summary: 'Invalid or expiring certificate, --insecure in use, or a password that travels (or may travel) without TLS.' },
  check({ snapshot, options, now, report }) {
    const problems = [...problemsOf(snapshot, 'imap', now, options.warnDays), ...problemsOf(snapshot, 'pop3', now, options.warnDays)].sort(
      (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
    );
    const worst = problems[0];
    if (!worst) return;
    const steps: StepRef[] = [];
    const seen = new Set<string>();
    const add = (ref: StepRef) => {
      const k = JSON.stringify(ref);
      if (!seen.has(k)) {
        steps.push(ref);
        seen.add(k);
      }
    };
    for (const p of problems) {
      const host = p.host ?? 'the server';
      switch (p.problem) {
        case 'certificate-expired':
        case 'certificate-expiring':
          add(step('renew-certificate', { host, expiresInSeconds: p.expiresInSeconds ?? 0 }));
          break;
        case 'certificate-not-yet-valid':
          add(step('certificate-not-yet-valid'));
          break;
        case 'certificate-wrong-host':
          add(step('certificate-name', { host }));
          break;
        case 'certificate-self-signed':
        case 'certificate-untrusted':
          add(step('certificate-trust', { insecureUsed: problems.some((x) => x.insecure) }));
          break;
        case 'handshake-failed':
          add(step('tls-mode-and-port'));
          break;
        case 'no-tls-offered':
        case 'plaintext-login':
        case 'plaintext-login-offered':
          add(step('require-tls', { protocols: [...new Set(problems.filter((x) => ['no-tls-offered', 'plaintext-login', 'plaintext-login-offered'].includes(x.problem)).map((x) => x.protocol))] }));
          break;
        case 'tls-not-chosen':
          add(step('use-offered-starttls', { protocols: [...new Set(problems.filter((x) => x.problem === 'tls-not-chosen').map((x) => x.protocol))] }));
          break;
        case 'insecure-unneeded':
          add(step('drop-insecure'));
          break;
      }
    }
    report({ severity: worst.severity, evidence: { problems }, steps });
  },
});
