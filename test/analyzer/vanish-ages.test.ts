// vanishAgeCluster: the age vanished messages went at, from INTERNALDATE and the two probes' times; nothing when
// the ages are spread, the probes too far apart, a date unreadable, or no younger mail stayed.
import { describe, expect, it } from 'vitest';
import { AGE_CLUSTER_DEFAULTS, vanishAgeCluster } from '../../src/analyzer/vanish-ages.js';
import type { MessageIdentity } from '../../src/snapshot/schema.js';
import { MessageList } from '../../src/snapshot/message-list.js';

const DAY = 86_400_000;
const TO = Date.parse('2025-06-02T12:00:00.000Z');
const FROM = TO - DAY; // a daily probe
const iso = (ms: number) => new Date(ms).toISOString();
const msg = (uid: number, ageDaysAtTo: number): MessageIdentity => ({
  uid,
  sizeBytes: 1000,
  internalDate: iso(TO - ageDaysAtTo * DAY),
  messageIdHash: null,
  seen: true,
  deleted: false,
});
const kept = MessageList.from([msg(100, 0.5), msg(101, 3), msg(102, 9)]);
const cluster = (vanished: MessageIdentity[], inbox: MessageList | null = kept, from = FROM, opts = AGE_CLUSTER_DEFAULTS) => vanishAgeCluster(vanished, iso(from), iso(TO), inbox, opts);

describe('vanishAgeCluster', () => {
  it('five of six went at 30 days old (a day between the probes): 30 ± 1, with the ages they went between', () => {
    const v = [msg(1, 30.1), msg(2, 30.4), msg(3, 30.7), msg(4, 30.9), msg(5, 30.2), msg(6, 4)];
    expect(cluster(v)).toEqual({ days: 30, toleranceDays: 1, messages: 5, ofVanished: 6, minAgeDays: 29.1, maxAgeDays: 30.9, youngerKept: 3 });
  });

  it('Thunderbird’s 14 days with an hour between the probes', () => {
    const v = [14.01, 14.02, 14.03].map((a, i) => msg(i + 1, a));
    expect(cluster(v, kept, TO - DAY / 24)).toMatchObject({ days: 14, messages: 3, ofVanished: 3 });
  });

  it('ages spread over weeks: no cluster', () => {
    expect(cluster([msg(1, 2), msg(2, 9), msg(3, 17), msg(4, 25), msg(5, 40)])).toBeNull();
  });

  it('a cluster below the share asked for (3 of 6 < 0.6): none', () => {
    expect(cluster([msg(1, 14.2), msg(2, 14.4), msg(3, 14.6), msg(4, 3), msg(5, 40), msg(6, 60)])).toBeNull();
  });

  it('fewer vanished than clusterMinMessages: none', () => {
    expect(cluster([msg(1, 14.2), msg(2, 14.4)])).toBeNull();
  });

  it('deleted on download (less than a day old): not an "after N days" client', () => {
    expect(cluster([msg(1, 0.1), msg(2, 0.3), msg(3, 0.6), msg(4, 0.8)])).toBeNull();
  });

  it('probes a week apart: the age each went at is not known to a day, so nothing is said', () => {
    expect(cluster([msg(1, 14.2), msg(2, 14.4), msg(3, 14.6)], kept, TO - 7 * DAY)).toBeNull();
  });

  it('no younger message stayed in INBOX: a client that takes everything looks the same', () => {
    expect(cluster([msg(1, 14.2), msg(2, 14.4), msg(3, 14.6)], MessageList.from([msg(100, 40)]))).toBeNull();
    expect(cluster([msg(1, 14.2), msg(2, 14.4), msg(3, 14.6)], null)).toBeNull();
  });

  it('an unreadable or future INTERNALDATE: ages are not known, nothing is guessed', () => {
    const v = [msg(1, 14.2), msg(2, 14.4), msg(3, 14.6), msg(4, 14.5)];
    expect(cluster([...v.slice(0, 3), { ...v[3]!, internalDate: 'not a date' }])).toBeNull();
    expect(cluster([...v.slice(0, 3), msg(4, -2)])).toBeNull();
    expect(cluster(v)).toMatchObject({ days: 14, messages: 4 });
  });

  it('a hundred thousand vanished is quick (grouped by day, no per-day scan of every message)', () => {
    const v = Array.from({ length: 100_000 }, (_, i) => msg(i + 1, i < 90_000 ? 7 + (i % 100) / 100 : 1 + (i % 1000)));
    const t = performance.now();
    expect(cluster(v)).toMatchObject({ days: 7, messages: expect.any(Number) as number, ofVanished: 100_000 });
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
