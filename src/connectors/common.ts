// What every connector shares: the options of one connection, TLS facts from a socket, and the mapping of
// Node's network errors onto probe error kinds.
import { createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { LookupFunction } from 'node:net';
import type { ProbeError, ProbeErrorKind, TlsFacts, Transport } from '../snapshot/schema.js';
import type { Credentials } from './credentials.js';

/** Well-known ports: RFC 8314 implicit TLS, and 143/110 for STARTTLS/STLS or plain. */
export const DEFAULT_PORTS = {
  imap: { implicit: 993, starttls: 143, none: 143 },
  pop: { implicit: 995, starttls: 110, none: 110 },
} as const;

export interface ConnectOptions {
  host: string;
  port: number;
  tls: Transport;
  /** Who logs in and how (the one credentials type; see credentials.ts). */
  credentials: Credentials;
  /** Extra trusted CA certificates (PEM), from --ca. */
  ca?: string;
  /** --insecure: do not enforce certificate verification (still recorded). */
  insecure?: boolean;
  /** Deadline for each network step, in milliseconds. */
  timeoutMs: number;
  /** Allow sending the password over a connection without TLS (tls: 'none' only). */
  allowPlaintext?: boolean;
  /** What our own transport (transport.ts) did, for a log: connect, TLS, upgrade. */
  onEvent?: (event: TransportEvent) => void;
  /** How the host name becomes an address (--dns-server); the system's resolver when absent. */
  lookup?: LookupFunction | undefined;
}

/**
 * One step of a connection (transport.ts), for a log: TCP up, a TLS handshake done (implicit or after the
 * upgrade), the plain connection handed to TLS, or one of them failing. Never a command or received data.
 */
export interface TransportEvent {
  step: 'connect' | 'tls' | 'upgrade';
  /** One line for the log: "connected to mail.example.com:993", "implicit TLS TLSv1.3 …, certificate …". */
  what: string;
  /** How long the step took (upgrade: how long the plain connection was open before it). */
  ms: number;
  ok: boolean;
  /** A handshake that completed: what a log shows of it. */
  tls?: {
    mode: 'implicit' | 'starttls';
    protocol: string | null;
    cipher: string | null;
    subject: string | null;
    validTo: string | null;
    verified: boolean;
  };
}

/** A TLS mode outside implicit|starttls|none (e.g. a repeated CLI flag that became an array). */
export class TransportModeError extends Error {
  constructor(readonly value: unknown) {
    super(`unknown TLS mode ${JSON.stringify(value) ?? String(value)} (expected implicit, starttls or none): nothing was sent`);
    this.name = 'TransportModeError';
  }
}

/**
 * The one check of a connection's TLS mode, before any byte goes out: anything but exactly 'implicit',
 * 'starttls' or 'none' throws, so an unexpected value can never fall through to the unprotected path.
 */
export function transportMode(tls: unknown): Transport {
  if (tls === 'implicit' || tls === 'starttls' || tls === 'none') return tls;
  throw new TransportModeError(tls);
}

/** A password may travel without TLS only when the mode is exactly 'none' and plaintext was allowed. */
export function plaintextAllowed(opts: Pick<ConnectOptions, 'tls' | 'allowPlaintext'>): boolean {
  return transportMode(opts.tls) === 'none' && opts.allowPlaintext === true;
}

const secureContexts = new Map<string, SecureContext>();

/**
 * One TLS context per CA bundle (or the default roots) for the whole process: tls.connect would build a new
 * one for every connection, parsing the CA each time (~2 ms of CPU, paid three times per account in a scan).
 */
export function secureContextFor(ca: ConnectOptions['ca']): SecureContext {
  const key = ca ?? '';
  let ctx = secureContexts.get(key);
  if (!ctx) {
    ctx = createSecureContext(ca === undefined ? {} : { ca });
    secureContexts.set(key, ctx);
  }
  return ctx;
}

/** Options Node's tls.connect needs for our verification policy. */
export function tlsConnectOptions(opts: Pick<ConnectOptions, 'host' | 'ca' | 'insecure'>) {
  return {
    host: opts.host,
    servername: isIpAddress(opts.host) ? undefined : opts.host,
    secureContext: secureContextFor(opts.ca),
    // With --insecure the handshake goes on, and tlsFacts() still records whether and why verification failed.
    rejectUnauthorized: !opts.insecure,
  };
}

export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

function nameOf(entity: Record<string, string | string[] | undefined> | undefined): string {
  if (!entity) return '';
  return Object.entries(entity)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** TLS session and certificate facts from a connected TLS socket. */
export function tlsFacts(socket: TLSSocket, mode: 'implicit' | 'starttls', insecure: boolean): TlsFacts {
  const cipher = socket.getCipher();
  const cert = socket.getPeerCertificate(false) as PeerCertificate | Record<string, never>;
  const hasCert = cert && 'subject' in cert && cert.subject !== undefined;
  const authError = socket.authorizationError;
  return {
    mode,
    protocol: socket.getProtocol() ?? null,
    cipher: cipher?.standardName ?? cipher?.name ?? null,
    verified: socket.authorized,
    verifyError: socket.authorized ? null : authError ? String(authError) : 'unverified',
    insecure,
    certificate: hasCert
      ? {
          subject: nameOf(cert.subject),
          issuer: nameOf(cert.issuer),
          subjectAltNames: (cert.subjectaltname ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          validFrom: new Date(cert.valid_from).toISOString(),
          validTo: new Date(cert.valid_to).toISOString(),
          selfSigned: nameOf(cert.subject) === nameOf(cert.issuer),
          fingerprint256: cert.fingerprint256,
        }
      : null,
  };
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** Map a Node network/TLS error to a probe error. `step` names what we were doing. */
export function classifyNetworkError(err: unknown, step: string, endpoint: string, protocol?: 'imap' | 'pop3'): ProbeError {
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  let kind: ProbeErrorKind = 'unreachable';
  let message: string;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    kind = 'dns';
    message = `cannot resolve host name of ${endpoint}`;
  } else if (code === 'ECONNREFUSED') {
    kind = 'refused';
    message = `connection to ${endpoint} refused (nothing listens on that port)`;
  } else if (code === 'ETIMEDOUT' || code === 'ETIMEOUT') {
    kind = 'timeout';
    message = `no answer from ${endpoint} during ${step}`;
  } else if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(e?.message ?? '')) {
    // Implicit TLS against a port that speaks plain text (STARTTLS/STLS or none): a port/mode mismatch, not a
    // certificate problem. The code keeps the analyzer's reading (a handshake failure: check TLS mode and port).
    kind = 'tls';
    const port = /:(\d+)$/.exec(endpoint)?.[1] ?? '?';
    const flag = protocol === 'pop3' ? '--pop-tls' : protocol === 'imap' ? '--imap-tls' : '--imap-tls/--pop-tls';
    const implicitPort = protocol === 'pop3' ? '995' : protocol === 'imap' ? '993' : '993/995';
    message = `TLS with ${endpoint} failed: port ${port} speaks plain text, not TLS; use ${flag} starttls (or the implicit-TLS port ${implicitPort})`;
    return { kind, message, step, code: code || 'ERR_SSL_WRONG_VERSION_NUMBER' };
  } else if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(e?.message ?? '')) {
    kind = 'tls';
    message = `TLS with ${endpoint} failed: ${code || e?.message}`;
  } else if (code === 'ECONNRESET' || code === 'EPIPE') {
    kind = 'unreachable';
    message = `${endpoint} closed the connection during ${step}`;
  } else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') {
    kind = 'unreachable';
    message = `${endpoint} is unreachable (${code})`;
  } else {
    message = `${step} with ${endpoint} failed: ${oneLine(e?.message ?? String(err))}`;
  }
  return { kind, message, step, ...(code ? { code } : {}) };
}

/** A deadline in words: "5 s", "0.8 s". */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The probe error of a port that took the connection and then said nothing within the deadline. */
export function noGreeting(endpoint: string, ms: number, step: 'greeting' | 'tls', hint = ''): ProbeError {
  const what = step === 'tls' ? 'did not answer the TLS handshake' : 'sent no greeting';
  return { kind: 'timeout', step, code: 'NO-GREETING', message: `connected to ${endpoint}, but the server ${what} within ${seconds(ms)}${hint}` };
}

const GREETINGS: [RegExp, string][] = [
  [/^\* (OK|PREAUTH|BYE)\b/i, 'IMAP'],
  [/^(\+OK|-ERR)\b/i, 'POP3'],
  [/^220[ -]/, 'SMTP'],
  [/^SSH-/, 'SSH'],
  [/^HTTP\/\d/i, 'HTTP'],
];

/**
 * The probe error for a first line that is another protocol's greeting (a POP3 "+OK" on an IMAP port, an IMAP
 * "* OK" on a POP3 port, SMTP, SSH), or null when the line does not look like any of them. Decided on the first
 * line, so the probe need not wait out its deadline.
 */
export function otherProtocol(line: string, expected: 'IMAP' | 'POP3', endpoint: string): ProbeError | null {
  const found = GREETINGS.find(([re]) => re.test(line))?.[1];
  if (!found || found === expected) return null;
  return {
    kind: 'protocol',
    step: 'greeting',
    code: 'OTHER-PROTOCOL',
    message: `${endpoint} speaks another protocol on this port (looks like ${found}), not ${expected}`,
    serverText: oneLine(line, 300),
  };
}

/** Collapse a server or error text to one printable line of bounded length. */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\r\n]+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '?').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

