// What changed between two probes of one account: pure (no network, no clock), used by the rules that read
// `previous` and by the runner (a vanish is a strong sign of a POP client).
import type { MessageList } from './message-list.js';
import type { Folder, MessageIdentity, Snapshot } from './schema.js';

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
  /**
   * Folders this probe could not examine (no STATUS: the step failed or its numbers made no sense). Any gone
   * message may be in one of them, so while this is non-empty nothing is counted as vanished.
   */
  unexamined: string[];
}

/**
 * Messages of `before` whose UID is not in `now`, and how many UIDs of `now` `before` lacks. Lists from the
 * connector and the store are in ascending UID order: then one walk over both UID columns (a packed list's
 * straight from its bytes) that decodes only the messages that are gone, else a Set. The same list on both sides
 * (a repeat probe of an unchanged INBOX) costs nothing.
 */
export function compareLists(before: MessageList, now: MessageList): { gone: MessageIdentity[]; arrived: number } {
  if (before === now) return { gone: [], arrived: 0 };
  const ua = uidsOf(before);
  const ub = uidsOf(now);
  if (ua && ub && ascendingUids(ua) && ascendingUids(ub)) {
    const gone: MessageIdentity[] = [];
    const common = walk(ua, ub, (i) => gone.push(before.at(i)!));
    return { gone, arrived: now.length - common };
  }
  const present = new Set(now.toArray().map((m) => m.uid));
  const earlier = new Set(before.toArray().map((m) => m.uid));
  return { gone: before.toArray().filter((m) => !present.has(m.uid)), arrived: now.toArray().filter((m) => !earlier.has(m.uid)).length };
}

/** The UIDs of a list as 32-bit numbers (what UIDs are); null when one does not fit (a hand-made snapshot). */
function uidsOf(list: MessageList): Uint32Array | null {
  try {
    return list.uids;
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/** Walk two ascending UID lists: onGone(i) for each index of `before` missing from `now`; returns how many are in both. */
function walk(before: Uint32Array, now: Uint32Array, onGone: (i: number) => void): number {
  let j = 0;
  let common = 0;
  const m = now.length;
  for (let i = 0; i < before.length; i++) {
    const u = before[i]!;
    while (j < m && now[j]! < u) j++;
    if (j < m && now[j] === u) {
      common++;
      j++;
    } else onGone(i);
  }
  return common;
}

function ascendingUids(uids: Uint32Array): boolean {
  for (let i = 1; i < uids.length; i++) if (uids[i]! <= uids[i - 1]!) return false;
  return true;
}

/** Selectable folders besides INBOX that this probe could not examine (no STATUS: the step failed or made no sense). */
export function unexaminedFolders(folders: readonly Folder[]): string[] {
  return folders.filter((f) => f.selectable && !f.status && f.path.toUpperCase() !== 'INBOX').map((f) => f.path);
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
  // An unknown UIDVALIDITY on either side: the UIDs of the two lists cannot be said to name the same messages.
  if (before.uidValidity === null || now.uidValidity === null || before.uidValidity !== now.uidValidity) return null;
  if (Date.parse(current.takenAt) <= Date.parse(previous.takenAt)) return null;
  const goneAll = compareLists(before.messageList, now.messageList).gone;
  const expungedAfterDeleteFlag = goneAll.filter((m) => m.deleted).length;
  const gone = goneAll.filter((m) => !m.deleted);

  // What arrived in the other folders since the earlier probe.
  const hashes = new Map<string, number>();
  let unmatchedArrivals = 0;
  let incomplete = false;
  const prevFolders = new Map((previous.imap?.ok ? previous.imap.evidence.folders : []).map((f) => [f.path, f]));
  const nowFolders: Folder[] = current.imap?.ok ? current.imap.evidence.folders : [];
  const unexamined = unexaminedFolders(nowFolders);
  for (const f of nowFolders) {
    if (f.path.toUpperCase() === 'INBOX' || !f.selectable || !f.status) continue;
    const p = prevFolders.get(f.path)?.status ?? null;
    if (f.status.uidNext === null) {
      // No UIDNEXT from the server: any of its messages could have come from INBOX.
      if (f.status.messages > 0) {
        incomplete = true;
        unmatchedArrivals += f.status.messages;
      }
      continue;
    }
    const same = p !== null && p.uidNext !== null && p.uidValidity !== null && p.uidValidity === f.status.uidValidity;
    const since = same ? p.uidNext! : 1;
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
  // A folder not examined could hold any of them: then none is proven gone.
  const vanished = unexamined.length
    ? []
    : incomplete
      ? smallest(unmatched, unmatchedArrivals)
      : [...unmatched.filter((m) => m.messageIdHash), ...smallest(unmatched.filter((m) => !m.messageIdHash), unmatchedArrivals)];
  vanished.sort((a, b) => a.uid - b.uid);
  return {
    method: incomplete || unexamined.length ? 'uidnext-bound' : 'message-id',
    goneFromInbox: gone.length,
    moved,
    vanished,
    expungedAfterDeleteFlag,
    unmatchedArrivals,
    unexamined,
  };
}
