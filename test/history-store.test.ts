// The history store: round trip, retention, privacy, file modes, a newer schema refused, and a process killed
// mid-write leaving a consistent database.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { accountKey, defaultHistoryPath, HISTORY_SCHEMA_VERSION, MIGRATIONS, openHistory } from '../src/history/store.js';
import { compareLists } from '../src/snapshot/compare.js';
import { cloneSnapshot } from '../src/snapshot/io.js';
import { MessageList } from '../src/snapshot/message-list.js';
import { packIdentities, packLegacyIdentities, unpackIdentities } from '../src/snapshot/pack.js';
import type { MessageIdentity, Snapshot } from '../src/snapshot/schema.js';
import { scenario } from './support/snapshot-builder.js';

const dir = () => mkdtempSync(join(tmpdir(), 'md-history-'));

/** What the store gives back for a snapshot: everything but the POP3 per-message list and UIDL → UID map. */
function asStored(s: Snapshot): Snapshot {
  const out = cloneSnapshot(s);
  if (out.pop?.ok) {
    out.pop.evidence.messages = [];
    if (out.pop.evidence.uidlMap) out.pop.evidence.uidlMap.uids = [];
  }
  return out;
}

function snapAt(iso: string, list: MessageIdentity[] | null = null): Snapshot {
  const s = structuredClone(scenario('healthy-imap-only'));
  s.takenAt = iso;
  if (s.imap?.ok) s.imap.evidence.inbox.messageList = list && MessageList.from(list);
  return s;
}
const list = (n: number): MessageIdentity[] =>
  Array.from({ length: n }, (_, i) => ({
    uid: i + 1,
    sizeBytes: 100 + i,
    internalDate: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    messageIdHash: i % 7 === 0 ? null : (i + 1).toString(16).padStart(64, 'a'),
    seen: i % 2 === 0,
    deleted: i % 5 === 0,
  }));

describe('history store', () => {
  it('stores a probe and gives it back with the message list restored', () => {
    const path = join(dir(), 'h.db');
    const h = openHistory(path);
    const s = snapAt('2025-06-02T12:00:00.000Z', list(50));
    h.recordProbe(s, { status: 'warning' });
    const back = h.latestProbe(accountKey(s));
    expect(s.pop?.ok && s.pop.evidence.messages.length).toBe(1200);
    expect(back).toEqual(asStored(s));
    // The list comes back holding the stored bytes, equal item by item, and as plain JSON.
    const listBack = back?.imap?.ok ? back.imap.evidence.inbox.messageList : null;
    expect(listBack?.packed?.length).toBe(50 * 65);
    expect(JSON.parse(JSON.stringify(listBack))).toEqual(list(50));
    const rows = h.listProbes();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ account: accountKey(s), status: 'warning', inboxMessages: 1200, storedMessages: 50 });
    expect(h.integrity()).toBe('ok');
    h.close();
  });

  it('keys accounts as user@host and keeps them apart', () => {
    const h = openHistory(join(dir(), 'h.db'));
    const a = snapAt('2025-06-02T12:00:00.000Z', []);
    const b = cloneSnapshot(a);
    b.account.user = 'bob@example.com';
    h.recordProbe(a);
    h.recordProbe(b);
    expect(accountKey(a)).toBe(`${a.account.user}@${a.account.imap!.host}`);
    expect(h.listProbes(accountKey(b))).toHaveLength(1);
    expect(h.latestProbe('nobody@nowhere')).toBeNull();
    h.close();
  });

  it('keeps keepProbes per account and message lists only for the newest keepMessageLists', () => {
    const h = openHistory(join(dir(), 'h.db'), { keepProbes: 4, keepMessageLists: 2 });
    for (let i = 0; i < 7; i++) h.recordProbe(snapAt(`2025-06-0${i + 1}T12:00:00.000Z`, list(10)));
    const rows = h.listProbes();
    expect(rows.map((r) => r.takenAt.slice(0, 10))).toEqual(['2025-06-07', '2025-06-06', '2025-06-05', '2025-06-04']);
    expect(rows.map((r) => r.storedMessages)).toEqual([10, 10, 0, 0]);
    expect(h.recentSnapshots(accountKey(snapAt('2025-06-01T00:00:00Z')), 10).map((s) => s.takenAt.slice(0, 10))).toEqual([
      '2025-06-04',
      '2025-06-05',
      '2025-06-06',
      '2025-06-07',
    ]);
    h.close();
  });

  it('drops probes older than keepDays but never the newest', () => {
    const h = openHistory(join(dir(), 'h.db'), { keepDays: 1 });
    h.recordProbe(snapAt('2020-01-01T00:00:00.000Z'));
    h.recordProbe(snapAt('2020-01-02T00:00:00.000Z'));
    expect(h.listProbes().map((r) => r.takenAt)).toEqual(['2020-01-02T00:00:00.000Z']);
    h.close();
  });

  it('creates a 0700 directory and a 0600 file, and never stores the password', () => {
    const root = dir();
    const path = join(root, 'state', 'maildoctor', 'history.db');
    const h = openHistory(path);
    const password = 'S3cret-Pa55word-xyz';
    h.recordProbe(snapAt('2025-06-02T12:00:00.000Z', list(20)));
    h.close();
    expect(statSync(join(root, 'state', 'maildoctor')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const f of [path, `${path}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(password)).toBe(false);
  });

  it('defaults to $XDG_STATE_HOME, else ~/.local/state', () => {
    expect(defaultHistoryPath({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/maildoctor/history.db');
    expect(defaultHistoryPath({})).toMatch(/\/\.local\/state\/maildoctor\/history\.db$/);
    expect(defaultHistoryPath({ XDG_STATE_HOME: 'relative' })).toMatch(/\/\.local\/state\/maildoctor\/history\.db$/);
  });

  it('gives the windows of our own probes and passes over a damaged row instead of failing', () => {
    const path = join(dir(), 'h.db');
    const h = openHistory(path);
    const s = snapAt('2025-06-02T12:00:00.000Z');
    h.recordProbe(snapAt('2025-06-01T12:00:00.000Z'));
    h.recordProbe(s);
    const imapMs = s.imap?.durationMs ?? 0;
    const popMs = s.pop?.durationMs ?? 0;
    const start = Date.parse('2025-06-02T12:00:00.000Z');
    expect(h.probeWindows(s.account.user.toUpperCase())).toHaveLength(2);
    h.close();
    // The older row becomes valid JSON that is no snapshot object (a damaged file): skipped, the other stays.
    const db = new Database(path);
    db.prepare("UPDATE probes SET snapshot = 'null' WHERE taken_at < ?").run('2025-06-02');
    db.close();
    const again = openHistory(path);
    expect(again.probeWindows(s.account.user)).toEqual([[start, start + Math.max(imapMs, popMs)]]);
    expect(again.probeWindows('nobody@example.com')).toEqual([]);
    again.close();
  });

  it('refuses a database written by a newer maildoctor, in one line', () => {
    const path = join(dir(), 'h.db');
    openHistory(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${HISTORY_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openHistory(path)).toThrow(`history database ${path} was written by a newer maildoctor`);
  });

  it('survives a process killed mid-write: consistent, earlier probes readable', async () => {
    const store = fileURLToPath(new URL('../dist/history/store.js', import.meta.url));
    const snapshotIo = fileURLToPath(new URL('../dist/snapshot/io.js', import.meta.url));
    expect(existsSync(store), 'dist is built by npm test').toBe(true);
    const root = dir();
    const path = join(root, 'h.db');
    const s = snapAt('2025-06-02T12:00:00.000Z', list(5000));
    writeFileSync(join(root, 'snap.json'), JSON.stringify(s));
    const script = `
      import { openHistory } from ${JSON.stringify(store)};
      import { parseSnapshot } from ${JSON.stringify(snapshotIo)};
      import { readFileSync } from 'node:fs';
      const s = parseSnapshot(readFileSync(process.env.SNAP_FILE, 'utf8'), 'snap.json');
      const h = openHistory(${JSON.stringify(path)}, { keepProbes: 1000, keepMessageLists: 1000 });
      for (let i = 0; ; i++) {
        s.takenAt = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
        h.recordProbe(s);
        if (i === 2) process.stdout.write('ready\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, SNAP_FILE: join(root, 'snap.json') }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const h = openHistory(path, { keepProbes: 1000, keepMessageLists: 1000 });
    expect(h.integrity()).toBe('ok');
    const rows = h.listProbes();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    // Every probe is whole: all or none of its 5000 identities (one transaction each).
    expect(rows.every((r) => r.storedMessages === 5000)).toBe(true);
    const latest = h.latestProbe(accountKey(s));
    expect(latest?.imap?.ok && latest.imap.evidence.inbox.messageList?.length).toBe(5000);
    h.close();
  }, 30_000);
});

describe('packed INBOX lists', () => {
  it('round-trip every field, with and without a Message-ID hash', () => {
    const l = list(300);
    expect(unpackIdentities(packIdentities(l))).toEqual(l);
    expect(packIdentities(l).length).toBe(300 * 65);
    expect(unpackIdentities(Buffer.alloc(0))).toEqual([]);
    // Across the packer's chunks, with one hash that is not hex in a later chunk.
    const big = list(9000);
    big[5000] = { ...big[5000]!, messageIdHash: 'z'.repeat(64) };
    const back = unpackIdentities(packIdentities(big));
    expect(back[5000]!.messageIdHash).toBeNull();
    expect(back).toEqual(big.map((m, i) => (i === 5000 ? { ...m, messageIdHash: null } : m)));
    expect(() => unpackIdentities(Buffer.alloc(66))).toThrow(/not a whole number/);
  });

  it('a version 1 database (a row per message) is migrated to blobs without losing a list', () => {
    const path = join(dir(), 'v1.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[1] as string);
    db.pragma('user_version = 1');
    const s = snapAt('2025-06-02T12:00:00.000Z', null);
    db.prepare("INSERT INTO accounts (id, key) VALUES (1, ?)").run(accountKey(s));
    db.prepare("INSERT INTO probes (id, account_id, taken_at, status, inbox_messages, snapshot) VALUES (1, 1, ?, 'ok', 1200, ?)").run(s.takenAt, JSON.stringify(s));
    const ins = db.prepare('INSERT INTO inbox_messages (probe_id, uid, uid_validity, size, internal_date, message_id_hash, seen, deleted) VALUES (1, ?, ?, ?, ?, ?, ?, ?)');
    const l = list(20);
    for (const m of l) ins.run(m.uid, '1700000000', m.sizeBytes, m.internalDate, m.messageIdHash ? Buffer.from(m.messageIdHash, 'hex') : null, m.seen ? 1 : 0, m.deleted ? 1 : 0);
    db.close();
    const h = openHistory(path);
    const back = h.latestProbe(accountKey(s));
    expect(back?.imap?.ok && back.imap.evidence.inbox.messageList?.toArray()).toEqual(l);
    expect(h.listProbes()[0]?.storedMessages).toBe(20);
    expect(h.integrity()).toBe('ok');
    h.close();
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(HISTORY_SCHEMA_VERSION);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'inbox_messages'").get()).toBeUndefined();
    after.close();
  });
  it('a version 2 database (49-byte records, POP3 lists in the JSON) is migrated without losing the INBOX list', () => {
    const path = join(dir(), 'v2.db');
    const db = new Database(path);
    db.exec(MIGRATIONS[1] as string);
    (MIGRATIONS[2] as (d: Database.Database) => void)(db);
    db.pragma('user_version = 2');
    const s = snapAt('2025-06-02T12:00:00.000Z', null);
    db.prepare('INSERT INTO accounts (id, key) VALUES (1, ?)').run(accountKey(s));
    const ins = db.prepare("INSERT INTO probes (id, account_id, taken_at, status, inbox_messages, snapshot) VALUES (?, 1, ?, 'ok', 1200, ?)");
    ins.run(1, '2025-06-01T12:00:00.000Z', JSON.stringify(s));
    ins.run(2, s.takenAt, JSON.stringify(s));
    const l = list(30);
    db.prepare("INSERT INTO inbox_lists (probe_id, uid_validity, messages, packed) VALUES (2, '1700000000', 30, ?)").run(packLegacyIdentities(l));
    db.close();
    const h = openHistory(path);
    const back = h.latestProbe(accountKey(s));
    expect(back?.imap?.ok && back.imap.evidence.inbox.messageList?.toArray()).toEqual(l);
    expect({ ...back, imap: null }).toEqual(asStored({ ...s, imap: null }));
    expect(h.listProbes().map((r) => r.storedMessages)).toEqual([30, 0]);
    expect(h.integrity()).toBe('ok');
    h.close();
    const after = new Database(path);
    expect(after.pragma('user_version', { simple: true })).toBe(HISTORY_SCHEMA_VERSION);
    const json = after.prepare('SELECT snapshot FROM probes WHERE id = 1').pluck().get() as string;
    expect((JSON.parse(json) as Snapshot).pop).toMatchObject({ ok: true, evidence: { messages: [], stat: { messages: 1200 } } });
    after.close();
  });

  it('a repeat probe that hands back the stored list shares its blob; retention drops blobs nobody uses', () => {
    const path = join(dir(), 'h.db');
    const h = openHistory(path, { keepProbes: 10, keepMessageLists: 2 });
    const first = snapAt('2025-06-01T12:00:00.000Z', list(40));
    h.recordProbe(first);
    const key = accountKey(first);
    const blobs = () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM blobs').pluck().get();
      } finally {
        db.close();
      }
    };
    for (let i = 2; i <= 4; i++) {
      const prev = h.latestProbe(key)!;
      const again: Snapshot = structuredClone({ ...prev, imap: null });
      again.imap = prev.imap; // the same list object, as an unchanged repeat probe hands it on
      again.takenAt = `2025-06-0${i}T12:00:00.000Z`;
      h.recordProbe(again);
      expect(blobs()).toBe(1);
    }
    expect(h.listProbes().map((r) => r.storedMessages)).toEqual([40, 40, 0, 0]);
    // A list that changed is packed anew; the old blob goes once no kept list points to it.
    const prev = h.latestProbe(key)!;
    const changed = prev.imap?.ok ? prev.imap.evidence.inbox.messageList!.toArray().map((m) => ({ ...m, seen: true })) : [];
    h.recordProbe(snapAt('2025-06-05T12:00:00.000Z', changed));
    expect(blobs()).toBe(2);
    h.recordProbe(snapAt('2025-06-06T12:00:00.000Z', changed));
    expect(blobs()).toBe(2);
    h.recordProbe(snapAt('2025-06-07T12:00:00.000Z', changed));
    expect(blobs()).toBe(2);
    expect(h.listProbes().map((r) => r.storedMessages).slice(0, 3)).toEqual([40, 40, 0]);
    const back = h.latestProbe(key);
    expect(back?.imap?.ok && back.imap.evidence.inbox.messageList?.toArray()).toEqual(changed);
    expect(h.integrity()).toBe('ok');
    h.close();
  });

  it('a shared blob removed by another process meanwhile is written again from the bytes the list holds', () => {
    const path = join(dir(), 'h.db');
    const h = openHistory(path);
    const s = snapAt('2025-06-01T12:00:00.000Z', list(10));
    h.recordProbe(s);
    const read = h.latestProbe(accountKey(s))!;
    const unread = h.latestProbe(accountKey(s))!;
    expect(read.imap?.ok && read.imap.evidence.inbox.messageList?.toArray()).toEqual(list(10));
    const other = openHistory(path, { keepProbes: 1, keepMessageLists: 1 });
    other.recordProbe(snapAt('2025-06-02T12:00:00.000Z', list(3)));
    other.close();
    h.recordProbe({ ...read, takenAt: '2025-06-03T12:00:00.000Z' });
    const back = h.latestProbe(accountKey(s));
    expect(back?.imap?.ok && back.imap.evidence.inbox.messageList?.toArray()).toEqual(list(10));
    // A list whose items were never read holds its bytes all the same: the blob is written again from them.
    h.recordProbe({ ...unread, takenAt: '2025-06-04T12:00:00.000Z' });
    const last = h.latestProbe(accountKey(s));
    expect(last?.imap?.ok && last.imap.evidence.inbox.messageList?.toArray()).toEqual(list(10));
    expect(h.listProbes().map((r) => r.takenAt.slice(0, 10))).toEqual(['2025-06-04', '2025-06-03', '2025-06-02']);
    expect(h.integrity()).toBe('ok');
    h.close();
  });

  it('a stored list read back holds its bytes: closing the store before its items are read never matters', () => {
    const path = join(dir(), 'h.db');
    const h = openHistory(path);
    const s = snapAt('2025-06-01T12:00:00.000Z', list(12));
    h.recordProbe(s);
    const back = h.latestProbe(accountKey(s))!;
    h.close();
    rmSync(path);
    expect(back.imap?.ok && back.imap.evidence.inbox.messageList?.toArray()).toEqual(list(12));
  });

  it('keeps INTERNALDATEs as written, normalises other date forms, and keeps only sha256 hex hashes', () => {
    const odd = [
      { uid: 1, sizeBytes: 1, internalDate: '2025-01-01T00:00:00Z', messageIdHash: 'AB'.repeat(32), seen: false, deleted: false },
      { uid: 2, sizeBytes: 2, internalDate: '1999-12-31T23:59:59.000Z', messageIdHash: 'x', seen: true, deleted: true },
    ];
    expect(unpackIdentities(packIdentities(odd))).toEqual([
      { ...odd[0], internalDate: '2025-01-01T00:00:00.000Z', messageIdHash: 'ab'.repeat(32) },
      { ...odd[1], messageIdHash: null },
    ]);
    expect(() => packIdentities([{ ...odd[0]!, internalDate: 'not a date' }])).toThrow(/cannot be stored/);
  });
  it('compares two packed lists on their UIDs alone, as it compares identities', () => {
    const before = list(40);
    const now = [...before.filter((m) => m.uid % 6 !== 0), ...list(45).slice(40)];
    const plain = compareLists(MessageList.from(before), MessageList.from(now));
    expect(plain.gone.map((m) => m.uid)).toEqual([6, 12, 18, 24, 30, 36]);
    expect(plain.arrived).toBe(5);
    const a = MessageList.fromPacked(packIdentities(before));
    const b = MessageList.fromPacked(packIdentities(now));
    expect(compareLists(a, b)).toEqual(plain);
    expect(compareLists(a, MessageList.from(now))).toEqual(plain);
    expect(a.packed !== null).toBe(true);
    expect(compareLists(a, a)).toEqual({ gone: [], arrived: 0 });
  });
});


