// What a watch compares: one probe with the one before it (live lines, disappearance events), and the last
// probe with the first (the report over the whole window). Pure: snapshots in, plain data out.
import type { KnownMailboxes } from '../connectors/imap/repeat.js';
import { compareLists, vanishedMail } from '../snapshot/compare.js';
import type { Folder, Snapshot } from '../snapshot/schema.js';

/** True when the snapshot has INBOX's per-message list (what every comparison needs). */
export function hasMessageList(s: Snapshot): boolean {
  return Boolean(s.imap?.ok && s.imap.evidence.inbox.messageList);
}

/** INBOX's HIGHESTMODSEQ in a probe's folder list: the STATUS taken before that probe read its INBOX list. */
function inboxModseq(folders: readonly Folder[]): string | null {
  return folders.find((f) => f.path.toUpperCase() === 'INBOX')?.status?.highestModseq ?? null;
}

/** What a probe saw, as the `known` of the next one: the repeat probe then reads only what changed. */
export function knownFrom(s: Snapshot): KnownMailboxes | undefined {
  if (!s.imap?.ok) return undefined;
  const ev = s.imap.evidence;
  const folders: KnownMailboxes['folders'] = {};
  // A UIDNEXT or UIDVALIDITY the server did not send (null) is not known: the next probe reads that folder in full.
  for (const f of ev.folders) {
    if (f.status && f.status.uidValidity !== null && f.status.uidNext !== null) folders[f.path] = { uidValidity: f.status.uidValidity, uidNext: f.status.uidNext };
  }
  const { uidValidity, uidNext } = ev.inbox;
  const inbox = ev.inbox.messageList && uidValidity !== null && uidNext !== null
    ? { uidValidity, uidNext, highestModseq: inboxModseq(ev.folders), messages: ev.inbox.messageList }
    : null;
  return { inbox, folders };
}

export interface ProbeDelta {
  /** INBOX messages now that the earlier probe did not list. */
  arrived: number;
  /** Gone from INBOX and in no folder (see vanishedMail). */
  vanished: number;
  /** Of those, how many had been read (\Seen at the earlier probe). */
  vanishedSeen: number;
  vanishedBytes: number;
  /** Gone from INBOX but found in another folder. */
  moved: number;
  /** vanished is a lower bound (a folder could not be searched). */
  atLeast: boolean;
  /** Folders the later probe could not examine: mail gone from INBOX may be there, so vanished is unknown. */
  unexamined: string[];
}

/** INBOX changes between two probes; null when they cannot be compared (no list, UIDVALIDITY changed). */
export function probeDelta(previous: Snapshot, current: Snapshot): ProbeDelta | null {
  const v = vanishedMail(previous, current);
  const before = previous.imap?.ok ? previous.imap.evidence.inbox.messageList : null;
  const now = current.imap?.ok ? current.imap.evidence.inbox.messageList : null;
  if (!v || !before || !now) return null;
  const { arrived } = compareLists(before, now);
  return {
    arrived,
    vanished: v.vanished.length,
    vanishedSeen: v.vanished.filter((m) => m.seen).length,
    vanishedBytes: v.vanished.reduce((a, m) => a + m.sizeBytes, 0),
    moved: v.moved,
    atLeast: v.method === 'uidnext-bound' || v.unmatchedArrivals > 0,
    unexamined: v.unexamined,
  };
}

/**
 * The last probe, with each folder's `arrivals` widened to everything that arrived there since the FIRST
 * probe: every repeat probe hashed what arrived since the probe before it, so the chain of them covers the
 * window. Then vanishedMail(first, result) can still tell moved mail from vanished mail over the whole watch.
 * A folder whose chain has a gap (a probe that did not hash it while it grew, a UIDVALIDITY change) gets
 * arrivals null, which makes the comparison a lower bound, as it should be. `probes` are the probes with
 * IMAP evidence, in order, first and last included.
 */
export function windowSnapshot(probes: readonly Snapshot[]): Snapshot {
  const last = probes[probes.length - 1]!;
  const first = probes[0]!;
  if (probes.length < 2 || !last.imap?.ok || !first.imap?.ok) return last;
  const statusIn = (s: Snapshot, path: string) => (s.imap?.ok ? (s.imap.evidence.folders.find((f) => f.path === path)?.status ?? null) : null);
  const folders: Folder[] = last.imap.evidence.folders.map((f) => {
    if (!f.status || !f.selectable || f.path.toUpperCase() === 'INBOX') return f;
    // No UIDNEXT or UIDVALIDITY now: nothing bounds what arrived (arrivals unknown, the comparison a lower bound).
    if (f.status.uidNext === null || f.status.uidValidity === null) return { ...f, arrivals: null };
    const base = statusIn(first, f.path);
    const since = base && base.uidNext !== null && base.uidValidity === f.status.uidValidity ? base.uidNext : 1;
    let expected = since;
    let count = 0;
    const hashes: string[] = [];
    let complete = true;
    for (const p of probes.slice(1)) {
      const pf = p.imap?.ok ? p.imap.evidence.folders.find((x) => x.path === f.path) : undefined;
      if (!pf?.status) continue; // not there yet (created later) or not readable: the next probe covers it
      if (pf.status.uidValidity !== f.status.uidValidity || pf.status.uidNext === null) {
        complete = false;
        break;
      }
      if (pf.status.uidNext <= expected) continue;
      if (pf.arrivals && pf.arrivals.sinceUidNext === expected) {
        count += pf.arrivals.count;
        hashes.push(...pf.arrivals.messageIdHashes);
      } else if (pf.status.messages === 0) {
        // Not searched because empty: whatever arrived there has left again (and, if it moved on, shows up
        // in the folder it went to).
      } else {
        complete = false;
        break;
      }
      expected = pf.status.uidNext;
    }
    return { ...f, arrivals: complete ? { sinceUidNext: since, count, messageIdHashes: hashes.sort() } : null };
  });
  return { ...last, imap: { ...last.imap, evidence: { ...last.imap.evidence, folders } } };
}

/**
 * What the watch report compares: the last probe (its folders' arrivals widened by windowSnapshot) against the
 * first, both with INBOX's message list; previous null when that cannot be done (fewer than two such probes, or
 * the last probe has no list), and the report is then the last probe alone.
 */
export function watchWindow(snaps: readonly Snapshot[]): { current: Snapshot; previous: Snapshot | null } {
  const last = snaps[snaps.length - 1]!;
  const goods = snaps.filter(hasMessageList);
  const comparable = goods.length >= 2 && goods[goods.length - 1] === last;
  return comparable ? { current: windowSnapshot(goods), previous: goods[0]! } : { current: last, previous: null };
}
