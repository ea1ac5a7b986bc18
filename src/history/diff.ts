// What changed between two probes of one account: pure (no network, no clock), used by the rules that read
// `previous` and by the runner (a vanish is a strong sign of a POP client).
import type { Folder, MessageIdentity, Snapshot } from '../snapshot/schema.js';

export interface VanishedMail {
  /** 'message-id': every folder that took in mail since the earlier probe reported its Message-ID hashes,
   *  so each gone message was looked up; 'uidnext-bound': some folder could not be searched, so the count is
   *  a lower bound (gone from INBOX minus everything that may have gone there). */
  method: 'message-id' | 'uidnext-bound';
  /** INBOX messages of the earlier probe that are gone now (not counting those already flagged \Deleted then). */
  goneFromInbox: number;
  /** Of those, found again in another folder by Message-ID hash. */
  moved: number;
  /** Gone and in no folder (with 'uidnext-bound': at least this many). */
  vanished: MessageIdentity[];
  /** Gone messages that were already flagged \Deleted at the earlier probe (an IMAP client deleting). */
  expungedAfterDeleteFlag: number;
  /** Arrivals in other folders that could not be matched by hash (without Message-ID, or folder not searched). */
  unmatchedArrivals: number;
}

function inboxOf(s: Snapshot) {
  return s.imap?.ok ? s.imap.evidence.inbox : null;
}

/**
 * Mail that left INBOX between `previous` and `current` and is in no folder. null when the two cannot be
 * compared (no IMAP evidence or no message list on either side, or INBOX's UIDVALIDITY changed).
 */
export function vanishedMail(previous: Snapshot, current: Snapshot): VanishedMail | null {
  const before = inboxOf(previous);
  const now = inboxOf(current);
  if (!before || !now || !before.messageList || !now.messageList) return null;
  if (before.uidValidity !== now.uidValidity) return null;
  if (Date.parse(current.takenAt) <= Date.parse(previous.takenAt)) return null;
  const present = new Set(now.messageList.map((m) => m.uid));
  const goneAll = before.messageList.filter((m) => !present.has(m.uid));
  const expungedAfterDeleteFlag = goneAll.filter((m) => m.deleted).length;
  const gone = goneAll.filter((m) => !m.deleted);

  // What arrived in the other folders since the earlier probe.
  const hashes = new Map<string, number>();
  let unmatchedArrivals = 0;
  let incomplete = false;
  const prevFolders = new Map((previous.imap?.ok ? previous.imap.evidence.folders : []).map((f) => [f.path, f]));
  const nowFolders: Folder[] = current.imap?.ok ? current.imap.evidence.folders : [];
  for (const f of nowFolders) {
    if (f.path.toUpperCase() === 'INBOX' || !f.selectable || !f.status) continue;
    const p = prevFolders.get(f.path)?.status ?? null;
    const same = p !== null && p.uidValidity === f.status.uidValidity;
    const since = same ? p.uidNext : 1;
    const grew = Math.max(0, f.status.uidNext - since);
    if (grew === 0 || f.status.messages === 0) continue;
    if (f.arrivals && f.arrivals.sinceUidNext === since) {
      for (const h of f.arrivals.messageIdHashes) hashes.set(h, (hashes.get(h) ?? 0) + 1);
      unmatchedArrivals += f.arrivals.count - f.arrivals.messageIdHashes.length;
    } else {
      incomplete = true;
      // Every UID handed out there since could be a message moved out of INBOX (at most its message count).
      unmatchedArrivals += same ? Math.min(grew, f.status.messages) : f.status.messages;
    }
  }
  const unmatched: MessageIdentity[] = [];
  let moved = 0;
  for (const m of gone) {
    const n = m.messageIdHash ? (hashes.get(m.messageIdHash) ?? 0) : 0;
    if (n > 0) {
      hashes.set(m.messageIdHash!, n - 1);
      moved++;
    } else unmatched.push(m);
  }
  // Messages without Message-ID, or folders we could not search, may hide moved ones: subtract them, and
  // count the smallest of the rest (a lower bound on both count and bytes).
  // With every folder searched, a gone message with a Message-ID that matched nowhere is certainly not moved;
  // only those without one can hide among the arrivals without one.
  const smallest = (xs: MessageIdentity[], drop: number) =>
    [...xs].sort((a, b) => a.sizeBytes - b.sizeBytes).slice(0, Math.max(0, xs.length - drop));
  const vanished = incomplete
    ? smallest(unmatched, unmatchedArrivals)
    : [...unmatched.filter((m) => m.messageIdHash), ...smallest(unmatched.filter((m) => !m.messageIdHash), unmatchedArrivals)];
  vanished.sort((a, b) => a.uid - b.uid);
  return {
    method: incomplete ? 'uidnext-bound' : 'message-id',
    goneFromInbox: gone.length,
    moved,
    vanished,
    expungedAfterDeleteFlag,
    unmatchedArrivals,
  };
}
