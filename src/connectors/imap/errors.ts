// How the IMAP probe fails: a ProbeFailure carries the ProbeError to record; classifyImapError maps what
// imapflow, Node's sockets or our own preflight threw onto a probe error kind.
import { classifyNetworkError, oneLine, TransportModeError } from '../common.js';
import { raceDeadline } from '../transport.js';
import { scrub } from '../../snapshot/scrub.js';
import type { ProbeError, ProbeErrorKind } from '../../snapshot/schema.js';
import { describeOAuth2Refusal, type OAuth2Refusal } from '../credentials.js';

export class ProbeFailure extends Error {
  constructor(readonly error: ProbeError) {
    super(error.message);
    this.name = 'ProbeFailure';
  }
}

export function fail(kind: ProbeErrorKind, step: string, message: string, extra: Partial<ProbeError> = {}): never {
  throw new ProbeFailure({ kind, step, message, ...extra });
}

/** A deadline fired. */
export class StepTimeout extends Error {
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super(`no answer within ${ms} ms during ${step}`);
    this.name = 'StepTimeout';
  }
}

const OAUTH2_MARK = Symbol('maildoctor.oauth2');

/** Mark a refused login error with the OAuth2 mechanism used and what the server's error challenge said. */
export function markOAuth2Refusal(e: object, refusal: OAuth2Refusal): void {
  (e as Record<symbol, unknown>)[OAUTH2_MARK] = refusal;
}

function oauth2RefusalOf(e: unknown): OAuth2Refusal | undefined {
  return e && typeof e === 'object' ? ((e as Record<symbol, OAuth2Refusal | undefined>)[OAUTH2_MARK] ?? undefined) : undefined;
}

/** IMAP response codes (RFC 5530 and friends) that say more than "NO". */
const RESPONSE_CODE_KINDS: Record<string, ProbeErrorKind> = {
  AUTHENTICATIONFAILED: 'auth',
  AUTHORIZATIONFAILED: 'auth',
  EXPIRED: 'auth',
  CONTACTADMIN: 'auth',
  PRIVACYREQUIRED: 'plaintext-refused',
  UNAVAILABLE: 'sys-temp',
  SERVERBUG: 'sys-temp',
  LIMIT: 'sys-temp',
  INUSE: 'in-use',
  OVERQUOTA: 'sys-perm',
  NOPERM: 'sys-perm',
};

interface ImapFlowErrorLike {
  message?: string;
  code?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseStatus?: string;
  responseText?: string;
  response?: unknown;
  reason?: string;
}

/** Map anything thrown during `step` onto a ProbeError. Never leaks a secret of the credentials. */
export function classifyImapError(err: unknown, step: string, endpoint: string, secrets: string | readonly string[]): ProbeError {
  const clean = (s: string) => oneLine(scrub(s, secrets, [endpoint, endpoint.replace(/:\d+$/, '')]));
  if (err instanceof ProbeFailure) return { ...err.error, message: clean(err.error.message) };
  if (err instanceof TransportModeError) return { kind: 'internal', step: 'connect', code: 'TLS_MODE', message: clean(err.message) };
  if (err instanceof StepTimeout) {
    return { kind: 'timeout', step: err.step, message: `no answer from ${endpoint} within ${err.ms} ms during ${err.step}` };
  }
  const e = (err ?? {}) as ImapFlowErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const serverText = typeof e.responseText === 'string' ? clean(e.responseText) : typeof e.response === 'string' ? clean(e.response) : undefined;
  const rc = typeof e.serverResponseCode === 'string' ? e.serverResponseCode.toUpperCase() : codeFromText(serverText);
  if (e.authenticationFailed) {
    const kind = (rc && RESPONSE_CODE_KINDS[rc]) || 'auth';
    const oauth2 = oauth2RefusalOf(err);
    if (oauth2) for (const k of ['status', 'scope', 'schemes'] as const) if (oauth2[k] !== undefined) oauth2[k] = clean(oauth2[k]);
    const what = oauth2 ? `the access token (${oauth2.mechanism}${describeOAuth2Refusal(oauth2) ? `: ${describeOAuth2Refusal(oauth2)}` : ''})` : 'the login';
    return {
      kind: kind === 'sys-temp' || kind === 'plaintext-refused' || kind === 'in-use' ? kind : 'auth',
      step,
      message: `${endpoint} rejected ${what}${serverText ? `: ${serverText}` : ''}`,
      ...(rc ? { code: rc } : {}),
      ...(serverText ? { serverText } : {}),
      ...(oauth2 ? { oauth2 } : {}),
    };
  }
  if (code === 'CONNECT_TIMEOUT' || code === 'GREETING_TIMEOUT' || code === 'UPGRADE_TIMEOUT' || code === 'ETIMEOUT') {
    return { kind: 'timeout', step, code, message: `no answer from ${endpoint} during ${step} (${code})` };
  }
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') {
    const kind = (rc && RESPONSE_CODE_KINDS[rc]) || 'protocol';
    return {
      kind,
      step,
      message: `${endpoint} answered ${e.responseStatus} during ${step}${serverText ? `: ${serverText}` : ''}`,
      ...(rc ? { code: rc } : {}),
      ...(serverText ? { serverText } : {}),
    };
  }
  if (e.responseStatus === 'BYE' || code === 'NoConnection' || code === 'EConnectionClosed' || code.startsWith('ClosedAfterConnect')) {
    const reason = typeof e.reason === 'string' ? clean(e.reason) : undefined;
    return {
      kind: 'unreachable',
      step,
      code: code || 'BYE',
      message: `${endpoint} closed the connection during ${step}${reason ? `: ${reason}` : ''}`,
      ...(reason ? { serverText: reason } : {}),
    };
  }
  if (code.startsWith('ParserError') || code === 'InvalidResponse' || code === 'UnexpectedTag' || code === 'MissingTag' || code === 'LineTooLarge' || code === 'ResponseTooLarge' || code === 'TooManyTokens' || code === 'STARTTLS_INJECTION') {
    return { kind: 'protocol', step, code, message: `could not understand ${endpoint} during ${step}: ${clean(e.message ?? code)}` };
  }
  if (code === 'MissingServerExtension') {
    return { kind: 'unsupported', step, code, message: clean(e.message ?? code) };
  }
  if (/^E[A-Z]+$/.test(code) || code.startsWith('ERR_') || /certificate|self.signed|SSL|TLS/i.test(e.message ?? '') || /CERT|SIGNED|VERIFY/.test(code)) {
    const pe = classifyNetworkError(err, step, endpoint, 'imap');
    return { ...pe, message: clean(pe.message) };
  }
  return { kind: 'internal', step, ...(code ? { code } : {}), message: `unexpected failure during ${step}: ${clean(e.message ?? String(err))}` };
}

function codeFromText(text: string | undefined): string | undefined {
  const m = text ? /^\[([A-Z0-9/-]+)/i.exec(text) : null;
  return m ? m[1]!.toUpperCase() : undefined;
}

/**
 * Run `fn` with a deadline. On expiry a StepTimeout is thrown and then `onTimeout` runs (close the connection);
 * the late settlement of `fn` is swallowed so it cannot become an unhandled rejection.
 */
export function withDeadline<T>(step: string, ms: number, fn: () => Promise<T>, onTimeout: () => void): Promise<T> {
  return raceDeadline(ms, fn, () => new StepTimeout(step, ms), { onExpiry: onTimeout });
}
