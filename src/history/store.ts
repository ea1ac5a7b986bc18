// The history store: earlier probes of each account in one SQLite file (better-sqlite3, WAL, one transaction
// per write), so a second probe can prove what one probe can only suspect. Stored per probe: the snapshot
// without INBOX's message list (it holds no secrets, subjects, bodies or addresses), and INBOX's per-message
// identities packed in one blob (UID, size, INTERNALDATE, sha256 of the Message-ID, seen, deleted; pack.ts).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SnapshotSchema, type MessageIdentity, type Snapshot } from '../snapshot/schema.js';
import { packIdentities, unpackIdentities } from './pack.js';
import { defaultHistoryPath } from './path.js';

/** The newest schema this maildoctor writes. Bump it with a new entry in MIGRATIONS. */
export const HISTORY_SCHEMA_VERSION = 2;

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
      put.run(probe_id, rows[0]?.uid_validity ?? '', list.length, packIdentities(list));
    }
    db.exec('DROP TABLE inbox_messages');
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

export class HistoryStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly retention: Required<RetentionOptions>;

  constructor(path: string, retention: RetentionOptions = {}) {
    this.path = path;
    this.retention = { keepProbes: retention.keepProbes ?? 50, keepDays: retention.keepDays ?? null, keepMessageLists: retention.keepMessageLists ?? 3 };
    if (this.retention.keepProbes < 1) throw new HistoryError('history retention must keep at least 1 probe');
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
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
    if (version > HISTORY_SCHEMA_VERSION) throw new HistoryError(`history database ${this.path} was written by a newer maildoctor`);
    for (let v = version + 1; v <= HISTORY_SCHEMA_VERSION; v++) {
      this.db.transaction(() => {
        const step = MIGRATIONS[v]!;
        if (typeof step === 'string') this.db.exec(step);
        else step(this.db);
        this.db.pragma(`user_version = ${v}`);
      }).immediate();
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Store one probe (and prune the account's old ones) in one transaction. Returns the probe id. */
  recordProbe(snapshot: Snapshot, opts: { status?: string } = {}): number {
    const key = accountKey(snapshot);
    const list = snapshot.imap?.ok ? snapshot.imap.evidence.inbox.messageList : null;
    const stored: Snapshot = snapshot.imap?.ok
      ? { ...snapshot, imap: { ...snapshot.imap, evidence: { ...snapshot.imap.evidence, inbox: { ...snapshot.imap.evidence.inbox, messageList: null } } } }
      : snapshot;
    const q = storageOf(snapshot);
    const uidValidity = snapshot.imap?.ok ? snapshot.imap.evidence.inbox.uidValidity : '';
    const write = this.db.transaction((): number => {
      this.db.prepare('INSERT INTO accounts (key) VALUES (?) ON CONFLICT(key) DO NOTHING').run(key);
      const accountId = (this.db.prepare('SELECT id FROM accounts WHERE key = ?').get(key) as { id: number }).id;
      const probeId = Number(
        this.db
          .prepare(
            'INSERT INTO probes (account_id, taken_at, status, inbox_messages, quota_used_bytes, quota_limit_bytes, snapshot) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            accountId,
            snapshot.takenAt,
            opts.status ?? 'probed',
            snapshot.imap?.ok ? snapshot.imap.evidence.inbox.messages : null,
            q.used,
            q.limit,
            JSON.stringify(stored),
          ).lastInsertRowid,
      );
      if (list) {
        this.db.prepare('INSERT INTO inbox_lists (probe_id, uid_validity, messages, packed) VALUES (?, ?, ?, ?)').run(probeId, uidValidity, list.length, packIdentities(list));
      }
      this.pruneAccount(accountId);
      return probeId;
    });
    return write.immediate();
  }

  private pruneAccount(accountId: number): void {
    const { keepProbes, keepDays, keepMessageLists } = this.retention;
    this.db
      .prepare('DELETE FROM probes WHERE account_id = ? AND id NOT IN (SELECT id FROM probes WHERE account_id = ? ORDER BY taken_at DESC, id DESC LIMIT ?)')
      .run(accountId, accountId, keepProbes);
    if (keepDays !== null) {
      const cutoff = new Date(Date.now() - keepDays * 86_400_000).toISOString();
      // Never the newest probe: the next check still needs something to compare with.
      this.db
        .prepare(
          'DELETE FROM probes WHERE account_id = ? AND taken_at < ? AND id <> (SELECT id FROM probes WHERE account_id = ? ORDER BY taken_at DESC, id DESC LIMIT 1)',
        )
        .run(accountId, cutoff, accountId);
    }
    this.db
      .prepare(
        'DELETE FROM inbox_lists WHERE probe_id IN (SELECT id FROM probes WHERE account_id = ? ORDER BY taken_at DESC, id DESC LIMIT -1 OFFSET ?)',
      )
      .run(accountId, keepMessageLists);
    // Rows of probes deleted above (foreign keys cascade, but be safe with databases opened without them).
    this.db.prepare('DELETE FROM inbox_lists WHERE probe_id NOT IN (SELECT id FROM probes)').run();
  }

  /** Apply the retention to every account. */
  prune(): void {
    this.db.transaction(() => {
      for (const { id } of this.db.prepare('SELECT id FROM accounts').all() as { id: number }[]) this.pruneAccount(id);
    }).immediate();
  }

  private parse(json: string): Snapshot | null {
    const r = SnapshotSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  }

  /**
   * The newest stored probe of the account (taken before `before`, an ISO time, when given: `analyze` replays a
   * saved snapshot against the probe that preceded it), with INBOX's message list restored when it was stored.
   */
  latestProbe(account: string, before?: string): Snapshot | null {
    const row = this.db
      .prepare(
        `SELECT p.id, p.snapshot FROM probes p JOIN accounts a ON a.id = p.account_id WHERE a.key = ? ${before ? 'AND p.taken_at < ?' : ''} ORDER BY p.taken_at DESC, p.id DESC LIMIT 1`,
      )
      .get(account, ...(before ? [before] : [])) as { id: number; snapshot: string } | undefined;
    if (!row) return null;
    const snap = this.parse(row.snapshot);
    if (!snap) return null;
    if (snap.imap?.ok) {
      const stored = this.db.prepare('SELECT packed FROM inbox_lists WHERE probe_id = ?').get(row.id) as { packed: Buffer } | undefined;
      const list: MessageIdentity[] | null = stored ? unpackIdentities(stored.packed) : snap.imap.evidence.inbox.messages === 0 ? [] : null;
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
