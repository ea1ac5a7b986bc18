// Cheap repeat probes for history: when the previous probe of the account saw the same UIDVALIDITY, INBOX
// identities are built from what the previous probe stored plus only what changed, instead of a FETCH of
// every message:
//  - nothing changed (same UIDNEXT, message count and HIGHESTMODSEQ): the previous list as it is, no command;
//  - no message of the previous list left (the count grew by exactly the UIDs handed out since): ESEARCH SEEN
//    and DELETED for the flags, and a FETCH of the new UIDs;
//  - otherwise: ESEARCH ALL, SEEN and DELETED (compact sequence sets) plus a FETCH of what is new.
// Other folders report the Message-ID hashes of what arrived since their previous UIDNEXT, so mail moved out
// of INBOX can be found.
import { MessageList } from '../../snapshot/message-list.js';
import { derivePacked } from '../../snapshot/pack.js';
import type { Folder, MessageIdentity } from '../../snapshot/schema.js';
import type { Ctx } from './mailbox/context.js';
import { rawFetch } from './mailbox/fetch.js';
import { messageList, packedMessageList } from './mailbox/identities.js';
import { messageIdHash } from './mailbox/message-id.js';
import { atom, execRaw, parseEsearch, parseRanges } from './raw.js';

export { parseRanges, parseSequenceSet } from './raw.js';

/** What the previous probe of the account saw (from the history store). */
export interface KnownMailboxes {
  inbox: {
    uidValidity: string;
    uidNext: number;
    /** INBOX's HIGHESTMODSEQ from the previous probe's STATUS (taken before its list was read); null when unknown. */
    highestModseq?: string | null;
    messages: MessageList;
  } | null;
  /** By folder path: the previous STATUS uidValidity / uidNext. */
  folders: Record<string, { uidValidity: string; uidNext: number }>;
}

/** INBOX as the current probe examined it. */
export interface InboxState {
  uidValidity: string;
  uidNext: number;
  /** HIGHESTMODSEQ of the EXAMINE; null or absent when the server gives none. */
  highestModseq?: string | null;
}

/** At most this many arrivals per folder are hashed; above it only the UIDNEXT growth bounds moves. */
export const MAX_ARRIVALS = 20_000;

/**
 * INBOX's state for repeatMessageList, from the EXAMINE response. The probe reads the folder list (LIST-STATUS)
 * only after INBOX's work, and a server that sends no HIGHESTMODSEQ on EXAMINE has no CONDSTORE to give one
 * in STATUS either.
 */
export function inboxState(box: { uidValidity: bigint | string; uidNext: number; highestModseq?: bigint }): InboxState {
  return { uidValidity: box.uidValidity.toString(), uidNext: box.uidNext, highestModseq: box.highestModseq !== undefined ? box.highestModseq.toString() : null };
}

/** Membership in flattened ranges for ascending queries: one forward walk over the ranges in all. */
export class RangeCursor {
  private i = 0;
  constructor(private readonly ranges: readonly number[]) {}
  /** Whether `n` is in the set; each call's n must be at least the previous call's. */
  has(n: number): boolean {
    const r = this.ranges;
    while (this.i < r.length && r[this.i + 1]! < n) this.i += 2;
    return this.i < r.length && r[this.i]! <= n;
  }
}

/** UIDs matching one criterion, as ESEARCH RETURN (ALL) sends them: a compact sequence set, as ranges. */
async function uidsMatching(ctx: Ctx, criterion: string): Promise<number[]> {
  let all = '';
  await ctx.step(`history search ${criterion}`, () =>
    execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), [atom('ALL')], atom(criterion)], {
      ESEARCH: (u) => {
        all = parseEsearch(u).get('ALL') ?? '';
      },
    }),
  );
  return parseRanges(all);
}

function ascending(uids: Uint32Array): boolean {
  for (let i = 1; i < uids.length; i++) if (uids[i]! <= uids[i - 1]!) return false;
  return true;
}

/**
 * INBOX identities for a repeat probe. Falls back to the full FETCH when the server lacks ESEARCH or the
 * UIDVALIDITY changed. `method` says which path was taken.
 *
 * When the previous list holds the history store's packed bytes (see snapshot/pack.ts), the new list is made
 * from them by copying (derivePacked) and holds the new bytes: no identity of the previous list is decoded, and
 * the store writes the new bytes as they are.
 */
export async function repeatMessageList(
  ctx: Ctx,
  total: number,
  box: InboxState,
  known: KnownMailboxes['inbox'],
  onProgress?: (n: number) => void,
): Promise<{ list: MessageList; method: 'full' | 'repeat' | 'unchanged' }> {
  const full = async () => ({ list: await packedMessageList(ctx, total, onProgress), method: 'full' as const });
  if (!known || known.uidValidity !== box.uidValidity || total === 0) return full();
  // Same UIDVALIDITY, UIDNEXT and count, and the same HIGHESTMODSEQ: HIGHESTMODSEQ grows with every flag change,
  // arrival and expunge (RFC 7162), and the previous value was read before the previous list was, so equal
  // means that list still holds exactly, flags included. Decided from the list's length alone: the previous
  // list is handed on as it is, without walking it.
  if (
    box.uidNext === known.uidNext &&
    total === known.messages.length &&
    box.highestModseq &&
    known.highestModseq &&
    box.highestModseq === known.highestModseq
  ) {
    return { list: known.messages, method: 'unchanged' };
  }
  if (!ctx.caps.has('ESEARCH')) return full();

  // The previous list as UIDs (ascending) plus either its blob or its identities, index for index.
  let blob = known.messages.packed;
  let uids = blob ? known.messages.uids : new Uint32Array(0);
  let before: readonly MessageIdentity[] = [];
  if (!blob || !ascending(uids)) {
    blob = null;
    const plain = known.messages.toArray();
    // Stored lists are in UID order; anything else (a hand-made snapshot) is walked as a sorted copy.
    before = plain.every((m, i) => i === 0 || m.uid > plain[i - 1]!.uid) ? plain : [...plain].sort((x, y) => x.uid - y.uid);
    uids = Uint32Array.from(before, (m) => m.uid);
  }
  const sorted = ascending(uids);
  const n = uids.length;
  const lastUid = n ? uids[n - 1]! : 0;
  // UIDs are never reused and UIDNEXT only grows, so if the count grew by exactly the UIDs handed out since the
  // previous probe, no message of its list can have left and every new UID is still here: the UIDs now are the
  // previous list plus previous UIDNEXT .. UIDNEXT-1 (no ESEARCH ALL needed). The previous list must lie below
  // its UIDNEXT for that (it does unless mail arrived between that probe's EXAMINE and its FETCH).
  const onlyAdded = sorted && lastUid < known.uidNext && box.uidNext >= known.uidNext && total - n === box.uidNext - known.uidNext;

  const present = onlyAdded ? null : await uidsMatching(ctx, 'ALL');
  const seen = new RangeCursor(await uidsMatching(ctx, 'SEEN'));
  const deleted = new RangeCursor(await uidsMatching(ctx, 'DELETED'));
  // Indices (ascending) of the previous messages still here, and the UIDs the previous list lacks.
  const keep: number[] = [];
  const unknown: number[] = [];
  if (present === null) {
    for (let j = 0; j < n; j++) keep.push(j);
    for (let u = known.uidNext; u < box.uidNext; u++) unknown.push(u);
  } else {
    // Walk the present ranges and the previous UIDs (both ascending) side by side.
    let j = 0;
    for (let r = 0; r < present.length; r += 2) {
      for (let u = present[r]!; u <= present[r + 1]!; u++) {
        while (j < n && uids[j]! < u) j++;
        if (j < n && uids[j] === u) keep.push(j);
        else unknown.push(u);
      }
    }
  }
  const added: MessageIdentity[] = [];
  if (unknown.length > 0) {
    // New mail (UID >= the previous UIDNEXT), and anything the previous list lacked.
    const above = unknown.filter((u) => u >= known.uidNext);
    const below = unknown.filter((u) => u < known.uidNext);
    const set = [...(above.length ? [`${known.uidNext}:*`] : []), ...below.map(String)].join(',');
    const wanted = new Set(unknown);
    for (const m of await messageList(ctx, unknown.length, onProgress, set)) {
      // "n:*" also returns the highest message when n is above it: keep only the UIDs asked for.
      if (wanted.delete(m.uid)) added.push(m);
    }
    added.sort((x, y) => x.uid - y.uid);
  }
  const lastKept = keep.length ? uids[keep[keep.length - 1]!]! : 0;
  if (blob && (added.length === 0 || added[0]!.uid > lastKept)) {
    const isSeen = (uid: number) => seen.has(uid);
    const isDeleted = (uid: number) => deleted.has(uid);
    return { list: MessageList.fromPacked(derivePacked(blob, keep, isSeen, isDeleted, added)), method: 'repeat' };
  }
  if (blob) before = known.messages.toArray(); // new mail below the kept UIDs: rare, done on identities
  // Called in ascending UID order (what the cursors need); an unchanged identity is reused as it is.
  const out: MessageIdentity[] = [];
  for (const j of keep) {
    const m = before[j]!;
    const s = seen.has(m.uid);
    const d = deleted.has(m.uid);
    out.push(s === m.seen && d === m.deleted ? m : { ...m, seen: s, deleted: d });
  }
  for (const m of added) out.push(m);
  if (added.length > 0 && added[0]!.uid < lastKept) out.sort((x, y) => x.uid - y.uid);
  return { list: MessageList.from(out), method: 'repeat' };
}

/** Message-ID hashes of the examined folder's messages with UID >= sinceUidNext (null above MAX_ARRIVALS). */
export async function arrivals(ctx: Ctx, sinceUidNext: number, uidNext: number, label: string): Promise<Folder['arrivals']> {
  if (uidNext <= sinceUidNext) return { sinceUidNext, count: 0, messageIdHashes: [] };
  if (uidNext - sinceUidNext > MAX_ARRIVALS) return null;
  const hashes: string[] = [];
  let count = 0;
  const items = [atom('UID'), { type: 'ATOM', value: 'BODY.PEEK', section: [atom('HEADER.FIELDS'), [atom('MESSAGE-ID')]] }];
  await rawFetch(ctx, `${sinceUidNext}:*`, true, items, `${label} arrivals`, (m) => {
    if (m.uid === null || m.uid < sinceUidNext) return;
    count++;
    const h = messageIdHash(m.header ?? undefined);
    if (h) hashes.push(h);
  });
  hashes.sort();
  return { sinceUidNext, count, messageIdHashes: hashes };
}
