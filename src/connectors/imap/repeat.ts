// Cheap repeat probes for history: when the previous probe of the account saw the same UIDVALIDITY, INBOX
// identities come from three compact ESEARCH answers (UIDs present, seen, deleted) plus one FETCH of what
// arrived since the previous UIDNEXT, instead of a FETCH of every message. Other folders report the
// Message-ID hashes of what arrived since their previous UIDNEXT, so mail moved out of INBOX can be found.
import type { Folder, MessageIdentity } from '../../snapshot/schema.js';
import { messageIdHash, messageList, rawFetch, type Ctx } from './mailbox.js';
import { atom, execRaw, parseEsearch } from './raw.js';

/** What the previous probe of the account saw (from the history store). */
export interface KnownMailboxes {
  inbox: { uidValidity: string; uidNext: number; messages: MessageIdentity[] } | null;
  /** By folder path: the previous STATUS uidValidity / uidNext. */
  folders: Record<string, { uidValidity: string; uidNext: number }>;
}

/** At most this many arrivals per folder are hashed; above it only the UIDNEXT growth bounds moves. */
export const MAX_ARRIVALS = 20_000;

/** "1:3,7,9:10" → [1,2,3,7,9,10]. */
export function parseSequenceSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    if (!part) continue;
    const [a, b] = part.split(':');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new Error(`bad sequence set from server: ${set.slice(0, 80)}`);
    for (let u = Math.min(lo, hi); u <= Math.max(lo, hi); u++) out.push(u);
  }
  return out;
}

/** UIDs matching one criterion, as ESEARCH RETURN (ALL) sends them: a compact sequence set. */
async function uidsMatching(ctx: Ctx, criterion: string): Promise<Set<number>> {
  let all = '';
  await ctx.step(`history search ${criterion}`, () =>
    execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), [atom('ALL')], atom(criterion)], {
      ESEARCH: (u) => {
        all = parseEsearch(u).get('ALL') ?? '';
      },
    }),
  );
  return new Set(parseSequenceSet(all));
}

/**
 * INBOX identities for a repeat probe. Falls back to the full FETCH when the server lacks ESEARCH or the
 * UIDVALIDITY changed. `method` says which path was taken.
 */
export async function repeatMessageList(
  ctx: Ctx,
  total: number,
  box: { uidValidity: string; uidNext: number },
  known: KnownMailboxes['inbox'],
  onProgress?: (n: number) => void,
): Promise<{ list: MessageIdentity[]; method: 'full' | 'repeat' }> {
  if (!known || known.uidValidity !== box.uidValidity || !ctx.caps.has('ESEARCH') || total === 0) {
    return { list: await messageList(ctx, total, onProgress), method: 'full' };
  }
  const present = await uidsMatching(ctx, 'ALL');
  const seen = await uidsMatching(ctx, 'SEEN');
  const deleted = await uidsMatching(ctx, 'DELETED');
  const byUid = new Map(known.messages.map((m) => [m.uid, m]));
  const out: MessageIdentity[] = [];
  const unknown: number[] = [];
  for (const uid of present) {
    const m = byUid.get(uid);
    if (m) out.push({ ...m, seen: seen.has(uid), deleted: deleted.has(uid) });
    else unknown.push(uid);
  }
  if (unknown.length > 0) {
    // New mail (UID >= the previous UIDNEXT), and anything the previous list lacked.
    const above = unknown.filter((u) => u >= known.uidNext);
    const below = unknown.filter((u) => u < known.uidNext);
    const set = [...(above.length ? [`${known.uidNext}:*`] : []), ...below.map(String)].join(',');
    const wanted = new Set(unknown);
    for (const m of await messageList(ctx, unknown.length, onProgress, set)) {
      // "n:*" also returns the highest message when n is above it: keep only the UIDs asked for.
      if (wanted.delete(m.uid)) out.push(m);
    }
  }
  out.sort((a, b) => a.uid - b.uid);
  return { list: out, method: 'repeat' };
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
