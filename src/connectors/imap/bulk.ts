// One bulk read on a session of our own: the per-message identities of a whole mailbox for history
// (UID, RFC822.SIZE, INTERNALDATE, FLAGS, the Message-ID header). imapflow's general tokenizer walks every
// byte of every response in JavaScript: 100k FETCH responses (~20 MB) cost it ~5 s of CPU, which is most of
// a first probe with history. This reader splits responses with Buffer.indexOf and reads only the FETCH items
// we ask for, ~20x less CPU. It logs in, EXAMINEs (read-only), checks UIDVALIDITY against the main session,
// runs one UID FETCH with BODY.PEEK, and logs out. Anything unexpected throws; the caller then falls back to
// imapflow on the main session, so this path can only make a probe faster, never change what it records.
import { plaintextAllowed, transportMode, type ConnectOptions } from '../common.js';
import { OpenFailure, openConnection, openOptionsFor, type Connection } from '../transport.js';
import { StepTimeout } from './errors.js';
import { imapLoginCommand } from './login.js';
import { quoted } from './syntax.js';

export interface BulkMessage {
  seq: number;
  uid: number | null;
  size: number | null;
  /** The INTERNALDATE string as sent ("26-Nov-2026 13:43:40 +0000"). */
  internalDate: string | null;
  flags: string[] | null;
  /** The BODY[HEADER.FIELDS ...] value. */
  header: Buffer | null;
}

export class BulkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BulkError';
  }
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/** A response larger than this (one line plus its literals) is refused. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Splits the server's byte stream into whole responses: a line, and when it ends in a literal marker {n}
 * the n bytes after it and the rest of the line, and so on. Scans only bytes it has not scanned before.
 */
export class ResponseSplitter {
  #rest: Buffer = Buffer.alloc(0);
  /** Where scanning resumes in #rest (past literals already known to be complete or pending). */
  #scanFrom = 0;
  /** Inside an untagged SEARCH line read as a stream: the digits of the number under way (-1: none). */
  #search: { n: number } | null = null;
  /** The most bytes held at once between two pushes (what a long response costs in memory). */
  peakHeldBytes = 0;

  /**
   * With `onSearchNumber`, an untagged "* SEARCH n n n ..." line is never held whole: each number is handed over
   * as its digits arrive, and only the digits of a number cut by a packet boundary are kept (a 100k-UID answer
   * is ~700 KB on one line). Such a line reaches onResponse as "* SEARCH" alone.
   */
  constructor(
    private readonly onResponse: (response: Buffer) => void,
    private readonly onSearchNumber?: (n: number) => void,
  ) {}

  /** Reads a streamed SEARCH line from buf[i]: returns where its line ended (past the LF), or -1 when it goes on. */
  #searchPart(buf: Buffer, i: number): number {
    const st = this.#search!;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (c >= 0x30 && c <= 0x39) {
        st.n = (st.n < 0 ? 0 : st.n * 10) + (c - 0x30);
        if (st.n > 0xffffffff) throw new BulkError('SEARCH number over 32 bits');
        continue;
      }
      if (st.n >= 0) this.onSearchNumber!(st.n);
      st.n = -1;
      if (c === SP || c === CR) continue;
      if (c === LF) {
        this.#search = null;
        this.onResponse(Buffer.from('* SEARCH\r\n'));
        return i + 1;
      }
      throw new BulkError(`unexpected byte ${c} in a SEARCH response`);
    }
    return -1;
  }

  push(chunk: Buffer): void {
    let buf = this.#rest.length > 0 ? Buffer.concat([this.#rest, chunk]) : chunk;
    let start = 0;
    let pos = this.#scanFrom;
    if (this.#search) {
      const end = this.#searchPart(buf, 0);
      if (end < 0) {
        this.#rest = Buffer.alloc(0);
        this.#scanFrom = 0;
        return;
      }
      buf = buf.subarray(end);
      pos = 0;
    }
    while (pos <= buf.length) {
      if (this.onSearchNumber && pos === start && buf.length - start >= 9 && isSearchStart(buf, start)) {
        this.#search = { n: -1 };
        const end = this.#searchPart(buf, start + 9);
        if (end < 0) {
          start = pos = buf.length;
          break;
        }
        start = pos = end;
        continue;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf === -1) {
        pos = buf.length;
        break;
      }
      const n = literalLength(buf, start, lf);
      if (n >= 0) {
        pos = lf + 1 + n; // may lie beyond the bytes we have: resume there when they arrive
        continue;
      }
      this.onResponse(buf.subarray(start, lf + 1));
      start = lf + 1;
      pos = start;
    }
    this.#rest = buf.subarray(start);
    // A response cut within its first 9 bytes is scanned again from its start: it may be a SEARCH to stream.
    this.#scanFrom = this.onSearchNumber && buf.length - start < 9 ? 0 : pos - start;
    this.peakHeldBytes = Math.max(this.peakHeldBytes, this.#rest.length);
    if (this.#rest.length > MAX_RESPONSE_BYTES) throw new BulkError(`server sent a response over ${MAX_RESPONSE_BYTES} bytes`);
  }
}

/** buf[start..] begins "* SEARCH" and a space or CR (the plain SEARCH response, not ESEARCH). */
function isSearchStart(buf: Buffer, start: number): boolean {
  return keyIs(buf, start, 8, '* SEARCH') && (buf[start + 8] === SP || buf[start + 8] === CR);
}

/** n when the line ending at `lf` ends with a literal marker {n} (or {n+}), else -1. */
function literalLength(buf: Buffer, start: number, lf: number): number {
  let e = lf - 1;
  if (e >= start && buf[e] === CR) e--;
  if (e < start || buf[e] !== RBRACE) return -1;
  e--;
  if (e >= start && buf[e] === 0x2b) e--; // LITERAL+
  let n = 0;
  let mult = 1;
  let digits = 0;
  while (e >= start && buf[e]! >= 0x30 && buf[e]! <= 0x39) {
    n += (buf[e]! - 0x30) * mult;
    mult *= 10;
    digits++;
    e--;
  }
  if (digits === 0 || digits > 12 || e < start || buf[e] !== LBRACE) return -1;
  return n;
}

type Value = string | Buffer | null | Value[];

/** A small reader over one response: atoms, numbers, quoted strings, literals, NIL and lists. */
class Tokens {
  i: number;
  constructor(
    readonly b: Buffer,
    start: number,
  ) {
    this.i = start;
  }

  skipSpaces(): void {
    while (this.i < this.b.length && this.b[this.i] === SP) this.i++;
  }

  /** An atom; brackets are part of it, spaces inside them too (BODY[HEADER.FIELDS (MESSAGE-ID)]). */
  atom(): string {
    const b = this.b;
    const from = this.i;
    let depth = 0;
    while (this.i < b.length) {
      const c = b[this.i]!;
      if (c === LBRACKET) depth++;
      else if (c === RBRACKET) depth--;
      else if (depth === 0 && (c === SP || c === LPAREN || c === RPAREN || c === CR || c === LF)) break;
      this.i++;
    }
    return b.toString('latin1', from, this.i);
  }

  value(depth = 0): Value {
    this.skipSpaces();
    const b = this.b;
    const c = b[this.i];
    if (c === undefined) throw new BulkError('response ended inside a FETCH item');
    if (c === LPAREN) {
      if (depth > 8) throw new BulkError('lists nested too deep');
      this.i++;
      const out: Value[] = [];
      for (;;) {
        this.skipSpaces();
        if (b[this.i] === RPAREN) {
          this.i++;
          return out;
        }
        if (this.i >= b.length) throw new BulkError('unterminated list');
        out.push(this.value(depth + 1));
      }
    }
    if (c === DQUOTE) {
      this.i++;
      let s = '';
      let from = this.i;
      while (this.i < b.length && b[this.i] !== DQUOTE) {
        if (b[this.i] === BACKSLASH) {
          s += b.toString('latin1', from, this.i);
          this.i++;
          from = this.i;
        }
        this.i++;
      }
      if (this.i >= b.length) throw new BulkError('unterminated quoted string');
      s += b.toString('latin1', from, this.i);
      this.i++;
      return s;
    }
    if (c === LBRACE) {
      const close = b.indexOf(RBRACE, this.i);
      const n = Number(b.toString('latin1', this.i + 1, close).replace('+', ''));
      let p = close + 1;
      if (b[p] === CR) p++;
      if (b[p] !== LF || !Number.isInteger(n) || p + 1 + n > b.length) throw new BulkError('bad literal');
      this.i = p + 1 + n;
      return b.subarray(p + 1, p + 1 + n);
    }
    const a = this.atom();
    if (a.length === 0) throw new BulkError(`unexpected byte ${c} in a FETCH response`);
    return a.toUpperCase() === 'NIL' ? null : a;
  }
}

/** Upper-case ASCII letters of b[from, from+len) equal `word` (given in upper case). */
function keyIs(b: Buffer, from: number, len: number, word: string): boolean {
  if (len !== word.length) return false;
  for (let k = 0; k < len; k++) {
    const c = b[from + k]!;
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** The message of an untagged "* n FETCH (...)" response, or null for any other response. */
export function parseFetch(b: Buffer): BulkMessage | null {
  if (b.length < 12 || b[0] !== 0x2a || b[1] !== SP) return null;
  let i = 2;
  let seq = 0;
  while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39) seq = seq * 10 + (b[i++]! - 0x30);
  if (i === 2 || b[i] !== SP || !keyIs(b, i + 1, 5, 'FETCH') || b[i + 6] !== SP) return null;
  if (!Number.isSafeInteger(seq)) throw new BulkError('FETCH sequence number too large');
  const t = new Tokens(b, i + 7);
  t.skipSpaces();
  if (b[t.i] !== LPAREN) throw new BulkError('FETCH response without its item list');
  t.i++;
  const m: BulkMessage = { seq, uid: null, size: null, internalDate: null, flags: null, header: null };
  const number = (): number => {
    t.skipSpaces();
    let v = 0;
    const from = t.i;
    while (t.i < b.length && b[t.i]! >= 0x30 && b[t.i]! <= 0x39) v = v * 10 + (b[t.i++]! - 0x30);
    if (t.i === from) throw new BulkError('FETCH item without its number');
    if (!Number.isSafeInteger(v)) throw new BulkError('FETCH item number too large');
    return v;
  };
  for (;;) {
    t.skipSpaces();
    if (b[t.i] === RPAREN) break;
    if (t.i >= b.length) throw new BulkError('unterminated FETCH item list');
    // The item name, read in place: only the four we ask for are looked at, anything else is skipped.
    const from = t.i;
    t.atom();
    const len = t.i - from;
    if (len === 0) throw new BulkError('FETCH item without a name');
    if (keyIs(b, from, 3, 'UID')) m.uid = number();
    else if (keyIs(b, from, 11, 'RFC822.SIZE')) m.size = number();
    else if (keyIs(b, from, 12, 'INTERNALDATE')) {
      const v = t.value();
      m.internalDate = typeof v === 'string' ? v : null;
    } else if (keyIs(b, from, 5, 'FLAGS')) {
      t.skipSpaces();
      const close = b[t.i] === LPAREN ? b.indexOf(RPAREN, t.i) : -1;
      if (close === -1) throw new BulkError('FLAGS without its list');
      const list = b.toString('latin1', t.i + 1, close).trim();
      m.flags = list ? list.split(/ +/) : [];
      t.i = close + 1;
    } else if (len > 5 && keyIs(b, from, 5, 'BODY[')) {
      const v = t.value();
      m.header = v === null ? Buffer.alloc(0) : Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'latin1');
    } else t.value();
  }
  return m;
}


const bulkTimeout = (step: string, ms: number) => new StepTimeout(`bulk ${step}`, ms);

/** What a session of our own takes: the connection, and what the main session's login showed. */
export interface BulkSessionOptions extends ConnectOptions {
  /** Capabilities the server announced before login (upper case): which login to use. */
  preLoginCapabilities: readonly string[];
  /** No login: the server greeted with PREAUTH. */
  preauth: boolean;
}

export interface BulkFetchOptions extends BulkSessionOptions {
  mailbox: string;
  /** UIDVALIDITY the main session saw: a different one means the UIDs would not compare. */
  uidValidity: string;
  /** UID set to fetch. */
  uidSet: string;
  items: string;
  onMessage(m: BulkMessage): void;
}

/** One command of a pipelined batch: its text, and where its untagged responses (and streamed SEARCH numbers) go. */
export interface PipelinedCommand {
  text: string;
  onUntagged?: (r: Buffer) => void;
  /** The numbers of a plain "* SEARCH" answer to this command, as they stream in. */
  onSearchNumber?: (n: number) => void;
}

/** How a pipelined command ended: OK, or NO/BAD (then the caller decides; the batch goes on). */
export interface PipelinedResult {
  ok: boolean;
  line: string;
}

/**
 * A logged-in session of our own, each command under a deadline that restarts on data. `command` sends one and
 * waits for it; `pipeline` sends a batch in one write and the server answers them in order (RFC 9051 5.5): the
 * untagged responses belong to the oldest command not yet completed.
 */
interface BulkSession {
  command(text: string, step: string, onUntagged?: (r: Buffer) => void): Promise<string>;
  pipeline(commands: readonly PipelinedCommand[], step: string): Promise<PipelinedResult[]>;
  /** EXAMINE (read-only) `mailbox` and check it has the main session's UIDVALIDITY. */
  examine(mailbox: string, uidValidity: string): Promise<void>;
  /** Numbers of plain SEARCH responses go here while set (streamed, see ResponseSplitter). */
  onSearchNumber: ((n: number) => void) | null;
  /** The most bytes the reader held at once. */
  peakHeldBytes(): number;
  /** LOGOUT, waited for briefly, then the socket closed. */
  close(): Promise<void>;
}

const ESEARCH_TAG = /^\* ESEARCH \(TAG "([^"]+)"\)/i;

/** Connect, STARTTLS when asked, log in: a session of our own beside the main one. Throws BulkError or StepTimeout. */
async function openBulkSession(opts: BulkSessionOptions): Promise<BulkSession> {
  const ms = opts.timeoutMs;
  let conn: Connection | undefined;
  // The commands in flight, oldest first: untagged responses go to the first, whose tagged line ends it.
  interface InFlight {
    tag: string;
    onUntagged: (r: Buffer) => void;
    onSearchNumber?: (n: number) => void;
    /** Resolves with the tagged line, NO and BAD included (pipelined), or rejects on NO/BAD (`strict`). */
    strict: boolean;
    resolve: (line: string) => void;
    reject: (e: Error) => void;
  }
  const inFlight: InFlight[] = [];
  let greeting: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const failWith = (e: Error) => {
    failure ??= e;
    for (const w of inFlight.splice(0)) w.reject(failure);
    const g = greeting;
    greeting = null;
    g?.reject(failure);
    conn?.destroy();
  };
  const session: BulkSession = {
    onSearchNumber: null,
    command: (text, step, onUntagged = () => undefined) =>
      conn!.deadline(
        step,
        ms,
        () =>
          new Promise<string>((resolve, reject) => {
            if (failure) return reject(failure);
            const tag = `mdb${++n}`;
            inFlight.push({ tag, onUntagged, strict: true, resolve, reject });
            conn!.write(`${tag} ${text}\r\n`);
          }),
        { idle: true },
      ),
    pipeline: (commands, step) =>
      conn!.deadline(
        step,
        ms,
        () => {
          if (failure) return Promise.reject(failure);
          const tags = commands.map(() => `mdb${++n}`);
          const results = commands.map(
            (c, i) =>
              new Promise<PipelinedResult>((resolve, reject) => {
                const tag = tags[i]!;
                const status = (line: string) => line.slice(tag.length + 1).split(' ')[0]!.toUpperCase();
                inFlight.push({ tag, onUntagged: c.onUntagged ?? (() => undefined), onSearchNumber: c.onSearchNumber, strict: false, resolve: (line) => resolve({ ok: status(line) === 'OK', line }), reject });
              }),
          );
          // One write for the whole batch: the server answers in order, one flight instead of one per command.
          conn!.write(commands.map((c, i) => `${tags[i]} ${c.text}\r\n`).join(''));
          return Promise.all(results);
        },
        { idle: true },
      ),
    async examine(mailbox, expected) {
      let uidValidity: string | null = null;
      const box = quoted(mailbox);
      if (box === null) throw new BulkError('mailbox name needs a literal');
      await session.command(`EXAMINE ${box}`, 'examine', (r) => {
        const m = /\[UIDVALIDITY (\d+)\]/i.exec(r.toString('latin1'));
        if (m) uidValidity = m[1]!;
      });
      if (uidValidity !== expected) throw new BulkError(`UIDVALIDITY ${uidValidity} differs from the main session's ${expected}`);
    },
    peakHeldBytes: () => splitter.peakHeldBytes,
    async close() {
      // A polite goodbye, not waited for long: everything is read.
      if (!failure) await Promise.race([session.command('LOGOUT', 'logout').catch(() => undefined), new Promise((r) => setTimeout(r, 200).unref())]);
      failure ??= new BulkError('done');
      conn?.destroy();
    },
  };
  const splitter = new ResponseSplitter(
    (r) => {
      if (greeting) {
        const g = greeting;
        greeting = null;
        g.resolve(r.toString('latin1').trimEnd());
        return;
      }
      const w = inFlight[0];
      if (!w) return;
      if (r[0] === 0x2a) {
        // A server may run pipelined searches side by side (Dovecot does) and answer a later one first: an
        // ESEARCH response names its command (RFC 4731 TAG), everything else belongs to the oldest in flight.
        const tagged = ESEARCH_TAG.exec(r.toString('latin1', 0, Math.min(r.length, 64)));
        const to = tagged ? inFlight.find((x) => x.tag === tagged[1]) : w;
        if (!to) return failWith(new BulkError(`an ESEARCH for ${tagged![1]}, which is not in flight`));
        return to.onUntagged(r);
      }
      if (r[0] === 0x2b) return failWith(new BulkError('unexpected continuation request'));
      const line = r.toString('latin1').trimEnd();
      // A server may also complete a later command first (Dovecot runs a folder's FETCHes side by side): the
      // tagged line ends the command it names, wherever it is in the queue. Untagged answers other than ESEARCH
      // go to the oldest in flight, so commands that may run side by side in one mailbox share a handler
      // (mailbox/sweep.ts), and a mailbox change (EXAMINE) waits for what runs before it.
      const at = inFlight.findIndex((x) => line.startsWith(`${x.tag} `));
      if (at < 0) return;
      const done = inFlight.splice(at, 1)[0]!;
      const status = line.slice(done.tag.length + 1).split(' ')[0]!.toUpperCase();
      if (status === 'OK' || !done.strict) done.resolve(line);
      else done.reject(new BulkError(`${status} to ${done.tag}`));
    },
    (num) => {
      const to = inFlight[0]?.onSearchNumber ?? session.onSearchNumber;
      if (!to) throw new BulkError('a SEARCH response nobody asked for');
      to(num);
    },
  );
  let n = 0;
  try {
    // Checked before connecting: an unknown mode never becomes a plain connection with a password on it.
    const mode = transportMode(opts.tls);
    if (mode === 'none' && !opts.preauth && !plaintextAllowed(opts)) throw new BulkError('no login without TLS');
    const started = performance.now();
    try {
      conn = await openConnection(openOptionsFor(opts, bulkTimeout));
    } catch (e) {
      throw e instanceof OpenFailure ? e.error : e;
    }
    // Set before the first byte can reach the splitter: the first response is the greeting.
    const greeted = new Promise<string>((resolve, reject) => {
      greeting = { resolve, reject };
    });
    conn.consume({
      data: (d) => {
        try {
          splitter.push(d);
        } catch (e) {
          failWith(e as Error);
        }
      },
      error: failWith,
      end: () => failWith(new BulkError('connection closed')),
    });
    // The greeting shares the connect step's deadline.
    const first = await conn.deadline('connect', Math.max(1, ms - (performance.now() - started)), () => greeted, { idle: true });
    if (!/^\* (OK|PREAUTH)\b/i.test(first)) throw new BulkError('unexpected greeting');
    if (mode === 'starttls') {
      await session.command('STARTTLS', 'starttls');
      await conn.upgrade('starttls', ms);
    }
    if (!opts.preauth) {
      const caps = new Set(opts.preLoginCapabilities.map((c) => c.toUpperCase()));
      const login = imapLoginCommand(opts.credentials, caps);
      if (login === null) throw new BulkError('no simple login for this account');
      await session.command(login, 'login');
    }
    return session;
  } catch (e) {
    failure ??= new BulkError('done');
    conn?.destroy();
    throw asBulkError(e);
  }
}

/** Our own errors as they are; anything else (a socket error) as a BulkError: the caller falls back on it. */
function asBulkError(e: unknown): Error {
  if (e instanceof StepTimeout || e instanceof BulkError) return e;
  return new BulkError((e as Error).message ?? String(e));
}

/**
 * Run one UID FETCH on a session of our own. The deadline (timeoutMs) restarts whenever the server sends
 * data, so a long transfer may take longer as a whole but never stalls for that long.
 */
export async function bulkFetch(opts: BulkFetchOptions): Promise<number> {
  const session = await openBulkSession(opts);
  let fetched = 0;
  try {
    await session.examine(opts.mailbox, opts.uidValidity);
    await session.command(`UID FETCH ${opts.uidSet} ${opts.items}`, 'fetch', (r) => {
      const m = parseFetch(r);
      if (!m) return;
      fetched++;
      opts.onMessage(m);
    });
    return fetched;
  } catch (e) {
    throw asBulkError(e);
  } finally {
    await session.close();
  }
}

/** What a streamed plain SEARCH found: how many UIDs, the lowest, and the most bytes the reader held meanwhile. */
export interface StreamedSearch {
  count: number;
  min: number | null;
  peakHeldBytes: number;
}

/**
 * Plain UID SEARCHes (servers without ESEARCH), and pipelined batches (the folder sweep, mailbox/sweep.ts), on a
 * session of our own whose reader never holds a SEARCH answer's UID list: "* SEARCH 1 2 3 ..." for 100k messages is counted as it arrives. The session stays open from one
 * search to the next and EXAMINEs a mailbox only when the mailbox changes. Anything unexpected throws; the
 * caller then asks the main session instead.
 */
export class SearchSession {
  #session: Promise<BulkSession> | null = null;
  #examined: string | null = null;

  constructor(private readonly opts: BulkSessionOptions) {}

  /** UID SEARCH `criteria` (already IMAP text) in `mailbox`, which must have `uidValidity`. */
  async search(mailbox: string, uidValidity: string, criteria: string): Promise<StreamedSearch> {
    this.#session ??= openBulkSession(this.opts);
    const session = await this.#session;
    try {
      const key = `${uidValidity} ${mailbox}`;
      if (this.#examined !== key) {
        this.#examined = null;
        await session.examine(mailbox, uidValidity);
        this.#examined = key;
      }
      let count = 0;
      let min: number | null = null;
      session.onSearchNumber = (n) => {
        count++;
        if (min === null || n < min) min = n;
      };
      try {
        await session.command(`UID SEARCH ${criteria}`, 'search');
      } finally {
        session.onSearchNumber = null;
      }
      return { count, min, peakHeldBytes: session.peakHeldBytes() };
    } catch (e) {
      // A session that failed once is not trusted again: the next search opens a new one.
      this.#session = null;
      this.#examined = null;
      await session.close();
      throw asBulkError(e);
    }
  }

  /** Whether a session is open (or opening) already: then a batch costs no new login. */
  get isOpen(): boolean {
    return this.#session !== null;
  }

  /**
   * Sends a batch in one write on the same session (see BulkSession.pipeline); the batch selects mailboxes of its
   * own, so the next search EXAMINEs again. Throws on a broken session (then not trusted again).
   */
  async pipeline(commands: readonly PipelinedCommand[], step: string): Promise<PipelinedResult[]> {
    this.#session ??= openBulkSession(this.opts);
    const session = await this.#session;
    this.#examined = null;
    try {
      return await session.pipeline(commands, step);
    } catch (e) {
      this.#session = null;
      await session.close();
      throw asBulkError(e);
    }
  }

  async close(): Promise<void> {
    const s = this.#session;
    this.#session = null;
    if (s) await s.then((x) => x.close(), () => undefined);
  }
}
