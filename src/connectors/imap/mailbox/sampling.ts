// Which messages a big mailbox's date questions look at: a few sampled INTERNALDATEs in arrival order
// instead of a search over every message.
import { atom } from '../raw.js';
import type { Ctx } from './context.js';
import { rawFetch } from './fetch.js';

/** Mailboxes with at least this many messages find the 30-day boundary by sampling (see arrivalBoundary). */
export const SAMPLE_MIN_MESSAGES = 20_000;
/** Messages whose INTERNALDATE is fetched per sampling round. */
const SAMPLES_PER_ROUND = 32;
/** Deliveries in parallel may get UIDs a little out of date order: disorder up to this much is tolerated. */
const ORDER_SLACK_MS = 3_600_000;

interface Sample {
  seq: number;
  uid: number;
  date: Date;
}

/** n points from lo to hi (both included, no repeats), evenly spread. */
function spread(lo: number, hi: number, n: number): number[] {
  if (hi - lo + 1 <= n) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round(lo + ((hi - lo) * i) / (n - 1)));
  return [...out];
}

/**
 * Where mail younger than `cutoff` starts in a big mailbox, found by sampling INTERNALDATEs in sequence
 * (= arrival) order instead of searching every message: a handful of single-round FETCHes of ~32 messages
 * each narrow the gap between the last old and the first young sample until they are neighbours. INBOX
 * normally holds mail in arrival order, and a message's INTERNALDATE is never later than its arrival in
 * the mailbox, so the dates grow with the sequence number. Every date seen is checked for that order; when
 * it does not hold (old mail appended or moved in later) this returns null and the caller searches the
 * whole mailbox instead. The samples at 1 and `total` are the oldest and newest messages when it holds.
 */
export async function arrivalBoundary(
  ctx: Ctx,
  total: number,
  cutoff: Date,
  label: string,
): Promise<{ firstYoung: Sample | null; oldest: Sample; newest: Sample; fetched: number; rounds: number } | null> {
  const known = new Map<number, Sample>();
  let rounds = 0;
  const ask = async (seqs: number[]) => {
    const want = seqs.filter((s) => !known.has(s));
    if (want.length === 0) return;
    rounds++;
    await rawFetch(ctx, want.join(','), false, [atom('UID'), atom('INTERNALDATE')], `${label} sample`, (m) => {
      if (m.uid !== null && m.internalDate && m.seq >= 1 && m.seq <= total) known.set(m.seq, { seq: m.seq, uid: m.uid, date: m.internalDate });
    });
  };
  const ordered = (): Sample[] | null => {
    const xs = [...known.values()].sort((a, b) => a.seq - b.seq);
    let latest = -Infinity;
    for (const x of xs) {
      if (x.date.getTime() < latest - ORDER_SLACK_MS) return null;
      latest = Math.max(latest, x.date.getTime());
    }
    return xs;
  };
  await ask(spread(1, total, SAMPLES_PER_ROUND + 1));
  // Search from a little before the cutoff: slightly out-of-order neighbours of the boundary stay in range.
  const edge = cutoff.getTime() - ORDER_SLACK_MS;
  for (;;) {
    const xs = ordered();
    if (!xs || !known.has(1) || !known.has(total)) return null;
    const oldest = known.get(1)!;
    const newest = known.get(total)!;
    let lo: Sample | null = null;
    let hi: Sample | null = null;
    for (const x of xs) {
      if (x.date.getTime() <= edge) lo = x;
      else {
        hi = x;
        break;
      }
    }
    const done = (firstYoung: Sample | null) => ({ firstYoung, oldest, newest, fetched: known.size, rounds });
    if (!hi) return done(null);
    if (!lo || hi.seq - lo.seq <= 1) return done(hi);
    await ask(spread(lo.seq + 1, hi.seq - 1, SAMPLES_PER_ROUND));
  }
}
