// UIDL and LIST bodies (RFC 1939 §5, §7) parsed from the received bytes, into columns (typed arrays, for the probe)
// or into the entry objects uidl() and list() return. A large mailbox sends 100k lines or more; going through a
// string, a regex and an object per line made the client cost several times what TLS and the socket cost. So the
// common line is read byte by byte: LIST makes no string at all, UIDL one (the unique-id itself). A line the byte
// reader does not take (non-ASCII, odd spacing, a huge number) goes through the original regex on the UTF-8 text,
// so what is accepted and what comes out is unchanged.
import type { BodySink } from './lines.js';
import { hex8, hex8Bytes, type UidlHalves } from './uidl.js';

/** Where the last readDigits() stopped. The readers handle one line at a time, synchronously. */
let cursor = 0;

/** The position of the first non-space byte from i on (or end). */
function skipSpaces(buf: Buffer, i: number, end: number): number {
  while (i < end && space(buf[i]!)) i++;
  return i;
}

/** The decimal number written at i (0 when no digit is there); `cursor` is left after its last digit. */
function readDigits(buf: Buffer, i: number, end: number): number {
  let num = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) break;
    num = num * 10 + d;
  }
  cursor = i;
  return num;
}

/** A body line that does not have the form its command promises. */
export class MalformedLine extends Error {
  constructor(
    readonly what: string,
    readonly line: string,
  ) {
    super(what);
  }
}

/** A listing reached the most lines it may have (see listingBound in client.ts); reading stops there. */
export class ListingOverrun extends Error {
  constructor(readonly max: number) {
    super(`listing longer than ${max} lines`);
  }
}

export interface Pop3ListEntry {
  n: number;
  sizeBytes: number;
}
export interface Pop3UidlEntry {
  n: number;
  uidl: string;
}

/**
 * UIDL as columns: message numbers and unique-ids, `count` entries; with each id's hex halves for mapUidls.
 * (A UidlSink that builds entries leaves its columns empty.)
 */
export interface UidlColumns extends UidlHalves {
  count: number;
  /** n[i] for i < count; the array may be longer. */
  n: Float64Array;
  /** Exactly `count` entries. */
  ids: string[];
}

/** LIST as columns: message numbers and sizes in octets, `count` entries (the arrays may be longer). */
export interface ListColumns {
  count: number;
  n: Float64Array;
  sizes: Float64Array;
}

// The regexes the client always used; the slow path of each sink, and the definition of what a line may be.
const UIDL_LINE = /^\s*(\d+)\s+(\S+)\s*$/;
const LIST_LINE = /^\s*(\d+)\s+(\d+)(?:\s|$)/;

/** Longest digit run added up by hand; 15 digits stay below 2^53, so the sum is exact and equals Number(). */
const MAX_FAST_DIGITS = 15;

/**
 * A column value for an object field. A number read from a Float64Array is a double, and a double in an object
 * field is a separate heap box, so 100k entries would make 100k more objects for the GC to move; an integer that
 * fits in a signed 32-bit integer is stored in the field itself.
 */
export function int(x: number): number {
  // Sizes and message numbers are never negative; beyond 2^31 - 1 the value stays a double.
  return x <= 0x7fffffff ? x | 0 : x;
}

/** ASCII whitespace as JavaScript's \s sees it: HT, LF, VT, FF, CR, SP. */
function space(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function grow(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const next = new Float64Array(Math.max(need, a.length * 2, 16));
  next.set(a);
  return next;
}

/** Reads a UIDL body: "msg unique-id". */
export class UidlSink implements BodySink, UidlColumns {
  count = 0;
  n: Float64Array;
  ids: string[] = [];
  hi: Float64Array;
  lo: Float64Array;
  hexCount = 0;
  /** The lines as uidl() returns them, when asked for; then the columns stay empty (count still counts). */
  readonly entries: Pop3UidlEntry[] | null;

  readonly #max: number;

  /** `expected`: the message count if known (STAT), to size the columns once; `max`: the most lines taken. */
  constructor(expected = 0, entries = false, max = Infinity) {
    this.#max = max;
    const size = entries ? 0 : Math.max(16, expected);
    this.n = new Float64Array(size);
    this.hi = new Float64Array(size);
    this.lo = new Float64Array(size);
    this.entries = entries ? [] : null;
  }

  line(buf: Buffer, start: number, end: number): void {
    const digits = skipSpaces(buf, start, end);
    const num = readDigits(buf, digits, end);
    const gap = cursor;
    let i = skipSpaces(buf, gap, end);
    const from = i;
    // OR of the unique-id's bytes: bit 7 set means non-ASCII, which is decoded as UTF-8 by the slow path.
    let high = 0;
    for (; i < end; i++) {
      const b = buf[i]!;
      if (space(b)) break;
      high |= b;
    }
    const to = i;
    i = skipSpaces(buf, i, end);
    if (gap === digits || gap - digits > MAX_FAST_DIGITS || from === gap || to === from || i !== end || high & 0x80) {
      this.#slow(buf, start, end);
      return;
    }
    const h = this.entries === null && to - from === 16 ? hex8Bytes(buf, from) : -1;
    const l = h >= 0 ? hex8Bytes(buf, from + 8) : -1;
    this.#add(num, buf.toString('latin1', from, to), h, l);
  }

  #slow(buf: Buffer, start: number, end: number): void {
    const line = buf.toString('utf8', start, end);
    const m = UIDL_LINE.exec(line);
    if (!m) throw new MalformedLine('a UIDL line is not "number unique-id"', line);
    if (!Number.isSafeInteger(Number(m[1]))) throw new MalformedLine('a UIDL message number is too large', line);
    const id = m[2]!;
    const h = id.length === 16 ? hex8(id, 0) : -1;
    const l = h >= 0 ? hex8(id, 8) : -1;
    this.#add(Number(m[1]), id, h, l);
  }

  #add(num: number, id: string, h: number, l: number): void {
    const k = this.count;
    if (k >= this.#max) throw new ListingOverrun(this.#max);
    if (this.entries !== null) {
      this.entries.push({ n: int(num), uidl: id });
      this.count = k + 1;
      return;
    }
    if (k === this.n.length) {
      this.n = grow(this.n, k + 1);
      this.hi = grow(this.hi, k + 1);
      this.lo = grow(this.lo, k + 1);
    }
    this.n[k] = num;
    this.ids.push(id);
    if (l >= 0) {
      this.hi[k] = h;
      this.lo[k] = l;
      this.hexCount++;
    } else {
      this.hi[k] = -1;
      this.lo[k] = -1;
    }
    this.count = k + 1;
  }
}

/** Reads a LIST body: "msg size", possibly followed by more (RFC 1939 lets servers add to it). */
export class ListSink implements BodySink, ListColumns {
  count = 0;
  n: Float64Array;
  sizes: Float64Array;
  /** The lines as list() returns them, when asked for. */
  readonly entries: Pop3ListEntry[] | null;

  readonly #max: number;

  constructor(expected = 0, entries = false, max = Infinity) {
    this.#max = max;
    this.n = new Float64Array(Math.max(16, expected));
    this.sizes = new Float64Array(Math.max(16, expected));
    this.entries = entries ? [] : null;
  }

  line(buf: Buffer, start: number, end: number): void {
    const d1 = skipSpaces(buf, start, end);
    const num = readDigits(buf, d1, end);
    const gap = cursor;
    const d2 = skipSpaces(buf, gap, end);
    const size = readDigits(buf, d2, end);
    const i = cursor;
    if (
      gap === d1 ||
      gap - d1 > MAX_FAST_DIGITS ||
      d2 === gap ||
      i === d2 ||
      i - d2 > MAX_FAST_DIGITS ||
      (i < end && !space(buf[i]!))
    ) {
      this.#slow(buf, start, end);
      return;
    }
    this.#add(num, size);
  }

  #slow(buf: Buffer, start: number, end: number): void {
    const line = buf.toString('utf8', start, end);
    const m = LIST_LINE.exec(line);
    if (!m) throw new MalformedLine('a LIST line is not "number size"', line);
    if (!Number.isSafeInteger(Number(m[1])) || !Number.isSafeInteger(Number(m[2]))) throw new MalformedLine('a LIST number is too large', line);
    this.#add(Number(m[1]), Number(m[2]));
  }

  #add(num: number, size: number): void {
    const k = this.count;
    if (k >= this.#max) throw new ListingOverrun(this.#max);
    if (k === this.n.length) {
      this.n = grow(this.n, k + 1);
      this.sizes = grow(this.sizes, k + 1);
    }
    this.n[k] = num;
    this.sizes[k] = size;
    if (this.entries !== null) this.entries.push({ n: int(num), sizeBytes: int(size) });
    this.count = k + 1;
  }
}
