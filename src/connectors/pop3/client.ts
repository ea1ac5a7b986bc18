// A read-only POP3 client: CAPA, STLS, USER/PASS, AUTH PLAIN / OAUTHBEARER / XOAUTH2, STAT, LIST, UIDL, QUIT and
// nothing else.
// There is deliberately no RETR (Dovecot sets \Seen, Gmail marks the message popped), no TOP, no DELE and no
// RSET, and no way to send an arbitrary command: the wire writer is private and checks every verb.
// Every step runs under a deadline; when it fires the socket is destroyed and the step fails with 'timeout'.
// When the server's CAPA lists PIPELINING (RFC 2449 §6.6), uidl() sends LIST in the same write and the LIST reply
// is read right after the UIDL reply, so list() usually finds it done: no round trip, no idle server between them.
import type { ProbeErrorKind, TlsFacts } from '../../snapshot/schema.js';
import { classifyNetworkError, noGreeting, oneLine, otherProtocol, type ConnectOptions, type TransportEvent } from '../common.js';
import { ConnectionClosed, OpenFailure, openConnection, raceDeadline, type Connection } from '../transport.js';
import { scrub } from '../../snapshot/scrub.js';
import { decodeOAuth2Challenge, describeOAuth2Refusal, oauth2ErrorAnswer, oauth2Response, oauth2Unframeable, type OAuth2Mechanism, type OAuth2Refusal } from '../credentials.js';
import { parseCapa } from './capa.js';
import { Pop3Error } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, ReplyReader, type BodySink, type Reply } from './lines.js';
import { int, ListingOverrun, ListSink, MalformedLine, UidlSink, type ListColumns, type Pop3ListEntry, type Pop3UidlEntry, type UidlColumns } from './listing.js';

export type { Pop3ListEntry, Pop3UidlEntry } from './listing.js';

/** The only verbs this client ever sends. */
export const POP3_ALLOWED_VERBS = ['CAPA', 'STLS', 'USER', 'PASS', 'AUTH', 'STAT', 'LIST', 'UIDL', 'QUIT'] as const;
const ALLOWED = new Set<string>(POP3_ALLOWED_VERBS);

export interface Pop3ClientOptions {
  host: string;
  port: number;
  /** 'implicit': TLS from the first byte (POP3S); 'plain': TCP, which stls() can upgrade. */
  transport: 'implicit' | 'plain';
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** Do not enforce certificate verification (still recorded in tlsFacts). */
  insecure?: boolean;
  /** Deadline of each step (connect, greeting, each command), in milliseconds. */
  timeoutMs: number;
  /** Longest reply line accepted; default 64 KiB. */
  maxLineBytes?: number;
  /** What the transport did (connect, TLS, STLS), for a log. */
  onEvent?: (event: TransportEvent) => void;
  /** Resolves the host name (--dns-server); the system's resolver when absent. */
  lookup?: ConnectOptions['lookup'];
}

export interface Pop3Stat {
  messages: number;
  sizeBytes: number;
}

/** A socket error; classified with classifyNetworkError once the step is known. */
class NetworkFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly stepOverride?: string,
  ) {
    super('network failure');
  }
}

/** Column sizes taken from STAT up front are capped (a server could claim any count); beyond it they grow. */
const MAX_PRESIZE = 1 << 18;

/**
 * A UIDL or LIST longer than this, against STAT's count, is not read to its end: the listing of one session
 * cannot change (RFC 1939 §3), so lines far beyond STAT say the listing cannot be trusted, and reading on
 * (2.3 million lines against a STAT of 3) would only cost time and memory.
 */
function listingBound(statMessages: number): number {
  return 2 * statMessages + 64;
}

/**
 * UIDL and LIST as columns, for probe.ts: it builds the evidence from them without the object per message that
 * uidl() and list() return. (Set in the class's static block, which can reach the private readers.)
 */
export let readUidlColumns: (client: Pop3Client) => Promise<UidlColumns | null>;
export let readListColumns: (client: Pop3Client) => Promise<ListColumns>;

/** RFC 5034 §4: a command line with an initial response must fit in 255 octets (else wait for "+ "). */
const MAX_AUTH_LINE = 255;

function codeKind(code: string | null): ProbeErrorKind | null {
  if (!code) return null;
  if (code === 'IN-USE') return 'in-use';
  if (code === 'LOGIN-DELAY') return 'login-delay';
  if (code === 'AUTH') return 'auth';
  if (code.startsWith('SYS/TEMP')) return 'sys-temp';
  if (code.startsWith('SYS/PERM')) return 'sys-perm';
  return null;
}

export class Pop3Client {
  readonly endpoint: string;
  /** Every line sent, as logged (PASS and SASL responses masked). */
  readonly commandLog: string[] = [];

  readonly #opts: Pop3ClientOptions;
  readonly #reader: ReplyReader;
  #conn: Connection | null = null;
  #started = false;
  #secrets: string[] = [];
  #dead: Pop3Error | null = null;
  #quitting = false;
  #greeting: Reply | null = null;
  /** The last CAPA listed PIPELINING. */
  #pipelining = false;
  /** Message count from STAT, to size the UIDL and LIST columns. */
  #expected = 0;
  /** STAT's count, once read: bounds the UIDL and LIST listings (listingBound). */
  #statMessages: number | null = null;
  /** The LIST reply being read after a pipelined UIDL, until list() takes it. */
  #listAhead: Promise<{ reply: Reply; sink: ListSink }> | null = null;

  static {
    readUidlColumns = (client) => client.#readUidl(false);
    readListColumns = (client) => client.#readList(false);
  }

  constructor(opts: Pop3ClientOptions) {
    // Fail closed: only the two known transports; anything else must not become a plain connection.
    if (opts.transport !== 'implicit' && opts.transport !== 'plain') {
      throw new Pop3Error('internal', `unknown POP3 transport ${JSON.stringify(opts.transport) ?? String(opts.transport)}`, { step: 'connect' });
    }
    this.#opts = opts;
    this.endpoint = `${opts.host}:${opts.port}`;
    this.#reader = new ReplyReader(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  /** The greeting, once connect() has read it. */
  get greeting(): Reply | null {
    return this.#greeting;
  }

  /** TLS facts once TLS is up (implicit or after STLS), else null. */
  get tls(): TlsFacts | null {
    return this.#conn?.tls ?? null;
  }

  get secure(): boolean {
    return this.tls !== null;
  }

  /** The connection is open and no step failed fatally. */
  get usable(): boolean {
    return this.#conn !== null && !this.#conn.destroyed && this.#dead === null && !this.#quitting;
  }

  /** Open the connection (TCP, plus the TLS handshake for 'implicit') and read the greeting. */
  async connect(): Promise<Reply> {
    if (this.#started) throw new Pop3Error('internal', 'connect() called twice', { step: 'connect' });
    this.#started = true;
    let conn: Connection;
    try {
      conn = await openConnection({
        host: this.#opts.host,
        port: this.#opts.port,
        mode: this.#opts.transport,
        ca: this.#opts.ca,
        insecure: this.#opts.insecure,
        timeoutMs: this.#opts.timeoutMs,
        timeoutError: this.#timeoutError,
        onEvent: this.#opts.onEvent,
        lookup: this.#opts.lookup,
      });
    } catch (e) {
      throw this.#openError(e);
    }
    this.#conn = conn;
    conn.consume({
      data: (chunk) => this.#reader.push(chunk),
      error: (err) => this.#reader.end(new NetworkFailure(err)),
      end: () => this.#reader.end(new ConnectionClosed()),
    });
    let greeting: Reply;
    try {
      greeting = await this.#run('greeting', () => this.#reader.read(false));
    } catch (e) {
      throw this.#greetingError(e);
    }
    if (greeting.status === 'continue') throw this.#fatal(this.#protocolError('greeting', 'the greeting is not +OK or -ERR', greeting.line));
    if (greeting.status === 'err') {
      const err = this.#replyError(greeting, 'greeting', 'sys-temp', `${this.endpoint} refused the session in its greeting`);
      throw this.#fatal(err);
    }
    this.#greeting = greeting;
    return greeting;
  }

  /** CAPA (RFC 2449). null when the server does not support it (-ERR). */
  async capa(): Promise<string[] | null> {
    const r = await this.#command('capa', 'CAPA', { multiline: true });
    if (r.status !== 'ok') {
      if (codeKind(r.code)) throw this.#replyError(r, 'capa', 'protocol', 'CAPA failed');
      this.#pipelining = false;
      return null;
    }
    const lines = r.body ?? [];
    this.#pipelining = parseCapa(lines).tags.has('PIPELINING');
    return lines;
  }

  /** STLS (RFC 2595): upgrade the plain connection to TLS. Call capa() again afterwards. */
  async stls(): Promise<void> {
    if (this.tls) throw new Pop3Error('internal', 'STLS on a connection that already uses TLS', { step: 'starttls' });
    // What the server announced before TLS is not to be trusted after it (RFC 2595 §4).
    this.#pipelining = false;
    const r = await this.#command('starttls', 'STLS');
    if (r.status !== 'ok') throw this.#replyError(r, 'starttls', 'starttls-missing', `${this.endpoint} refused STLS`);
    // Anything the server sent after its +OK and before the handshake would be read as if it came over TLS.
    if (this.#reader.bufferedBytes > 0) {
      throw this.#fatal(this.#protocolError('starttls', 'the server sent data after its STLS reply, before TLS began'));
    }
    await this.#guard('starttls', () =>
      this.#conn!.upgrade('starttls', this.#opts.timeoutMs).catch((err: unknown) => {
        throw err instanceof ConnectionClosed || err instanceof Pop3Error ? err : new NetworkFailure(err, 'starttls');
      }),
    );
  }

  /** USER / PASS (RFC 1939). */
  async login(user: string, password: string): Promise<void> {
    this.#addSecret(password);
    this.#checkArgument(user, 'user name');
    this.#checkArgument(password, 'password');
    const u = await this.#command('login', `USER ${user}`);
    if (u.status !== 'ok') throw this.#loginError(u, 'USER');
    const p = await this.#command('login', `PASS ${password}`, { logAs: 'PASS ***' });
    if (p.status !== 'ok') throw this.#loginError(p, 'PASS');
  }

  /** AUTH PLAIN (RFC 5034, RFC 4616) with an initial response when the line allows it; `authzid`: act as this user. */
  async authPlain(user: string, password: string, authzid = ''): Promise<void> {
    this.#addSecret(password);
    const response = Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8').toString('base64');
    this.#addSecret(response);
    const withInitial = `AUTH PLAIN ${response}`;
    let r: Reply;
    if (withInitial.length <= MAX_AUTH_LINE) {
      r = await this.#command('login', withInitial, { logAs: 'AUTH PLAIN ***', allowContinue: true });
    } else {
      r = await this.#command('login', 'AUTH PLAIN', { allowContinue: true });
    }
    if (r.status === 'continue') {
      // An empty challenge: the server wants the response now (RFC 4422 §5).
      r = await this.#command('login', response, { logAs: '*** (AUTH PLAIN response)', raw: true });
    }
    if (r.status === 'continue') throw this.#fatal(this.#protocolError('login', 'the server sent a second SASL challenge for PLAIN'));
    if (r.status !== 'ok') throw this.#loginError(r, 'AUTH PLAIN');
  }

  /**
   * AUTH OAUTHBEARER / AUTH XOAUTH2 (RFC 7628, RFC 5034). A token makes the line longer than 255 octets, so the
   * response usually follows the server's empty "+ ". A refused token gets a second "+ " whose text is a base64
   * JSON error (status, scope, schemes): it is decoded, answered as the mechanism wants, and the final -ERR thrown
   * with it.
   */
  async authOAuth2(mechanism: OAuth2Mechanism, user: string, token: string): Promise<void> {
    this.#addSecret(token);
    if (oauth2Unframeable(user, token)) throw new Pop3Error('auth', 'the user name or access token contains a control character and cannot be sent', { step: 'login' });
    const response = oauth2Response(mechanism, user, token);
    this.#addSecret(response);
    const verb = `AUTH ${mechanism}`;
    const withInitial = `${verb} ${response}`;
    let r: Reply;
    if (withInitial.length <= MAX_AUTH_LINE) {
      r = await this.#command('login', withInitial, { logAs: `${verb} ***`, allowContinue: true });
    } else {
      r = await this.#command('login', verb, { allowContinue: true });
      if (r.status === 'continue') r = await this.#command('login', response, { logAs: `*** (${verb} response)`, raw: true, allowContinue: true });
    }
    let refusal: OAuth2Refusal | undefined;
    if (r.status === 'continue') {
      refusal = { mechanism, ...decodeOAuth2Challenge(r.text) };
      r = await this.#command('login', oauth2ErrorAnswer(mechanism), { logAs: `(${verb} error answer)`, raw: true, allowContinue: true });
    }
    if (r.status === 'continue') throw this.#fatal(this.#protocolError('login', `the server sent another SASL challenge for ${mechanism}`));
    if (r.status === 'ok') return;
    const err = this.#loginError(r, verb);
    const oauth2 = refusal ?? { mechanism };
    const said = describeOAuth2Refusal(oauth2);
    throw this.#sanitise(
      new Pop3Error(err.kind, `${this.endpoint} rejected the access token (${mechanism}${said ? `: ${said}` : ''})${r.text ? `: ${r.code ? `[${r.code}] ` : ''}${r.text}` : ''}`, {
        step: err.step,
        code: err.code,
        serverText: err.serverText,
        oauth2,
      }),
    );
  }

  async stat(): Promise<Pop3Stat> {
    const r = await this.#command('stat', 'STAT');
    if (r.status !== 'ok') throw this.#replyError(r, 'stat', 'protocol', 'STAT failed');
    const m = /^(\d+)\s+(\d+)(?:\s|$)/.exec(r.text);
    if (!m) throw this.#fatal(this.#protocolError('stat', 'the STAT reply is not "+OK count size"', r.line));
    const messages = Number(m[1]);
    this.#expected = Math.min(messages, MAX_PRESIZE);
    this.#statMessages = messages;
    return { messages, sizeBytes: Number(m[2]) };
  }

  /** LIST (RFC 1939 §5): "msg size" per message; servers may add more after the size. */
  async list(): Promise<Pop3ListEntry[]> {
    const c = await this.#readList(true);
    if (c.entries) return c.entries;
    // The LIST was read ahead for readListColumns (probe.ts) and is asked for here after all.
    const out: Pop3ListEntry[] = [];
    for (let i = 0; i < c.count; i++) out.push({ n: int(c.n[i]!), sizeBytes: int(c.sizes[i]!) });
    return out;
  }

  /** UIDL (RFC 1939 §7). null when the server does not support it. */
  async uidl(): Promise<Pop3UidlEntry[] | null> {
    const c = await this.#readUidl(true);
    return c === null ? null : c.entries!;
  }

  /**
   * `UIDL n` and `LIST n` (RFC 1939 §5, §7) for each message number given: the sampled listing. uidl is null for a
   * message whose UIDL n the server refused (all null: the server has no UIDL), sizeBytes null where LIST n was
   * refused (a message number beyond STAT). With PIPELINING (RFC 2449 §6.6) every command goes in one write and
   * the replies are read in order, under one deadline: one round trip. Without it, one command at a time, each
   * under its own deadline.
   */
  async scanListings(numbers: readonly number[]): Promise<Array<{ n: number; uidl: string | null; sizeBytes: number | null }>> {
    if (this.#pipelining && numbers.length > 0) return this.#scanPipelined(numbers);
    const out: Array<{ n: number; uidl: string | null; sizeBytes: number | null }> = [];
    let uidlRefused = 0;
    for (const n of numbers) {
      let uidl: string | null = null;
      // After two refusals of UIDL n for the first messages, the server has no UIDL: stop asking.
      if (uidlRefused < 2 || out.some((o) => o.uidl !== null)) {
        const u = await this.#command('uidl', `UIDL ${n}`);
        uidl = this.#sampledUidl(u, n);
        if (uidl === null) uidlRefused++;
      }
      out.push({ n, uidl, sizeBytes: this.#sampledSize(await this.#command('list', `LIST ${n}`), n) });
    }
    return out;
  }

  /** scanListings in one flight: UIDL n and LIST n for every number sent at once, the replies read in order. */
  async #scanPipelined(numbers: readonly number[]): Promise<Array<{ n: number; uidl: string | null; sizeBytes: number | null }>> {
    const lines = numbers.flatMap((n) => [`UIDL ${n}`, `LIST ${n}`]);
    this.#mustBeReadOnly('uidl', lines);
    if (this.#quitting) throw new Pop3Error('internal', 'UIDL after QUIT', { step: 'uidl' });
    if (this.#listAhead) await this.#listAhead.catch(() => undefined);
    const replies = await this.#run('uidl', async () => {
      this.commandLog.push(...lines);
      this.#conn!.write(lines.map((l) => `${l}\r\n`).join(''));
      const got: Reply[] = [];
      for (let i = 0; i < lines.length; i++) got.push(await this.#reader.read(false, null));
      return got;
    });
    return numbers.map((n, i) => {
      const [u, l] = [replies[2 * i]!, replies[2 * i + 1]!];
      this.#refuseContinuation('uidl', 'UIDL', u);
      this.#refuseContinuation('list', 'LIST', l);
      return { n, uidl: this.#sampledUidl(u, n), sizeBytes: this.#sampledSize(l, n) };
    });
  }

  /** The unique-id of a `UIDL n` reply; null when refused. A reply for another message is a protocol error. */
  #sampledUidl(u: Reply, n: number): string | null {
    if (u.status !== 'ok') {
      if (codeKind(u.code)) throw this.#replyError(u, 'uidl', 'protocol', `UIDL ${n} failed`);
      return null;
    }
    const m = /^(\d+)\s+(\S+)/.exec(u.text);
    if (!m || Number(m[1]) !== n) throw this.#fatal(this.#protocolError('uidl', `the UIDL ${n} reply is not "+OK ${n} unique-id"`, u.line));
    return m[2]!;
  }

  /** The size of a `LIST n` reply; null when refused (beyond STAT). */
  #sampledSize(l: Reply, n: number): number | null {
    if (l.status !== 'ok') {
      if (codeKind(l.code)) throw this.#replyError(l, 'list', 'protocol', `LIST ${n} failed`);
      return null;
    }
    const m = /^(\d+)\s+(\d+)(?:\s|$)/.exec(l.text);
    if (!m || Number(m[1]) !== n) throw this.#fatal(this.#protocolError('list', `the LIST ${n} reply is not "+OK ${n} size"`, l.line));
    return Number(m[2]);
  }

  /** QUIT, then close. Returns the server's reply. */
  async quit(): Promise<Reply> {
    this.#quitting = true;
    try {
      return await this.#command('quit', 'QUIT', { evenIfQuitting: true });
    } finally {
      this.close();
    }
  }

  /**
   * QUIT without waiting for its reply: send it and close. Everything is read by then, the server applies no
   * deletion for us either way, and a server that is slow to answer QUIT must not delay the report.
   */
  goodbye(): void {
    const c = this.#conn;
    if (c && !c.destroyed && this.#dead === null && !this.#quitting) {
      this.commandLog.push('QUIT');
      // end() sends the QUIT and then our FIN once the bytes are out; destroy() follows at once from there.
      c.end('QUIT\r\n', () => c.destroy());
      this.#quitting = true;
      // Should the flush itself stall (a full send window), the socket goes anyway.
      setTimeout(() => c.destroy(), Math.min(this.#opts.timeoutMs, 1000)).unref();
      return;
    }
    this.close();
  }

  /** Drop the connection now (no QUIT). Safe to call more than once. */
  close(): void {
    this.#quitting = true;
    const c = this.#conn;
    if (c && !c.destroyed) {
      // end() first so a TLS close_notify can go out; destroy() makes sure nothing lingers.
      c.end();
      c.destroy();
    }
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /**
   * `entries`: also build the objects uidl() returns, line by line while the reply streams in, rather than in one
   * go after its last byte. A pipelined LIST is read the same way, on the guess that it is wanted like the UIDL.
   */
  /** The most lines a listing may have before reading stops (no bound before STAT). */
  #listingMax(): number {
    return this.#statMessages === null ? Infinity : listingBound(this.#statMessages);
  }

  async #readUidl(entries: boolean): Promise<UidlSink | null> {
    const sink = new UidlSink(this.#expected, entries, this.#listingMax());
    const pipeline = this.#pipelining && this.#listAhead === null;
    const r = await this.#command('uidl', 'UIDL', { multiline: true, sink, ...(pipeline ? { pipelined: 'LIST' } : {}) });
    // The LIST reply follows whatever UIDL got (even -ERR): start reading it now, under LIST's own deadline.
    if (pipeline) this.#readListAhead(entries);
    if (r.status !== 'ok') {
      if (codeKind(r.code)) throw this.#replyError(r, 'uidl', 'protocol', 'UIDL failed');
      return null;
    }
    return sink;
  }

  async #readList(entries: boolean): Promise<ListSink> {
    let reply: Reply;
    let sink: ListSink;
    const ahead = this.#listAhead;
    if (ahead) {
      this.#listAhead = null;
      ({ reply, sink } = await ahead);
    } else {
      sink = new ListSink(this.#expected, entries, this.#listingMax());
      reply = await this.#command('list', 'LIST', { multiline: true, sink });
    }
    if (reply.status !== 'ok') throw this.#replyError(reply, 'list', 'protocol', 'LIST failed');
    return sink;
  }

  #readListAhead(entries: boolean): void {
    const sink = new ListSink(this.#expected, entries, this.#listingMax());
    const ahead = this.#run('list', async () => {
      const reply = await this.#reader.read(true, sink);
      this.#refuseContinuation('list', 'LIST', reply);
      return { reply, sink };
    });
    // Whoever takes it (list()) sees a failure; until then it must not count as unhandled.
    ahead.catch(() => undefined);
    this.#listAhead = ahead;
  }

  #addSecret(secret: string): void {
    if (secret && !this.#secrets.includes(secret)) this.#secrets.push(secret);
  }

  #clean(text: string): string {
    let out = text;
    const keep = [this.endpoint, this.#opts.host];
    for (const s of this.#secrets) out = scrub(out, s, keep);
    return oneLine(out);
  }

  #checkArgument(value: string, what: string): void {
    if (/[\r\n\0]/.test(value)) throw new Pop3Error('auth', `the ${what} contains a line break or NUL and cannot be sent`, { step: 'login' });
  }

  async #command(
    step: string,
    line: string,
    o: {
      multiline?: boolean;
      /** Where the body lines go (else Reply.body). */
      sink?: BodySink;
      /** A second command sent in the same write; its reply is the caller's to read. Only with PIPELINING. */
      pipelined?: string;
      logAs?: string;
      allowContinue?: boolean;
      raw?: boolean;
      evenIfQuitting?: boolean;
    } = {},
  ): Promise<Reply> {
    const verb = line.split(' ', 1)[0]!.toUpperCase();
    if (!o.raw) this.#mustBeReadOnly(step, o.pipelined === undefined ? [line] : [line, o.pipelined]);
    if (this.#quitting && !o.evenIfQuitting) throw new Pop3Error('internal', `${verb} after QUIT`, { step });
    // A pipelined LIST reply still on its way comes before the reply to this command.
    if (this.#listAhead) await this.#listAhead.catch(() => undefined);
    const r = await this.#run(step, () => {
      this.commandLog.push(o.logAs ?? line);
      if (o.pipelined === undefined) {
        this.#conn!.write(`${line}\r\n`);
      } else {
        this.commandLog.push(o.pipelined);
        this.#conn!.write(`${line}\r\n${o.pipelined}\r\n`);
      }
      return this.#reader.read(Boolean(o.multiline), o.sink ?? null);
    });
    if (!o.allowContinue) this.#refuseContinuation(step, verb, r);
    return r;
  }

  /** Read-only by construction: a command line whose verb is not in ALLOWED is never sent. */
  #mustBeReadOnly(step: string, lines: readonly string[]): void {
    for (const l of lines) {
      const v = l.split(' ', 1)[0]!.toUpperCase();
      if (!ALLOWED.has(v)) throw new Pop3Error('internal', `refusing to send ${v}: not a read-only command`, { step });
    }
  }

  /** A SASL continuation ("+ ") is only a valid answer during AUTH. */
  #refuseContinuation(step: string, verb: string, r: Reply): void {
    if (r.status === 'continue') {
      throw this.#fatal(this.#protocolError(step, `the server answered ${verb} with a SASL continuation`, r.line));
    }
  }

  /** Run one step under the deadline. A failure here (timeout, network, framing) ends the connection. */
  #run<T>(step: string, work: () => Promise<T>): Promise<T> {
    return this.#guard(step, () => raceDeadline(this.#opts.timeoutMs, work, () => this.#timeoutError(step, this.#opts.timeoutMs)));
  }

  /** Run one step that has its deadline already; a failure ends the connection. */
  async #guard<T>(step: string, work: () => Promise<T>): Promise<T> {
    if (this.#dead) throw this.#dead;
    if (!this.#conn) throw new Pop3Error('internal', `${step} before connect()`, { step });
    try {
      return await work();
    } catch (e) {
      throw this.#fatal(this.#normalize(e, step));
    }
  }

  readonly #timeoutError = (step: string, ms: number): Pop3Error =>
    new Pop3Error('timeout', `no answer from ${this.endpoint} within ${ms} ms during ${step}`, { step });

  /** A failed connect: classified, and a TLS handshake that got no answer named as a silent port. */
  #openError(e: unknown): Pop3Error {
    const f = e instanceof OpenFailure ? e : new OpenFailure('connect', e);
    const cause = f.error instanceof ConnectionClosed || f.error instanceof Pop3Error ? f.error : new NetworkFailure(f.error, f.phase);
    const err = this.#fatal(this.#normalize(cause, 'connect'));
    // TCP came up and the TLS handshake got no answer: a silent port, not an unreachable one.
    if (err.kind === 'timeout' && f.phase === 'tls') return Pop3Error.from(noGreeting(this.endpoint, this.#opts.timeoutMs, 'tls'));
    return err;
  }

  #normalize(e: unknown, step: string): Pop3Error {
    let err: Pop3Error;
    if (e instanceof ConnectionClosed) {
      err = new Pop3Error('unreachable', `${this.endpoint} closed the connection during ${stepLabel(step)}`, { step });
    } else if (e instanceof NetworkFailure) {
      const s = e.stepOverride ?? step;
      const p = classifyNetworkError(e.error, stepLabel(s), this.endpoint, 'pop3');
      const detail = (e.error as Error | undefined)?.message;
      const message = p.kind === 'tls' && detail && !p.message.includes(detail) ? `${p.message} (${detail})` : p.message;
      err = new Pop3Error(p.kind, message, { step: s, ...(p.code ? { code: p.code } : {}) });
    } else if (e instanceof MalformedLine) {
      err = this.#protocolError(step, e.what, e.line);
    } else if (e instanceof ListingOverrun) {
      err = new Pop3Error(
        'protocol',
        `${this.endpoint} sent more than ${e.max} ${stepLabel(step)} lines against a STAT of ${this.#statMessages ?? '?'}: reading stopped, the listing cannot be trusted`,
        { step, code: 'LISTING-OVERRUN' },
      );
    } else if (e instanceof Pop3Error) {
      err = e.withStep(step);
    } else {
      err = new Pop3Error('internal', `${step}: ${e instanceof Error ? e.message : String(e)}`, { step });
    }
    return this.#sanitise(err);
  }

  /** A failed greeting named for what it was: silence after the connection, or another protocol's greeting. */
  #greetingError(e: unknown): unknown {
    if (!(e instanceof Pop3Error)) return e;
    if (e.kind === 'timeout') {
      return Pop3Error.from(noGreeting(this.endpoint, this.#opts.timeoutMs, 'greeting', this.#opts.transport === 'plain' ? ' (an implicit-TLS port? try --pop-tls implicit)' : ''));
    }
    const other = e.kind === 'protocol' && e.serverText !== undefined ? otherProtocol(e.serverText, 'POP3', this.endpoint) : null;
    if (other) return this.#sanitise(Pop3Error.from(other));
    return e;
  }

  #sanitise(err: Pop3Error): Pop3Error {
    const message = this.#clean(err.message);
    const serverText = err.serverText === undefined ? undefined : this.#clean(err.serverText);
    const oauth2 = err.oauth2 && this.#cleanRefusal(err.oauth2);
    if (message === err.message && serverText === err.serverText && oauth2 === err.oauth2) return err;
    return new Pop3Error(err.kind, message, { step: err.step, code: err.code, serverText, oauth2 });
  }

  /** The refusal's server-sent fields, scrubbed like any server text (the same object when nothing changed). */
  #cleanRefusal(r: OAuth2Refusal): OAuth2Refusal {
    const out: OAuth2Refusal = { ...r };
    let changed = false;
    for (const k of ['status', 'scope', 'schemes'] as const) {
      const v = r[k];
      if (v === undefined) continue;
      out[k] = this.#clean(v);
      changed ||= out[k] !== v;
    }
    return changed ? out : r;
  }

  /** Mark the connection as failed and drop it; returns the error for throwing. */
  #fatal(err: Pop3Error): Pop3Error {
    if (!this.#dead) {
      this.#dead = err;
      this.#reader.end(err);
      this.#conn?.destroy();
    }
    return err;
  }

  #protocolError(step: string, what: string, serverLine?: string): Pop3Error {
    return this.#sanitise(
      new Pop3Error('protocol', `${this.endpoint}: ${what}${serverLine !== undefined ? `: ${serverLine}` : ''}`, {
        step,
        ...(serverLine !== undefined ? { serverText: serverLine } : {}),
      }),
    );
  }

  #replyError(r: Reply, step: string, fallback: ProbeErrorKind, what: string): Pop3Error {
    const kind = codeKind(r.code) ?? fallback;
    const codeText = r.code ? `[${r.code}] ` : '';
    let message: string;
    switch (kind) {
      case 'in-use':
        message = `${this.endpoint}: the mailbox is locked by another POP3 session: ${codeText}${r.text}`;
        break;
      case 'login-delay':
        message = `${this.endpoint} refuses a login this soon after the previous one: ${codeText}${r.text}`;
        break;
      case 'sys-temp':
        message = `${this.endpoint} reported a temporary failure during ${step}: ${codeText}${r.text}`;
        break;
      case 'sys-perm':
        message = `${this.endpoint} reported a permanent failure during ${step}: ${codeText}${r.text}`;
        break;
      default:
        message = `${what}: ${codeText}${r.text}`;
    }
    return this.#sanitise(
      new Pop3Error(kind, message.replace(/:\s*$/, ''), { step, ...(r.code ? { code: r.code } : {}), serverText: r.line }),
    );
  }

  #loginError(r: Reply, verb: string): Pop3Error {
    const kind = codeKind(r.code);
    if ((kind === null || kind === 'auth') && !this.secure && /plain ?text|ssl|tls|secure|encrypt/i.test(r.text)) {
      return this.#replyErrorAs(r, 'login', 'plaintext-refused', `${this.endpoint} does not accept a password without TLS (${verb})`);
    }
    return this.#replyError(r, 'login', 'auth', `${this.endpoint} rejected the login (${verb})`);
  }

  #replyErrorAs(r: Reply, step: string, kind: ProbeErrorKind, what: string): Pop3Error {
    const codeText = r.code ? `[${r.code}] ` : '';
    return this.#sanitise(
      new Pop3Error(kind, `${what}: ${codeText}${r.text}`.replace(/:\s*$/, ''), {
        step,
        ...(r.code ? { code: r.code } : {}),
        serverText: r.line,
      }),
    );
  }
}

function stepLabel(step: string): string {
  const upper: Record<string, string> = { capa: 'CAPA', stat: 'STAT', list: 'LIST', uidl: 'UIDL', quit: 'QUIT', starttls: 'STLS' };
  return upper[step] ?? step;
}
