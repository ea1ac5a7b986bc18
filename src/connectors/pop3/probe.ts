// One short, read-only POP3 session → Pop3Evidence, or a classified probe error. Never throws.
// The session: connect, greeting, CAPA, [STLS, CAPA], login, CAPA, STAT, then UIDL n and LIST n (one flight with PIPELINING) for a sample of
// the messages (UIDL and LIST of all of them when asked: fullListing), QUIT. While it is open the
// customer's own POP client may be locked out ([IN-USE]), so nothing else is done in it.
import type { Anomaly, Pop3Evidence, Pop3LoginEvidence, Pop3LoginResult, Pop3Result, ProbeError, Transport } from '../../snapshot/schema.js';
import { resultWords, tlsOutcome, tlsWords, tracer, type Tracer, type TraceSink } from '../trace.js';
import { anomaly, countAnomaly } from '../anomalies.js';
import { classifyNetworkError, oneLine, plaintextAllowed, transportMode, TransportModeError, type ConnectOptions } from '../common.js';
import { scrub } from '../../snapshot/scrub.js';
import { parseCapa } from './capa.js';
import { Pop3Client, readListColumns, readUidlColumns } from './client.js';
import { Pop3Error } from './errors.js';
import { int, type ListColumns, type UidlColumns } from './listing.js';
import { mapUidls, type UidlHalves } from './uidl.js';
import { popLogin, popLoginMethod } from './login.js';
import { popSampleNumbers } from '../pop-sample.js';
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
  /** The test log: told each step as it ends (connect, TLS, greeting, each command, the login), secrets scrubbed. */
  trace?: TraceSink;
  /**
   * Read UIDL and LIST of every message, and why (recorded as fullListingReason). Absent: a sample of them
   * (UIDL n, LIST n for popSampleNumbers of STAT's count).
   */
  fullListing?: NonNullable<Pop3Evidence['fullListingReason']>;
}

const ms = (from: number) => Math.max(0, Math.round(performance.now() - from));

/** What a login-only POP3 probe takes: the connection, the login preference and the test log. */
export type Pop3LoginOptions = Omit<Pop3ProbeOptions, 'implementationHint' | 'anomalies'>;

/** A session logged in, with what the login showed. */
interface Session {
  client: Pop3Client;
  /** When the connection was opened (Pop3Evidence.sessionMs runs from here to QUIT). */
  sessionStart: number;
  greeting: string;
  capaPreLogin: string[] | null;
  capaBeforeStls: string[] | null | undefined;
  pre: ReturnType<typeof parseCapa>;
  loginMethod: string;
  mode: Transport;
}

/**
 * Run one session and record its outcome: connect, greeting, CAPA, [STLS, CAPA], login, then `body`, then QUIT
 * (sent, not awaited: nothing was read that a slow answer could change). Resolves with what `body` gathered or a
 * probe error; never rejects.
 */
async function settle<E>(opts: Pop3LoginOptions, body: (session: Session, tr: Tracer) => Promise<{ evidence: E } | { error: ProbeError }>): Promise<{ ok: true; durationMs: number; evidence: E } | { ok: false; durationMs: number; error: ProbeError }> {
  const started = performance.now();
  const endpoint = `${opts.host}:${opts.port}`;
  const tr = tracer('pop3', opts.trace, opts.credentials, [endpoint, opts.host]);
  let client: Pop3Client | null = null;
  const fail = (raw: ProbeError): { ok: false; durationMs: number; error: ProbeError } => {
    const error = sanitise(raw, secretsOf(opts.credentials), [endpoint, opts.host]);
    tr.emit('result', 'failed', ms(started), resultWords(error));
    return { ok: false, durationMs: ms(started), error };
  };
  // QUIT sent, not awaited: nothing was read that a slow answer could change.
  const quitQuietly = () => {
    if (client?.usable) tr.emit('QUIT', 'info', null, 'sent, not waited for');
    client?.goodbye();
  };
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
      lookup: opts.lookup,
    });
    const c = client;
    const sessionStart = performance.now();
    const greeting = await tr.timed('connect', () => c.connect(), () => `${endpoint}: TCP${mode === 'implicit' ? ', TLS handshake' : ''} and greeting`);
    if (c.tls) tr.emit('tls', tlsOutcome(c.tls), null, tlsWords(c.tls));
    tr.emit('greeting', 'info', null, greeting.line);
    let capaPreLogin = await tr.timed('CAPA', () => c.capa(), capaWords);
    let capaBeforeStls: string[] | null | undefined;

    if (mode === 'starttls') {
      // Without CAPA we cannot know: try STLS, whose -ERR means the same.
      if (capaPreLogin !== null && !parseCapa(capaPreLogin).tags.has('STLS')) {
        quitQuietly();
        return fail({ kind: 'starttls-missing', step: 'starttls', message: `${endpoint} does not offer STLS (its CAPA lacks it)` });
      }
      await tr.timed('STLS', () => c.stls(), () => 'TLS handshake');
      if (c.tls) tr.emit('tls', tlsOutcome(c.tls), null, `after STLS: ${tlsWords(c.tls)}`);
      capaBeforeStls = capaPreLogin;
      capaPreLogin = await tr.timed('CAPA', () => c.capa(), capaWords);
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
    tr.emit('capabilities', 'info', null, capaPreLogin === null ? 'no CAPA (the server answered -ERR): USER/PASS is tried' : capaPreLogin.join(' ') || '(none)');
    const loginMethod = popLoginMethod(opts.credentials, pre, capaPreLogin !== null, c.secure, opts.preferSasl ?? true, endpoint);
    if (typeof loginMethod !== 'string') {
      quitQuietly();
      return fail(loginMethod);
    }
    await tr.timed('login', () => popLogin(c, opts.credentials, loginMethod), () => loginMethod);

    const done = await body({ client: c, sessionStart, greeting: oneLine(greeting.line.replace(/^\+OK\s*/i, '')), capaPreLogin, capaBeforeStls, pre, loginMethod, mode }, tr);
    quitQuietly();
    if ('error' in done) return fail(done.error);
    tr.emit('result', 'ok', ms(started), 'everything asked for was read');
    return { ok: true, durationMs: ms(started), evidence: done.evidence };
  } catch (e) {
    return fail(toProbeError(e, endpoint));
  } finally {
    client?.close();
    tr.close();
  }
}

const capaWords = (lines: string[] | null) => (lines === null ? 'not supported (-ERR)' : `${lines.length} capabilit${lines.length === 1 ? 'y' : 'ies'}`);

/**
 * A login-only probe (check --just-login): connect, TLS, greeting, CAPA, the login, QUIT. No STAT, UIDL or LIST:
 * what it records is what the login showed.
 */
export async function probePop3Login(opts: Pop3LoginOptions): Promise<Pop3LoginResult> {
  return settle(opts, (s) => {
    const evidence: Pop3LoginEvidence = {
      greeting: s.greeting,
      capaPreLogin: s.capaPreLogin,
      ...(s.capaBeforeStls !== undefined ? { capaBeforeStls: s.capaBeforeStls } : {}),
      implementation: s.pre.implementation,
      transport: s.mode,
      tls: s.client.tls,
      loginMethod: s.loginMethod,
    };
    return Promise.resolve({ evidence });
  });
}

/** Probe one POP3 account. Resolves with evidence or a probe error; never rejects. */
export async function probePop3(opts: Pop3ProbeOptions): Promise<Pop3Result> {
  const endpoint = `${opts.host}:${opts.port}`;
  return settle(opts, async ({ client, sessionStart, greeting, capaPreLogin, capaBeforeStls, pre, loginMethod, mode }, tr): Promise<{ evidence: Pop3Evidence } | { error: ProbeError }> => {
    const capaPostLogin = await tr.timed('CAPA', () => client.capa(), capaWords);
    const stat = await tr.timed('STAT', () => client.stat(), (st) => `${st.messages} message${st.messages === 1 ? '' : 's'}, ${st.sizeBytes} bytes`);
    const statOdd = countAnomaly('pop3', 'stat', 'the STAT message count', stat.messages) ?? countAnomaly('pop3', 'stat', 'the STAT size', stat.sizeBytes);
    if (statOdd) {
      // Every later number is measured against STAT: with STAT beyond counting, none of them can be read.
      opts.anomalies?.push(statOdd);
      return { error: { kind: 'protocol', step: 'stat', code: 'ANOMALY', message: `${endpoint} sent a STAT that makes no sense: ${statOdd.detail}` } };
    }
    const post = parseCapa(capaPostLogin);
    const implementation = post.implementation ?? pre.implementation;
    const hints = { greeting, implementation, hint: opts.implementationHint ?? null };
    let messages: Pop3Evidence['messages'];
    let mapped: ReturnType<typeof mapUidls>;
    let sessionMs: number;
    if (opts.fullListing) {
      const uidl = await tr.timed('UIDL', () => readUidlColumns(client), (u) => (u === null ? 'not supported (-ERR)' : `${u.count} unique-id${u.count === 1 ? '' : 's'}`));
      const list = await tr.timed('LIST', () => readListColumns(client), (l) => `${l.count} message${l.count === 1 ? '' : 's'}`);
      // Everything is read. QUIT is sent but not awaited (settle): a server slow to answer it must not delay the report.
      sessionMs = ms(sessionStart);
      opts.anomalies?.push(...listingAnomalies(stat.messages, list, uidl));
      const joined = joinByNumber(list, uidl);
      messages = joined.messages;
      mapped = mapUidls(joined.uidls, hints, joined.halves);
    } else {
      const numbers = popSampleNumbers(stat.messages);
      const sample = await tr.timed('UIDL n, LIST n', () => client.scanListings(numbers), (rows) => `${rows.length} sampled message${rows.length === 1 ? '' : 's'} of ${stat.messages}`);
      sessionMs = ms(sessionStart);
      opts.anomalies?.push(...sampleAnomalies(stat.messages, sample));
      const rows = sample.filter((r) => r.sizeBytes !== null);
      messages = rows.map((r) => ({ n: r.n, sizeBytes: r.sizeBytes!, uidl: r.uidl }));
      const uidls = messages.every((m) => m.uidl === null) && messages.length > 0 ? null : messages.map((m) => m.uidl);
      mapped = mapUidls(uidls, hints);
    }
    const { uidlFormat, uidlMap } = mapped;

    const evidence: Pop3Evidence = {
      greeting,
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
      listing: opts.fullListing ? 'full' : 'sample',
      ...(opts.fullListing ? { fullListingReason: opts.fullListing } : {}),
      messages,
      uidlFormat,
      uidlMap,
      sessionMs,
    };
    return { evidence };
  });
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
 * What a sampled listing says against STAT: a message number STAT counted that LIST n refuses, or one unique-id
 * given to two sampled messages. (Duplicates among the messages not sampled show only in a full listing.)
 */
function sampleAnomalies(statMessages: number, rows: ReadonlyArray<{ n: number; uidl: string | null; sizeBytes: number | null }>): Anomaly[] {
  const out: Anomaly[] = [];
  const missing = rows.filter((r) => r.sizeBytes === null);
  if (missing.length) out.push(anomaly('pop3', 'list', 'count-mismatch', `LIST refuses message ${missing[0]!.n}${missing.length > 1 ? ` and ${missing.length - 1} more` : ''}, STAT counted ${statMessages}`));
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.uidl === null) continue;
    if (seen.has(r.uidl)) {
      out.push(anomaly('pop3', 'uidl', 'duplicate', `UIDL ${r.n} repeats a unique-id already given (${r.uidl})`));
      break;
    }
    seen.add(r.uidl);
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
