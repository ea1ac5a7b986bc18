// watch and canary, the pure parts: durations, the poll interval from disappearance events, the loop with a
// fake clock and fake probes, the whole-window comparison, and the canary's outcome.
import { describe, expect, it } from 'vitest';
import { classifyCanary, observeCanary, type CanaryIdentity, type CanaryObservation } from '../src/canary/classify.js';
import { canaryAddress, canaryMessage } from '../src/canary/message.js';
import { canaryLines } from '../src/canary/report.js';
import { watchDurations } from '../src/cli/watch.js';
import { messageIdHash } from '../src/connectors/imap/mailbox/message-id.js';
import { vanishedMail } from '../src/snapshot/compare.js';
import type { MessageIdentity, Snapshot } from '../src/snapshot/schema.js';
import { MessageList } from '../src/snapshot/message-list.js';
import { formatDuration, parseDuration } from '../src/watch/duration.js';
import { describeInterval, detectPollInterval, median } from '../src/watch/interval.js';
import { FAILED_PROBES_TO_STOP, observedNothing, plannedProbes, runWatch, type WatchClock } from '../src/watch/loop.js';
import { liveLine, summarizeWatch, watchLines } from '../src/watch/summary.js';
import { windowSnapshot } from '../src/watch/window.js';
import { scenario } from './support/snapshot-builder.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['90', 90_000],
    ['1.5m', 90_000],
    ['250ms', 250],
    [' 2min ', 120_000],
    ['10sec', 10_000],
    ['1H', 3_600_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 's', '5x', '-5s', '5 s', 'm5', '1h-2m', 'abc'])('rejects %j', (text) => expect(parseDuration(text)).toBeNull());

  it('formats durations for messages', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(300_000)).toBe('5 min');
    expect(formatDuration(330_000)).toBe('5 min 30 s');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
  });
});

describe('watchDurations (CLI validation)', () => {
  it('accepts every ≥ 5s and for ≥ every', () => {
    expect(watchDurations({ every: '5s', for: '20s' })).toEqual({ everyMs: 5000, forMs: 20_000 });
    expect(watchDurations({ every: '1m', for: '1m' })).toEqual({ everyMs: 60_000, forMs: 60_000 });
  });
  it.each([
    [{ every: '4s', for: '1m' }, /--every must be at least 5s/],
    [{ every: '10s', for: '5s' }, /--for \(5s\) must be at least --every \(10s\)/],
    [{ every: 'soon', for: '1m' }, /--every must be a duration/],
    [{ every: '10s', for: 'forever' }, /--for must be a duration/],
  ])('refuses %j with one line', (args, msg) => {
    expect(() => watchDurations(args)).toThrow(msg);
    try {
      watchDurations(args);
    } catch (e) {
      expect((e as Error).name).toBe('UsageError');
      expect((e as Error).message).not.toContain('\n');
    }
  });
});

describe('poll interval', () => {
  const at = (min: number) => new Date(Date.UTC(2025, 5, 2, 12, min)).toISOString();
  const ev = (fromMin: number) => ({ from: at(fromMin), to: at(fromMin + 1), messages: 1 });

  it('median of an odd and an even number of values', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('needs two events', () => {
    expect(detectPollInterval([])).toEqual({ medianGapSeconds: null, gapsSeconds: [], events: 0 });
    expect(detectPollInterval([ev(0)]).medianGapSeconds).toBeNull();
  });

  it('median gap between the midpoints of disappearance windows, robust to one odd gap', () => {
    // A device polling every 5 minutes, one poll seen late (a missed probe): gaps 5, 5, 7, 5 min.
    const r = detectPollInterval([ev(0), ev(5), ev(10), ev(17), ev(22)]);
    expect(r.gapsSeconds).toEqual([300, 300, 420, 300]);
    expect(r.medianGapSeconds).toBe(300);
    expect(r.events).toBe(5);
    expect(describeInterval(r.medianGapSeconds!)).toBe('about every 5 minutes');
  });

  it('orders events by time and words short intervals in seconds', () => {
    expect(detectPollInterval([ev(10), ev(0)]).medianGapSeconds).toBe(600);
    expect(describeInterval(40)).toBe('about every 40 seconds');
    expect(describeInterval(60)).toBe('about every 60 seconds');
    expect(describeInterval(100)).toBe('about every 2 minutes');
  });
});

// ---- snapshots with INBOX message lists ------------------------------------------------------------------

const h = (n: number) => n.toString(16).padStart(64, '0');
function msg(uid: number, over: Partial<MessageIdentity> = {}): MessageIdentity {
  return { uid, sizeBytes: 1000 + uid, internalDate: '2025-06-01T00:00:00.000Z', messageIdHash: h(uid), seen: false, deleted: false, ...over };
}
type Ok = Snapshot & { imap: { ok: true } };
function snap(takenAt: string, list: MessageIdentity[], edit?: (s: Ok) => void): Snapshot {
  const s = structuredClone(scenario('healthy-imap-only')) as Ok;
  s.takenAt = takenAt;
  s.pop = null;
  s.imap.evidence.inbox.messageList = MessageList.from(list);
  s.imap.evidence.inbox.messages = list.length;
  s.imap.evidence.inbox.uidNext = Math.max(s.imap.evidence.inbox.uidNext!, ...list.map((m) => m.uid + 1));
  edit?.(s);
  return s;
}
const T = (sec: number) => new Date(Date.UTC(2025, 5, 2, 12, 0, sec)).toISOString();

function fakeClock(probeSeconds = 1): WatchClock & { t: number } {
  const c = {
    t: Date.UTC(2025, 5, 2, 12, 0, 0),
    now: () => c.t,
    sleep: (ms: number) => {
      if (ms > 0) c.t += ms;
      return Promise.resolve();
    },
    probeSeconds,
  };
  return c;
}

describe('runWatch', () => {
  it('probes at 0, every, … ≤ for, hands each probe what the last good one saw, and records vanish events', async () => {
    const clock = fakeClock();
    const lists = [
      [msg(1), msg(2), msg(3)],
      [msg(1), msg(2), msg(3), msg(4)], // one arrived
      [msg(4, { seen: true })], // three vanished
      [msg(4, { seen: true }), msg(5)],
      [], // the rest vanished (one read)
    ];
    const knowns: (number | null)[] = [];
    const run = await runWatch({
      everyMs: 10_000,
      forMs: 40_000,
      signal: new AbortController().signal,
      clock,
      probe: (known, index) => {
        knowns.push(known?.inbox?.uidNext ?? null);
        const s = snap(new Date(clock.t).toISOString(), lists[index - 1]!);
        clock.t += 1000; // each probe takes a second
        return Promise.resolve(s);
      },
    });
    expect(plannedProbes(10_000, 40_000)).toBe(5);
    expect(run.probes.map((p) => p.snapshot.takenAt)).toEqual([T(0), T(10), T(20), T(30), T(40)]);
    expect(knowns[0]).toBeNull();
    expect(knowns.slice(1).every((k) => typeof k === 'number')).toBe(true);
    expect(run.probes.map((p) => p.delta && [p.delta.arrived, p.delta.vanished, p.delta.vanishedSeen])).toEqual([
      null,
      [1, 0, 0],
      [0, 3, 0],
      [1, 0, 0],
      [0, 2, 1],
    ]);
    expect(run.events).toEqual([
      { from: T(10), to: T(20), messages: 3 },
      { from: T(30), to: T(40), messages: 2 },
    ]);
    expect(run.interrupted).toBe(false);
    const w = summarizeWatch(run, 10_000, 40_000);
    expect(w).toMatchObject({ probes: 5, probesPlanned: 5, vanishedMessages: 5, vanishedSeen: 1, arrivedMessages: 2, popPollIntervalSeconds: 20 });
    expect(w.popPollText).toBe('a POP client seems to collect mail about every 20 seconds');
    // The findings compare the last probe with the first (3 vanished); the watch line says where the other 2 went.
    expect(w.vanishedSinceStart).toBe(3);
    expect(watchLines(w).join('\n')).toContain(
      '5 messages vanished (1 of them read): 3 that were in INBOX at the first probe, which the findings count, and 2 that arrived during the watch and vanished before it ended',
    );
    expect(liveLine(run.probes[2]!, 5)).toBe('12:00:20Z  probe 3/5  INBOX 1  +0 arrived  3 vanished (0 of them read)');
    expect(liveLine(run.probes[0]!, 5)).toBe('12:00:00Z  probe 1/5  INBOX 3  baseline');
  });

  it('says "vanished unknown", never 0, when a folder could not be examined (issue 9, item 10)', async () => {
    const clock = fakeClock();
    const run = await runWatch({
      everyMs: 10_000,
      forMs: 10_000,
      signal: new AbortController().signal,
      clock,
      probe: async (_known, index) => {
        const s = snap(new Date(clock.t).toISOString(), index === 1 ? [msg(1), msg(2)] : [], (x) => {
          if (index === 2) x.imap.evidence.folders.find((f) => f.path === 'Archive')!.status = null;
        });
        clock.t += 1000;
        return s;
      },
    });
    const delta = run.probes[1]!.delta!;
    expect(delta).toMatchObject({ vanished: 0, unexamined: ['Archive'] });
    expect(run.events).toEqual([]);
    expect(liveLine(run.probes[1]!, 2)).toContain('vanished unknown (Archive not examined)');
    const w = summarizeWatch(run, 10_000, 10_000);
    expect(w.timeline[1]).toMatchObject({ vanished: null, vanishedSeen: null });
    expect(w.unknownWindows).toBe(1);
    expect(watchLines(w).join('\n')).toContain('arrived in INBOX, how many vanished is unknown');
    expect(watchLines(w).join('\n')).toContain('Between 1 pair of checks a folder could not be examined');
  });

  it('compares across a failed probe with the last good one', async () => {
    const clock = fakeClock();
    const failed = (at: string): Snapshot => ({ ...snap(at, []), imap: { ok: false, durationMs: 5, error: { kind: 'timeout', message: 'no answer' } } });
    const run = await runWatch({
      everyMs: 5000,
      forMs: 10_000,
      signal: new AbortController().signal,
      clock,
      probe: (_k, i) => {
        const at = new Date(clock.t).toISOString();
        return Promise.resolve(i === 2 ? failed(at) : snap(at, i === 1 ? [msg(1), msg(2)] : [msg(2)]));
      },
    });
    expect(run.probes.map((p) => p.delta?.vanished ?? null)).toEqual([null, null, 1]);
    expect(run.events).toEqual([{ from: T(0), to: T(10), messages: 1 }]);
    expect(liveLine(run.probes[1]!, 3)).toContain('IMAP failed (timeout: no answer)');
    expect(summarizeWatch(run, 5000, 10_000).probesWithErrors).toBe(1);
  });

  it('stops when the signal aborts, during a wait or a probe', async () => {
    const clock = fakeClock();
    const stop = new AbortController();
    const run = await runWatch({
      everyMs: 5000,
      forMs: 60_000,
      signal: stop.signal,
      clock,
      probe: (_k, i) => {
        if (i === 2) stop.abort();
        return Promise.resolve(snap(new Date(clock.t).toISOString(), [msg(1)]));
      },
    });
    expect(run.probes).toHaveLength(2);
    expect(run.interrupted).toBe(true);
  });

  it(`gives up after ${FAILED_PROBES_TO_STOP} probes in a row in which every protocol failed; one that observed anything resets the count`, async () => {
    const clock = fakeClock();
    const down = (at: string, popToo: boolean): Snapshot => ({
      ...snap(at, []),
      imap: { ok: false, durationMs: 5, error: { kind: 'auth', message: 'wrong password' } },
      pop: popToo ? { ok: false, durationMs: 5, error: { kind: 'auth', message: 'wrong password' } } : null,
    });
    // 1 fails, 2 observes, 3 fails, 4 fails with IMAP only probed, 5 fails, 6 would be the next: never made.
    const plan = ['down', 'ok', 'down', 'imap-down', 'down', 'ok', 'ok'];
    const run = await runWatch({
      everyMs: 5000,
      forMs: 60_000,
      signal: new AbortController().signal,
      clock,
      probe: async (_k, i) => {
        const at = new Date(clock.t).toISOString();
        const step = plan[i - 1]!;
        return step === 'ok' ? snap(at, [msg(1)]) : down(at, step === 'down');
      },
    });
    expect(run.probes.map((p) => observedNothing(p.snapshot))).toEqual([true, false, true, true, true]);
    expect(run.gaveUpAfter).toBe(3);
    expect(run.interrupted).toBe(false);
    const w = summarizeWatch(run, 5000, 60_000);
    expect(w).toMatchObject({ probes: 5, probesPlanned: 13, gaveUpAfter: 3 });
    expect(watchLines(w)[0]).toMatch(/^5 probes over 20 s \(every 5 s, stopped after 3 failed probes in a row\), 4 with probe errors$/);
  });

  it('does not give up on failures that are not in a row, nor on a probe where one protocol answered', async () => {
    const clock = fakeClock();
    const imapDown = (at: string): Snapshot => ({ ...snap(at, []), imap: { ok: false, durationMs: 5, error: { kind: 'timeout', message: 'no answer' } } });
    const popUp: Snapshot = { ...imapDown(T(0)), pop: scenario('healthy-pop-only').pop };
    const run = await runWatch({
      everyMs: 5000,
      forMs: 30_000,
      signal: new AbortController().signal,
      clock,
      probe: async (_k, i) => {
        const at = new Date(clock.t).toISOString();
        return i % 3 === 0 ? snap(at, [msg(1)]) : imapDown(at);
      },
      failedToStop: 3,
    });
    expect(run.probes).toHaveLength(7);
    expect(run.gaveUpAfter).toBeNull();
    expect(popUp.pop?.ok).toBe(true);
    expect(observedNothing(popUp)).toBe(false);
    expect(observedNothing({ ...snap(T(0), []), imap: null, pop: null })).toBe(false); // nothing tried is not a failure
  });

  it('skips the slots a slow probe overran', async () => {
    const clock = fakeClock();
    const run = await runWatch({
      everyMs: 5000,
      forMs: 20_000,
      signal: new AbortController().signal,
      clock,
      probe: (_k, i) => {
        const s = snap(new Date(clock.t).toISOString(), [msg(1)]);
        clock.t += i === 1 ? 12_000 : 100;
        return Promise.resolve(s);
      },
    });
    expect(run.probes.map((p) => p.snapshot.takenAt)).toEqual([T(0), T(15), T(20)]);
  });
});

describe('windowSnapshot', () => {
  it('chains each probe’s arrivals so a move early in the window is still a move against the first probe', () => {
    const first = snap(T(0), [msg(1), msg(2), msg(3)]);
    const archive = (s: Ok) => s.imap.evidence.folders.find((f) => f.path === 'Archive')!;
    const base = archive(first as Ok).status!.uidNext!;
    // Probe 2: message 1 moved to Archive. Probe 3: message 2 vanished, nothing new in Archive.
    const second = snap(T(10), [msg(2), msg(3)], (s) => {
      const a = archive(s);
      a.status!.uidNext = base + 1;
      a.status!.messages += 1;
      a.arrivals = { sinceUidNext: base, count: 1, messageIdHashes: [h(1)] };
    });
    const third = snap(T(20), [msg(3)], (s) => {
      const a = archive(s);
      a.status!.uidNext = base + 1;
      a.status!.messages += 1;
      a.arrivals = { sinceUidNext: base + 1, count: 0, messageIdHashes: [] };
    });
    // Without chaining, the last probe's arrivals start at the second probe's UIDNEXT: only a lower bound.
    expect(vanishedMail(first, third)).toMatchObject({ method: 'uidnext-bound' });
    const w = windowSnapshot([first, second, third]);
    const v = vanishedMail(first, w)!;
    expect(v).toMatchObject({ method: 'message-id', goneFromInbox: 2, moved: 1 });
    expect(v.vanished.map((m) => m.uid)).toEqual([2]);
  });

  it('gives arrivals null (a lower bound) when a probe in the chain did not hash a folder that grew', () => {
    const first = snap(T(0), [msg(1)]);
    const archive = (s: Ok) => s.imap.evidence.folders.find((f) => f.path === 'Archive')!;
    const base = archive(first as Ok).status!.uidNext!;
    const second = snap(T(10), [], (s) => {
      archive(s).status!.uidNext = base + 1;
      archive(s).status!.messages += 1;
    });
    const third = snap(T(20), [], (s) => {
      archive(s).status!.uidNext = base + 1;
      archive(s).status!.messages += 1;
      archive(s).arrivals = { sinceUidNext: base + 1, count: 0, messageIdHashes: [] };
    });
    expect(archive(windowSnapshot([first, second, third]) as Ok).arrivals).toBeNull();
  });
});

// ---- canary -------------------------------------------------------------------------------------------------

describe('canary message', () => {
  it('is marked, unread-ready, addressed to the account, and its Message-ID hash is the probe’s', () => {
    const m = canaryMessage(canaryAddress('alice', 'mail.example.com'), new Date('2025-06-02T12:00:00Z'), 'abc123');
    expect(m.subject).toBe('maildoctor canary abc123 — safe to delete');
    expect(m.raw).toContain('X-Maildoctor-Canary: abc123\r\n');
    expect(m.raw).toContain('From: maildoctor canary <alice@mail.example.com>\r\n');
    expect(m.raw).toContain('To: <alice@mail.example.com>\r\n');
    expect(m.raw).toContain('Subject: =?UTF-8?Q?maildoctor_canary_abc123_=E2=80=94_safe_to_delete?=\r\n');
    expect(m.raw).not.toMatch(/\P{ASCII}/u);
    expect(m.raw).not.toMatch(/[^\r]\n/);
    const header = m.raw.slice(0, m.raw.indexOf('\r\n\r\n') + 2);
    expect(m.messageIdHash).toBe(messageIdHash(Buffer.from(header, 'latin1')));
    expect(canaryAddress('bob@example.org', 'x')).toBe('bob@example.org');
  });
});

describe('canary outcome', () => {
  const c: CanaryIdentity = { id: 'c1', uid: 7, uidValidity: '1700000000', sizeBytes: 812, messageIdHash: h(7), appendedAt: T(0) };
  const o = (sec: number, over: Partial<CanaryObservation>): CanaryObservation => ({
    at: T(sec),
    imap: 'present',
    seen: false,
    pop: 'listed',
    popMatch: 'uidl',
    movedTo: null,
    ...over,
  });

  it('untouched, and the POP3 list by UIDL confirms the same store', () => {
    expect(classifyCanary([o(1, {}), o(6, {}), o(11, {})], c)).toEqual({
      outcome: 'untouched',
      removedAfterSeconds: null,
      seenAfterSeconds: null,
      movedTo: null,
      sameStore: 'confirmed',
    });
  });

  it('downloaded and removed: gone from both, between the last probe that saw it and the first that missed it', () => {
    const v = classifyCanary([o(1, {}), o(6, {}), o(11, { imap: 'gone', seen: null, pop: 'not-listed' }), o(16, { imap: 'gone', seen: null, pop: 'not-listed' })], c);
    expect(v).toMatchObject({ outcome: 'downloaded-and-removed', removedAfterSeconds: { atLeast: 6, atMost: 11 }, sameStore: 'confirmed' });
  });

  it('gone before the first probe saw it: removed within that probe', () => {
    expect(classifyCanary([o(2, { imap: 'gone', seen: null, pop: 'not-listed' })], c)).toMatchObject({
      outcome: 'downloaded-and-removed',
      removedAfterSeconds: { atLeast: 0, atMost: 2 },
      sameStore: 'unknown',
    });
  });

  it('marked \\Seen without IMAP reading it', () => {
    expect(classifyCanary([o(1, {}), o(6, { seen: true }), o(11, { seen: true })], c)).toMatchObject({ outcome: 'marked-seen-without-imap', seenAfterSeconds: 6 });
  });

  it('moved to another folder (found by Message-ID hash)', () => {
    expect(classifyCanary([o(1, {}), o(6, { imap: 'gone', seen: null, movedTo: 'Archive' })], c)).toMatchObject({ outcome: 'moved', movedTo: 'Archive' });
  });

  it('unknown when no probe could read INBOX; same store by size only is "likely"; a mapped list without it contradicts', () => {
    expect(classifyCanary([o(1, { imap: null, seen: null })], c).outcome).toBe('unknown');
    expect(classifyCanary([o(1, { popMatch: 'size' })], c).sameStore).toBe('likely');
    expect(classifyCanary([o(1, { pop: 'not-listed' })], c).sameStore).toBe('contradicted');
    expect(classifyCanary([o(1, { pop: null, popMatch: null })], c).sameStore).toBe('unknown');
  });

  it('observes a snapshot: INBOX by UID with \\Seen, POP3 by the UIDL map, a move by hash', () => {
    const present = snap(T(5), [msg(3), msg(7, { seen: true })], (s) => {
      s.imap.evidence.inbox.uidValidity = c.uidValidity;
    });
    const pop = structuredClone(scenario('mixed').pop);
    if (!pop?.ok) throw new Error('fixture without POP3');
    pop.evidence.uidlMap = { uidValidity: c.uidValidity, uids: [3, 7] };
    present.pop = pop;
    expect(observeCanary(present, c)).toEqual({ at: T(5), imap: 'present', seen: true, pop: 'listed', popMatch: 'uidl', movedTo: null });
    const moved = snap(T(10), [msg(3)], (s) => {
      s.imap.evidence.inbox.uidValidity = c.uidValidity;
      s.imap.evidence.folders.find((f) => f.path === 'Archive')!.arrivals = { sinceUidNext: 1, count: 1, messageIdHashes: [h(7)] };
    });
    expect(observeCanary(moved, c)).toMatchObject({ imap: 'gone', movedTo: 'Archive', pop: null });
    // Another UIDVALIDITY: the UID no longer names the canary.
    expect(observeCanary(snap(T(10), [msg(7)]), c).imap).toBeNull();
  });

  it('text lines say what happened, when, and whether it was removed', () => {
    const lines = canaryLines({
      id: 'c1',
      subject: 's',
      written: true,
      error: null,
      uid: 7,
      uidValidity: c.uidValidity,
      sizeBytes: 812,
      appendedAt: T(0),
      outcome: 'downloaded-and-removed',
      outcomeText: 'downloaded and removed',
      removedAfterSeconds: { atLeast: 6, atMost: 11 },
      seenAfterSeconds: null,
      movedTo: null,
      sameStore: 'confirmed',
      sameStoreConfirmed: true,
      removal: { state: 'already-gone' },
      observations: [],
    });
    expect(lines.join('\n')).toMatch(/gone between 6 s and 11 s after it was written[\s\S]*same store: POP3 listed[\s\S]*removal: already gone/);
  });
});
