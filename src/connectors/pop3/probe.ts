// One short, read-only POP3 session → Pop3Evidence, or a classified probe error. Never throws.
// The session: connect, greeting, CAPA, [STLS, CAPA], login, CAPA, STAT, UIDL, LIST, QUIT. While it is open the
// customer's own POP client may be locked out ([IN-USE]), so nothing else is done in it.
import type { Anomaly, Pop3Evidence, Pop3Result, ProbeError } from '../../snapshot/schema.js';
import { anomaly, countAnomaly } from '../anomalies.js';
import { classifyNetworkError, oneLine, plaintextAllowed, transportMode, TransportModeError, type ConnectOptions } from '../common.js';
import { scrub } from '../../snapshot/scrub.js';
import { parseCapa } from './capa.js';
import { Pop3Client, readListColumns, readUidlColumns } from './client.js';
import { Pop3Error } from './errors.js';
import { int, type ListColumns, type UidlColumns } from './listing.js';
import { mapUidls, type UidlHalves } from './uidl.js';
import { popLogin, popLoginMethod } from './login.js';
import { secretNoun, secretsOf } from '../credentials.js';

export interface Pop3ProbeOptions extends ConnectOptions {
  /** Log in with SASL PLAIN when the server offers it (default true); false prefers USER/PASS when offered. */
  preferSasl?: boolean;
  /** What the caller knows about the server software ("dovecot", ...): helps read ambiguous UIDLs. */
  implementationHint?: string;
  /** Longest reply line accepted (default 64 KiB). */
  maxLineBytes?: number;
  /** Where server data that made no sense is recorded (snapshot.anomalies). */
  anomalies?: Anomaly[];
}

const ms = (from: number) => Math.max(0, Math.round(performance.now() - from));

/** Probe one POP3 account. Resolves with evidence or a probe error; never rejects. */
export async function probePop3(opts: Pop3ProbeOptions): Promise<Pop3Result> {
  const started = performance.now();
  const endpoint = `${opts.host}:${opts.port}`;
  let client: Pop3Client | null = null;
  const fail = (error: ProbeError): Pop3Result => ({ ok: false, durationMs: ms(started), error: sanitise(error, secretsOf(opts.credentials), [`${opts.host}:${opts.port}`, opts.host]) });
  // QUIT sent, not awaited: nothing was read that a slow answer could change.
  const quitQuietly = () => client?.goodbye();
  try {
    // Before any byte goes out: an unknown mode is an error, never a weaker default.
    const mode = transportMode(opts.tls);
    client = new Pop3Client({
      host: opts.host,
      port: opts.port,
      transport: mode === 'implicit' ? 'implicit' : 'plain',
      ca: opts.ca,
      insecure: opts.insecure,
      timeoutMs: opts.timeoutMs,
      maxLineBytes: opts.maxLineBytes,
      onEvent: opts.onEvent,
    });
    const sessionStart = performance.now();
    const greeting = await client.connect();
    let capaPreLogin = await client.capa();
    let capaBeforeStls: string[] | null | undefined;

    if (mode === 'starttls') {
      // Without CAPA we cannot know: try STLS, whose -ERR means the same.
      if (capaPreLogin !== null && !parseCapa(capaPreLogin).tags.has('STLS')) {
        quitQuietly();
        return fail({ kind: 'starttls-missing', step: 'starttls', message: `${endpoint} does not offer STLS (its CAPA lacks it)` });
      }
      await client.stls();
      capaBeforeStls = capaPreLogin;
      capaPreLogin = await client.capa();
    }

    if (mode === 'none' && !plaintextAllowed(opts)) {
      const stls = parseCapa(capaPreLogin).tags.has('STLS');
      quitQuietly();
      return fail({
        kind: 'plaintext-refused',
        step: 'login',
        message: `not sending the ${secretNoun(opts.credentials)} to ${endpoint} without TLS (plaintext not allowed)${stls ? '; the server offers STLS' : ''}`,
        ...(stls ? { starttlsOffered: true } : {}),
      });
    }

    const pre = parseCapa(capaPreLogin);
    const loginMethod = popLoginMethod(opts.credentials, pre, capaPreLogin !== null, client.secure, opts.preferSasl ?? true, endpoint);
    if (typeof loginMethod !== 'string') {
      quitQuietly();
      return fail(loginMethod);
    }
    await popLogin(client, opts.credentials, loginMethod);

    const capaPostLogin = await client.capa();
    const stat = await client.stat();
    const statOdd = countAnomaly('pop3', 'stat', 'the STAT message count', stat.messages) ?? countAnomaly('pop3', 'stat', 'the STAT size', stat.sizeBytes);
    if (statOdd) {
      // Every later number is measured against STAT: with STAT beyond counting, none of them can be read.
      opts.anomalies?.push(statOdd);
      client.goodbye();
      return fail({ kind: 'protocol', step: 'stat', code: 'ANOMALY', message: `${endpoint} sent a STAT that makes no sense: ${statOdd.detail}` });
    }
    const uidl = await readUidlColumns(client);
    const list = await readListColumns(client);
    // Everything is read. QUIT is sent but not awaited: a server slow to answer it must not delay the report.
    client.goodbye();
    const sessionMs = ms(sessionStart);
    opts.anomalies?.push(...listingAnomalies(stat.messages, list, uidl));

    const post = parseCapa(capaPostLogin);
    const implementation = post.implementation ?? pre.implementation;
    const { messages, uidls, halves } = joinByNumber(list, uidl);
    const greetingText = oneLine(greeting.line.replace(/^\+OK\s*/i, ''));
    const hints = { greeting: greetingText, implementation, hint: opts.implementationHint ?? null };
    const { uidlFormat, uidlMap } = mapUidls(uidls, hints, halves);

    const evidence: Pop3Evidence = {
      greeting: greetingText,
      capaPreLogin,
      ...(capaBeforeStls !== undefined ? { capaBeforeStls } : {}),
      capaPostLogin,
      implementation,
      expire: post.expire ?? pre.expire,
      loginDelaySeconds: post.loginDelaySeconds ?? pre.loginDelaySeconds,
      transport: mode,
      tls: client.tls,
      loginMethod,
      stat,
      messages,
      uidlFormat,
      uidlMap,
      sessionMs,
    };
    return { ok: true, durationMs: ms(started), evidence };
  } catch (e) {
    return fail(toProbeError(e, endpoint));
  } finally {
    client?.close();
  }
}

/**
 * What one session's listings say against each other. The maildrop is locked for the session (RFC 1939 §3), so
 * STAT, UIDL and LIST count the same messages, and a unique-id is unique (§7): anything else is recorded.
 */
export function listingAnomalies(statMessages: number, list: ListColumns, uidl: UidlColumns | null): Anomaly[] {
  const out: Anomaly[] = [];
  if (list.count !== statMessages) out.push(anomaly('pop3', 'list', 'count-mismatch', `LIST lists ${list.count} messages, STAT counted ${statMessages}`));
  if (uidl) {
    if (uidl.count !== statMessages) out.push(anomaly('pop3', 'uidl', 'count-mismatch', `UIDL lists ${uidl.count} messages, STAT counted ${statMessages}`));
    const seen = new Set<string>();
    let repeats = 0;
    let first: string | null = null;
    for (let i = 0; i < uidl.count; i++) {
      const id = uidl.ids[i]!;
      if (seen.has(id)) {
        repeats++;
        first ??= id;
      } else seen.add(id);
    }
    if (repeats > 0) out.push(anomaly('pop3', 'uidl', 'duplicate', `${repeats} UIDL ${repeats === 1 ? 'line repeats' : 'lines repeat'} a unique-id already given (first: ${first})`));
  }
  return out;
}

/**
 * LIST and UIDL joined by message number, in LIST's order, and the UIDL of each message (null where UIDL has none;
 * null throughout without UIDL). Servers answer both in message-number order, so the join is normally a walk
 * side by side, with a lookup by number only when the two differ.
 */
function joinByNumber(
  list: ListColumns,
  uidl: UidlColumns | null,
): { messages: Pop3Evidence['messages']; uidls: (string | null)[] | null; halves?: UidlHalves } {
  const count = list.count;
  const messages: Pop3Evidence['messages'] = [];
  if (uidl === null) {
    for (let i = 0; i < count; i++) messages.push({ n: int(list.n[i]!), sizeBytes: int(list.sizes[i]!), uidl: null });
    return { messages, uidls: null };
  }
  // Same numbers in the same order, and rising (with a repeated number the lookup below would pick the last UIDL).
  let aligned = uidl.count === count;
  for (let i = 0; aligned && i < count; i++) aligned = uidl.n[i] === list.n[i] && (i === 0 || list.n[i]! > list.n[i - 1]!);
  if (aligned) {
    for (let i = 0; i < count; i++) messages.push({ n: int(list.n[i]!), sizeBytes: int(list.sizes[i]!), uidl: uidl.ids[i]! });
    return { messages, uidls: uidl.ids, halves: uidl };
  }
  const byNumber = new Map<number, string>();
  for (let i = 0; i < uidl.count; i++) byNumber.set(uidl.n[i]!, uidl.ids[i]!);
  const uidls: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const id = byNumber.get(list.n[i]!) ?? null;
    messages.push({ n: int(list.n[i]!), sizeBytes: int(list.sizes[i]!), uidl: id });
    uidls.push(id);
  }
  return { messages, uidls };
}

function toProbeError(e: unknown, endpoint: string): ProbeError {
  if (e instanceof TransportModeError) return { kind: 'internal', step: 'connect', code: 'TLS_MODE', message: e.message };
  if (e instanceof Pop3Error) return e.toProbeError();
  if (e && typeof e === 'object' && 'code' in e) return classifyNetworkError(e, 'connect', endpoint, 'pop3');
  return { kind: 'internal', message: `POP3 probe of ${endpoint} failed: ${e instanceof Error ? e.message : String(e)}` };
}

function sanitise(error: ProbeError, secrets: readonly string[], keep: string[]): ProbeError {
  const clean = (t: string) => oneLine(scrub(t, secrets, keep));
  return {
    ...error,
    message: clean(error.message),
    ...(error.serverText !== undefined ? { serverText: clean(error.serverText) } : {}),
  };
}
