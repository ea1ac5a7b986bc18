// The IMAP probe: one read-only session (EXAMINE, BODY.PEEK, STATUS, SEARCH, GETQUOTAROOT) that records
// ImapEvidence, or a login-only session (check --just-login). Never throws: every failure becomes
// { ok: false, error } with a probe error kind. With a trace sink each step goes to the test log.
import type net from 'node:net';
import { beforeEachCommand, capabilityList, closeQuietly, loginMethodOf, newImapSession, onEachCommand, sessionGreeting, sessionSocket, watchNamespaces, type ImapListEntry as ListResponse, type ImapSession } from './imapflow.js';
import { carriesSecret, secretNoun, secretsOf } from '../credentials.js';
import type { ConnectOptions } from '../common.js';
import { oneLine, otherProtocol, tlsFacts, transportMode } from '../common.js';
import type { Anomaly, Folder, FolderStatus, ImapEvidence, ImapLoginEvidence, ImapLoginResult, ImapResult, InboxFacts, Namespace, Namespaces, ProbeError, ProbePaths, Quota, Transport } from '../../snapshot/schema.js';
import { failureWords, peerWords, resultWords, tlsOutcome, tlsWords, tracer, type Tracer, type TraceSink } from '../trace.js';
import { classifyImapError, fail, ProbeFailure, withDeadline } from './errors.js';
import { isTimeout, loginFailure, watchConnection, type ConnectionWatch } from './watch.js';
import { anomaly, countAnomaly, MAX_UINT32, shown } from '../anomalies.js';
import { preflight, type Preflight } from './preflight.js';
import type { TLSSocket } from 'node:tls';
import { activity } from './mailbox/activity.js';
import { SAMPLE_MIN_MESSAGES } from './mailbox/sampling.js';
import { sweepFolders, SWEEP_MIN_FOLDERS, SWEEP_MIN_FOLDERS_OPEN, type Swept } from './mailbox/sweep.js';
import type { Ctx } from './mailbox/context.js';
import { mailboxCounts } from './mailbox/counts.js';
import { packedMessageList } from './mailbox/identities.js';
import { hasQuota, quota, QUOTA_SOURCE } from './quota.js';
import { bulkFetch, SearchSession } from './bulk.js';
import { STREAM_SEARCH_MIN_MESSAGES } from './mailbox/search.js';
import { arrivals, inboxState, repeatMessageList, type KnownMailboxes } from './repeat.js';
import { pathWords } from '../../snapshot/paths.js';
import { rawFetch } from './mailbox/fetch.js';
import { atom } from './raw.js';
import { popSampleNumbers } from '../pop-sample.js';

/** UID and RFC822.SIZE of INBOX's popSampleNumbers (sequence numbers), in one FETCH. */
async function popSampleOf(ctx: Ctx, total: number): Promise<NonNullable<InboxFacts['popSample']>> {
  const numbers = popSampleNumbers(total);
  if (numbers.length === 0) return [];
  const got = new Map<number, { uid: number | null; sizeBytes: number | null }>();
  await rawFetch(ctx, numbers.join(','), false, [atom('UID'), atom('RFC822.SIZE')], 'fetch INBOX sample', (m) => {
    const ok = (x: number | null) => (x !== null && Number.isSafeInteger(x) && x >= 0 ? x : null);
    got.set(m.seq, { uid: ok(m.uid) || null, sizeBytes: ok(m.size) });
  });
  return numbers.map((seq) => ({ seq, uid: got.get(seq)?.uid ?? null, sizeBytes: got.get(seq)?.sizeBytes ?? null }));
}

export interface ImapProbeOptions extends ConnectOptions {
  /** Also record per-message identities of INBOX (uid, size, INTERNALDATE, Message-ID hash, seen, deleted). */
  history: boolean;
  /** The probe's "now": ages are relative to it. */
  now: Date;
  onProgress?: (msg: string) => void;
  /**
   * Act as if the server lacked these capabilities (upper case, e.g. 'ESEARCH', 'WITHIN', 'ESORT',
   * 'LIST-STATUS'): exercises the fallbacks against a server that has them all. Recorded capabilities
   * stay the server's.
   */
  ignoreCapabilities?: string[];
  /**
   * With history: what the previous probe saw. INBOX identities are then read cheaply (only what changed),
   * and other folders report the Message-ID hashes of what arrived since (Folder.arrivals).
   */
  known?: KnownMailboxes;
  /** Mailboxes this big or bigger find their 30-day boundary by sampling dates (default SAMPLE_MIN_MESSAGES). */
  sampleMinMessages?: number;
  /**
   * false: examine every folder one command at a time on imapflow's session, never by the pipelined sweep of
   * mailbox/sweep.ts (default: the sweep, for SWEEP_MIN_FOLDERS small folders or more, without history's arrivals).
   */
  sweep?: boolean;
  /** History lists of this many messages or more are read on a second session of our own (default BULK_MIN_MESSAGES; Infinity: never). */
  bulkMinMessages?: number;
  /** Up to this many INBOX messages the flag and keyword counts come from one FETCH of FLAGS (tests: 0 for the searches). */
  flagsFetchMax?: number;
  /** On servers without ESEARCH, mailboxes this big or bigger are searched on a streaming session of our own (default STREAM_SEARCH_MIN_MESSAGES; Infinity: never). */
  streamSearchMinMessages?: number;
  /** Where server data that made no sense is recorded (snapshot.anomalies). */
  anomalies?: Anomaly[];
  /** Fetch UID and RFC822.SIZE of INBOX's popSampleNumbers (inbox.popSample): what a sampled POP3 listing is checked against. */
  popSample?: boolean;
  /** The test log: told each step as it ends (connect, TLS, greeting, each command, the login), secrets scrubbed. */
  trace?: TraceSink;
}

/**
 * Well-known folder names → special use, for servers without SPECIAL-USE (matched case-insensitively): the
 * English names of the common clients and providers, and the localized ones Thunderbird, Outlook and Apple Mail
 * create (German, French, Spanish, Italian, Dutch, Portuguese).
 */
const NAME_SPECIAL_USE: Record<string, string> = {
  sent: '\\Sent',
  'sent items': '\\Sent',
  'sent messages': '\\Sent',
  'sent mail': '\\Sent',
  gesendet: '\\Sent',
  'gesendete objekte': '\\Sent',
  'gesendete elemente': '\\Sent',
  'envoyés': '\\Sent',
  'éléments envoyés': '\\Sent',
  'elementos enviados': '\\Sent',
  enviados: '\\Sent',
  'posta inviata': '\\Sent',
  inviati: '\\Sent',
  verzonden: '\\Sent',
  'verzonden items': '\\Sent',
  junk: '\\Junk',
  'junk e-mail': '\\Junk',
  'junk email': '\\Junk',
  spam: '\\Junk',
  'bulk mail': '\\Junk',
  'courrier indésirable': '\\Junk',
  'correo no deseado': '\\Junk',
  'posta indesiderata': '\\Junk',
  'ongewenste e-mail': '\\Junk',
  trash: '\\Trash',
  'deleted items': '\\Trash',
  'deleted messages': '\\Trash',
  bin: '\\Trash',
  papierkorb: '\\Trash',
  'gelöschte elemente': '\\Trash',
  'gelöschte objekte': '\\Trash',
  corbeille: '\\Trash',
  'éléments supprimés': '\\Trash',
  papelera: '\\Trash',
  'elementos eliminados': '\\Trash',
  cestino: '\\Trash',
  prullenbak: '\\Trash',
  lixeira: '\\Trash',
  lixo: '\\Trash',
  drafts: '\\Drafts',
  entwürfe: '\\Drafts',
  brouillons: '\\Drafts',
  borradores: '\\Drafts',
  bozze: '\\Drafts',
  concepten: '\\Drafts',
  rascunhos: '\\Drafts',
  archive: '\\Archive',
  archives: '\\Archive',
  archiv: '\\Archive',
};
/** Parents under which a well-known leaf name keeps its meaning on any server: Gmail's own folder. */
const PROVIDER_PARENTS = new Set(['[GMAIL]', '[GOOGLE MAIL]']);
const RFC6154 = new Set(['\\All', '\\Archive', '\\Drafts', '\\Flagged', '\\Junk', '\\Sent', '\\Trash']);

/**
 * A folder's name inside the server's personal namespace: "INBOX.Sent" under Courier's "INBOX." is "Sent", "Sent"
 * under Dovecot's "" stays "Sent". `personal` is the NAMESPACE response's personal section; null (the server has
 * no NAMESPACE) takes INBOX with the folder's own separator as the prefix, as Courier and Cyrus have it. A prefix
 * is matched as sent, but for INBOX, whose name is case-insensitive (RFC 3501).
 */
export function personalName(path: string, delimiter: string | null, personal: readonly Namespace[] | null): string {
  const spaces = personal ?? (delimiter ? [{ prefix: 'INBOX', delimiter }] : []);
  for (const ns of spaces) {
    const prefix = ns.delimiter && ns.prefix && !ns.prefix.endsWith(ns.delimiter) ? `${ns.prefix}${ns.delimiter}` : ns.prefix;
    if (!prefix || path.length <= prefix.length) continue;
    const head = path.slice(0, prefix.length);
    const inbox = /^INBOX/i.test(prefix);
    if (inbox ? head.toUpperCase() === prefix.toUpperCase() : head === prefix) return path.slice(prefix.length);
  }
  return path;
}

/**
 * A folder's role from its name alone: a leaf directly in the personal namespace ("Sent" on Dovecot, "INBOX.Sent"
 * under Courier's "INBOX." prefix) or directly under Gmail's "[Gmail]" ("[Gmail]/Sent Mail"), in the server's
 * hierarchy separator. "Projects/Sent" is no Sent, and neither is "INBOX/Sent" where the personal prefix is "".
 */
export function guessSpecialUse(path: string, delimiter: string | null, personal: readonly Namespace[] | null): string | null {
  const name = personalName(path, delimiter, personal);
  const parts = delimiter ? name.split(delimiter) : [name];
  const top = parts.length === 1 || (parts.length === 2 && PROVIDER_PARENTS.has(parts[0]!.toUpperCase())) ? parts[parts.length - 1]! : null;
  return top === null ? null : (NAME_SPECIAL_USE[top.trim().toLowerCase()] ?? null);
}

/** A folder's role: from the server (SPECIAL-USE flags) unless `serverRoles` is false (the capability ignored), else from its name. */
function specialUseOf(entry: ListResponse, serverRoles: boolean, personal: readonly Namespace[] | null): { specialUse: string | null; source: 'server' | 'name' | null } {
  if (serverRoles) for (const f of entry.flags ?? []) if (RFC6154.has(f)) return { specialUse: f, source: 'server' };
  // imapflow's own guesses from names (any depth, any parent) are not taken: names are read under the namespace here.
  const su = entry.specialUse;
  const src = (entry as { specialUseSource?: string }).specialUseSource;
  if (serverRoles && su && su !== '\\Inbox' && RFC6154.has(su) && src === 'extension') return { specialUse: su, source: 'server' };
  const guess = guessSpecialUse(entry.path, entry.delimiter ?? null, personal);
  return guess ? { specialUse: guess, source: 'name' } : { specialUse: null, source: null };
}

/** A folder's STATUS, or null when it is missing, failed, or holds a number out of range (recorded in `anomalies`). */
function folderStatus(entry: ListResponse, anomalies: Anomaly[] | undefined): FolderStatus | null {
  const s = entry.status as
    | { messages?: number; uidNext?: number; uidValidity?: bigint; unseen?: number; highestModseq?: bigint; size?: number; error?: unknown }
    | undefined;
  if (!s || s.error || s.messages === undefined) return null;
  const where = `STATUS of ${oneLine(entry.path, 80)}:`;
  const odd = [
    countAnomaly('imap', 'list', `${where} MESSAGES`, s.messages, MAX_UINT32),
    s.uidNext !== undefined ? countAnomaly('imap', 'list', `${where} UIDNEXT`, s.uidNext, MAX_UINT32) : null,
    s.unseen !== undefined ? countAnomaly('imap', 'list', `${where} UNSEEN`, s.unseen, MAX_UINT32) : null,
    s.size !== undefined ? countAnomaly('imap', 'list', `${where} SIZE`, s.size) : null,
  ].filter((a) => a !== null);
  if (odd.length) {
    anomalies?.push(...odd);
    return null;
  }
  // Not sent, or no number: unknown (null), never 0 (a 0 would read as "took nothing in").
  return {
    messages: s.messages,
    uidNext: uidNextOf(s.uidNext),
    uidValidity: uidValidityOf(s.uidValidity),
    unseen: s.unseen ?? null,
    highestModseq: s.highestModseq !== undefined ? s.highestModseq.toString() : null,
    sizeBytes: s.size ?? null,
  };
}

/** A UIDNEXT as the server sent it (imapflow parsed), or null when missing or not a number from 1 to 2^32-1. */
function uidNextOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_UINT32 ? v : null;
}

/** A UIDVALIDITY (imapflow: a BigInt) as a decimal string, or null when missing or not a number from 1 to 2^32-1. */
function uidValidityOf(v: unknown): string | null {
  if (typeof v === 'bigint') return v >= 1n && v <= BigInt(MAX_UINT32) ? v.toString() : null;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_UINT32 ? String(v) : null;
}

/**
 * INBOX's UIDNEXT and UIDVALIDITY: from EXAMINE's response codes, else from STATUS INBOX (a server may send
 * neither code: Courier sends no [UIDNEXT]). What neither gives as a number is unknown (null) and recorded as
 * an anomaly; a STATUS refused (NO, BAD) leaves it unknown, a lost session fails the probe as any step does.
 */
async function inboxUids(
  box: { uidNext?: unknown; uidValidity?: unknown },
  step: Session['step'],
  client: ImapSession,
  anomalies: Anomaly[] | undefined,
): Promise<{ uidNext: number | null; uidValidity: string | null; path: ProbePaths['uids'] }> {
  let uidNext = uidNextOf(box.uidNext);
  let uidValidity = uidValidityOf(box.uidValidity);
  if (uidNext !== null && uidValidity !== null) return { uidNext, uidValidity, path: 'examine' };
  let st: { uidNext?: unknown; uidValidity?: unknown } = {};
  try {
    st = (await step('status INBOX', () => client.status('INBOX', { uidNext: uidNext === null, uidValidity: uidValidity === null }))) as typeof st;
  } catch (e) {
    const err = e as { responseStatus?: string };
    if (err.responseStatus !== 'NO' && err.responseStatus !== 'BAD') throw e;
  }
  uidNext ??= uidNextOf(st.uidNext);
  uidValidity ??= uidValidityOf(st.uidValidity);
  const said = (what: string, a: unknown, b: unknown) =>
    anomaly('imap', 'examine INBOX', 'not-a-number', `${what}: EXAMINE sent ${a === undefined ? 'none' : shown(a)} and STATUS ${b === undefined ? 'none' : shown(b)}: unknown`);
  if (uidNext === null) anomalies?.push(said('INBOX UIDNEXT', box.uidNext, st.uidNext));
  if (uidValidity === null) anomalies?.push(said('INBOX UIDVALIDITY', box.uidValidity, st.uidValidity));
  return { uidNext, uidValidity, path: 'status' };
}

function serverIdOf(client: ImapSession): Record<string, string> | null {
  const info = client.serverInfo;
  if (!info) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<unknown>(info)) {
    if (v === null || v === undefined || v === false) continue;
    const text = v instanceof Date ? v.toISOString() : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    out[k] = oneLine(text);
  }
  return Object.keys(out).length ? out : null;
}

/** The preflight facts of a TLS session imapflow has logged in on (greeting, capabilities, certificate). */
function preflightOf(client: ImapSession, opts: ConnectOptions, seen: { beforeTls: string[] | null; preLogin: string[] | null }): Preflight {
  // imapflow sends no AUTHENTICATE or LOGIN after a PREAUTH greeting.
  const preauth = seen.preLogin === null;
  const socket = sessionSocket(client) as TLSSocket | null;
  const mode = transportMode(opts.tls) === 'starttls' ? 'starttls' : 'implicit';
  const text = sessionGreeting(client);
  return {
    greeting: oneLine(`* ${preauth ? 'PREAUTH' : 'OK'}${text ? ` ${text}` : ''}`, 300),
    capabilities: seen.preLogin ?? capabilityList(client),
    capabilitiesBeforeTls: mode === 'starttls' ? seen.beforeTls : null,
    tls: socket && typeof socket.getPeerCertificate === 'function' ? tlsFacts(socket, mode, !!opts.insecure) : null,
    preauth,
  };
}

export async function probeImap(opts: ImapProbeOptions): Promise<ImapResult> {
  return settle(opts, (session, state) => mailbox(opts, session, state));
}

/**
 * A login-only probe (check --just-login): connect, TLS, greeting, capabilities and the login, then LOGOUT. No
 * mailbox is opened: what it records is what the login showed.
 */
export async function probeImapLogin(opts: ImapLoginOptions): Promise<ImapLoginResult> {
  return settle(opts, (session) => {
    const { client, pre, loginMethod, serverId, mode } = session;
    const evidence: ImapLoginEvidence = {
      greeting: pre.greeting,
      capabilitiesPreLogin: pre.capabilities,
      capabilitiesBeforeTls: pre.capabilitiesBeforeTls,
      capabilities: capabilityList(client),
      serverId,
      transport: mode,
      tls: pre.tls,
      loginMethod,
    };
    return Promise.resolve(evidence);
  });
}

/** What a login-only IMAP probe takes: the connection and the test log. */
export type ImapLoginOptions = Pick<ImapProbeOptions, keyof ConnectOptions | 'onProgress' | 'trace'>;

/** Run one session and record its outcome: the evidence `body` gathers, or the probe error. Never throws. */
async function settle<E>(opts: ImapLoginOptions, body: (session: Session, state: RunState) => Promise<E>): Promise<{ ok: true; durationMs: number; evidence: E } | { ok: false; durationMs: number; error: ProbeError }> {
  const t0 = performance.now();
  const endpoint = `${opts.host}:${opts.port}`;
  const state: RunState = { step: 'connect', starttlsOffered: false, tr: tracer('imap', opts.trace, opts.credentials, [endpoint, opts.host]), current: null };
  const took = () => Math.round(performance.now() - t0);
  try {
    const evidence = await withSession(opts, state, (session) => body(session, state));
    state.tr.emit('result', 'ok', took(), 'everything asked for was read');
    return { ok: true, durationMs: took(), evidence };
  } catch (e) {
    const error = classifyImapError(e, state.step, endpoint, secretsOf(opts.credentials));
    // Refused for lack of TLS on a port that offers STARTTLS: the fix is a flag, not the server (tls-problem).
    if (error.kind === 'plaintext-refused' && state.starttlsOffered) error.starttlsOffered = true;
    state.tr.emit('result', 'failed', took(), resultWords(error));
    return { ok: false, durationMs: took(), error };
  } finally {
    state.tr.close();
  }
}

interface RunState {
  step: string;
  /** Mode none: the preflight saw STARTTLS among the capabilities. */
  starttlsOffered: boolean;
  /** The test log of this session. */
  tr: Tracer;
  /** The probe step under way (null between steps): the purpose the test log gives a command. */
  current: string | null;
}

/** A session imapflow has logged in on, with what the login showed. */
interface Session {
  client: ImapSession;
  pre: Preflight;
  loginMethod: string;
  serverId: Record<string, string> | null;
  mode: Transport;
  /** The server's NAMESPACE response as read during the login (null: none came). */
  namespaces: () => Namespaces | null;
  /** Run one network step with the deadline (its name is what a failure is recorded under). */
  step: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  progress: (message: string) => void;
}

/**
 * Connect and log in (after a preflight session of our own without TLS), run `body` on the session, and close it
 * (LOGOUT sent, not waited for) whatever happens.
 */
async function withSession<E>(opts: ImapLoginOptions, state: RunState, body: (session: Session) => Promise<E>): Promise<E> {
  const endpoint = `${opts.host}:${opts.port}`;
  const progress = (m: string) => {
    try {
      opts.onProgress?.(`IMAP ${m}`);
    } catch {
      /* a progress callback must not break the probe */
    }
  };
  const ms = opts.timeoutMs;
  const tr = state.tr;
  // Before any byte goes out: an unknown mode is an error, never a weaker default.
  const mode = transportMode(opts.tls);

  // Without TLS our own short preflight session comes first: it decides whether a password may be sent.
  let pre: Preflight | null = null;
  if (mode === 'none') {
    state.step = 'connect';
    pre = await tr.timed('preflight', () => preflight(opts), (p) => `a session of our own before the login, to read the capabilities without TLS: ${p.greeting}`);
    const preCaps = new Set(pre.capabilities.map((c) => c.toUpperCase()));
    state.starttlsOffered = preCaps.has('STARTTLS');
    if (!pre.preauth) {
      if (carriesSecret(opts.credentials) && opts.allowPlaintext !== true) {
        fail(
          'plaintext-refused',
          'login',
          `not sending the ${secretNoun(opts.credentials)} to ${endpoint} without TLS${preCaps.has('STARTTLS') ? ' (the server offers STARTTLS: use --imap-tls starttls)' : ''}`,
        );
      }
      if (preCaps.has('LOGINDISABLED')) {
        fail('plaintext-refused', 'login', `${endpoint} refuses logins without TLS (LOGINDISABLED)`, { code: 'LOGINDISABLED' });
      }
    }
  }

  progress(`connecting to ${endpoint} (${mode})`);
  state.step = 'connect';
  const client = newImapSession(opts);
  let asyncError: Error | null = null;
  client.on('error', (e: unknown) => {
    asyncError ??= e instanceof Error ? e : new Error(String(e));
  });
  const namespaces = watchNamespaces(client);
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    state.step = name;
    state.current = name;
    try {
      return await withDeadline(name, ms, fn, () => client.close());
    } finally {
      state.current = null;
    }
  };
  // What imapflow knew right before STARTTLS and right before logging in: the pre-login capabilities, read on
  // the session itself instead of a second connection (one TLS handshake less for each account of a scan).
  const seen: { beforeTls: string[] | null; preLogin: string[] | null } = { beforeTls: null, preLogin: null };
  beforeEachCommand(client, (command) => {
    if (command === 'STARTTLS' && seen.beforeTls === null) seen.beforeTls = capabilityList(client);
    if ((command === 'AUTHENTICATE' || command === 'LOGIN') && seen.preLogin === null) seen.preLogin = capabilityList(client);
  });
  const stages = tr.on ? traceSession(client, state, opts.insecure === true) : null;
  // imapflow's socket is watched for what it does not report: a silent port, another protocol's greeting.
  let watch: ConnectionWatch = { tcp: false, tls: false, firstLine: null };
  let foreign: ProbeError | null = null;
  const login = () =>
    withDeadline(
      'login',
      ms,
      () => {
        const connecting = client.connect();
        watch = watchConnection(
          client,
          mode === 'implicit',
          (line) => {
            foreign = otherProtocol(line, 'IMAP', endpoint);
            if (foreign) client.close(); // at once: waiting out the deadline tells nothing more
          },
          stages?.hooks,
        );
        return connecting;
      },
      () => client.close(),
    );

  try {
    progress('logging in');
    // Several round trips (CAPABILITY, ID, AUTHENTICATE, NAMESPACE); a wrong password costs the server's delay.
    state.step = 'login';
    try {
      await login();
    } catch (e) {
      const named = loginFailure(e, client, watch, foreign, { endpoint, ms, mode, loginSent: seen.preLogin !== null });
      if (named) throw new ProbeFailure(named);
      // A deadline already spent one --timeout: a second connection would double it.
      if (pre || isTimeout(e)) throw e;
      // The preflight session explains a failure before login best (untrusted certificate, no STARTTLS,
      // a BYE greeting); when it gets through, imapflow's error stands (a wrong password).
      state.step = 'connect';
      await tr.timed('preflight', () => preflight(opts), () => 'a session of our own, to tell why the login failed: it got through');
      state.step = 'login';
      throw e;
    }
    pre ??= preflightOf(client, opts, seen);
    const loginMethod = loginMethodOf(client, pre.preauth);
    const serverId = serverIdOf(client);
    stages?.loggedIn(pre, capabilityList(client), loginMethod);
    return await body({ client, pre, loginMethod, serverId, mode, namespaces, step, progress });
  } catch (e) {
    // An error event that came first explains better than the "connection closed" that followed it.
    if (asyncError && (e as { code?: string })?.code === 'NoConnection') throw asyncError as Error;
    throw e;
  } finally {
    await closeQuietly(client);
  }
}

/**
 * The test log of one imapflow session: the socket's stages as they come up (connect, implicit TLS, greeting),
 * the TLS of a STARTTLS upgrade, each command with its timing (the login as one step with its mechanism; LOGOUT
 * is sent, not waited for), and after the login the capabilities.
 */
function traceSession(client: ImapSession, state: RunState, insecure: boolean) {
  const tr = state.tr;
  const since = (t: number) => Math.max(0, Math.round(performance.now() - t));
  const t0 = performance.now();
  let tcpAt = t0;
  let upAt = t0;
  let starttlsAt: number | null = null;
  onEachCommand(client, (command, { target, mechanism }) => {
    if (starttlsAt !== null) {
      // The handshake ran between the STARTTLS answer and this command, on the socket imapflow upgraded.
      const socket = sessionSocket(client) as TLSSocket | null;
      if (socket && typeof socket.getPeerCertificate === 'function') {
        const facts = tlsFacts(socket, 'starttls', insecure);
        tr.emit('tls', tlsOutcome(facts), since(starttlsAt), `after STARTTLS: ${tlsWords(facts)}`);
      }
      starttlsAt = null;
    }
    if (command === 'LOGOUT') {
      tr.emit('LOGOUT', 'info', null, 'sent, not waited for');
      return;
    }
    const t = performance.now();
    const isLogin = command === 'AUTHENTICATE' || command === 'LOGIN';
    const name = isLogin ? 'login' : target !== null ? `${command} ${target}` : command;
    const how = isLogin ? (command === 'LOGIN' ? 'LOGIN' : `AUTHENTICATE${mechanism ? ` ${mechanism}` : ''}`) : null;
    // The probe's own name for the step, when it tells more than the command (a SEARCH's purpose).
    const current = state.current;
    const purpose = () => (isLogin || current === null || current.toLowerCase() === name.toLowerCase() ? null : current);
    return (error) => {
      const took = Math.max(0, Math.round(performance.now() - t));
      if (command === 'STARTTLS' && error === null) starttlsAt = performance.now();
      const words = [how, error === null ? null : failureWords(error), purpose()].filter((w): w is string => w !== null);
      tr.emit(name, error === null ? 'ok' : 'failed', took, words.length ? words.join('; ') : null);
    };
  });
  return {
    hooks: {
      tcp: (socket: net.Socket) => {
        tcpAt = upAt = performance.now();
        tr.emit('connect', 'ok', since(t0), peerWords(socket.remoteAddress, socket.remotePort));
      },
      tls: (socket: net.Socket) => {
        const facts = tlsFacts(socket as TLSSocket, 'implicit', insecure);
        tr.emit('tls', tlsOutcome(facts), since(tcpAt), tlsWords(facts));
        upAt = performance.now();
      },
      firstLine: (line: string) => tr.emit('greeting', 'info', since(upAt), line),
    },
    loggedIn(pre: Preflight, capabilities: string[], loginMethod: string) {
      tr.emit('capabilities', 'info', null, `before login: ${pre.capabilities.join(' ') || '(none)'}; after login: ${capabilities.join(' ') || '(none)'}`);
      if (pre.preauth) tr.emit('login', 'info', null, `${loginMethod}: the server logged the session in by itself`);
    },
  };
}

async function mailbox(opts: ImapProbeOptions, session: Session, state: RunState): Promise<ImapEvidence> {
  // Without ESEARCH a plain SEARCH answers with every matching UID: big mailboxes' searches stream on a session of ours.
  // It connects at its first search only.
  const searches = new SearchSession({ ...opts, preLoginCapabilities: session.pre.capabilities, preauth: session.pre.preauth });
  try {
    return await examineAll(opts, session, state, searches);
  } finally {
    await searches.close();
  }
}

async function examineAll(opts: ImapProbeOptions, session: Session, state: RunState, searches: SearchSession): Promise<ImapEvidence> {
  const endpoint = `${opts.host}:${opts.port}`;
  const ms = opts.timeoutMs;
  const { client, pre, loginMethod, serverId, mode, step, progress } = session;
  const capabilities = capabilityList(client);
  const ignore = new Set((opts.ignoreCapabilities ?? []).map((c) => c.toUpperCase()));
  for (const c of ignore) client.capabilities.delete(c);
  const caps = new Set([...client.capabilities.keys()].map((c) => c.toUpperCase()));
  const ctx: Ctx = { client, caps, ms, now: opts.now, step };
  /** Offer the streaming search for the mailbox now examined, when it is big enough and its UIDVALIDITY known. */
  const streamIn = (path: string, uidValidity: string | null, exists: number) => {
    const big = exists >= (opts.streamSearchMinMessages ?? STREAM_SEARCH_MIN_MESSAGES);
    ctx.streamSearch =
      !caps.has('ESEARCH') && big && uidValidity !== null
        ? (criteria) =>
            state.tr.timed(`UID SEARCH ${oneLine(path, 80)}`, () => searches.search(path, uidValidity, criteria), (r) => `on a session of our own, counted as it streamed in: ${r.count} UIDs`)
        : undefined;
  };

  // Order matters on Dovecot: INBOX first while it is cheap to open, then LIST-STATUS (a STATUS of the
  // selected INBOX makes the next command on it resync, ~140 ms at 100k messages), the other folders, and
  // GETQUOTAROOT after INBOX (a "count" quota opens every folder; INBOX opened after it pays the resync again):
  // alongside the folder sweep when that covers every folder left, else last.
  progress('examining INBOX');
  const box = await step('examine INBOX', () => client.mailboxOpen('INBOX', { readOnly: true }));
  // Every INBOX fact rests on these two: out of range, INBOX cannot be read (and nothing is asked about it).
  // A UIDNEXT that is a number out of range fails INBOX too; one missing or not a number is asked of STATUS.
  const sentUidNext = typeof box.uidNext === 'number' && !Number.isNaN(box.uidNext);
  const odd = [
    countAnomaly('imap', 'examine INBOX', 'EXISTS', box.exists, MAX_UINT32),
    sentUidNext ? countAnomaly('imap', 'examine INBOX', 'UIDNEXT', box.uidNext, MAX_UINT32) : null,
  ].filter((a) => a !== null);
  if (odd.length) {
    opts.anomalies?.push(...odd);
    fail('protocol', 'examine INBOX', `${endpoint} sent INBOX numbers that make no sense (${odd.map((a) => a.detail).join('; ')}): INBOX cannot be read`, { code: 'ANOMALY' });
  }
  const total = box.exists;
  const uids = await inboxUids(box, step, client, opts.anomalies);
  const inboxUidValidity = uids.uidValidity;
  if (opts.history && inboxUidValidity !== null) {
    // The second session checks it sees the same UIDVALIDITY: unknown, no second session (imapflow reads the list).
    const p = pre;
    ctx.bulkMinMessages = opts.bulkMinMessages;
    ctx.bulk = (uidSet, items, onMessage) =>
      bulkFetch({ ...opts, preLoginCapabilities: p.capabilities, preauth: p.preauth, mailbox: 'INBOX', uidValidity: inboxUidValidity, uidSet, items, onMessage });
  }
  streamIn('INBOX', inboxUidValidity, total);
  const inboxActivity = await activity(ctx, total, 'INBOX', opts.sampleMinMessages);
  const { flags, keywords } = await mailboxCounts(ctx, total, box.flags, opts.flagsFetchMax);
  let list: InboxFacts['messageList'] = null;
  if (opts.history) {
    progress(`fetching identities of ${total} INBOX messages`);
    const onN = (n: number) => progress(`${n} of ${total} identities`);
    // A repeat read needs this INBOX's UIDNEXT and UIDVALIDITY to compare with the earlier list: else a full read.
    list = opts.known && uids.uidNext !== null && uids.uidValidity !== null
      ? (await repeatMessageList(ctx, total, inboxState({ ...box, uidNext: uids.uidNext, uidValidity: uids.uidValidity }), opts.known.inbox, onN)).list
      : await packedMessageList(ctx, total, onN);
  }
  const popSample = opts.popSample ? await popSampleOf(ctx, total) : undefined;
  const inbox: InboxFacts = {
    ...(popSample ? { popSample } : {}),
    messages: total,
    uidNext: uids.uidNext,
    uidValidity: uids.uidValidity,
    ages: inboxActivity.ages,
    oldestInternalDate: inboxActivity.oldestInternalDate,
    newestInternalDate: inboxActivity.newestInternalDate,
    flags,
    keywords,
    method: caps.has('ESEARCH') ? 'ESEARCH' : 'SEARCH',
    agesMethod: inboxActivity.agesMethod,
    messageList: list,
  };

  progress('listing folders');
  const entries = await step('list', () =>
    client.list({
      statusQuery: { messages: true, uidNext: true, uidValidity: true, unseen: true, highestModseq: true, size: true },
    }),
  );
  // SPECIAL-USE asked to be ignored: the roles come from names, as on a server without it (flags stay recorded).
  const serverRoles = !ignore.has('SPECIAL-USE');
  // The server's word on where the user's folders live; without NAMESPACE, INBOX is taken as the parent.
  const namespace = caps.has('NAMESPACE') ? session.namespaces() : null;
  const folders: Folder[] = entries.map((e) => {
    const su = specialUseOf(e, serverRoles, namespace?.personal ?? null);
    const flags = [...(e.flags ?? [])].sort();
    const selectable = !flags.includes('\\Noselect') && !flags.includes('\\NonExistent');
    return {
      path: e.path,
      delimiter: e.delimiter ?? null,
      specialUse: su.specialUse,
      specialUseSource: su.source,
      flags,
      subscribed: !!e.subscribed,
      selectable,
      status: selectable ? folderStatus(e, opts.anomalies) : null,
      activity: null,
    };
  });
  progress(`${folders.length} folder${folders.length === 1 ? '' : 's'}`);

  // The small folders' date questions in two pipelined flights on the session of our own (mailbox/sweep.ts)
  // instead of five or six round trips each; a folder it could not read, or every folder if the session fails,
  // is examined below one command at a time, as without it. With history's repeat check the sweep also reads each
  // folder's arrivals (Message-IDs from the earlier probe's UIDNEXT on), under the UIDVALIDITY STATUS gave.
  const sampleMin = opts.sampleMinMessages ?? SAMPLE_MIN_MESSAGES;
  const withArrivals = !!(opts.history && opts.known);
  const arrivalsOf = (f: Folder) => {
    const before = opts.known!.folders[f.path];
    const st = f.status!;
    return { sinceUidNext: before && before.uidValidity === st.uidValidity ? before.uidNext : 1, uidNext: st.uidNext!, uidValidity: st.uidValidity! };
  };
  const sweepable = folders.filter(
    (f) =>
      f.selectable &&
      f.path.toUpperCase() !== 'INBOX' &&
      f.status &&
      f.status.messages > 0 &&
      f.status.messages < sampleMin &&
      (!withArrivals || (f.status.uidNext !== null && f.status.uidValidity !== null)),
  );
  const readQuota = async (): Promise<Quota> => {
    progress('quota');
    try {
      return await quota(ctx, opts.anomalies);
    } catch (e) {
      return { supported: true, roots: [], source: QUOTA_SOURCE, error: keptFailure(e, 'quota', endpoint, secretsOf(opts.credentials)) };
    }
  };
  let swept = new Map<string, Swept>();
  let early: Quota | null = null;
  if (opts.sweep !== false && sweepable.length >= (searches.isOpen ? SWEEP_MIN_FOLDERS_OPEN : SWEEP_MIN_FOLDERS)) {
    progress(`examining ${sweepable.length} folders`);
    // When the sweep covers every folder left to examine, the main session is idle meanwhile: it asks for the quota
    // then (Dovecot works on both sessions at once). Otherwise the quota stays last, after the big folders (a "count"
    // quota opens every folder, and a folder opened after it pays a resync).
    const swept1 = new Set(sweepable);
    const alongside = folders.every((f) => !f.selectable || f.path.toUpperCase() === 'INBOX' || f.status?.messages === 0 || swept1.has(f));
    const [sw, q] = await Promise.all([
      state.tr
        .timed(
          'sweep',
          () => sweepFolders(searches, sweepable.map((f) => ({ path: f.path, ...(withArrivals ? { arrivals: arrivalsOf(f) } : {}) })), caps, opts.now),
          (m) => `${m.size} of ${sweepable.length} folders in two pipelined flights on a session of our own`,
        )
        .catch(() => new Map<string, Swept>()), // every folder the usual way
      alongside ? readQuota() : null,
    ]);
    swept = sw;
    early = q;
  }

  // A folder step that fails for good (a stall, a lost connection) ends the session but not the probe: what was
  // gathered stays, the folders after it keep activity null, and the failure is recorded for the rules.
  // A quota read that lost the session leaves any folder the sweep could not read unexamined.
  let lost: ProbeError | null = early?.error && !client.usable ? early.error : null;
  for (const f of folders) {
    if (lost) break;
    if (!f.selectable) continue;
    if (f.path.toUpperCase() === 'INBOX') {
      f.activity = inboxActivity;
      continue;
    }
    if (f.status && f.status.messages === 0) {
      f.activity = { ages: { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 }, oldestInternalDate: null, newestInternalDate: null, agesMethod: 'empty' };
      continue;
    }
    const s = swept.get(f.path);
    if (s) {
      f.activity = { ages: s.ages, oldestInternalDate: s.oldestInternalDate, newestInternalDate: s.newestInternalDate, agesMethod: s.agesMethod };
      if (s.arrivals !== undefined) f.arrivals = s.arrivals;
      continue;
    }
    progress(`examining ${f.path}`);
    try {
      const b = await step(`examine ${f.path}`, () => client.mailboxOpen(f.path, { readOnly: true }));
      const odd = countAnomaly('imap', `examine ${oneLine(f.path, 80)}`, 'EXISTS', b.exists, MAX_UINT32);
      if (odd) {
        opts.anomalies?.push(odd);
        continue;
      }
      streamIn(f.path, uidValidityOf(b.uidValidity), b.exists);
      f.activity = await activity(ctx, b.exists, f.path, opts.sampleMinMessages);
      if (opts.history && opts.known && f.status && f.status.uidNext !== null) {
        const before = opts.known.folders[f.path];
        const since = before && before.uidValidity === f.status.uidValidity ? before.uidNext : 1;
        f.arrivals = await arrivals(ctx, since, f.status.uidNext, f.path);
      }
    } catch (e) {
      // One folder that cannot be examined (NO, BAD) leaves its activity unknown.
      const err = e as { responseStatus?: string };
      if (err.responseStatus === 'NO' || err.responseStatus === 'BAD') continue;
      lost = keptFailure(e, state.step, endpoint, secretsOf(opts.credentials));
    }
  }

  const paths: ProbePaths = {
    uids: uids.path,
    search: caps.has('ESEARCH') ? 'esearch' : 'search',
    status: caps.has('LIST-STATUS') ? 'list-status' : 'status',
    specialUse: serverRoles && folders.some((f) => f.specialUseSource === 'server') ? 'special-use' : 'names',
    ages: caps.has('WITHIN') && caps.has('ESEARCH') ? 'within' : 'since',
  };
  state.tr.emit('paths', 'info', null, pathWords(paths));

  let q: Quota;
  if (early) q = early;
  else if (lost) {
    q = { supported: hasQuota(caps), roots: [], source: QUOTA_SOURCE, error: { kind: lost.kind, step: 'quota', message: `not read: the session ended during ${lost.step ?? 'an earlier step'}` } };
  } else q = await readQuota();

  state.step = 'logout';
  return {
    greeting: pre.greeting,
    capabilitiesPreLogin: pre.capabilities,
    capabilitiesBeforeTls: pre.capabilitiesBeforeTls,
    capabilities,
    serverId,
    transport: mode,
    tls: pre.tls,
    loginMethod,
    quota: q,
    folders,
    inbox,
    ...(lost ? { stepErrors: [lost] } : {}),
    paths,
    namespace,
  };
}

/** A failure of a step after INBOX, to record in the evidence; a bug (internal) still fails the probe. */
function keptFailure(e: unknown, step: string, endpoint: string, secrets: readonly string[]): ProbeError {
  const error = classifyImapError(e, step, endpoint, secrets);
  if (error.kind === 'internal') throw e;
  return error;
}

