// POP3 framing (RFC 1939 §3): replies are CRLF lines; a multi-line reply ends with a line holding a single
// ".", and a body line that starts with "." has one more "." put in front of it ("dot-stuffing").
// Bytes arrive in TCP chunks that may cut a line anywhere, hold several lines, or one byte at a time: both the
// splitter and the reply reader keep the pieces of the unfinished line and scan only the new bytes for LF, so a
// 100k-line UIDL costs linear time, never a re-scan or re-concatenation of what came before.
import { Pop3Error } from './errors.js';

/** RFC 1939 allows 512 octets per reply line; real servers go beyond it, so the bound is generous. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
/** A multi-line reply larger than this is refused (a UIDL of a million messages is ~30 MB). */
export const DEFAULT_MAX_REPLY_BYTES = 256 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

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
  /**
   * Body lines of a multi-line +OK reply, dot-unstuffed, without the terminating "."; else null. Also null when
   * the read handed the body lines to a BodySink instead.
   */
  body: string[] | null;
}

/** Parse a status line; null when it is neither +OK, -ERR nor a SASL continuation. */
export function parseStatusLine(line: string): Omit<Reply, 'body'> | null {
  // s: the text may hold U+2028/U+2029 (or any character but the CRLF already cut off), which "." alone skips.
  const m = /^(\+OK|-ERR|\+)(?:[ \t]+(.*)|)$/is.exec(line);
  if (!m) return null;
  const indicator = m[1]!.toUpperCase();
  const status: ReplyStatus = indicator === '+OK' ? 'ok' : indicator === '-ERR' ? 'err' : 'continue';
  let text = m[2] ?? '';
  let code: string | null = null;
  if (status !== 'continue') {
    const c = /^\[([^\]\s]*)\][ \t]*(.*)$/s.exec(text);
    if (c) {
      code = c[1]!.toUpperCase();
      text = c[2]!;
    }
  }
  return { status, line, text, code };
}

/**
 * Takes the body lines of a multi-line reply straight from the received bytes, so that a 100k-line UIDL or LIST
 * needs no string (and no array slot) per line. A line is bytes [start, end) of buf: dot-unstuffed, without the
 * line ending, and only valid during the call. Throwing fails the read (and the reader, since the rest of the
 * reply can no longer be framed reliably).
 */
export interface BodySink {
  line(buf: Buffer, start: number, end: number): void;
}

interface PendingRead {
  multiline: boolean;
  sink: BodySink | null;
  head: Omit<Reply, 'body'> | null;
  /** Body lines as strings, when there is no sink. */
  body: string[];
  bodyBytes: number;
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

/**
 * Turns a byte stream into POP3 replies. The caller says for each read whether a +OK reply to the command it
 * sent carries a body, and may give a BodySink for that body. Bytes that arrive while no read is asked for wait
 * as they came (the chunks are kept, not split), and the next read starts on them.
 */
export class ReplyReader {
  readonly #maxLineBytes: number;
  readonly #maxReplyBytes: number;
  /** Received chunks not yet looked at; the first one from #offset on. Only non-empty while no read is pending. */
  #chunks: Buffer[] = [];
  #offset = 0;
  /** Bytes in #chunks (from #offset on). */
  #queuedBytes = 0;
  /** The start of a line whose LF has not arrived yet (only while a read is pending). */
  #carry: Buffer[] = [];
  #carryBytes = 0;
  #pending: PendingRead | null = null;
  #error: Error | null = null;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES, maxReplyBytes = DEFAULT_MAX_REPLY_BYTES) {
    this.#maxLineBytes = maxLineBytes;
    this.#maxReplyBytes = maxReplyBytes;
  }

  /** Bytes received but not consumed by a read (e.g. data that followed a STLS reply). */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#carryBytes;
  }

  /** Feed bytes from the socket. Never throws: a framing error fails the current and every later read. */
  push(chunk: Buffer): void {
    if (this.#error || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#pending) this.#drain();
    else if (this.#queuedBytes > this.#maxReplyBytes) {
      this.#fail(new Pop3Error('protocol', `server sent more than ${this.#maxReplyBytes} bytes that no command asked for`));
    }
  }

  /** No more data will come (close, reset, timeout): reads that the buffered bytes cannot satisfy fail with err. */
  end(err: Error): void {
    if (this.#error) return;
    this.#error = err;
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      p.reject(err);
    }
  }

  /**
   * Read the next reply. `multiline`: a +OK reply has a body ending in "."; its lines go to `sink` when one is
   * given, else into Reply.body. One read at a time.
   */
  read(multiline: boolean, sink: BodySink | null = null): Promise<Reply> {
    if (this.#pending) return Promise.reject(new Pop3Error('internal', 'two POP3 replies read at once'));
    return new Promise<Reply>((resolve, reject) => {
      this.#pending = { multiline, sink, head: null, body: [], bodyBytes: 0, resolve, reject };
      this.#drain();
      const p = this.#pending as PendingRead | null;
      if (p && this.#error) {
        this.#pending = null;
        this.#carry = [];
        this.#carryBytes = 0;
        reject(this.#error);
      }
    });
  }

  /** Work through the waiting chunks while a read is pending; what is left after the reply stays queued. */
  #drain(): void {
    try {
      while (this.#pending && this.#chunks.length > 0) {
        const chunk = this.#chunks[0]!;
        const from = this.#offset;
        const stop = this.#scan(chunk, from);
        this.#queuedBytes -= stop - from;
        if (stop < chunk.length) {
          this.#offset = stop;
        } else {
          this.#chunks.shift();
          this.#offset = 0;
        }
      }
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  /**
   * Hand the complete lines of chunk (from pos on) to the pending read until it completes; returns where it
   * stopped. A status line and a line begun in an earlier chunk take the general path, one at a time; body lines
   * lying wholly in the chunk go through #bodyLines, a loop kept free of the rare cases so that it stays small and
   * compiled as it is.
   */
  #scan(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    let start = pos;
    while (this.#pending !== null && start < len) {
      const p = this.#pending;
      if (this.#carryBytes === 0 && p.head !== null) {
        start = this.#bodyLines(p, chunk, start);
        if (this.#pending === null) return start;
      }
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.#keep(chunk, start);
        return len;
      }
      this.#oneLine(chunk, start, lf);
      start = lf + 1;
    }
    return start;
  }

  /** Body lines of p from start on, up to the first one not complete in chunk; returns where that one starts. */
  #bodyLines(p: PendingRead, chunk: Buffer, start: number): number {
    const max = this.#maxLineBytes;
    for (;;) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) return start;
      const e = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
      if (e - start > max) this.#tooLong();
      // (next is computed before the call: an addition first reached at the reply's end would cost a recompile.)
      const next = lf + 1;
      if (this.#body(p, chunk, start, e)) return next;
      start = next;
    }
  }

  /** The start of a line whose end is in a later chunk. */
  #keep(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    this.#carry.push(start === 0 ? chunk : chunk.subarray(start));
    this.#carryBytes += chunk.length - start;
    // +1: the CR of a CRLF may be the last byte held.
    if (this.#carryBytes > this.#maxLineBytes + 1) this.#tooLong();
  }

  /** One line ending at lf, joined to what was kept of it from earlier chunks: a status line or a body line. */
  #oneLine(chunk: Buffer, start: number, lf: number): void {
    let buf = chunk;
    let s = start;
    let e = lf;
    if (this.#carryBytes > 0) {
      this.#carry.push(chunk.subarray(start, lf));
      buf = Buffer.concat(this.#carry, this.#carryBytes + (lf - start));
      this.#carry = [];
      this.#carryBytes = 0;
      s = 0;
      e = buf.length;
    }
    if (e > s && buf[e - 1] === CR) e--;
    if (e - s > this.#maxLineBytes) this.#tooLong();
    const p = this.#pending!;
    if (p.head !== null) {
      this.#body(p, buf, s, e);
      return;
    }
    const line = buf.toString('utf8', s, e);
    const head = parseStatusLine(line);
    if (!head) throw new Pop3Error('protocol', 'server sent a reply that is not +OK or -ERR', { serverText: line });
    if (head.status !== 'ok' || !p.multiline) {
      this.#pending = null;
      p.resolve({ ...head, body: null });
      return;
    }
    p.head = head;
  }

  /** One body line of p (bytes [s, e) of buf, line ending removed). Returns true when it ended the reply. */
  #body(p: PendingRead, buf: Buffer, s: number, e: number): boolean {
    if (buf[s] === DOT) {
      if (e - s === 1) {
        this.#pending = null;
        p.resolve({ ...p.head!, body: p.sink ? null : p.body });
        return true;
      }
      s++;
      p.bodyBytes += 1;
    }
    p.bodyBytes += e - s + 2;
    if (p.bodyBytes > this.#maxReplyBytes) throw new Pop3Error('protocol', `server sent a reply longer than ${this.#maxReplyBytes} bytes`);
    if (p.sink) p.sink.line(buf, s, e);
    else p.body.push(buf.toString('utf8', s, e));
    return false;
  }

  #tooLong(): never {
    throw new Pop3Error('protocol', `server sent a line longer than ${this.#maxLineBytes} bytes`);
  }

  /** A framing error or a sink's refusal: this read and every later one fail with err. */
  #fail(err: Error): void {
    this.#chunks = [];
    this.#offset = 0;
    this.#queuedBytes = 0;
    this.#carry = [];
    this.#carryBytes = 0;
    if (!this.#error) this.#error = err;
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      p.reject(err);
    }
  }
}
