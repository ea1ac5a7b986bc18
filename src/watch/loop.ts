// The watch loop: a probe at start, then one every `everyMs` until `forMs` has passed (the last probe starts
// no later than forMs after the first), each repeat probe fed what the previous good one saw so it reads only
// what changed. Waits end early on abort; a probe under way is let finish (its own deadlines bound it). The
// probe, the clock and the sleep come in as values, so the loop runs in unit tests without a server.
import type { KnownMailboxes } from '../connectors/imap/repeat.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { VanishEvent } from './interval.js';
import { hasMessageList, knownFrom, probeDelta, type ProbeDelta } from './window.js';

export interface WatchProbe {
  /** 1-based. */
  index: number;
  snapshot: Snapshot;
  /** Changes since the previous probe with a message list; null for the first, or when not comparable. */
  delta: ProbeDelta | null;
}

export interface WatchClock {
  now(): number;
  /** Resolves after ms, or early when the signal aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A watch gives up after this many probes in a row in which every protocol failed (wrong password, server down). */
export const FAILED_PROBES_TO_STOP = 3;

export interface WatchLoopOptions {
  everyMs: number;
  forMs: number;
  signal: AbortSignal;
  /** Stop after this many failed probes in a row (default FAILED_PROBES_TO_STOP). */
  failedToStop?: number;
  probe(known: KnownMailboxes | undefined, index: number): Promise<Snapshot>;
  onProbe?(p: WatchProbe, planned: number): void;
  clock?: WatchClock;
}

export interface WatchRun {
  probes: WatchProbe[];
  /** Disappearance windows: between which probes mail vanished, and how much. */
  events: VanishEvent[];
  /** Stopped early by the signal. */
  interrupted: boolean;
  /** Stopped early after this many probes in a row observed nothing (every protocol failed); null otherwise. */
  gaveUpAfter: number | null;
  startedAtMs: number;
  endedAtMs: number;
  planned: number;
}

export const realClock: WatchClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted || ms <= 0) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** Every protocol the probe tried failed: it observed nothing. */
export function observedNothing(s: Snapshot): boolean {
  const tried = [s.imap, s.pop].filter((r) => r !== null);
  return tried.length > 0 && tried.every((r) => !r.ok);
}

/** Probes a watch of this length makes when none overruns: at 0, every, 2·every, … ≤ for. */
export function plannedProbes(everyMs: number, forMs: number): number {
  return Math.floor(forMs / everyMs) + 1;
}

export async function runWatch(opts: WatchLoopOptions): Promise<WatchRun> {
  const clock = opts.clock ?? realClock;
  const planned = plannedProbes(opts.everyMs, opts.forMs);
  const start = clock.now();
  const probes: WatchProbe[] = [];
  const events: VanishEvent[] = [];
  let lastGood: Snapshot | null = null;
  let slot = 0;
  const failedToStop = opts.failedToStop ?? FAILED_PROBES_TO_STOP;
  let failedInRow = 0;
  let gaveUpAfter: number | null = null;
  while (!opts.signal.aborted) {
    const due = start + slot * opts.everyMs;
    if (slot > 0 && due - start > opts.forMs) break;
    await clock.sleep(due - clock.now(), opts.signal);
    if (opts.signal.aborted) break;
    const snapshot = await opts.probe(lastGood ? knownFrom(lastGood) : undefined, probes.length + 1);
    const delta = lastGood && hasMessageList(snapshot) ? probeDelta(lastGood, snapshot) : null;
    const p: WatchProbe = { index: probes.length + 1, snapshot, delta };
    probes.push(p);
    if (delta && delta.vanished > 0 && lastGood) events.push({ from: lastGood.takenAt, to: snapshot.takenAt, messages: delta.vanished });
    if (hasMessageList(snapshot)) lastGood = snapshot;
    opts.onProbe?.(p, planned);
    // Probing on while nothing answers only repeats the failure (and may lock the account out): give up.
    failedInRow = observedNothing(snapshot) ? failedInRow + 1 : 0;
    if (failedInRow >= failedToStop) {
      gaveUpAfter = failedInRow;
      break;
    }
    // A probe that overran its slot skips the slots it missed rather than probing twice in a row.
    slot = Math.max(slot + 1, Math.ceil((clock.now() - start) / opts.everyMs));
  }
  return { probes, events, interrupted: opts.signal.aborted, gaveUpAfter, startedAtMs: start, endedAtMs: clock.now(), planned };
}
