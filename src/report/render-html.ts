// The HTML report: one self-contained file for a ticket or a customer (no external assets, no script, inline
// CSS that prints). Verdict first, then each finding complete on its own (title, why, evidence, every step),
// then pictures and the evidence as tables. Everything from the server or the account goes through esc().
import type { Severity, Status } from '../analyzer/types.js';
import { evidenceLines } from './findings/index.js';
import { bytes, count, millis, percent, plural, zonedTime } from './format.js';
import { comparedLine, evidenceProblemLines, scopeNote, SYMBOL } from './render-text.js';
import { renderTimelineHtml } from './render-timeline.js';
import { TRACE_PROTOCOL_NAME } from './test-log.js';
import { checkedLine, loginLine, serverLine, subjectLine } from './subject.js';
import { esc } from './svg/escape.js';
import { devicesPicture, inboxPicture, quotaPicture, type Picture } from './svg/report-charts.js';
import type { ReportDetails } from './details.js';
import type { RenderedFinding, Report } from './types.js';

export const CSS = `
:root{--critical:#b3261e;--warning:#8a5a00;--info:#1d5fa8;--ok:#1e7a34;--unknown:#6b3fa0;--line:#d6d6d6;--muted:#555}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1100px;padding:16px 24px 40px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
header.verdict{border-left:10px solid var(--c);background:#f6f6f6;padding:14px 18px;margin:0 0 18px}
header .status{font-size:26px;font-weight:700;color:var(--c);margin:0}
header h1{font-size:19px;margin:4px 0 2px;word-break:break-word}
header .when{color:var(--muted);margin:0 0 6px}
header .summary{font-weight:600;margin:6px 0}
nav ul{margin:6px 0 0;padding-left:20px}
.critical{--c:var(--critical)}.warning{--c:var(--warning)}.info{--c:var(--info)}.ok{--c:var(--ok)}.unknown{--c:var(--unknown)}
.sev{color:var(--c);font-weight:700;white-space:nowrap}
section.finding{border:1px solid var(--line);border-left:6px solid var(--c);padding:10px 16px;margin:14px 0;break-inside:avoid-page}
section.finding h2{font-size:18px;margin:4px 0}
.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;color:var(--muted)}
h2{font-size:19px;margin:26px 0 8px}
h3{font-size:15px;margin:12px 0 4px}
ol li,ul li{margin:3px 0}
.steps li{white-space:pre-line}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f0f0f0;word-break:normal}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.caps{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
figure{margin:10px 0 18px;break-inside:avoid-page}
figcaption{color:var(--muted);font-size:14px}
svg.chart{width:100%;max-width:720px;height:auto;display:block;font:12px system-ui,sans-serif}
svg .axis{stroke:#444}svg .grid{stroke:#e4e4e4}svg .tick,svg .row-label{fill:#333}
svg .series{fill:none;stroke:#1d5fa8;stroke-width:2}svg .point{fill:#1d5fa8}
svg .level{stroke-dasharray:5 4;stroke-width:1.5}svg .level.limit{stroke:#b3261e}svg .level.crit{stroke:#d9822b}svg .level.warn{stroke:#c9a100}
svg .level-label{font-size:11px}svg .level-label.limit{fill:#b3261e}svg .level-label.crit{fill:#a85d12}svg .level-label.warn{fill:#7a6200}
svg .projection{stroke:#b3261e;stroke-dasharray:3 3;stroke-width:2}
svg .mark{font-size:11px;font-weight:600}svg .mark.up{fill:#1e7a34}svg .mark.down{fill:#8a5a00}svg .mark.alert{fill:#b3261e}
svg .bar.imap{fill:#1d5fa8}svg .bar.pop3{fill:#d9822b}
footer{margin-top:28px;color:var(--muted);font-size:13px}
@media print{
  body{max-width:none;padding:0;font-size:10.5pt}
  header.verdict{background:none;border:2px solid var(--c);border-left-width:10px}
  a{color:inherit;text-decoration:none}
  h2{break-after:avoid-page}
  table,figure,section.finding{break-inside:avoid-page}
  th{background:none}
}
`;

export function label(level: Severity | Status): string {
  return `${SYMBOL[level]} ${level.toUpperCase()}`;
}

export function list(items: readonly string[], tag: 'ul' | 'ol' = 'ul', cls = ''): string {
  return `<${tag}${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</${tag}>`;
}

/** A table; each cell is text (escaped here) or a number (right-aligned); null shows as "unknown". */
export function table(head: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => (typeof v === 'number' ? `<td class="n">${esc(count(v))}</td>` : `<td>${v === null ? '<i>unknown</i>' : esc(v)}</td>`);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A finding's id in the page; `prefix` keeps them apart when one page holds several accounts. */
export const anchor = (i: number, f: Pick<RenderedFinding, 'id'>, prefix = '') => `${prefix}finding-${i + 1}-${f.id}`;

/** One finding, complete when read alone: title, why, evidence and all of its steps (none left to "above"). */
export function findingSection(f: RenderedFinding, i: number, zone: string, prefix = ''): string {
  const ev = evidenceLines(f, zone);
  return [
    `<section class="finding ${f.severity}" id="${anchor(i, f, prefix)}">`,
    `<p><span class="sev">${esc(label(f.severity))}</span> <span class="id" data-finding-id="${esc(f.id)}">${esc(f.id)}${f.confidence ? ` · confidence ${esc(f.confidence)}` : ''}</span></p>`,
    `<h2>${esc(f.title)}</h2>`,
    `<p><b>Why:</b> ${esc(f.explanation)}</p>`,
    ...(ev.length ? ['<h3>Evidence</h3>', list(ev)] : []),
    ...(f.steps.length ? ['<h3>What to do</h3>', list(f.steps, 'ol', 'steps')] : []),
    '</section>',
  ].join('\n');
}

const TRANSPORT: Record<string, string> = { implicit: 'TLS from the start', starttls: 'STARTTLS', none: 'no TLS' };

function serversTable(report: Report, d: ReportDetails | undefined): string {
  const rows = (['imap', 'pop'] as const).flatMap((p) => {
    const probe = report.probes[p];
    const endpoint = report.account[p];
    if (!endpoint) return [];
    const name = p === 'imap' ? 'IMAP' : 'POP3';
    const s = d?.servers.find((x) => x.protocol === (p === 'imap' ? 'imap' : 'pop3'));
    const tls = s?.tls
      ? [s.tls.protocol, s.tls.cipher, s.tls.verified ? 'certificate verified' : `certificate NOT verified${s.tls.verifyError ? ` (${s.tls.verifyError})` : ''}`, s.tls.insecure ? 'checked with --insecure' : null, s.tls.validTo ? `valid until ${s.tls.validTo.slice(0, 10)}` : null]
          .filter(Boolean)
          .join(', ')
      : TRANSPORT[endpoint.tls]!;
    const state = probe.state === 'ok' ? 'read' : probe.state === 'not-probed' ? 'not probed' : `failed: ${probe.error?.kind ?? '?'} (${probe.error?.message ?? ''})`;
    return [[name, `${endpoint.host}:${endpoint.port}`, tls, probe.software ?? null, s?.loginMethod ?? null, probe.durationMs !== null ? millis(probe.durationMs) : null, state]];
  });
  const out = [table(['Protocol', 'Server', 'TLS', 'Software', 'Login', 'Took', 'Probe'], rows)];
  for (const s of d?.servers ?? []) {
    if (s.greeting) out.push(`<p><b>${s.protocol === 'imap' ? 'IMAP' : 'POP3'} greeting:</b> <span class="caps">${esc(s.greeting)}</span></p>`);
    if (s.capabilities.length) out.push(`<p><b>${s.protocol === 'imap' ? 'IMAP capabilities' : 'POP3 CAPA'}:</b> <span class="caps">${esc(s.capabilities.join(' '))}</span></p>`);
    if (s.probePaths) out.push(`<p><b>IMAP probe paths:</b> ${esc(s.probePaths)}</p>`);
    if (s.tls?.subject) out.push(`<p><b>${s.protocol === 'imap' ? 'IMAP' : 'POP3'} certificate:</b> ${esc(s.tls.subject)}, issued by ${esc(s.tls.issuer ?? 'unknown')}</p>`);
  }
  return out.join('\n');
}

function evidenceTables(report: Report, d: ReportDetails | undefined): string[] {
  const zone = report.timeZone;
  const at = (iso: string | null) => (iso === null ? null : zonedTime(iso, zone));
  const out = ['<h2 id="servers">Servers</h2>', serversTable(report, d)];
  if (d?.folders.length) {
    out.push(
      '<h2 id="folders">Folders</h2>',
      table(
        ['Folder', 'Use', 'Messages', 'Unread', 'Size', 'Oldest', 'Newest'],
        d.folders.map((f) => [f.path, f.specialUse ?? '', f.messages, f.unseen, f.sizeBytes === null ? null : bytes(f.sizeBytes), at(f.oldest), at(f.newest)]),
      ),
    );
  }
  if (d?.quota.length) {
    const amount = (n: number, unit: string) => (unit === 'bytes' ? bytes(n) : count(n));
    out.push(
      '<h2 id="quota">Quota</h2>',
      table(['Quota root', 'Resource', 'Used', 'Limit', 'Use'], d.quota.map((q) => [q.root, q.resource, amount(q.usage, q.unit), amount(q.limit, q.unit), q.limit > 0 ? percent(q.usage / q.limit) : null])),
    );
  }
  if (d?.history.length) {
    out.push(
      '<h2 id="history">Earlier probes</h2>',
      table(
        ['Probe', 'INBOX messages', 'Arrived since the one before', 'Left INBOX since the one before', 'Storage used'],
        d.history.map((p) => [at(p.takenAt), p.inboxMessages, p.uidValidityChanged ? 'INBOX renumbered' : p.arrived, p.uidValidityChanged ? 'INBOX renumbered' : p.leftInbox, p.quotaUsedBytes === null ? null : bytes(p.quotaUsedBytes)]),
      ),
    );
  }
  if (d?.devices.length) {
    out.push(
      '<h2 id="devices">Devices in the server log</h2>',
      table(['Protocol', 'Client address', 'Logins', 'First', 'Last', 'Login methods'], d.devices.map((x) => [x.protocol === 'imap' ? 'IMAP' : 'POP3', x.ip, x.logins, at(x.first), at(x.last), x.methods.join(', ') || null])),
    );
  }
  return out;
}

function figure(p: Picture): string {
  return `<figure><h3>${esc(p.title)}</h3>\n${p.svg}\n<figcaption>${esc(p.caption)}</figcaption></figure>`;
}

/** Whose credentials logged in, when an admin did on behalf of the user. */
/** The server software and provider, as the servers named them (none when nothing answered). */
function serverParagraph(report: Report): string[] {
  const line = serverLine(report);
  return line ? [`<p class="server">${esc(line)}</p>`] : [];
}

export function loginParagraph(report: Report): string[] {
  const line = loginLine(report);
  return line ? [`<p class="login">${esc(line)}</p>`] : [];
}

export function renderHtml(report: Report): string {
  const d = report.details;
  const partial = scopeNote(report);
  const title = `maildoctor: ${report.status.toUpperCase()}${partial} for ${report.account.user}`;
  const body: string[] = [
    `<header class="verdict ${report.status}" id="verdict">`,
    `<p class="status">${esc(label(report.status))}${esc(partial)}</p>`,
    `<h1>${esc(subjectLine(report))}</h1>`,
    `<p class="when">${esc(checkedLine(report))} · maildoctor ${esc(report.tool.version)}</p>`,
    ...serverParagraph(report),
    ...loginParagraph(report),
    `<p class="summary">${esc(report.verdict)}</p>`,
  ];
  if (report.findings.length) {
    body.push(
      `<nav><ul>${report.findings.map((f, i) => `<li><a href="#${anchor(i, f)}"><span class="sev ${f.severity}">${esc(label(f.severity))}</span> ${esc(f.title)}</a></li>`).join('')}</ul></nav>`,
    );
  }
  body.push('</header>');
  report.findings.forEach((f, i) => body.push(findingSection(f, i, report.timeZone)));
  const rec = report.recommendation;
  if (rec) {
    body.push(`<h2>Recommended protocol: ${rec.protocol === 'imap' ? 'IMAP' : 'POP3'}</h2>`, list(rec.reasons));
    if (rec.caveats.length) body.push('<h3>Keep in mind</h3>', list(rec.caveats));
  }
  const pictures = d ? [inboxPicture(report, d), quotaPicture(report, d), devicesPicture(report, d)].filter((p): p is Picture => p !== null) : [];
  if (pictures.length) body.push('<h2 id="pictures">Over time</h2>', ...pictures.map(figure));
  body.push(...evidenceTables(report, d));
  const problems = evidenceProblemLines(report);
  if (problems.length) body.push('<h2 id="unusable">Evidence that could not be used</h2>', list(problems));
  if (report.skipped.length) body.push('<h2 id="not-checked">Not checked</h2>', table(['Check', 'Why not'], report.skipped.map((s) => [s.rule, s.reason])));
  const compared = comparedLine(report);
  if (compared) body.push(`<p>${esc(compared)}</p>`);
  if (report.timeline) body.push(renderTimelineHtml(report.timeline, esc));
  if (report.testLog) {
    body.push(
      '<h2 id="test-log">Test log</h2>',
      table(
        ['After', 'Protocol', 'Step', 'Outcome', 'Took', 'Detail'],
        report.testLog.map((e) => [`${e.atMs} ms`, TRACE_PROTOCOL_NAME[e.protocol], e.step, e.outcome, e.ms === null ? '' : `${e.ms} ms`, e.detail ?? '']),
      ),
    );
  }
  body.push(
    `<footer>${esc(`${plural(report.checked.length, 'check')} run: ${report.checked.join(', ')}. Snapshot ${report.snapshotTakenAt} (UTC); times above in ${report.timeZone}.`)}</footer>`,
  );
  return htmlPage(title, body);
}

/** The self-contained page around a body: no request, no script, the report's CSS inline. */
export function htmlPage(title: string, body: readonly string[], extraCss = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing may load from anywhere: a report opened from a ticket makes no request and runs no script.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}${extraCss}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
