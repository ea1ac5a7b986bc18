// How old the vanished messages were when they went (mail-vanished, with history): a POP client set to "remove
// from server after N days" takes each message when it is N days old, so the vanished ones share one age while
// younger mail stays. Pure: ages are INTERNALDATE against the two probes' times, never the clock.
import type { MessageIdentity } from '../snapshot/schema.js';
import type { MessageList } from '../snapshot/message-list.js';
import { DAY_SECONDS } from './facts.js';
import type { VanishAgeCluster } from './types.js';

export interface AgeClusterOptions {
  /** At least this many vanished messages at one age... */
  clusterMinMessages: number;
  /** ...and at least this share of all vanished. */
  clusterMinRatio: number;
  /** Probes further apart than this leave each message's age at vanishing too open to tell one age: no cluster. */
  clusterMaxWindowDays: number;
}

export const AGE_CLUSTER_DEFAULTS: AgeClusterOptions = { clusterMinMessages: 3, clusterMinRatio: 0.6, clusterMaxWindowDays: 2 };

/** A cluster is an age ± this many days (a client removes mail at its next poll after the age is reached). */
const TOLERANCE_DAYS = 1;

const DAY_MS = DAY_SECONDS * 1000;

/** When a message may have gone: its age, in days, at the earlier and at the later probe. */
interface Span {
  lo: number;
  hi: number;
}
const floor1 = (x: number) => Math.floor(x * 10) / 10;
const ceil1 = (x: number) => Math.ceil(x * 10) / 10;

/**
 * The age (whole days, at least 2: younger is "deleted on download", not "after N days") that most vanished
 * messages went at, ± TOLERANCE_DAYS. Each message went between the two probes, so its age at vanishing lies
 * between its age at `fromTakenAt` and at `toTakenAt`; it counts for an age when that span meets the age's band.
 * null when no age holds clusterMinMessages and clusterMinRatio of the vanished, when the probes are more than
 * clusterMaxWindowDays apart, when a date is unreadable (ages then are not known: nothing is guessed), or when
 * no younger INBOX message stayed (a client that takes everything looks the same for mail that was that old).
 */
export function vanishAgeCluster(
  vanished: readonly MessageIdentity[],
  fromTakenAt: string,
  toTakenAt: string,
  inboxNow: MessageList | null,
  opts: AgeClusterOptions,
): VanishAgeCluster | null {
  const from = Date.parse(fromTakenAt);
  const to = Date.parse(toTakenAt);
  if (!(to > from) || to - from > opts.clusterMaxWindowDays * DAY_MS || vanished.length < opts.clusterMinMessages) return null;
  const spans: Span[] = [];
  for (const m of vanished) {
    const d = Date.parse(m.internalDate);
    if (Number.isNaN(d) || d > to) return null;
    spans.push({ lo: Math.max(0, (from - d) / DAY_MS), hi: (to - d) / DAY_MS });
  }
  // A span is at most clusterMaxWindowDays wide, so the spans that meet an age's band have their middle near it:
  // group them by the day of their middle, and try as ages only the days some middle falls on.
  const byDay = new Map<number, Span[]>();
  for (const s of spans) {
    const day = Math.floor((s.lo + s.hi) / 2);
    const group = byDay.get(day);
    if (group) group.push(s);
    else byDay.set(day, [s]);
  }
  const reach = TOLERANCE_DAYS + Math.ceil(opts.clusterMaxWindowDays / 2) + 1;
  let best: { days: number; members: Span[]; distance: number } | null = null;
  for (const mid of [...byDay.keys()].sort((a, b) => a - b)) {
    for (const days of [mid, mid + 1]) {
      if (days < 2) continue;
      const members: Span[] = [];
      let distance = 0;
      for (let k = days - reach; k <= days + reach; k++) {
        for (const s of byDay.get(k) ?? []) {
          if (s.lo > days + TOLERANCE_DAYS || s.hi < days - TOLERANCE_DAYS) continue;
          members.push(s);
          distance += Math.abs((s.lo + s.hi) / 2 - days);
        }
      }
      // The most members; among as many, the age their middles lie closest to.
      if (!best || members.length > best.members.length || (members.length === best.members.length && distance < best.distance)) best = { days, members, distance };
    }
  }
  if (!best) return null;
  const n = best.members.length;
  if (n < opts.clusterMinMessages || n / vanished.length < opts.clusterMinRatio) return null;
  const youngest = best.days - TOLERANCE_DAYS;
  let youngerKept = 0;
  for (const m of inboxNow ?? []) {
    const d = Date.parse(m.internalDate);
    if (!Number.isNaN(d) && (to - d) / DAY_MS < youngest) youngerKept++;
  }
  if (youngerKept === 0) return null;
  return {
    days: best.days,
    toleranceDays: TOLERANCE_DAYS,
    messages: n,
    ofVanished: vanished.length,
    minAgeDays: floor1(best.members.reduce((a, s) => Math.min(a, s.lo), Number.POSITIVE_INFINITY)),
    maxAgeDays: ceil1(best.members.reduce((a, s) => Math.max(a, s.hi), 0)),
    youngerKept,
  };
}
