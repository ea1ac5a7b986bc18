// The history store: earlier probes of each account in one SQLite file (better-sqlite3, WAL, one transaction
// per write), so a second probe can prove what one probe can only suspect. Stored per probe: the snapshot
// without its per-message lists (it holds no secrets, subjects, bodies or addresses), and INBOX's per-message
// identities packed in one blob (UID, size, INTERNALDATE, sha256 of the Message-ID, seen, deleted; pack.ts)
// that later probes share while the list does not change. The POP3 per-message list (LIST/UIDL and the UIDL →
// UID map) is not kept: no comparison of two probes reads it, and the POP3 counts stay in the snapshot. So the
// snapshot JSON stays small (folders, quota, capabilities) however big the mailbox is.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MessageList } from '../snapshot/message-list.js';
import { SnapshotSchema, type Pop3Evidence, type Snapshot } from '../snapshot/schema.js';
import { IDENTITY_BYTES, packIdentities, packLegacyIdentities, unpackLegacyIdentities } from '../snapshot/pack.js';
import { defaultHistoryPath, historyFileExists, unopenable } from './path.js';
import { firstIssue, nonFiniteNumber } from '../snapshot/io.js';

/** The newest schema this maildoctor writes. Bump it with a new entry in MIGRATIONS. */
export const HISTORY_SCHEMA_VERSION = 3;

/** Migration n takes a database from user_version n-1 to n (SQL, or a function for what SQL cannot do). */
export const MIGRATIONS: Record<number, string | ((db: Database.Database) => void)> = {
  1: `
    CREATE TABLE accounts (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE            -- user@host
    );
    CREATE TABLE probes (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      taken_at TEXT NOT NULL,             -- ISO
      status TEXT NOT NULL,               -- the analysis status, or 'probed'
      inbox_messages INTEGER,             -- null when IMAP failed
      quota_used_bytes INTEGER,
      quota_limit_bytes INTEGER,
      snapshot TEXT NOT NULL              -- snapshot JSON with inbox.messageList = null
    );
    CREATE INDEX probes_by_account ON probes(account_id, taken_at);
    CREATE TABLE inbox_messages (
      probe_id INTEGER NOT NULL REFERENCES probes(id) ON DELETE CASCADE,
      uid INTEGER NOT NULL,
      uid_validity TEXT NOT NULL,
      size INTEGER NOT NULL,
      internal_date TEXT NOT NULL,
      message_id_hash BLOB,               -- 32 bytes of sha256, or null when the message has no Message-ID
      seen INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      PRIMARY KEY (probe_id, uid)
    ) WITHOUT ROWID;
  `,
  // Version 2: one packed blob of identities per probe instead of a row per message (see pack.ts).
  2: (db) => {
    db.exec(`
      CREATE TABLE inbox_lists (
        probe_id INTEGER PRIMARY KEY REFERENCES probes(id) ON DELETE CASCADE,
        uid_validity TEXT NOT NULL,
        messages INTEGER NOT NULL,          -- how many identities the blob holds
        packed BLOB NOT NULL                -- packIdentities()
      );
    `);
    const probes = db.prepare('SELECT DISTINCT probe_id FROM inbox_messages').all() as { probe_id: number }[];
    const rowsOf = db.prepare('SELECT uid, uid_validity, size, internal_date, message_id_hash, seen, deleted FROM inbox_messages WHERE probe_id = ? ORDER BY uid');
    const put = db.prepare('INSERT INTO inbox_lists (probe_id, uid_validity, messages, packed) VALUES (?, ?, ?, ?)');
    for (const { probe_id } of probes) {
      const rows = rowsOf.all(probe_id) as { uid: number; uid_validity: string; size: number; internal_date: string; message_id_hash: Buffer | null; seen: number; deleted: number }[];
      const list = rows.map((r) => ({
        uid: r.uid,
        sizeBytes: r.size,
        internalDate: r.internal_date,
        messageIdHash: r.message_id_hash ? r.message_id_hash.toString('hex') : null,
        seen: r.seen === 1,
        deleted: r.deleted === 1,
      }));
      put.run(probe_id, rows[0]?.uid_validity ?? '', list.length, packLegacyIdentities(list));
    }
    db.exec('DROP TABLE inbox_messages');
  },
  // Version 3: nothing with one entry per message stays in the snapshot JSON, and an unchanged list is stored once.
  // INBOX blobs move to `blobs`, shared by the probes whose list did not change, in the column layout of pack.ts
  // (dates as ISO text: reading them back formats nothing). The POP3 per-message list and the uidlMap's UIDs are
  // dropped from stored snapshots (kept as empty arrays; stat and uidlFormat stay): nothing reads them back.
  3: (db) => {
    db.exec(`
      CREATE TABLE blobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a writer may point to a blob it read earlier
        data BLOB NOT NULL                    -- packIdentities()
      );
      CREATE TABLE inbox_lists_v3 (
        probe_id INTEGER PRIMARY KEY REFERENCES probes(id) ON DELETE CASCADE,
        uid_validity TEXT NOT NULL,
        messages INTEGER NOT NULL,            -- how many identities the blob holds
        blob_id INTEGER NOT NULL REFERENCES blobs(id)
      );
    `);
    const putBlob = db.prepare('INSERT INTO blobs (data) VALUES (?)');
    const old = db.prepare('SELECT probe_id FROM inbox_lists').pluck().all() as number[];
    const oldRow = db.prepare('SELECT uid_validity, messages, packed FROM inbox_lists WHERE probe_id = ?');
    const putList = db.prepare('INSERT INTO inbox_lists_v3 (probe_id, uid_validity, messages, blob_id) VALUES (?, ?, ?, ?)');
    for (const id of old) {
      const r = oldRow.get(id) as { uid_validity: string; messages: number; packed: Buffer };
      putList.run(id, r.uid_validity, r.messages, Number(putBlob.run(packIdentities(unpackLegacyIdentities(r.packed))).lastInsertRowid));
    }
    db.exec(`
      DROP TABLE inbox_lists;
      ALTER TABLE inbox_lists_v3 RENAME TO inbox_lists;
      CREATE INDEX inbox_lists_by_blob ON inbox_lists(blob_id);
    `);
    const probes = db.prepare('SELECT id FROM probes').pluck().all() as number[];
    const jsonOf = db.prepare('SELECT snapshot FROM probes WHERE id = ?').pluck();
    const setJson = db.prepare('UPDATE probes SET snapshot = ? WHERE id = ?');
    for (const id of probes) {
      let snap: { pop?: { ok?: boolean; evidence?: Partial<Pop3Evidence> } | null };
      try {
        snap = JSON.parse(jsonOf.get(id) as string) as typeof snap;
      } catch {
        continue; // unreadable rows were skipped before, and still are
      }
      const ev = snap.pop?.ok ? snap.pop.evidence : undefined;
      if (!ev || !Array.isArray(ev.messages)) continue;
      ev.messages = [];
      if (ev.uidlMap && Array.isArray(ev.uidlMap.uids)) ev.uidlMap.uids = [];
      setJson.run(JSON.stringify(snap), id);
    }
  },
};

import { HistoryError } from './errors.js';
export { HistoryError, defaultHistoryPath };

export interface RetentionOptions {
  /** Probes kept per account (newest first). Default 50. */
  keepProbes?: number;
  /** Also drop probes older than this many days (default: keep regardless of age). */
  keepDays?: number | null;
  /** Probes per account that keep their INBOX message list (only the newest is needed to compare). Default 3. */
  keepMessageLists?: number;
}

/** latestComparableProbe(): the baseline, and the takenAt of newer probes passed over (newest first). */
export interface ComparableProbe {
  previous: Snapshot | null;
  passedOver: string[];
  /**
   * With previous null: why the newest stored probe of the account could not be read back ("the earlier probe of
   * <takenAt> is unreadable: <field>: <why>"), so a check says so instead of "no earlier probe". Absent otherwise.
   */
  unreadable?: string;
}

export interface ProbeRow {
  id: number;
  account: string;
  takenAt: string;
  status: string;
  inboxMessages: number | null;
  quotaUsedBytes: number | null;
  quotaLimitBytes: number | null;
  /** INBOX identities stored for this probe. */
  storedMessages: number;
}

/** The key an account is stored under: user@host (the IMAP host, else the POP host). */
export function accountKey(snapshot: Pick<Snapshot, 'account'>): string {
  const host = snapshot.account.imap?.host ?? snapshot.account.pop?.host ?? 'unknown';
  return `${snapshot.account.user}@${host}`;
}

function storageOf(s: Snapshot): { used: number | null; limit: number | null } {
  if (!s.imap?.ok) return { used: null, limit: null };
  for (const root of s.imap.evidence.quota.roots) {
    const r = root.resources.find((x) => x.name.toUpperCase() === 'STORAGE');
    if (r) return { used: r.usage, limit: r.limit };
  }
  return { used: null, limit: null };
}

/** The snapshot as stored in probes.snapshot: INBOX's list apart (inbox_lists), POP3's per-message lists dropped. */
function withoutLists(s: Snapshot): Snapshot {
  let out = s;
  if (out.imap?.ok && out.imap.evidence.inbox.messageList !== null) {
    const ev = out.imap.evidence;
    out = { ...out, imap: { ...out.imap, evidence: { ...ev, inbox: { ...ev.inbox, messageList: null } } } };
  }
  if (out.pop?.ok) {
    const ev = out.pop.evidence;
    out = { ...out, pop: { ...out.pop, evidence: { ...ev, messages: [], uidlMap: ev.uidlMap ? { ...ev.uidlMap, uids: [] } : null } } };
  }
  return out;
}

/** A list's packed form: the bytes it holds, else its identities packed now. */
function bytesOf(list: MessageList): Buffer {
  return list.packed ?? packIdentities(list.toArray());
}

export class HistoryStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly retention: Required<RetentionOptions>;
  /** The blob ids of the INBOX lists latestProbe() handed out: recording the same list again points to its blob. */
  private readonly inboxBlobs = new WeakMap<MessageList, number>();

  constructor(path: string, retention: RetentionOptions = {}) {
    this.path = path;
    this.retention = { keepProbes: retention.keepProbes ?? 50, keepDays: retention.keepDays ?? null, keepMessageLists: retention.keepMessageLists ?? 3 };
    if (this.retention.keepProbes < 1) throw new HistoryError('history retention must keep at least 1 probe');
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw unopenable(path, e);
    }
    if (!historyFileExists(path)) {
      try {
        closeSync(openSync(path, 'a', 0o600));
      } catch (e) {
        throw unopenable(path, e);
      }
    }
    try {
      this.db = new Database(path, { timeout: 5000 });
    } catch (e) {
      throw new HistoryError(`cannot open history database ${path}: ${(e as Error).message}`);
    }
    try {
      this.migrate();
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      this.db.close();
      if (e instanceof HistoryError) throw e;
      throw new HistoryError(`history database ${path} is not usable: ${(e as Error).message}`);
    }
    for (const f of [path, `${path}-wal`, `${path}-shm`]) {
      try {
        chmodSync(f, 0o600);
      } catch {
        /* not there (yet), or not ours */
      }
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > HISTORY_SCHEMA_VERSION) throw new HistoryError(`history database ${this.path} was written by a newer maildoctor`, 'newer');
    for (let v = version + 1; v <= HISTORY_SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[v]!;
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.pragma(`user_version = ${v}`);
      }).immediate();
    }
    // Version 3 leaves most of an older database's pages free (the POP3 lists that were in every snapshot):
    // give them back once. Only an optimisation: another process holding the database just defers it.
    if (version >= 1 && version < 3) {
      const free = (this.db.pragma('freelist_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
      if (free > 16 * 1024 * 1024) {
        try {
          this.db.exec('VACUUM');
        } catch {
          /* busy: the space is reused by later probes anyway */
        }
      }
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Store one probe (and prune the account's old ones) in one transaction. Returns the probe id. */
  recordProbe(snapshot: Snapshot, opts: { status?: string } = {}): number {
    const key = accountKey(snapshot);
    const list = snapshot.imap?.ok ? snapshot.imap.evidence.inbox.messageList : null;
    const q = storageOf(snapshot);
    const uidValidity = snapshot.imap?.ok ? snapshot.imap.evidence.inbox.uidValidity : '';
    // The very list latestProbe() read, handed back by a repeat probe of an unchanged INBOX, points to its blob
    // again (lists never change, so the same list means the same identities). A list that holds packed bytes
    // (what a repeat probe derived from the stored one) is written as it is; any other list is packed.
    const shared = list ? (this.inboxBlobs.get(list) ?? null) : null;
    const inboxData = list && shared === null ? bytesOf(list) : null;
    const stored = withoutLists(snapshot);
    // What would not read back is refused now, with the field that is wrong: never a row that fails on the next read.
    const bad = nonFiniteNumber(stored);
    if (bad) throw new HistoryError(`the snapshot holds a number that is not a number (${bad}): a maildoctor bug, please report it`);
    const valid = SnapshotSchema.safeParse(stored, { jitless: true });
    if (!valid.success) throw new HistoryError(`the snapshot is invalid (${firstIssue(valid.error)}): a maildoctor bug, please report it`);
    const json = JSON.stringify(stored);
    const write = this.db.transaction((): number => {
      this.db.prepare('INSERT INTO accounts (key) VALUES (?) ON CONFLICT(key) DO NOTHING').run(key);
      const accountId = (this.db.prepare('SELECT id FROM accounts WHERE key = ?').get(key) as { id: number }).id;
      const probeId = Number(
        this.db
          .prepare(
            'INSERT INTO probes (account_id, taken_at, status, inbox_messages, quota_used_bytes, quota_limit_bytes, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(accountId, snapshot.takenAt, opts.status ?? 'probed', snapshot.imap?.ok ? snapshot.imap.evidence.inbox.messages : null, q.used, q.limit, json)
          .lastInsertRowid,
      );
      if (list) {
        // The shared blob may have been pruned by another process since it was read: then it is written anew
        // from the bytes the list holds.
        const blob = shared !== null && this.blobExists(shared) ? shared : this.putBlob(inboxData ?? bytesOf(list));
        this.db.prepare('INSERT INTO inbox_lists (probe_id, uid_validity, messages, blob_id) VALUES (?, ?, ?, ?)').run(probeId, uidValidity, list.length, blob);
      }
      this.pruneAccount(accountId);
      return probeId;
    });
    return write.immediate();
  }

  private putBlob(data: Buffer): number {
    return Number(this.db.prepare('INSERT INTO blobs (data) VALUES (?)').run(data).lastInsertRowid);
  }

  private blobExists(id: number): boolean {
    return this.db.prepare('SELECT 1 FROM blobs WHERE id = ?').get(id) !== undefined;
  }

  private pruneAccount(accountId: number): void {
    const { keepProbes, keepDays, keepMessageLists } = this.retention;
    const probes = this.db.prepare('SELECT id, taken_at FROM probes WHERE account_id = ? ORDER BY taken_at DESC, id DESC').all(accountId) as {
      id: number;
      taken_at: string;
    }[];
    const cutoff = keepDays !== null ? new Date(Date.now() - keepDays * 86_400_000).toISOString() : null;
    // Never the newest probe: the next check still needs something to compare with.
    const doomed = probes.filter((p, i) => i >= keepProbes || (cutoff !== null && i > 0 && p.taken_at < cutoff)).map((p) => p.id);
    // List rows go first (so the blobs they leave unused are known), then the probes, then those blobs.
    const freed = new Set<number>();
    const lists = this.db.prepare('SELECT l.probe_id, l.blob_id FROM inbox_lists l JOIN probes p ON p.id = l.probe_id WHERE p.account_id = ?').all(accountId) as {
      probe_id: number;
      blob_id: number;
    }[];
    // The newest probes that HAVE a list keep it: failed probes (no list) in between must not push the last
    // comparable list out, or one failed check would hide the next deletion.
    const hasList = new Set(lists.map((l) => l.probe_id));
    const keptLists = new Set(probes.filter((p) => hasList.has(p.id) && !doomed.includes(p.id)).slice(0, keepMessageLists).map((p) => p.id));
    const listless = new Set([...probes.filter((p) => !keptLists.has(p.id)).map((p) => p.id), ...doomed]);
    const delList = this.db.prepare('DELETE FROM inbox_lists WHERE probe_id = ?');
    for (const r of lists) {
      if (!listless.has(r.probe_id)) continue;
      delList.run(r.probe_id);
      freed.add(r.blob_id);
    }
    const delProbe = this.db.prepare('DELETE FROM probes WHERE id = ?');
    for (const id of doomed) delProbe.run(id);
    // Rows of probes deleted by someone else (foreign keys cascade, but be safe with databases opened without them).
    const orphans = this.db.prepare('DELETE FROM inbox_lists WHERE probe_id NOT IN (SELECT id FROM probes)').run().changes;
    const unused = 'NOT EXISTS (SELECT 1 FROM inbox_lists WHERE blob_id = blobs.id)';
    if (orphans > 0) this.db.prepare(`DELETE FROM blobs WHERE ${unused}`).run();
    else {
      const delBlob = this.db.prepare(`DELETE FROM blobs WHERE id = ? AND ${unused}`);
      for (const id of freed) delBlob.run(id);
    }
  }

  /** Apply the retention to every account. */
  prune(): void {
    this.db.transaction(() => {
      for (const { id } of this.db.prepare('SELECT id FROM accounts').all() as { id: number }[]) this.pruneAccount(id);
    }).immediate();
  }

  private parse(json: string): Snapshot | null {
    const r = this.read(json);
    return 'snapshot' in r ? r.snapshot : null;
  }

  /** A stored snapshot, or why it cannot be read back (the first field that fails validation). */
  private read(json: string): { snapshot: Snapshot } | { why: string } {
    let data: unknown;
    try {
      data = JSON.parse(json);
    } catch {
      return { why: 'it is not valid JSON' };
    }
    // Stored snapshots hold no per-message list, so this is a small document read once: zod's interpreter does
    // it faster than compiling its fast path first.
    const r = SnapshotSchema.safeParse(data, { jitless: true });
    return r.success ? { snapshot: r.data } : { why: firstIssue(r.error) };
  }

  /**
   * The newest stored probe of the account (taken before `before`, an ISO time, when given: `analyze` replays a
   * saved snapshot against the probe that preceded it), with INBOX's message list restored when it was stored.
   * That list holds the blob's bytes (read now, so closing the store never matters) and decodes no identity
   * until one is read; a repeat probe of an unchanged INBOX hands it back to recordProbe(), which then points to
   * the same blob. Like every stored
   * snapshot it has no POP3 per-message list (pop.evidence.messages and uidlMap.uids empty).
   */
  latestProbe(account: string, before?: string): Snapshot | null {
    const row = this.db
      .prepare(
        `SELECT p.id, p.snapshot FROM probes p JOIN accounts a ON a.id = p.account_id WHERE a.key = ? ${before ? 'AND p.taken_at < ?' : ''} ORDER BY p.taken_at DESC, p.id DESC LIMIT 1`,
      )
      .get(account, ...(before ? [before] : [])) as { id: number; snapshot: string } | undefined;
    if (!row) return null;
    const snap = this.parse(row.snapshot);
    return snap ? this.withInboxList(row.id, snap) : null;
  }

  /**
   * The newest stored probe that holds the evidence the comparing rules need (IMAP answered), with the newer
   * probes passed over on the way (failed or unreadable ones): a failed check must not become the baseline
   * the next check compares with, or a deletion in between goes unseen. Before `before` when given.
   */
  latestComparableProbe(account: string, before?: string): ComparableProbe {
    const rows = this.db
      .prepare(
        `SELECT p.id, p.taken_at, p.snapshot FROM probes p JOIN accounts a ON a.id = p.account_id WHERE a.key = ? ${before ? 'AND p.taken_at < ?' : ''} ORDER BY p.taken_at DESC, p.id DESC`,
      )
      .iterate(account, ...(before ? [before] : [])) as IterableIterator<{ id: number; taken_at: string; snapshot: string }>;
    const passedOver: string[] = [];
    let unreadable: string | undefined;
    for (const row of rows) {
      const r = this.read(row.snapshot);
      const snap = 'snapshot' in r ? r.snapshot : null;
      if (snap?.imap?.ok) return { previous: this.withInboxList(row.id, snap), passedOver };
      if ('why' in r) unreadable ??= `the earlier probe of ${row.taken_at} is unreadable (${r.why})`;
      passedOver.push(row.taken_at);
    }
    return { previous: null, passedOver, ...(unreadable ? { unreadable } : {}) };
  }

  private withInboxList(probeId: number, snap: Snapshot): Snapshot {
    if (snap.imap?.ok) {
      const stored = this.db.prepare('SELECT b.id, b.data FROM inbox_lists l JOIN blobs b ON b.id = l.blob_id WHERE l.probe_id = ?').get(probeId) as
        | { id: number; data: Buffer }
        | undefined;
      if (stored && stored.data.length % IDENTITY_BYTES !== 0) throw new HistoryError(`history database ${this.path}: stored INBOX list ${stored.id} is damaged`);
      let list: MessageList | null = null;
      if (stored) {
        list = MessageList.fromPacked(stored.data);
        this.inboxBlobs.set(list, stored.id);
      } else if (snap.imap.evidence.inbox.messages === 0) list = MessageList.from([]);
      snap.imap.evidence.inbox.messageList = list;
    }
    return snap;
  }

  /** Stored probes of the account (before `before`, when given), oldest first, without message lists (for trends such as quota growth). */
  recentSnapshots(account: string, limit = 50, before?: string): Snapshot[] {
    const rows = this.db
      .prepare(
        `SELECT p.snapshot FROM probes p JOIN accounts a ON a.id = p.account_id WHERE a.key = ? ${before ? 'AND p.taken_at < ?' : ''} ORDER BY p.taken_at DESC, p.id DESC LIMIT ?`,
      )
      .all(account, ...(before ? [before] : []), limit) as { snapshot: string }[];
    return rows
      .map((r) => this.parse(r.snapshot))
      .filter((s): s is Snapshot => s !== null)
      .reverse();
  }

  /**
   * When maildoctor was logged in to this user's mailbox (any host): each stored probe's start and end, ms since
   * the epoch. A server log shows those sessions too, and they are not the customer's devices. `user` is the
   * account's name (any case), or a test of the stored name (the log's own matcher: aliases, local part).
   */
  probeWindows(user: string | ((stored: string) => boolean)): [number, number][] {
    const rows = this.db.prepare('SELECT p.snapshot FROM probes p').iterate() as IterableIterator<{ snapshot: string }>;
    const out: [number, number][] = [];
    const want = typeof user === 'string' ? user.toLowerCase() : null;
    const isUser = (name: string) => (want !== null ? name.toLowerCase() === want : (user as (stored: string) => boolean)(name));
    for (const r of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.snapshot);
      } catch {
        continue;
      }
      // A row that is valid JSON but no object (`null`, a number: a damaged file) says nothing about a session.
      if (typeof parsed !== 'object' || parsed === null) continue;
      const s = parsed as { takenAt?: unknown; account?: { user?: unknown }; imap?: { durationMs?: unknown } | null; pop?: { durationMs?: unknown } | null };
      if (typeof s.account?.user !== 'string' || !isUser(s.account.user)) continue;
      const start = typeof s.takenAt === 'string' ? Date.parse(s.takenAt) : NaN;
      if (!Number.isFinite(start)) continue;
      const ms = (x: { durationMs?: unknown } | null | undefined) => (typeof x?.durationMs === 'number' && x.durationMs >= 0 ? x.durationMs : 0);
      out.push([start, start + Math.max(ms(s.imap), ms(s.pop))]);
    }
    return out;
  }

  /** Probes, newest first; of one account when given. */
  listProbes(account?: string): ProbeRow[] {
    const rows = this.db
      .prepare(
        `SELECT p.id, a.key AS account, p.taken_at, p.status, p.inbox_messages, p.quota_used_bytes, p.quota_limit_bytes,
                COALESCE((SELECT l.messages FROM inbox_lists l WHERE l.probe_id = p.id), 0) AS stored
         FROM probes p JOIN accounts a ON a.id = p.account_id
         ${account ? 'WHERE a.key = ?' : ''}
         ORDER BY p.taken_at DESC, p.id DESC`,
      )
      .all(...(account ? [account] : [])) as {
      id: number;
      account: string;
      taken_at: string;
      status: string;
      inbox_messages: number | null;
      quota_used_bytes: number | null;
      quota_limit_bytes: number | null;
      stored: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      account: r.account,
      takenAt: r.taken_at,
      status: r.status,
      inboxMessages: r.inbox_messages,
      quotaUsedBytes: r.quota_used_bytes,
      quotaLimitBytes: r.quota_limit_bytes,
      storedMessages: r.stored,
    }));
  }

  /** Consistency check (PRAGMA integrity_check): 'ok' or the first problem. */
  integrity(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }
}

/** Open (creating when needed, 0700 directory, 0600 file) and migrate the history database. */
export function openHistory(path: string = defaultHistoryPath(), retention: RetentionOptions = {}): HistoryStore {
  return new HistoryStore(path, retention);
}
