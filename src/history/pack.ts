// INBOX identities packed into one blob per probe: 49 bytes a message, written and read in one go. A row per
// message cost ~1 s to insert and ~0.4 s to read back for a 100k INBOX; one blob costs a few milliseconds.
//
// Layout per message (little-endian): uid u32 | size u32 | INTERNALDATE f64 (ms since the epoch) |
// flags u8 (1 seen, 2 deleted, 4 has Message-ID hash) | sha256 of the Message-ID, 32 bytes (zeros when absent).
import type { MessageIdentity } from '../snapshot/schema.js';

const RECORD = 4 + 4 + 8 + 1 + 32;
const SEEN = 1;
const DELETED = 2;
const HAS_HASH = 4;

export function packIdentities(list: readonly MessageIdentity[]): Buffer {
  const buf = Buffer.alloc(list.length * RECORD);
  let o = 0;
  for (const m of list) {
    buf.writeUInt32LE(m.uid, o);
    buf.writeUInt32LE(Math.min(m.sizeBytes, 0xffffffff), o + 4);
    buf.writeDoubleLE(Date.parse(m.internalDate), o + 8);
    const hash = m.messageIdHash && /^[0-9a-f]{64}$/.test(m.messageIdHash) ? m.messageIdHash : null;
    buf.writeUInt8((m.seen ? SEEN : 0) | (m.deleted ? DELETED : 0) | (hash ? HAS_HASH : 0), o + 16);
    if (hash) buf.write(hash, o + 17, 32, 'hex');
    o += RECORD;
  }
  return buf;
}

export function unpackIdentities(buf: Buffer): MessageIdentity[] {
  if (buf.length % RECORD !== 0) throw new Error(`packed INBOX list of ${buf.length} bytes is not a whole number of ${RECORD}-byte records`);
  const out: MessageIdentity[] = new Array(buf.length / RECORD);
  for (let i = 0, o = 0; o < buf.length; i++, o += RECORD) {
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
