import { defineRule } from '../define-rule.js';
import { step } from '../steps.js';
import type { Snapshot } from '../../snapshot/schema.js';

const DAY_MS = 86_400_000;

function storage(s: Snapshot): { t: number; used: number; limit: number } | null {
  if (!s.imap?.ok) return null;
  for (const root of s.imap.evidence.quota.roots) {
    const r = root.resources.find((x) => x.name.toUpperCase() === 'STORAGE');
    if (r && r.limit > 0) return { t: Date.parse(s.takenAt), used: r.usage, limit: r.limit };
  }
  return null;
}

/**
 * From history: the least-squares growth of STORAGE use over the stored probes and this one, and the date the
 * quota fills at that rate. Needs minPoints probes (3) spanning minSpanHours (6) with the same limit; warning
 * when full in under warnDays (30). Shrinking or flat use, or a mailbox already full (quota-near-limit's
 * case), finds nothing.
 */
export default defineRule({
  id: 'quota-filling',
  needs: ['imap.quota', 'previous.imap'],
  defaults: { warnDays: 30, minPoints: 3, minSpanHours: 6 },
  docs: { summary: 'Quota use grows steadily across the stored probes: the projected date the mailbox fills.' },
  check({ snapshot, previous, history, options, report }) {
    const now = storage(snapshot);
    if (!now || now.used >= now.limit) return;
    const byTime = new Map<number, { t: number; used: number }>();
    for (const s of [...history, ...(previous ? [previous] : [])]) {
      const p = storage(s);
      if (p && p.limit === now.limit && p.t < now.t) byTime.set(p.t, p);
    }
    byTime.set(now.t, now);
    const pts = [...byTime.values()].sort((a, b) => a.t - b.t);
    const span = now.t - pts[0]!.t;
    if (pts.length < options.minPoints || span < options.minSpanHours * 3_600_000) return;
    const mt = pts.reduce((a, p) => a + p.t, 0) / pts.length;
    const mu = pts.reduce((a, p) => a + p.used, 0) / pts.length;
    let num = 0;
    let den = 0;
    for (const p of pts) {
      num += (p.t - mt) * (p.used - mu);
      den += (p.t - mt) ** 2;
    }
    if (den === 0) return;
    const perDay = (num / den) * DAY_MS;
    if (!(perDay > 0)) return;
    const daysToFull = (now.limit - now.used) / perDay;
    if (daysToFull >= options.warnDays) return;
    report({
      severity: 'warning',
      evidence: {
        usedBytes: now.used,
        limitBytes: now.limit,
        growthBytesPerDay: Math.round(perDay),
        daysToFull: Math.round(daysToFull * 10) / 10,
        projectedFullAt: new Date(now.t + daysToFull * DAY_MS).toISOString(),
        points: pts.length,
        spanSeconds: Math.round(span / 1000),
        warnDays: options.warnDays,
      },
      steps: [step('quota-trend', { daysToFull }), step('quota-raise')],
    });
  },
});
