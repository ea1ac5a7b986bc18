// Save and load snapshot files. Loading validates: a corrupt, foreign or newer-schema file is refused with
// one line that says which of those it is.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { SNAPSHOT_SCHEMA, SNAPSHOT_SCHEMA_NAME, SNAPSHOT_SCHEMA_VERSION, SnapshotSchema, type Snapshot } from './schema.js';
import { SnapshotFileError } from './errors.js';
import { MessageList } from './message-list.js';

export { SnapshotFileError };

/** Parse and validate snapshot JSON text; `label` names the source in errors. */
export function parseSnapshot(text: string, label: string): Snapshot {
  let data: unknown;
  // A number beyond 2^53 cannot be held exactly (a count, a size or a UID would be silently rounded).
  let unsafe = false;
  try {
    data = JSON.parse(text, (_key, v: unknown) => {
      if (typeof v === 'number' && !(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) unsafe = true;
      return v;
    });
  } catch {
    throw new SnapshotFileError(`${label} is not valid JSON (corrupt or not a maildoctor snapshot)`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SnapshotFileError(`${label} is not a maildoctor snapshot (expected a JSON object)`);
  }
  const schema = (data as { schema?: unknown }).schema;
  if (typeof schema !== 'string' || !schema.startsWith(`${SNAPSHOT_SCHEMA_NAME}@`)) {
    throw new SnapshotFileError(
      `${label} is not a maildoctor snapshot (schema ${JSON.stringify(schema ?? null)}, expected "${SNAPSHOT_SCHEMA}")`,
    );
  }
  const version = Number(schema.slice(SNAPSHOT_SCHEMA_NAME.length + 1));
  if (!Number.isInteger(version)) {
    throw new SnapshotFileError(`${label} has an unreadable schema version "${schema}"`);
  }
  if (version > SNAPSHOT_SCHEMA_VERSION) {
    throw new SnapshotFileError(
      `${label} was written by a newer maildoctor (schema ${schema}; this version reads up to ${SNAPSHOT_SCHEMA}): upgrade maildoctor`,
    );
  }
  if (unsafe) throw new SnapshotFileError(`${label} is corrupt: it holds a number beyond 2^53`);
  const parsed = SnapshotSchema.safeParse(data);
  if (!parsed.success) throw new SnapshotFileError(`${label} is corrupt: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** The first thing wrong with a snapshot, as "where: what" (e.g. "imap.evidence.inbox.uidNext: Invalid input"). */
export function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  const where = first?.path.length ? first.path.map(String).join('.') : '(top level)';
  return `${where}: ${first?.message ?? 'invalid'}`;
}

/**
 * Where a snapshot holds a number JSON cannot carry (NaN, Infinity: JSON.stringify would write null, and the file
 * would fail validation only when read back), or null. `path` names the field.
 */
export function nonFiniteNumber(value: unknown, path = ''): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path || '(top level)'}: ${String(value)}`;
  if (typeof value !== 'object' || value === null || value instanceof MessageList) return null;
  for (const [k, v] of Object.entries(value)) {
    const found = nonFiniteNumber(v, path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return null;
}

/**
 * The snapshot checked before it is written (a file or the history): one that would not read back is refused
 * now, with the field that is wrong, instead of failing validation on the next read. `what` names the target.
 */
export function checkedForWrite<T extends Snapshot>(snapshot: T, what: string): T {
  const bad = nonFiniteNumber(snapshot);
  if (bad) throw new SnapshotFileError(`${what}: the snapshot holds a number that is not a number (${bad}): a maildoctor bug, please report it`);
  return snapshot;
}

export async function loadSnapshot(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SnapshotFileError(
      code === 'ENOENT' ? `snapshot file not found: ${path}` : `cannot read snapshot ${path}: ${code ?? String(err)}`,
    );
  }
  return parseSnapshot(text, path);
}

export function serializeSnapshot(snapshot: Snapshot): string {
  checkedForWrite(snapshot, 'not written');
  const parsed = SnapshotSchema.safeParse(snapshot);
  if (!parsed.success) throw new SnapshotFileError(`not written: the snapshot is invalid (${firstIssue(parsed.error)}): a maildoctor bug, please report it`);
  return `${JSON.stringify(parsed.data, null, 2)}\n`;
}

/**
 * A deep copy of a snapshot, as structuredClone gives for plain data. INBOX's message list is immutable, so the
 * copy holds the same list (structuredClone alone would turn it into a plain object without its items).
 */
export function cloneSnapshot(snapshot: Snapshot): Snapshot {
  const imap = snapshot.imap;
  if (!imap?.ok || imap.evidence.inbox.messageList === null) return structuredClone(snapshot);
  const list = imap.evidence.inbox.messageList;
  const ev = imap.evidence;
  const copy = structuredClone({ ...snapshot, imap: { ...imap, evidence: { ...ev, inbox: { ...ev.inbox, messageList: null } } } });
  return { ...copy, imap: { ...copy.imap, evidence: { ...copy.imap.evidence, inbox: { ...copy.imap.evidence.inbox, messageList: list } } } };
}

/** Write atomically (temp file + rename) so a killed process never leaves half a snapshot. */
export async function saveSnapshot(path: string, snapshot: Snapshot): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, serializeSnapshot(snapshot), { mode: 0o600 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {}); // a rename onto a folder leaves the written copy behind
    throw e;
  }
}
