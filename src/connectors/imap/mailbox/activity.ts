// How old the mail of the examined mailbox is, asking for the least data: ages from WITHIN (or SINCE plus the
// INTERNALDATEs of the last month), oldest/newest from ESORT ARRIVAL (or the first and last message).
import type { AgeBuckets, FolderActivity } from '../../../snapshot/schema.js';
import { atom, execRaw, parseEsearch, parseSequenceSet, seq } from '../raw.js';
import type { Ctx } from './context.js';
import { imapDate } from './date-codec.js';
import { internalDates } from './fetch.js';
import { arrivalBoundary, SAMPLE_MIN_MESSAGES } from './sampling.js';
import { searchCount } from './search.js';

const DAY_S = 86_400;

export function emptyAges(): AgeBuckets {
  return { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 };
}

/** Bucket one INTERNALDATE relative to now. */
export function bucketOf(date: Date, now: Date): keyof AgeBuckets {
  const age = (now.getTime() - date.getTime()) / 1000;
  if (age < DAY_S) return 'lt1d';
  if (age < 7 * DAY_S) return 'lt7d';
  if (age < 30 * DAY_S) return 'lt30d';
  return 'older';
}

/**
 * Adds each date younger than 30 days to its bucket in `ages` and returns how many there were and the newest.
 * `inWindow`: the dates were found by the 30-day search, whose window was widened by the seconds since `now`, so
 * one that buckets as older sits on its edge and counts as lt30d; otherwise older dates are not counted.
 */
export function bucketRecent(dates: Iterable<Date>, now: Date, ages: AgeBuckets, inWindow = false): { recent: number; newest: Date | null } {
  let recent = 0;
  let newest: Date | null = null;
  for (const d of dates) {
    const b = bucketOf(d, now);
    if (b === 'older' && !inWindow) continue;
    ages[b === 'older' ? 'lt30d' : b]++;
    recent++;
    if (!newest || d > newest) newest = d;
  }
  return { recent, newest };
}

/** The dates of `uids` that `dates` holds, in their order. */
export function datesOf(uids: Iterable<number>, dates: Map<number, Date>): Date[] {
  const out: Date[] = [];
  for (const u of uids) {
    const d = dates.get(u);
    if (d) out.push(d);
  }
  return out;
}

export interface Activity extends FolderActivity {
  agesMethod: string;
}

/**
 * Up to this many messages of the last 30 days get their INTERNALDATE fetched and bucketed here instead of two
 * more searches: imapflow spends ~0.2 ms on each FETCH response, a small search costs ~3 ms.
 */
export const FETCH_RECENT_MAX = 16;

/**
 * Ages and oldest/newest INTERNALDATE of the examined mailbox holding `total` messages. With WITHIN the
 * counts are exact YOUNGER searches; without it, the dates of the last 30 days fetched and bucketed. In
 * mailboxes of `sampleMin` messages or more either only covers the messages from the sampled 30-day boundary
 * on (see arrivalBoundary), which turns scans of the whole mailbox into a few small FETCHes of the recent tail.
 */
export async function activity(ctx: Ctx, total: number, label: string, sampleMin = SAMPLE_MIN_MESSAGES): Promise<Activity> {
  if (total === 0) {
    return { ages: emptyAges(), oldestInternalDate: null, newestInternalDate: null, agesMethod: 'empty' };
  }
  const now = ctx.now;
  const ages = emptyAges();
  let newestKnown: Date | null = null;
  let agesMethod: string;
  let oldest: Date | null = null;
  let newest: Date | null = null;
  let ends = false;
  /** UIDs of the last 30 days whose dates are still to be fetched and bucketed. */
  let recentSet: string | null = null;
  if (ctx.caps.has('WITHIN') && ctx.caps.has('ESEARCH')) {
    // YOUNGER is relative to the server's clock at search time; widen it by the time since `now`.
    const windowSecs = (days: number) => Math.max(1, Math.round(days * DAY_S + (Date.now() - now.getTime()) / 1000));
    const { found, fromUid, sampled } = await sampledBoundary();
    if (found && fromUid === null) {
      ages.older = total;
      return done(`WITHIN${sampled}`);
    }
    // The 30-day window as a UID set: small windows are bucketed from their dates (one FETCH), big ones by
    // two more YOUNGER searches that start from the window's lowest UID.
    const range = fromUid && fromUid > 1 ? [atom('UID'), seq(`${fromUid}:*`)] : [];
    let all = '';
    let c30 = 0;
    let min30: number | null = null;
    await ctx.step(`search ${label} younger 30d`, () =>
      execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), [atom('COUNT'), atom('MIN'), atom('ALL')], ...range, atom('YOUNGER'), atom(String(windowSecs(30)))], {
        ESEARCH: (u) => {
          const r = parseEsearch(u);
          c30 = Number(r.get('COUNT') ?? 0);
          min30 = r.has('MIN') ? Number(r.get('MIN')) : null;
          all = r.get('ALL') ?? '';
        },
      }),
    );
    if (c30 > 0 && c30 <= FETCH_RECENT_MAX && all) {
      // Bucketed from their dates, fetched together with the oldest and newest below.
      recentSet = all;
      ages.older = Math.max(0, total - c30);
      agesMethod = `WITHIN + INTERNALDATE of the last 30 days${sampled}`;
    } else {
      const younger = (days: number, from: number | null) => {
        const r = from && from > 1 ? [atom('UID'), seq(`${from}:*`)] : [];
        return searchCount(ctx, [...r, atom('YOUNGER'), atom(String(windowSecs(days)))], `${label} younger ${days}d`, true);
      };
      const y7 = c30 > 0 ? await younger(7, min30) : { count: 0, min: null };
      const y1 = y7.count > 0 ? await younger(1, y7.min) : { count: 0, min: null };
      ages.lt1d = y1.count;
      ages.lt7d = Math.max(0, y7.count - y1.count);
      ages.lt30d = Math.max(0, c30 - y7.count);
      ages.older = Math.max(0, total - c30);
      agesMethod = `WITHIN${sampled}`;
    }
  } else {
    // Without WITHIN: the INTERNALDATEs of everything from the first message of the last 30 days on are fetched
    // and bucketed here (UIDs below it are all older). In a big mailbox that first message is found by sampling
    // in arrival order (no search reads every message: on Courier a SINCE over 100k messages takes ~1.3 s);
    // otherwise, or when arrival order does not follow dates, by SINCE, which compares dates without time or
    // zone: asked from one day before the 30-day boundary.
    const { found, fromUid, sampled } = await sampledBoundary();
    const searched = !found;
    let from = fromUid;
    if (searched) {
      const boundary = new Date(now.getTime() - 30 * DAY_S * 1000 - DAY_S * 1000);
      from = (await searchCount(ctx, [atom('SINCE'), atom(imapDate(boundary))], `${label} since`, true)).min;
    }
    let recent = 0;
    if (from !== null) {
      const r = bucketRecent((await internalDates(ctx, `${from}:*`, `${label} dates`)).values(), now, ages);
      recent = r.recent;
      newestKnown = r.newest;
    }
    ages.older = Math.max(0, total - recent);
    agesMethod = `${searched ? 'SINCE+' : ''}FETCH INTERNALDATE${sampled}`;
  }
  return done(agesMethod);

  /**
   * In a mailbox of sampleMin messages or more, the first message younger than 30 days found by sampling in
   * arrival order (fromUid null: none, nothing is younger; the boundary sits an hour early); oldest and newest
   * come with it. found false: too small to sample, or arrival order does not follow dates (then searched).
   */
  async function sampledBoundary(): Promise<{ found: boolean; fromUid: number | null; sampled: string }> {
    if (total < sampleMin) return { found: false, fromUid: null, sampled: '' };
    const b = await arrivalBoundary(ctx, total, new Date(now.getTime() - 30 * DAY_S * 1000), label);
    if (!b) return { found: false, fromUid: null, sampled: '; arrival order does not follow dates: searched the whole mailbox' };
    oldest = b.oldest.date;
    newest = b.newest.date;
    ends = true;
    return { found: true, fromUid: b.firstYoung ? b.firstYoung.uid : null, sampled: `; 30-day boundary sampled in arrival order (${b.fetched} dates in ${b.rounds} FETCHes)` };
  }

  async function done(method: string): Promise<Activity> {
    // Oldest/newest: from the samples, else by ESORT ARRIVAL, else from the first and last message.
    const sorts = !ends && ctx.caps.has('ESORT') && ctx.caps.has('SORT');
    let ends2: { lo: string; hi: string } | null = null;
    if (sorts) {
      let r: Map<string, string> | null = null;
      await ctx.step(`sort ${label}`, () =>
        execRaw(ctx.client, 'UID SORT', [atom('RETURN'), [atom('MIN'), atom('MAX')], [atom('ARRIVAL')], atom('US-ASCII'), atom('ALL')], {
          ESEARCH: (u) => {
            r = parseEsearch(u);
          },
        }),
      );
      const res = r as Map<string, string> | null;
      const lo = res?.get('MIN');
      const hi = res?.get('MAX');
      if (lo && hi) ends2 = { lo, hi };
      method += '; oldest/newest by ESORT ARRIVAL';
    }
    if (recentSet || ends2) {
      // One FETCH for the recent dates and the oldest/newest UIDs.
      const set = [...(recentSet ? [recentSet] : []), ...(ends2 ? [ends2.lo, ends2.hi] : [])].join(',');
      const dates = await internalDates(ctx, set, `${label} dates`);
      if (recentSet) {
        const r = bucketRecent(datesOf(parseSequenceSet(recentSet), dates), now, ages, true);
        if (r.newest && (!newestKnown || r.newest > newestKnown)) newestKnown = r.newest;
      }
      if (ends2) {
        oldest = dates.get(Number(ends2.lo)) ?? null;
        newest = dates.get(Number(ends2.hi)) ?? null;
      }
    }
    if (ends) {
      method += '; oldest/newest from the sampled first/last message';
    } else if (!sorts) {
      // First and last message in arrival (sequence) order: exact on servers that keep appends in order,
      // an approximation when old mail was appended later.
      const dates = await internalDates(ctx, total === 1 ? '1' : `1,${total}`, `${label} dates`, false);
      const known = [...dates.values(), ...(newestKnown ? [newestKnown] : [])];
      for (const d of known) {
        if (!oldest || d < oldest) oldest = d;
        if (!newest || d > newest) newest = d;
      }
      method += '; oldest/newest from first/last message (approximate)';
    }
    return {
      ages,
      oldestInternalDate: oldest ? oldest.toISOString() : null,
      newestInternalDate: newest ? newest.toISOString() : null,
      agesMethod: method,
    };
  }
}
