import { ruleTester } from './rule-tester.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { GiB, MiB, scenario, TAKEN_AT } from '../support/snapshot-builder.js';
import { NO_EARLIER_PROBE } from '../../src/analyzer/evidence.js';

const DAY = 86_400_000;
/** healthy-imap-only (2 GiB limit) with STORAGE use set, `daysBefore` days before TAKEN_AT. */
function at(daysBefore: number, usedBytes: number, limitBytes = 2 * GiB): Snapshot {
  const s = structuredClone(scenario('healthy-imap-only'));
  s.takenAt = new Date(Date.parse(TAKEN_AT) - daysBefore * DAY).toISOString();
  if (!s.imap?.ok) throw new Error('fixture without IMAP');
  for (const root of s.imap.evidence.quota.roots) {
    for (const r of root.resources) {
      if (r.name === 'STORAGE') {
        r.usage = usedBytes;
        r.limit = limitBytes;
      }
    }
  }
  return s;
}
const LIMIT = 2 * GiB;
// 100 MiB a day, ending 1 GiB below the limit: full in 10.24 days.
const growing = [at(4, LIMIT - GiB - 400 * MiB), at(3, LIMIT - GiB - 300 * MiB), at(2, LIMIT - GiB - 200 * MiB)];

ruleTester('quota-filling', {
  valid: [
    { name: 'two points only (minPoints 3)', snapshot: at(0, LIMIT - GiB), previous: at(1, LIMIT - GiB - 100 * MiB) },
    { name: 'flat use', snapshot: at(0, GiB), history: [at(3, GiB), at(2, GiB)], previous: at(1, GiB) },
    { name: 'shrinking use', snapshot: at(0, GiB), history: [at(3, GiB + 300 * MiB), at(2, GiB + 200 * MiB)], previous: at(1, GiB + 100 * MiB) },
    { name: 'slow growth: full in 100+ days', snapshot: at(0, GiB), history: [at(3, GiB - 30 * MiB), at(2, GiB - 20 * MiB)], previous: at(1, GiB - 10 * MiB) },
    {
      name: 'points within 6 hours are too short a span',
      snapshot: at(0, LIMIT - GiB),
      history: [at(0.2, LIMIT - GiB - 300 * MiB)],
      previous: at(0.1, LIMIT - GiB - 200 * MiB),
    },
    { name: 'earlier points with another limit are ignored', snapshot: at(0, LIMIT - GiB), history: [at(3, 0, GiB), at(2, 0, GiB)], previous: at(1, LIMIT - GiB - 100 * MiB) },
  ],
  invalid: [
    {
      name: '100 MiB a day, 1 GiB left: about 10 days',
      snapshot: at(0, LIMIT - GiB),
      history: growing,
      previous: at(1, LIMIT - GiB - 100 * MiB),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['10 days'],
          evidence: {
            usedBytes: LIMIT - GiB,
            limitBytes: LIMIT,
            growthBytesPerDay: 100 * MiB,
            daysToFull: 10.2,
            projectedFullAt: new Date(Date.parse(TAKEN_AT) + 10.24 * DAY).toISOString(),
            points: 5,
            spanSeconds: 4 * 86_400,
            warnDays: 30,
          },
        },
      ],
    },
  ],
  skipped: [{ name: 'no earlier probe', snapshot: at(0, LIMIT - GiB), reason: NO_EARLIER_PROBE }],
});
