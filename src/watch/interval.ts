// How often a POP client collects mail, from when mail disappeared during a watch. Each disappearance is
// only known to lie between two probes, so an event is that window; its midpoint stands for it and the
// probe spacing is the resolution. Pure.

export interface VanishEvent {
  /** The probe before (mail still there) and the probe after (mail gone), ISO. */
  from: string;
  to: string;
  /** Messages gone in this window (in no folder). */
  messages: number;
}

export interface PollInterval {
  /** Median gap between the midpoints of consecutive events, in seconds (null with fewer than 2 events). */
  medianGapSeconds: number | null;
  gapsSeconds: number[];
  events: number;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function detectPollInterval(events: readonly VanishEvent[]): PollInterval {
  const mids = events.map((e) => (Date.parse(e.from) + Date.parse(e.to)) / 2).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < mids.length; i++) gaps.push(Math.round((mids[i]! - mids[i - 1]!) / 1000));
  return { medianGapSeconds: median(gaps), gapsSeconds: gaps, events: events.length };
}

/** "about every 5 minutes" / "about every 40 seconds". */
export function describeInterval(seconds: number): string {
  if (seconds < 90) return `about every ${Math.max(1, Math.round(seconds))} seconds`;
  const min = Math.round(seconds / 60);
  return `about every ${min} minute${min === 1 ? '' : 's'}`;
}
