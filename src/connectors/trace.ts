// How a connector writes the test log (snapshot/trace.ts): a tracer per session that times steps, words
// failures, and scrubs every text of the credentials' secrets (secretsOf: the password and the SASL PLAIN
// response, and scrub adds their base64) before it leaves the connector, so an echoing server cannot put them
// into the log.
import type { ProbeError, TlsFacts } from '../snapshot/schema.js';
import type { TraceEvent, TraceOutcome, TraceProtocol } from '../snapshot/trace.js';
import { scrub } from '../snapshot/scrub.js';
import { oneLine } from './common.js';
import { secretsOf, type Credentials } from './credentials.js';

export type TraceSink = (event: TraceEvent) => void;

export interface Tracer {
  /** Whether anyone listens: callers skip work done only for the log. */
  readonly on: boolean;
  emit(step: string, outcome: TraceOutcome, ms: number | null, detail?: string | null): void;
  /** Run one step and log it: ok with `ok(result)` as detail, failed with the error's words; rethrows. */
  timed<T>(step: string, fn: () => Promise<T>, ok?: (result: T) => string | null): Promise<T>;
  /** After this nothing more is logged (a late reply after the probe has returned says nothing new). */
  close(): void;
}

const since = (t: number) => Math.max(0, Math.round(performance.now() - t));

/** The words of a failed step: the server's tagged answer (NO/BAD and its text), else the error's message. */
export function failureWords(e: unknown): string {
  const err = (e ?? {}) as { responseStatus?: unknown; responseText?: unknown; message?: unknown; code?: unknown };
  if (typeof err.responseStatus === 'string') return `${err.responseStatus}${typeof err.responseText === 'string' && err.responseText ? `: ${err.responseText}` : ''}`;
  const message = typeof err.message === 'string' ? err.message : String(e);
  return typeof err.code === 'string' && !message.includes(err.code) ? `${message} (${err.code})` : message;
}

/** The last line of a session's log when it failed: "auth during login: …", "tls: …". */
export function resultWords(error: ProbeError): string {
  return `${error.kind}${error.step && error.step !== error.kind ? ` during ${error.step}` : ''}: ${error.message}`;
}

const NOOP: Tracer = { on: false, emit: () => {}, timed: (_step, fn) => fn(), close: () => {} };

/** A tracer for one protocol session; without a sink it costs nothing. */
export function tracer(protocol: TraceProtocol, sink: TraceSink | undefined, credentials: Credentials, keep: readonly string[]): Tracer {
  if (!sink) return NOOP;
  const secrets = secretsOf(credentials);
  const clean = (text: string, max: number) => oneLine(scrub(text, secrets, [credentials.user, ...keep]), max);
  let open = true;
  const emit: Tracer['emit'] = (step, outcome, ms, detail = null) => {
    if (!open) return;
    try {
      sink({ protocol, step: clean(step, 120), detail: detail === null ? null : clean(detail, 600), ms, outcome });
    } catch {
      /* a listener that throws must not break the probe */
    }
  };
  return {
    on: true,
    emit,
    async timed(step, fn, ok) {
      const t = performance.now();
      try {
        const result = await fn();
        emit(step, 'ok', since(t), ok ? ok(result) : null);
        return result;
      } catch (e) {
        emit(step, 'failed', since(t), failureWords(e));
        throw e;
      }
    },
    close() {
      open = false;
    },
  };
}

/** "TLSv1.3, TLS_AES_256_GCM_SHA384; certificate CN=mail.example.com, issued by …, valid until 2027-03-01; verified". */
export function tlsWords(t: TlsFacts): string {
  const c = t.certificate;
  const cert = c ? `certificate ${c.subject || '(no subject)'}, issued by ${c.selfSigned ? 'itself' : c.issuer || '(no issuer)'}, valid until ${c.validTo.slice(0, 10)}` : 'no certificate';
  const check = t.verified ? 'verified' : `not verified: ${t.verifyError ?? 'unverified'}${t.insecure ? ' (--insecure: going on)' : ''}`;
  return `${[t.protocol, t.cipher].filter(Boolean).join(', ') || 'TLS'}; ${cert}; ${check}`;
}

/** A TLS step's outcome: ok when the certificate verified, failed when it did not (even when --insecure goes on). */
export function tlsOutcome(t: TlsFacts): TraceOutcome {
  return t.verified ? 'ok' : 'failed';
}

/** "127.0.0.1:993", "[::1]:993": where a socket went. */
export function peerWords(address: string | undefined, port: number | undefined): string | null {
  if (!address) return null;
  return `${address.includes(':') ? `[${address}]` : address}${port ? `:${port}` : ''}`;
}
