// The pictures of the HTML report, from the report's details: INBOX size over the stored probes (arrivals,
// departures and vanished mail marked), quota use towards its limit (with the projection of quota-filling), and
// logins per device from a server log. Each returns null when its data is too thin to draw.
import { bytes, count, percent, plural, zonedTime } from '../format.js';
import type { Report } from '../types.js';
import type { ReportDetails } from '../details.js';
import { seriesChart, timelineChart, type Mark, type TimelineRow } from './chart.js';

export interface Picture {
  title: string;
  svg: string;
  /** One sentence under the picture that says what the reader sees (the numbers are in the tables). */
  caption: string;
}

const DAY = 86_400_000;

/** Axis time labels in the report's zone: the clock for a short span, the date for a long one. */
export function axisTime(zone: string): (t: number, spanMs: number) => string {
  return (t, span) => {
    const s = zonedTime(new Date(t).toISOString(), zone);
    if (span < 1.5 * DAY) return s.slice(11, 16);
    return span < 10 * DAY ? s.slice(5, 16) : s.slice(0, 10);
  };
}

function ms(iso: string): number {
  return Date.parse(iso);
}

export function inboxPicture(report: Report, d: ReportDetails): Picture | null {
  const h = d.history;
  if (h.filter((p) => p.inboxMessages !== null).length < 2) return null;
  const marks: Mark[] = [];
  h.forEach((p, i) => {
    if (p.arrived) marks.push({ at: i, text: `+${count(p.arrived)}`, kind: 'up' });
    if (p.leftInbox) marks.push({ at: i, text: `−${count(p.leftInbox)}`, kind: 'down' });
  });
  let vanishedNote = '';
  for (const f of report.findings) {
    if (f.id !== 'mail-vanished') continue;
    const at = h.findIndex((p) => p.takenAt === f.evidence.toTakenAt);
    const n = `${f.evidence.atLeast ? 'at least ' : ''}${count(f.evidence.vanishedMessages)}`;
    if (at >= 0) marks.push({ at, text: `${n} vanished`, kind: 'alert' });
    vanishedNote = ` ${n} of those that left INBOX before this check are in no folder (vanished, in red).`;
  }
  const changed = h.filter((p) => p.uidValidityChanged).length;
  return {
    title: 'INBOX size over the stored probes',
    svg: seriesChart({
      title: 'Messages in INBOX at each probe',
      points: h.map((p) => ({ t: ms(p.takenAt), value: p.inboxMessages })),
      marks,
      formatValue: (v) => count(v),
      formatTime: axisTime(report.timeZone),
    }),
    caption:
      `Messages in INBOX at each of ${plural(h.length, 'probe')}; above a point (green) how many arrived since the probe before it, ` +
      `below it how many left INBOX (moved to another folder or deleted).${vanishedNote}` +
      (changed ? ` At ${plural(changed, 'probe')} INBOX was renumbered (UIDVALIDITY changed), so arrivals there are not known.` : ''),
  };
}

export function quotaPicture(report: Report, d: ReportDetails): Picture | null {
  const h = d.history;
  const limit = [...h].reverse().find((p) => p.quotaLimitBytes !== null)?.quotaLimitBytes ?? null;
  if (limit === null || h.filter((p) => p.quotaUsedBytes !== null).length < 2) return null;
  const m = report.metrics;
  const filling = report.findings.find((f) => f.id === 'quota-filling');
  const at = (iso: string) => zonedTime(iso, report.timeZone);
  return {
    title: 'Quota use towards its limit',
    svg: seriesChart({
      title: 'Storage used at each probe, in percent of the quota limit',
      // In percent of each probe's own limit, so a raised limit shows as the drop in use it is.
      points: h.map((p) => ({ t: ms(p.takenAt), value: p.quotaUsedBytes !== null && p.quotaLimitBytes ? (p.quotaUsedBytes / p.quotaLimitBytes) * 100 : null })),
      levels: [
        { value: 100, label: `limit ${bytes(limit)}`, kind: 'limit' },
        { value: m.quotaCritRatio * 100, label: `critical ${percent(m.quotaCritRatio)}`, kind: 'crit' },
        { value: m.quotaWarnRatio * 100, label: `warning ${percent(m.quotaWarnRatio)}`, kind: 'warn' },
      ],
      projection: filling ? { t: ms(filling.evidence.projectedFullAt), value: 100, label: `full ${at(filling.evidence.projectedFullAt).slice(0, 16)}` } : null,
      formatValue: (v) => `${v}%`,
      formatTime: axisTime(report.timeZone),
    }),
    caption:
      `Storage used at each probe, in percent of the limit of ${bytes(limit)}, with the warning and critical levels.` +
      (filling ? ` At the present growth the mailbox is full around ${at(filling.evidence.projectedFullAt)} (the dashed line).` : ''),
  };
}

export function devicesPicture(report: Report, d: ReportDetails): Picture | null {
  const rows: TimelineRow[] = d.devices
    .filter((x): x is typeof x & { first: string; last: string } => x.first !== null && x.last !== null)
    .map((x) => ({
      label: `${x.protocol === 'imap' ? 'IMAP' : 'POP3'} ${x.ip}`,
      from: ms(x.first),
      to: ms(x.last),
      note: plural(x.logins, 'login'),
      kind: x.protocol,
    }));
  if (rows.length === 0) return null;
  return {
    title: 'Activity per device in the server log',
    svg: timelineChart('Logins per device (client address) over the log', rows, axisTime(report.timeZone)),
    caption: `Each row is one client address with one protocol, from its first to its last login in the log (IMAP blue, POP3 orange). Several devices behind one router share an address.`,
  };
}
