// The text report: verdict first, then each finding (symbol and severity word, title, why, evidence, numbered
// steps), then what was not checked. Colour only when asked (the caller checks TTY and NO_COLOR), and never
// the only signal: every severity also has its symbol and word. A clean account gets one line.
import { OPTIONAL_INPUT } from '../analyzer/evidence.js';
import type { Severity, Status } from '../analyzer/types.js';
import { evidenceLines } from './findings/index.js';
import { list, millis, plural, zonedTime } from './format.js';
import { checkedLine, loginLine, serverLine, subjectLine } from './subject.js';
import { PROTOCOL_NAME } from './phrases.js';
import { renderTimelineText } from './render-timeline.js';
import { testLogLines } from './test-log.js';
import type { RenderedFinding, RenderOptions, Report } from './types.js';

export const SYMBOL: Record<Severity | Status, string> = { critical: '✖', warning: '⚠', info: 'ℹ', ok: '✔', unknown: '?' };
const COLOR: Record<Severity | Status, string> = { critical: '31', warning: '33', info: '36', ok: '32', unknown: '35' };

function paint(on: boolean | undefined, code: string, s: string): string {
  return on ? `\u001b[${code}m${s}\u001b[0m` : s;
}

function label(level: Severity | Status, color: boolean | undefined): string {
  return paint(color, `1;${COLOR[level]}`, `${SYMBOL[level]} ${level.toUpperCase()}`);
}

function probedWith(report: Report): string {
  const names = [report.probes.imap.state === 'ok' ? 'IMAP' : null, report.probes.pop.state === 'ok' ? 'POP3' : null].filter((x): x is string => x !== null);
  return names.length ? list(names) : 'no protocol';
}

/**
 * One finding, complete when read alone: a support engineer pastes a single finding into a ticket, so its steps
 * are all there even when another finding shares some of them (JSON has the step keys to tell them apart).
 */
function findingBlock(f: RenderedFinding, color: boolean | undefined, zone: string): string[] {
  const lines = [`${label(f.severity, color)}  ${paint(color, '1', f.title)}`];
  lines.push(paint(color, '2', `  ${f.id}${f.confidence ? ` · confidence ${f.confidence}` : ''}`));
  lines.push(`  Why: ${f.explanation}`);
  const ev = evidenceLines(f, zone);
  if (ev.length) lines.push('  Evidence:', ...ev.map((l) => `    - ${l}`));
  if (f.steps.length) lines.push('  What to do:', ...f.steps.map((s, i) => numbered(i + 1, s, '    ')));
  return lines;
}

function recommendationLines(report: Report): string[] {
  const r = report.recommendation;
  if (!r) return [];
  return [
    `Recommended protocol: ${r.protocol === 'imap' ? 'IMAP' : 'POP3'}`,
    ...r.reasons.map((x) => `  - ${x}`),
    ...(r.caveats.length ? ['  Keep in mind:', ...r.caveats.map((x) => `  - ${x}`)] : []),
  ];
}

/** "1. text", with the continuation lines of a multi-line step indented under its text. */
export function numbered(n: number, text: string, indent: string): string {
  const head = `${indent}${n}. `;
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? head + line : ' '.repeat(head.length) + line))
    .join('\n');
}

/** Skipped rules grouped by reason: "pop-imap-disagree, pop-mailbox-locked: POP3 not probed (--only imap)". */
export function skippedLines(report: Report): string[] {
  const byReason = new Map<string, string[]>();
  for (const s of report.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.rule]);
  return [...byReason].map(([reason, rules]) => `${rules.join(', ')}: ${reason}`);
}

/**
 * What the server sent that made no sense, and what could not be read: one line each. The values concerned
 * were treated as unknown; the rules that needed them are under "Not checked".
 */
export function evidenceProblemLines(report: Report): string[] {
  return [
    ...(report.anomalies ?? []).map((a) => `${PROTOCOL_NAME[a.protocol]} ${a.step}: ${a.detail} (treated as unknown)`),
    ...(report.gaps ?? []),
  ];
}

/** The header's note on what the verdict rests on: "(partial check)", "(logins only)", or nothing. */
export function scopeNote(report: Report): string {
  if (report.coverage?.loginOnly) return ' (logins only)';
  return report.coverage?.partial ? ' (partial check)' : '';
}

/** The test log as the report's last section (check --include-log), or nothing. */
function testLogSection(report: Report, c: boolean | undefined): string[] {
  return report.testLog ? ['', paint(c, '1', 'Test log:'), ...testLogLines(report.testLog)] : [];
}

/** With history, when failed probes were passed over: which earlier probe the comparison used. */
export function comparedLine(report: Report): string | null {
  const c = report.comparedWith;
  if (!c || c.passedOver.length === 0) return null;
  return `Compared with the check at ${zonedTime(c.takenAt, report.timeZone)}: the ${plural(c.passedOver.length, 'newer probe')} after it had no IMAP evidence and ${c.passedOver.length === 1 ? 'was' : 'were'} passed over.`;
}

function footer(report: Report): string {
  const timing = [
    report.probes.imap.durationMs !== null ? `IMAP ${millis(report.probes.imap.durationMs)}` : null,
    report.probes.pop.durationMs !== null ? `POP3 ${millis(report.probes.pop.durationMs)}` : null,
  ].filter(Boolean);
  return `${plural(report.checked.length, 'check')} run${report.skipped.length ? `, ${report.skipped.length} not run` : ''}${timing.length ? ` · ${timing.join(', ')}` : ''} · snapshot ${report.snapshotTakenAt}`;
}

/** The admin who logged in on behalf of the user, as an indented line (none for the user's own login). */
function loginLines(report: Report): string[] {
  const line = loginLine(report);
  return line ? [`  ${line}`] : [];
}

export function renderText(report: Report, opts: RenderOptions = {}): string {
  const c = opts.color;
  const rec = recommendationLines(report);
  // Rules that need an earlier probe or a server log wait for those inputs: expected, so a clean account stays
  // one line that says how many wait.
  const waiting = report.skipped.filter((s) => OPTIONAL_INPUT.has(s.kind));
  const problems = evidenceProblemLines(report);
  if (report.status === 'ok' && report.findings.length === 0 && report.skipped.length === waiting.length && problems.length === 0) {
    const needPrevious = waiting.filter((s) => s.kind === 'waits-for-earlier-probe').length;
    const needLog = waiting.length - needPrevious;
    const wants = [needPrevious ? `${needPrevious} wait for an earlier probe` : '', needLog ? `${needLog} for a server log` : ''].filter(Boolean);
    const later = wants.length ? `; ${wants.join(', ')}` : '';
    const line = `${label('ok', c)}  ${subjectLine(report)}: no problems found (${plural(report.checked.length, 'check')} over ${probedWith(report)}, ${zonedTime(report.snapshotTakenAt, report.timeZone)}${later}).`;
    const compared = comparedLine(report);
    const timeline = report.timeline ? ['', ...renderTimelineText(report.timeline)] : [];
    return `${[line, ...loginLines(report), ...(compared ? [compared] : []), ...(rec.length ? ['', ...rec] : []), ...timeline, ...testLogSection(report, c)].join('\n')}\n`;
  }
  // A verdict on part of the evidence says so in the first line, not only in the verdict under it.
  const partial = scopeNote(report);
  const server = serverLine(report);
  const out: string[] = [`${label(report.status, c)}${partial}  ${paint(c, '1', subjectLine(report))}`, `  ${checkedLine(report)}`, ...(server ? [`  ${server}`] : []), ...loginLines(report), `  ${report.verdict}`];
  report.findings.forEach((f) => out.push('', ...findingBlock(f, c, report.timeZone)));


  if (rec.length) out.push('', ...rec);
  if (problems.length) out.push('', paint(c, '1', 'Evidence that could not be used:'), ...problems.map((l) => `  - ${l}`));
  const skipped = skippedLines(report);
  if (skipped.length) out.push('', paint(c, '1', 'Not checked:'), ...skipped.map((l) => `  - ${l}`));
  const compared = comparedLine(report);
  if (compared) out.push('', compared);
  if (report.timeline) out.push('', ...renderTimelineText(report.timeline));
  out.push('', paint(c, '2', footer(report)), ...testLogSection(report, c));
  return `${out.join('\n')}\n`;
}
