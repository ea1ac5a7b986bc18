// POP3 framing (RFC 1939 §3): replies are CRLF lines; a multi-line reply ends with a line holding a single
// ".", and a body line that starts with "." has one more "." put in front of it ("dot-stuffing").
// Bytes arrive in TCP chunks that may cut a line anywhere, hold several lines, or one byte at a time: the
// splitter keeps the chunks of the unfinished line and scans only the new bytes for LF, so a 100k-line UIDL
// costs linear time, never a re-scan or re-concatenation of what came before.
import { Pop3Error } from './errors.js';

/** RFC 1939 allows 512 octets per reply line; real servers go beyond it, so the bound is generous. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
/** A multi-line reply larger than this is refused (a UIDL of a million messages is ~30 MB). */
export const DEFAULT_MAX_REPLY_BYTES = 256 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** Splits a byte stream into lines (CRLF, or a lone LF), without the line ending. */
export class LineSplitter {
  readonly #onLine: (line: string) => void;
  readonly #maxLineBytes: number;
  #parts: Buffer[] = [];
  #partBytes = 0;

  constructor(onLine: (line: string) => void, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.#onLine = onLine;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Bytes held of a line whose end has not arrived yet. */
  get partialBytes(): number {
    return this.#partBytes;
  }

  /** Feed one chunk. Throws a protocol Pop3Error when a line exceeds the bound. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) break;
      let line: string;
      if (this.#partBytes === 0) {
        const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
        this.#check(end - start);
        line = chunk.toString('utf8', start, end);
      } else {
        this.#parts.push(chunk.subarray(start, lf));
        let whole = Buffer.concat(this.#parts, this.#partBytes + (lf - start));
        this.#parts = [];
        this.#partBytes = 0;
        if (whole.length > 0 && whole[whole.length - 1] === CR) whole = whole.subarray(0, whole.length - 1);
        this.#check(whole.length);
        line = whole.toString('utf8');
      }
      start = lf + 1;
      this.#onLine(line);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#parts.push(rest);
      this.#partBytes += rest.length;
      // +1: the CR of a CRLF may be the last byte held.
      if (this.#partBytes > this.#maxLineBytes + 1) this.#check(this.#partBytes);
    }
  }

  #check(length: number): void {
    if (length > this.#maxLineBytes) {
      this.#parts = [];
      this.#partBytes = 0;
      throw new Pop3Error('protocol', `server sent a line longer than ${this.#maxLineBytes} bytes`);
    }
  }
}

export type ReplyStatus = 'ok' | 'err' | 'continue';

export interface Reply {
  status: ReplyStatus;
  /** The status line as received. */
  line: string;
  /** Text after +OK / -ERR / +, without a leading response code. */
  text: string;
  /** RFC 2449 response code in brackets, upper-cased: IN-USE, LOGIN-DELAY, AUTH, SYS/TEMP, ... */
  code: string | null;
  /** Body lines of a multi-line +OK reply, dot-unstuffed, without the terminating "."; else null. */
  body: string[] | null;
}

/** Parse a status line; null when it is neither +OK, -ERR nor a SASL continuation. */
export function parseStatusLine(line: string): Omit<Reply, 'body'> | null {
  const m = /^(\+OK|-ERR|\+)(?:[ \t]+(.*)|)$/i.exec(line);
  if (!m) return null;
  const indicator = m[1]!.toUpperCase();
  const status: ReplyStatus = indicator === '+OK' ? 'ok' : indicator === '-ERR' ? 'err' : 'continue';
  let text = m[2] ?? '';
  let code: string | null = null;
  if (status !== 'continue') {
    const c = /^\[([^\]\s]*)\][ \t]*(.*)$/.exec(text);
    if (c) {
      code = c[1]!.toUpperCase();
      text = c[2]!;
    }
  }
  return { status, line, text, code };
}

interface PendingRead {
  multiline: boolean;
  head: Omit<Reply, 'body'> | null;
  body: string[];
  bodyBytes: number;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

/**
 * Turns a byte stream into POP3 replies. The caller says for each read whether a +OK reply to the command
 * it sent carries a body. Lines that arrive before a read is asked for wait in a queue.
 */
export class ReplyReader {
  readonly #splitter: LineSplitter;
  #queue: string[] = [];
  #queueHead = 0;
  #pending: PendingRead | null = null;
  #error: Error | null = null;
  readonly #maxReplyBytes: number;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES, maxReplyBytes = DEFAULT_MAX_REPLY_BYTES) {
    this.#splitter = new LineSplitter((line) => this.#onLine(line), maxLineBytes);
    this.#maxReplyBytes = maxReplyBytes;
  }

  /** Bytes and lines received but not consumed by a read (e.g. data that followed a STLS reply). */
  get bufferedBytes(): number {
    let n = this.#splitter.partialBytes;
    for (let i = this.#queueHead; i < this.#queue.length; i++) n += this.#queue[i]!.length + 1;
    return n;
  }

  /** Feed bytes from the socket. Never throws: a framing error fails the current and every later read. */
  push(chunk: Buffer): void {
    if (this.#error) return;
    try {
      this.#splitter.push(chunk);
    } catch (err) {
      this.end(err as Error);
    }
  }

  /** No more data will come (close, reset, timeout): reads that the buffered lines cannot satisfy fail with err. */
  end(err: Error): void {
    if (this.#error) return;
    this.#error = err;
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      p.reject(err);
    }
  }

  /** Read the next reply. `multiline`: a +OK reply has a body ending in ".". One read at a time. */
  read(multiline: boolean): Promise<Reply> {
    if (this.#pending) return Promise.reject(new Pop3Error('internal', 'two POP3 replies read at once'));
    return new Promise<Reply>((resolve, reject) => {
      this.#pending = { multiline, head: null, body: [], bodyBytes: 0, resolve, reject };
      while (this.#pending && this.#queueHead < this.#queue.length) {
        const line = this.#queue[this.#queueHead]!;
        this.#queueHead++;
        this.#feed(line);
      }
      if (this.#queueHead === this.#queue.length) {
        this.#queue = [];
        this.#queueHead = 0;
      }
      if (this.#pending && this.#error) {
        this.#pending = null;
        reject(this.#error);
      }
    });
  }

  #onLine(line: string): void {
    if (this.#pending) this.#feed(line);
    else this.#queue.push(line);
  }

  #feed(line: string): void {
    const p = this.#pending!;
    if (!p.head) {
      const head = parseStatusLine(line);
      if (!head) {
        this.#pending = null;
        const err = new Pop3Error('protocol', 'server sent a reply that is not +OK or -ERR', { serverText: line });
        this.#error = err;
        p.reject(err);
        return;
      }
      if (head.status !== 'ok' || !p.multiline) {
        this.#pending = null;
        p.resolve({ ...head, body: null });
        return;
      }
      p.head = head;
      return;
    }
    if (line.length === 1 && line === '.') {
      this.#pending = null;
      p.resolve({ ...p.head, body: p.body });
      return;
    }
    p.bodyBytes += line.length + 2;
    if (p.bodyBytes > this.#maxReplyBytes) {
      this.#pending = null;
      const err = new Pop3Error('protocol', `server sent a reply longer than ${this.#maxReplyBytes} bytes`);
      this.#error = err;
      p.reject(err);
      return;
    }
    p.body.push(line.charCodeAt(0) === 0x2e /* . */ ? line.slice(1) : line);
  }
}
