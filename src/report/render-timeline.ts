// The device timeline (LogEvidence.timeline) in words: a top line naming the device that deleted most and when,
// then one table per device, a row per hour or day, "!" on the rows where it deleted mail. Built once as tables
// (timelineTables), then laid out as text, markdown or html. Pure. Times are UTC, as the buckets are.
import type { LogTimeline, TimelineCounts, TimelineDevice } from '../snapshot/timeline-schema.js';
import { count, downloadedBytes, plural } from './format.js';

type Key = keyof TimelineCounts;

/** Columns in this order, each shown for a device when it is not zero there (logins always for clients). */
const COLUMNS: { key: Key; head: string; kinds: TimelineDevice['kind'][] }[] = [
  { key: 'logins', head: 'logins', kinds: ['pop3', 'imap'] },
  { key: 'failedLogins', head: 'failed logins', kinds: ['pop3', 'imap'] },
  { key: 'popSessions', head: 'sessions', kinds: ['pop3'] },
  { key: 'retrMessages', head: 'downloaded', kinds: ['pop3'] },
  { key: 'popDeleted', head: 'deleted', kinds: ['pop3'] },
  { key: 'imapSessions', head: 'sessions', kinds: ['imap'] },
  { key: 'expunged', head: 'expunged', kinds: ['imap'] },
  { key: 'trashed', head: 'to Trash', kinds: ['imap'] },
  { key: 'delivered', head: 'delivered', kinds: ['delivery'] },
  { key: 'quotaRefused', head: 'refused (quota)', kinds: ['delivery'] },
];

/** Rows shown per device in text at most (the latest); JSON has them all. */
const MAX_ROWS = 48;

export interface TimelineTable {
  title: string;
  summary: string;
  columns: string[];
  /** mark: this row deleted mail. */
  rows: { mark: boolean; cells: string[] }[];
  /** Rows left out (older than those shown). */
  hiddenRows: number;
}

export interface TimelineView {
  heading: string;
  topLine: string;
  legend: string;
  tables: TimelineTable[];
  notes: string[];
}

const deleted = (c: TimelineCounts) => c.popDeleted + c.expunged;

/** "2026-12-06 08:00" for an hour, "2026-12-06" for a day (UTC). */
function bucketLabel(start: string, bucket: LogTimeline['bucket']): string {
  return bucket === 'day' ? start.slice(0, 10) : `${start.slice(0, 10)} ${start.slice(11, 16)}`;
}

const utc = (at: string) => `${at.slice(0, 10)} ${at.slice(11, 19)}`;

/** "2026-12-06 08:01:02 → 08:03:10 UTC" (the date again only when it changes). */
function window(first: string | null, last: string | null): string {
  if (!first || !last) return 'time unknown';
  if (first === last) return `${utc(first)} UTC`;
  return `${utc(first)} → ${first.slice(0, 10) === last.slice(0, 10) ? last.slice(11, 19) : utc(last)} UTC`;
}

export function deviceName(kind: TimelineDevice['kind'], ip: string | null): string {
  if (kind === 'delivery') return 'Deliveries (LMTP/LDA, MTA)';
  return `${kind === 'pop3' ? 'POP3' : 'IMAP'} ${ip ?? 'unknown'}${ip === 'unknown' ? ' (login line not in the log)' : ''}`;
}

function summary(d: TimelineDevice): string {
  const t = d.totals;
  const parts =
    d.kind === 'delivery'
      ? [`${count(t.delivered)} delivered`, `${count(t.quotaRefused)} refused for quota`]
      : d.kind === 'pop3'
        ? [plural(t.logins, 'login'), plural(t.popSessions, 'session'), `${count(t.retrMessages)} downloaded (${downloadedBytes(t.retrMessages, t.retrBytes)})`, `${count(t.popDeleted)} deleted`]
        : [plural(t.logins, 'login'), plural(t.imapSessions, 'session'), `${count(t.expunged)} expunged`, `${count(t.trashed)} moved to Trash`];
  if (t.failedLogins) parts.push(plural(t.failedLogins, 'failed login'));
  return `${parts.join(', ')}; ${window(d.first, d.last)}`;
}

function table(d: TimelineDevice, bucket: LogTimeline['bucket']): TimelineTable {
  const cols = COLUMNS.filter((c) => c.kinds.includes(d.kind) && (c.key === 'logins' || c.key === 'popSessions' || c.key === 'imapSessions' || d.totals[c.key] > 0));
  const rows = d.buckets.map((b) => ({ mark: deleted(b) > 0, cells: [bucketLabel(b.start, bucket), ...cols.map((c) => count(b[c.key]))] }));
  const hiddenRows = Math.max(0, rows.length - MAX_ROWS);
  return { title: deviceName(d.kind, d.ip), summary: summary(d), columns: [bucket === 'day' ? 'day (UTC)' : 'hour (UTC)', ...cols.map((c) => c.head)], rows: rows.slice(hiddenRows), hiddenRows };
}

export function timelineView(t: LogTimeline): TimelineView {
  const top = t.topDeleter;
  const topLine = top
    ? `Deleted most: ${deviceName(top.kind, top.ip)}, ${plural(top.deleted, 'message')} (${top.kind === 'pop3' ? 'POP3 DELE' : 'IMAP expunge'}), ${window(top.firstDelete, top.lastDelete)}`
    : 'No device deleted mail in this log.';
  const notes: string[] = [];
  if (t.others) {
    const o = t.others.totals;
    notes.push(
      `${plural(t.others.devices, 'other device')} not shown (the ${plural(t.devicesShown, 'device')} above did most), together: ` +
        `${plural(o.logins, 'login')}, ${count(o.popDeleted)} deleted over POP3, ${count(o.expunged)} expunged over IMAP`,
    );
  }
  if (t.sessionsWithoutLogin) notes.push(`${plural(t.sessionsWithoutLogin, 'line')} of sessions whose login line is not in the log: their device is "unknown"`);
  if (t.coarsened) notes.push('Too many device-hours to keep: shown by day');
  return {
    heading: `Device timeline (by ${t.bucket}, UTC${t.bucketChosen === 'auto' ? ', chosen from the span' : ''}): ${plural(t.devicesSeen, 'device')}`,
    topLine,
    legend: `! = this device deleted mail in that ${t.bucket}`,
    tables: t.devices.map((d) => table(d, t.bucket)),
    notes,
  };
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

export function renderTimelineText(t: LogTimeline): string[] {
  const v = timelineView(t);
  const out = [v.heading, v.topLine];
  for (const tb of v.tables) {
    out.push('', `${tb.title}: ${tb.summary}`);
    if (tb.hiddenRows) out.push(`  (${plural(tb.hiddenRows, `earlier ${t.bucket}`)} not shown: --format json has them all)`);
    const lines = pad([tb.columns, ...tb.rows.map((r) => r.cells)]);
    out.push(`    ${lines[0]}`, ...tb.rows.map((r, i) => `  ${r.mark ? '!' : ' '} ${lines[i + 1]}`));
  }
  out.push('', v.legend, ...v.notes);
  return out;
}

export function renderTimelineMarkdown(t: LogTimeline, md: (s: string) => string): string[] {
  const v = timelineView(t);
  const out = [`### ${md(v.heading)}`, '', `**${md(v.topLine)}**`];
  for (const tb of v.tables) {
    out.push('', `**${md(tb.title)}**: ${md(tb.summary)}`, '');
    if (tb.hiddenRows) out.push(`${md(`(${plural(tb.hiddenRows, `earlier ${t.bucket}`)} not shown: --format json has them all)`)}`, '');
    out.push(`|   | ${tb.columns.map(md).join(' | ')} |`, `| --- | ${tb.columns.map(() => '---:').join(' | ')} |`);
    for (const r of tb.rows) out.push(`| ${r.mark ? '!' : ' '} | ${r.cells.map(md).join(' | ')} |`);
  }
  out.push('', md(v.legend), ...v.notes.map((n) => `- ${md(n)}`));
  return out;
}

export function renderTimelineHtml(t: LogTimeline, esc: (s: string) => string): string {
  const v = timelineView(t);
  const parts = [`<section class="timeline"><h2>${esc(v.heading)}</h2>`, `<p><strong>${esc(v.topLine)}</strong></p>`];
  for (const tb of v.tables) {
    parts.push(`<h3>${esc(tb.title)}</h3><p>${esc(tb.summary)}</p>`);
    if (tb.hiddenRows) parts.push(`<p>${esc(`(${plural(tb.hiddenRows, `earlier ${t.bucket}`)} not shown: --format json has them all)`)}</p>`);
    parts.push(`<table><thead><tr><th></th>${tb.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>`);
    for (const r of tb.rows) parts.push(`<tr${r.mark ? ' class="deleted" style="font-weight:700"' : ''}><td>${r.mark ? '!' : ''}</td>${r.cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`);
    parts.push('</tbody></table>');
  }
  parts.push(`<p>${esc(v.legend)}</p>`, ...v.notes.map((n) => `<p>${esc(n)}</p>`), '</section>');
  return parts.join('\n');
}
