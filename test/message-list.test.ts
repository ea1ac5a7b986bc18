// MessageList: a list made from identities and one made from the history store's packed bytes behave alike, item
// by item and in JSON; snapshots holding either write the same file, and cloneSnapshot copies them.
import { describe, expect, it } from 'vitest';
import { compareLists } from '../src/snapshot/compare.js';
import { cloneSnapshot, parseSnapshot, serializeSnapshot } from '../src/snapshot/io.js';
import { MessageList } from '../src/snapshot/message-list.js';
import { PackedBuilder, packIdentities } from '../src/snapshot/pack.js';
import { messageIdDigest, messageIdHash } from '../src/connectors/imap/mailbox/message-id.js';
import type { MessageIdentity, Snapshot } from '../src/snapshot/schema.js';
import { scenario } from './support/snapshot-builder.js';

const identities = (n: number, first = 1): MessageIdentity[] =>
  Array.from({ length: n }, (_, i) => ({
    uid: first + 3 * i,
    sizeBytes: 500 + 7 * i,
    internalDate: new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
    messageIdHash: i % 4 === 0 ? null : (first + i).toString(16).padStart(64, 'c'),
    seen: i % 2 === 1,
    deleted: i % 3 === 0,
  }));

function withList(list: MessageList | null): Snapshot {
  const s = scenario('healthy-imap-only');
  if (!s.imap?.ok) throw new Error('fixture without IMAP');
  s.imap.evidence.inbox.messageList = list;
  return s;
}

describe('MessageList', () => {
  const items = identities(40);
  const plain = MessageList.from(items);
  const packed = MessageList.fromPacked(packIdentities(items));

  it('made from identities or from packed bytes, agrees item by item', () => {
    for (const l of [plain, packed]) {
      expect(l.length).toBe(40);
      for (let i = 0; i < items.length; i++) expect(l.at(i)).toEqual(items[i]);
      expect([...l]).toEqual(items);
      expect(l.toArray()).toEqual(items);
    }
    expect(plain.packed).toBeNull();
    expect(packed.packed?.length).toBe(40 * 65);
  });

  it('reads single items of a packed list before and after it decodes them all', () => {
    const l = MessageList.fromPacked(packIdentities(items));
    expect(l.at(17)).toEqual(items[17]);
    expect(l.toArray()[17]).toEqual(items[17]);
    expect(l.at(17)).toBe(l.toArray()[17]);
  });

  it('at() counts from the end for negative indices and gives undefined outside the list', () => {
    for (const l of [plain, packed]) {
      expect(l.at(-1)).toEqual(items[39]);
      expect(l.at(-40)).toEqual(items[0]);
      expect(l.at(-41)).toBeUndefined();
      expect(l.at(40)).toBeUndefined();
      expect(l.at(2.9)).toEqual(items[2]);
      expect(l.at(Number.NaN)).toEqual(items[0]);
    }
  });

  it('gives the UIDs in list order; a packed list from its bytes', () => {
    const uids = items.map((m) => m.uid);
    expect([...plain.uids]).toEqual(uids);
    expect([...packed.uids]).toEqual(uids);
    expect(packed.uids.buffer).toBe(packed.packed!.buffer);
    // A UID beyond 32 bits (only a hand-made snapshot holds one) has no place in a Uint32Array.
    const odd = MessageList.from([{ ...items[0]!, uid: 2 ** 33 }]);
    expect(() => odd.uids).toThrow(RangeError);
    // compareLists then compares identities instead of UID columns.
    expect(compareLists(odd, MessageList.from([items[0]!]))).toEqual({ gone: [odd.at(0)], arrived: 1 });
  });

  it('writes itself as the array of its identities', () => {
    for (const l of [plain, packed]) {
      expect(l.toJSON()).toEqual(items);
      expect(Array.isArray(l.toJSON())).toBe(true);
      expect(JSON.stringify(l)).toBe(JSON.stringify(items));
      expect(JSON.stringify({ l }, null, 2)).toBe(JSON.stringify({ l: items }, null, 2));
    }
  });

  it('is a copy that nobody changes: from() copies, toArray() is frozen', () => {
    const source = identities(3);
    const l = MessageList.from(source);
    source.push(identities(1, 100)[0]!);
    source[0] = identities(1, 200)[0]!;
    expect(l.length).toBe(3);
    expect(l.toArray()).toEqual(identities(3));
    expect(Object.isFrozen(l.toArray())).toBe(true);
    expect(Object.isFrozen(packed.toArray())).toBe(true);
    expect(() => (l.toArray() as MessageIdentity[]).push(source[1]!)).toThrow(TypeError);
  });

  it('compares by content in tests: lists that differ are not equal', () => {
    expect(packed).toEqual(plain);
    expect(MessageList.from(identities(40, 2))).not.toEqual(plain);
    expect(MessageList.from(identities(39))).not.toEqual(plain);
  });

  it('empty, either way', () => {
    for (const l of [MessageList.from([]), MessageList.fromPacked(Buffer.alloc(0))]) {
      expect(l.length).toBe(0);
      expect(l.uids).toHaveLength(0);
      expect(l.at(0)).toBeUndefined();
      expect(l.at(-1)).toBeUndefined();
      expect([...l]).toEqual([]);
      expect(l.toArray()).toEqual([]);
      expect(JSON.stringify(l)).toBe('[]');
    }
    expect(() => MessageList.fromPacked(Buffer.alloc(64))).toThrow(/not a whole number/);
  });
});

describe('snapshots holding a message list', () => {
  const items = identities(25);

  it('JSON.stringify and serializeSnapshot give the same bytes for either kind of list, and the file reads back', () => {
    const fromItems = withList(MessageList.from(items));
    const fromBytes = withList(MessageList.fromPacked(packIdentities(items)));
    const json = JSON.stringify(fromItems, null, 2);
    expect(JSON.stringify(fromBytes, null, 2)).toBe(json);
    // The same text a snapshot whose list is a plain array gave before lists were objects.
    const asArray = JSON.parse(json) as { imap: { evidence: { inbox: { messageList: unknown } } } };
    expect(asArray.imap.evidence.inbox.messageList).toEqual(items);
    expect(JSON.stringify(asArray, null, 2)).toBe(json);
    const file = serializeSnapshot(fromItems);
    expect(serializeSnapshot(fromBytes)).toBe(file);
    expect(file).toBe(`${json}\n`);
    const back = parseSnapshot(file, 'snap.json');
    const list = back.imap?.ok ? back.imap.evidence.inbox.messageList : null;
    expect(list).toBeInstanceOf(MessageList);
    expect(list?.toArray()).toEqual(items);
    expect(serializeSnapshot(back)).toBe(file);
  });

  it('serializeSnapshot checks the identities of a list as it checks the array in a file', () => {
    const bad = withList(MessageList.from([{ ...items[0]!, uid: 0 }]));
    expect(() => serializeSnapshot(bad)).toThrow();
    const text = JSON.stringify(bad);
    expect(() => parseSnapshot(text, 'bad.json')).toThrow(/bad\.json is corrupt: imap\.evidence\.inbox\.messageList\.0\.uid/);
  });

  it('cloneSnapshot copies deeply, as structuredClone does plain data, a snapshot holding a packed list', () => {
    const list = MessageList.fromPacked(packIdentities(items));
    const s = withList(list);
    const c = cloneSnapshot(s);
    expect(c).toEqual(s);
    expect(JSON.stringify(c)).toBe(JSON.stringify(s));
    expect(c).not.toBe(s);
    if (!c.imap?.ok || !s.imap?.ok) throw new Error('fixture without IMAP');
    expect(c.imap.evidence).not.toBe(s.imap.evidence);
    expect(c.imap.evidence.inbox).not.toBe(s.imap.evidence.inbox);
    // Lists never change, so the copy holds the same one, bytes and all.
    expect(c.imap.evidence.inbox.messageList).toBe(list);
    expect(c.imap.evidence.inbox.messageList?.packed).toBe(list.packed);
    c.takenAt = '2030-01-01T00:00:00.000Z';
    c.imap.evidence.folders[0]!.path = 'Elsewhere';
    c.imap.evidence.inbox.flags.seen += 1;
    c.imap.evidence.inbox.messageList = null;
    expect(s.takenAt).not.toBe(c.takenAt);
    expect(s.imap.evidence.folders[0]!.path).not.toBe('Elsewhere');
    expect(s.imap.evidence.inbox.flags.seen).toBe(c.imap.evidence.inbox.flags.seen - 1);
    expect(s.imap.evidence.inbox.messageList).toBe(list);
    // What structuredClone alone makes of the list: a plain object without its items.
    expect(structuredClone(list)).not.toBeInstanceOf(MessageList);
  });

  it('cloneSnapshot of a snapshot without a list is structuredClone', () => {
    for (const s of [scenario('healthy-imap-only'), scenario('wrong-password'), withList(null)]) {
      const c = cloneSnapshot(s);
      expect(c).toEqual(structuredClone(s));
      expect(c).not.toBe(s);
    }
  });
});

describe('PackedBuilder (a first recording written straight into the packed bytes)', () => {
  const add = (b: PackedBuilder, list: readonly MessageIdentity[]) => {
    for (const m of list) b.add(m.uid, m.sizeBytes, m.internalDate, m.seen, m.deleted, m.messageIdHash === null ? null : Buffer.from(m.messageIdHash, 'hex'));
  };

  it('gives the bytes packIdentities gives for the same identities, also past the count it expected', () => {
    const items = identities(1000);
    for (const expected of [0, 10, 999, 1000, 5000]) {
      const b = new PackedBuilder(expected);
      add(b, items);
      expect(b.length).toBe(1000);
      expect(b.finish().equals(packIdentities(items)), `expected ${expected}`).toBe(true);
    }
    expect(new PackedBuilder(100).finish()).toHaveLength(0);
  });

  it('starts over on reset(): a hash absent after one present at the same place stays absent', () => {
    const b = new PackedBuilder(4);
    add(b, identities(8, 100).map((m) => ({ ...m, messageIdHash: 'ab'.repeat(32) })));
    b.reset();
    const items = identities(8).map((m) => ({ ...m, messageIdHash: null }));
    add(b, items);
    expect(b.finish().equals(packIdentities(items))).toBe(true);
    expect(MessageList.fromPacked(b.finish()).toArray()).toEqual(items);
  });

  it('refuses a UID that does not fit in 32 bits, and keeps sizes over 32 bits as packIdentities does', () => {
    const b = new PackedBuilder(2);
    expect(() => b.add(2 ** 32, 1, '2026-01-01T00:00:00.000Z', false, false, null)).toThrow(RangeError);
    b.add(5, 2 ** 33, '2026-01-01T00:00:00.000Z', true, false, null);
    expect(b.finish().equals(packIdentities([{ uid: 5, sizeBytes: 2 ** 33, internalDate: '2026-01-01T00:00:00.000Z', messageIdHash: null, seen: true, deleted: false }]))).toBe(true);
  });

  it('the Message-ID digest is the hash the identities carry, as bytes', () => {
    for (const h of ['Message-ID: <a@b>\r\n', 'message-id:\r\n <folded@x>\r\n', 'Message-ID:  \r\n', '', 'Subject: x\r\n']) {
      const buf = Buffer.from(h, 'latin1');
      expect(messageIdDigest(buf)?.toString('hex') ?? null, JSON.stringify(h)).toBe(messageIdHash(buf));
    }
    expect(messageIdHash(Buffer.from('Message-ID: <a@b>\r\n'))).not.toBeNull();
  });
});
