// `scan --format html`: one self-contained page for a fleet. A table of every account first (worst first: status,
// account, what matters most), each row linking to the account's own section below: its servers, verdict and
// findings complete with their steps, as in the single-account HTML report. Built from sections rendered as each
// account finishes, so a scan holds one short string per account, not its report.
import type { Status } from '../analyzer/types.js';
import { plural, zonedTime } from './format.js';
import { findingSection, htmlPage, label, list, loginParagraph } from './render-html.js';
import { skippedLines } from './render-text.js';
import { checkedLine, subjectLine } from './subject.js';
import { esc } from './svg/escape.js';
import type { Report } from './types.js';

/** One account of the page: its row in the table and its section. */
export interface FleetAccount {
  key: string;
  status: Status;
  /** The row's text: the most severe finding's title and how many more, or why it was not checked. */
  what: string;
  /** The section's HTML (fleetSection). */
  section: string;
}

const ORDER: Record<Status, number> = { critical: 0, unknown: 1, warning: 2, ok: 3 };

const sectionId = (n: number) => `account-${n}`;

/** The account's row and section, made when its line is written (`n` numbers the sections of one page). */
export function fleetAccount(report: Report, key: string, error: string | null, n: number): FleetAccount & { n: number } {
  const [first, ...rest] = report.findings;
  const what = error
    ? `not checked: ${error}`
    : first
      ? `${first.title}${rest.length ? ` (and ${plural(rest.length, 'more finding')})` : ''}`
      : report.verdict;
  const prefix = `a${n}-`;
  const skipped = skippedLines(report);
  const section = [
    `<section class="account ${report.status}" id="${sectionId(n)}">`,
    `<h2><span class="sev">${esc(label(report.status))}</span> ${esc(key)}</h2>`,
    `<p>${esc(subjectLine(report))} · ${esc(checkedLine(report))}</p>`,
    ...loginParagraph(report),
    ...(error ? [`<p><b>Not checked:</b> ${esc(error)}</p>`] : []),
    `<p class="summary">${esc(report.verdict)}</p>`,
    ...report.findings.map((f, i) => findingSection(f, i, report.timeZone, prefix)),
    ...(skipped.length ? ['<h3>Not checked</h3>', list(skipped)] : []),
    '<p class="back"><a href="#fleet">back to the table</a></p>',
    '</section>',
  ].join('\n');
  return { key, status: report.status, what, section, n };
}

export interface FleetMeta {
  /** When the scan started (ISO, UTC) and the zone the page gives times in. */
  startedAt: string;
  timeZone: string;
  version: string;
}

const FLEET_CSS = `
section.account{border-top:3px solid var(--c);margin:28px 0 0;padding-top:6px}
section.account h2{margin:6px 0}
table.fleet td:first-child{white-space:nowrap}
.back{font-size:13px}
`;

/** The page: the worst status first, then the table and every account's section in the same order. */
export function renderFleetHtml(accounts: readonly (FleetAccount & { n: number })[], meta: FleetMeta): string {
  const sorted = [...accounts].sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.key.localeCompare(b.key));
  const worst = sorted[0]?.status ?? 'unknown';
  const counts = (Object.keys(ORDER) as Status[]).filter((s) => accounts.some((a) => a.status === s)).map((s) => `${accounts.filter((a) => a.status === s).length} ${s}`);
  const title = `maildoctor scan: ${worst.toUpperCase()} (${plural(accounts.length, 'account')})`;
  const rows = sorted.map(
    (a) => `<tr class="${a.status}"><td><span class="sev">${esc(label(a.status))}</span></td><td><a href="#${sectionId(a.n)}">${esc(a.key)}</a></td><td>${esc(a.what)}</td></tr>`,
  );
  const body = [
    `<header class="verdict ${worst}" id="fleet">`,
    `<p class="status">${esc(label(worst))}</p>`,
    `<h1>${esc(`${plural(accounts.length, 'account')} scanned${counts.length ? `: ${counts.join(', ')}` : ''}`)}</h1>`,
    `<p class="when">${esc(`scan started ${zonedTime(meta.startedAt, meta.timeZone)}`)} · maildoctor ${esc(meta.version)}</p>`,
    '</header>',
    accounts.length
      ? `<table class="fleet"><thead><tr><th>Status</th><th>Account</th><th>What was found</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
      : '<p>No account was scanned.</p>',
    ...sorted.map((a) => a.section),
  ];
  return htmlPage(title, body, FLEET_CSS);
}
