// INBOX identities packed for the history store, so that no 100k-entry list is ever kept, parsed or validated
// as JSON: one blob per probe, 65 bytes a message, laid out by column so that reading it back is a
// couple of bulk conversions plus cheap substrings (no Date or hex formatting per message):
//
//   uid u32 LE × n | size u32 LE × n | flags u8 × n (1 seen, 2 deleted, 4 has Message-ID hash)
//   | INTERNALDATE as its 24-character ISO string (latin1) × n | sha256 of the Message-ID, 32 bytes × n (zeros when absent)
//
// Schema version 2 stored 49-byte records (INTERNALDATE as an f64); packLegacyIdentities / unpackLegacyIdentities
// read and write that layout for the migrations only.
import type { MessageIdentity } from './identity.js';

export const IDENTITY_BYTES = 4 + 4 + 1 + 24 + 32;
const ISO_LEN = 24;
const HASH_LEN = 32;
const SEEN = 1;
const DELETED = 2;
const HAS_HASH = 4;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The 24-character form Date.prototype.toISOString gives for years 0000-9999 (every IMAP INTERNALDATE). */
function isoText(s: string): string {
  // What the connector produces already has this shape: keep it byte for byte.
  if (s.length === ISO_LEN && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(19) === 46 /* . */) return s;
  const ms = Date.parse(s);
  const iso = Number.isNaN(ms) ? '' : new Date(ms).toISOString();
  if (iso.length !== ISO_LEN) throw new Error(`INTERNALDATE ${JSON.stringify(s.slice(0, 40))} cannot be stored`);
  return iso;
}

/** A sha256 in hex (either case: it is stored as bytes and read back in lowercase, as the connector writes it). */
function isHex64(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

const NO_HASH = '0'.repeat(2 * HASH_LEN);

export function packIdentities(list: readonly MessageIdentity[]): Buffer {
  const n = list.length;
  const buf = Buffer.alloc(n * IDENTITY_BYTES);
  if (n === 0) return buf;
  const nums = LITTLE_ENDIAN && buf.byteOffset % 4 === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, 2 * n) : new Uint32Array(2 * n);
  const flagsAt = 8 * n;
  const dateAt = 9 * n;
  const hashAt = 9 * n + ISO_LEN * n;
  // The text columns are joined and written a chunk at a time: a few native writes instead of two per message,
  // without building whole-column strings.
  const CHUNK = 4096;
  const dates = new Array<string>(CHUNK);
  const hashes = new Array<string>(CHUNK);
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    dates.length = hashes.length = to - from;
    for (let i = from; i < to; i++) {
      const m = list[i]!;
      nums[i] = m.uid;
      nums[n + i] = Math.min(m.sizeBytes, 0xffffffff);
      dates[i - from] = isoText(m.internalDate);
      const h = m.messageIdHash;
      const hash = h !== null && h.length === 2 * HASH_LEN;
      hashes[i - from] = hash ? h : NO_HASH;
      buf[flagsAt + i] = (m.seen ? SEEN : 0) | (m.deleted ? DELETED : 0) | (hash ? HAS_HASH : 0);
    }
    buf.write(dates.join(''), dateAt + ISO_LEN * from, ISO_LEN * (to - from), 'latin1');
    // Node's hex decoding stops at the first pair that is not hex: a short write means some hash of the chunk is
    // not a sha256 hex, and those (only those) are then stored as absent.
    if (buf.write(hashes.join(''), hashAt + HASH_LEN * from, HASH_LEN * (to - from), 'hex') !== HASH_LEN * (to - from)) {
      for (let i = from; i < to; i++) {
        if (isHex64(hashes[i - from]!)) continue;
        hashes[i - from] = NO_HASH;
        buf[flagsAt + i]! &= ~HAS_HASH;
      }
      buf.write(hashes.join(''), hashAt + HASH_LEN * from, HASH_LEN * (to - from), 'hex');
    }
  }
  if (nums.buffer !== buf.buffer) for (let i = 0; i < 2 * n; i++) buf.writeUInt32LE(nums[i]!, 4 * i);
  return buf;
}

/**
 * Builds a blob of packIdentities' layout one identity at a time, straight from what the server sent, so a first
 * recording of 100k messages never holds 100k identity objects: each column grows on its own (from `expected`
 * records, doubling), and finish() lays them out. The same bytes as packIdentities of the same identities.
 */
export class PackedBuilder {
  #cap = 0;
  #n = 0;
  #uids = new Uint32Array(0);
  #sizes = new Uint32Array(0);
  #flags = new Uint8Array(0);
  #dates = Buffer.alloc(0);
  #hashes = Buffer.alloc(0);

  constructor(expected: number) {
    // A count the server claimed: at most 2^20 records up front (the rest by doubling, as they come).
    this.#grow(Math.max(16, Math.min(expected, 1 << 20)));
  }

  get length(): number {
    return this.#n;
  }

  #grow(cap: number): void {
    const grow = <T extends Uint32Array | Uint8Array | Buffer>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(cap * width);
      next.set(old.subarray(0, this.#n * width));
      return next;
    };
    this.#uids = grow(this.#uids, (n) => new Uint32Array(n), 1);
    this.#sizes = grow(this.#sizes, (n) => new Uint32Array(n), 1);
    this.#flags = grow(this.#flags, (n) => new Uint8Array(n), 1);
    this.#dates = grow(this.#dates, (n) => Buffer.alloc(n), ISO_LEN);
    this.#hashes = grow(this.#hashes, (n) => Buffer.alloc(n), HASH_LEN);
    this.#cap = cap;
  }

  /**
   * One identity: `uid` a 32-bit UID, `internalDate` an ISO string (as MessageIdentity holds it), `hash` the 32
   * bytes of the Message-ID's sha256 or null when absent.
   */
  add(uid: number, sizeBytes: number, internalDate: string, seen: boolean, deleted: boolean, hash: Buffer | null): void {
    if (!(Number.isInteger(uid) && uid >= 0 && uid <= 0xffffffff)) throw new RangeError(`UID ${uid} does not fit in 32 bits`);
    if (this.#n === this.#cap) this.#grow(2 * this.#cap);
    const i = this.#n;
    this.#dates.write(isoText(internalDate), ISO_LEN * i, ISO_LEN, 'latin1');
    const has = hash !== null && hash.length === HASH_LEN;
    if (has) hash.copy(this.#hashes, HASH_LEN * i);
    else this.#hashes.fill(0, HASH_LEN * i, HASH_LEN * (i + 1));
    this.#uids[i] = uid;
    this.#sizes[i] = Math.min(sizeBytes, 0xffffffff);
    this.#flags[i] = (seen ? SEEN : 0) | (deleted ? DELETED : 0) | (has ? HAS_HASH : 0);
    this.#n++;
  }

  /** Forget what was added (a read that starts over). */
  reset(): void {
    this.#n = 0;
  }

  /** The blob of everything added, in the order added. */
  finish(): Buffer {
    const n = this.#n;
    const buf = Buffer.alloc(n * IDENTITY_BYTES);
    if (n === 0) return buf;
    const [uid, size, date, hash] = columnsOf(n);
    for (const [col, at] of [[this.#uids, uid!.start], [this.#sizes, size!.start]] as const) {
      if (LITTLE_ENDIAN) buf.set(new Uint8Array(col.buffer, 0, 4 * n), at);
      else for (let i = 0; i < n; i++) buf.writeUInt32LE(col[i]!, at + 4 * i);
    }
    buf.set(this.#flags.subarray(0, n), 8 * n);
    this.#dates.copy(buf, date!.start, 0, ISO_LEN * n);
    this.#hashes.copy(buf, hash!.start, 0, HASH_LEN * n);
    return buf;
  }
}

/** The uid and size columns as numbers: a view on the blob when it allows one, else read one by one. */
function u32Columns(buf: Buffer, n: number): Uint32Array {
  if (LITTLE_ENDIAN && buf.byteOffset % 4 === 0) return new Uint32Array(buf.buffer, buf.byteOffset, 2 * n);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) out[i] = buf.readUInt32LE(4 * i);
  return out;
}

export function unpackIdentities(buf: Buffer): MessageIdentity[] {
  const out = new Array<MessageIdentity>(identityCount(buf));
  unpackInto(buf, out);
  return out;
}

/** The UIDs of a blob, in its order (a view on the blob when it allows one). */
export function packedUids(buf: Buffer): Uint32Array {
  const n = identityCount(buf);
  if (n === 0) return new Uint32Array(0);
  const both = u32Columns(buf, n);
  return both.subarray(0, n);
}

/** The identity at index `i` of a blob, decoded alone. */
export function packedIdentity(buf: Buffer, i: number): MessageIdentity {
  const n = identityCount(buf);
  const flags = buf[8 * n + i]!;
  const hashAt = 9 * n + ISO_LEN * n + HASH_LEN * i;
  return {
    uid: buf.readUInt32LE(4 * i),
    sizeBytes: buf.readUInt32LE(4 * n + 4 * i),
    internalDate: buf.toString('latin1', 9 * n + ISO_LEN * i, 9 * n + ISO_LEN * (i + 1)),
    messageIdHash: flags & HAS_HASH ? buf.toString('hex', hashAt, hashAt + HASH_LEN) : null,
    seen: (flags & SEEN) !== 0,
    deleted: (flags & DELETED) !== 0,
  };
}

/** Where each fixed-width column starts in a blob of `count` records, with its width (flags apart). */
function columnsOf(count: number): { start: number; width: number }[] {
  return [
    { start: 0, width: 4 }, // uid
    { start: 4 * count, width: 4 }, // size
    { start: 9 * count, width: ISO_LEN }, // INTERNALDATE
    { start: 9 * count + ISO_LEN * count, width: HASH_LEN }, // Message-ID hash
  ];
}

/**
 * A blob made from another without decoding it: the records of `prev` at the ascending indices `keep`, with
 * seen and deleted as `isSeen(uid)` / `isDeleted(uid)` say (asked in `keep` order), then `added` (whose UIDs
 * must all be higher). Runs of consecutive records are copied a column at a time, so a repeat probe that saw
 * a few flags change or some mail arrive costs a few memory copies, not a decode and repack of every identity.
 */
export function derivePacked(
  prev: Buffer,
  keep: ArrayLike<number>,
  isSeen: (uid: number) => boolean,
  isDeleted: (uid: number) => boolean,
  added: readonly MessageIdentity[],
): Buffer {
  const p = identityCount(prev);
  const k = keep.length;
  const a = added.length;
  const n = k + a;
  const out = Buffer.alloc(n * IDENTITY_BYTES);
  const from = columnsOf(p);
  const to = columnsOf(n);
  for (let r = 0; r < k; ) {
    let e = r + 1;
    while (e < k && keep[e] === keep[e - 1]! + 1) e++;
    const j = keep[r]!;
    for (let c = 0; c < from.length; c++) {
      const w = from[c]!.width;
      prev.copy(out, to[c]!.start + w * r, from[c]!.start + w * j, from[c]!.start + w * (j + e - r));
    }
    r = e;
  }
  const uids = packedUids(prev);
  for (let i = 0; i < k; i++) {
    const j = keep[i]!;
    const uid = uids[j]!;
    out[8 * n + i] = (prev[8 * p + j]! & HAS_HASH) | (isSeen(uid) ? SEEN : 0) | (isDeleted(uid) ? DELETED : 0);
  }
  if (a > 0) {
    const tail = packIdentities(added);
    const at = columnsOf(a);
    for (let c = 0; c < at.length; c++) tail.copy(out, to[c]!.start + at[c]!.width * k, at[c]!.start, at[c]!.start + at[c]!.width * a);
    tail.copy(out, 8 * n + k, 8 * a, 9 * a); // flags
  }
  return out;
}

export function identityCount(buf: Buffer): number {
  if (buf.length % IDENTITY_BYTES !== 0) throw new Error(`packed INBOX list of ${buf.length} bytes is not a whole number of ${IDENTITY_BYTES}-byte records`);
  return buf.length / IDENTITY_BYTES;
}

function unpackInto(buf: Buffer, out: MessageIdentity[]): void {
  const n = out.length;
  if (n === 0) return;
  const nums = u32Columns(buf, n);
  const flagsAt = 8 * n;
  const dateAt = 9 * n;
  const hashAt = 9 * n + ISO_LEN * n;
  // One string for all dates and one for all hashes; each message gets a slice of them (V8 shares the bytes).
  const dates = buf.toString('latin1', dateAt, hashAt);
  const hashes = buf.toString('hex', hashAt, buf.length);
  for (let i = 0; i < n; i++) {
    const flags = buf[flagsAt + i]!;
    out[i] = {
      uid: nums[i]!,
      sizeBytes: nums[n + i]!,
      internalDate: dates.substring(ISO_LEN * i, ISO_LEN * (i + 1)),
      messageIdHash: flags & HAS_HASH ? hashes.substring(2 * HASH_LEN * i, 2 * HASH_LEN * (i + 1)) : null,
      seen: (flags & SEEN) !== 0,
      deleted: (flags & DELETED) !== 0,
    };
  }
}

// --- Schema version 2 layout (migrations only) ---------------------------------------------------------------
// Per message: uid u32 | size u32 | INTERNALDATE f64 (ms since the epoch) | flags u8 | sha256 32 bytes.
const LEGACY_RECORD = 4 + 4 + 8 + 1 + 32;

export function packLegacyIdentities(list: readonly MessageIdentity[]): Buffer {
  const buf = Buffer.alloc(list.length * LEGACY_RECORD);
  let o = 0;
  for (const m of list) {
    buf.writeUInt32LE(m.uid, o);
    buf.writeUInt32LE(Math.min(m.sizeBytes, 0xffffffff), o + 4);
    buf.writeDoubleLE(Date.parse(m.internalDate), o + 8);
    const hash = m.messageIdHash !== null && isHex64(m.messageIdHash);
    buf.writeUInt8((m.seen ? SEEN : 0) | (m.deleted ? DELETED : 0) | (hash ? HAS_HASH : 0), o + 16);
    if (hash) buf.write(m.messageIdHash!, o + 17, 32, 'hex');
    o += LEGACY_RECORD;
  }
  return buf;
}

export function unpackLegacyIdentities(buf: Buffer): MessageIdentity[] {
  if (buf.length % LEGACY_RECORD !== 0) throw new Error(`packed INBOX list of ${buf.length} bytes is not a whole number of ${LEGACY_RECORD}-byte records`);
  const out = new Array<MessageIdentity>(buf.length / LEGACY_RECORD);
  for (let i = 0, o = 0; o < buf.length; i++, o += LEGACY_RECORD) {
    const flags = buf.readUInt8(o + 16);
    out[i] = {
      uid: buf.readUInt32LE(o),
      sizeBytes: buf.readUInt32LE(o + 4),
      internalDate: new Date(buf.readDoubleLE(o + 8)).toISOString(),
      messageIdHash: flags & HAS_HASH ? buf.toString('hex', o + 17, o + 49) : null,
      seen: (flags & SEEN) !== 0,
      deleted: (flags & DELETED) !== 0,
    };
  }
  return out;
}
