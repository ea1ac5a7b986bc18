// Markdown to paste into a ticket: the same content as the text report, with headings and lists.
// Anything that came from the server or the account (folder names, host names, server text) is escaped.
import { evidenceLines } from './findings/index.js';
import { comparedLine, evidenceProblemLines, numbered, scopeNote, SYMBOL, skippedLines } from './render-text.js';
import { renderTimelineMarkdown } from './render-timeline.js';
import { testLogLines } from './test-log.js';
import { checkedLine, loginLine, serverLine, subjectLine } from './subject.js';
import type { Report } from './types.js';

/** Escape the characters that would turn text into markup. */
export function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (ch) => `\\${ch}`);
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [
    `## maildoctor: ${SYMBOL[report.status]} ${report.status.toUpperCase()}${scopeNote(report)} for ${md(report.account.user)}`,
    '',
    [subjectLine(report), checkedLine(report), serverLine(report), loginLine(report)].filter((l) => l !== null).map(md).join(' · '),
    '',
    `**${md(report.verdict)}**`,
  ];
  if (report.findings.length) {
    out.push('', '| Severity | Finding | Id |', '| --- | --- | --- |');
    for (const f of report.findings) out.push(`| ${SYMBOL[f.severity]} ${f.severity} | ${md(f.title)} | \`${f.id}\` |`);
  }
  // Every finding with all of its steps: one finding pasted alone is complete.
  for (const f of report.findings) {
    out.push('', `### ${SYMBOL[f.severity]} ${f.severity.toUpperCase()}: ${md(f.title)}`, '');
    out.push(`\`${f.id}\`${f.confidence ? ` · confidence ${f.confidence}` : ''}`, '');
    out.push(`**Why:** ${md(f.explanation)}`);
    const ev = evidenceLines(f, report.timeZone);
    if (ev.length) out.push('', '**Evidence**', '', ...ev.map((l) => `- ${md(l)}`));
    if (f.steps.length) out.push('', '**What to do**', '', ...f.steps.map((s, n) => numbered(n + 1, md(s), '')));
  }
  const rec = report.recommendation;
  if (rec) {
    out.push('', `### Recommended protocol: ${rec.protocol === 'imap' ? 'IMAP' : 'POP3'}`, '', ...rec.reasons.map((r) => `- ${md(r)}`));
    if (rec.caveats.length) out.push('', '**Keep in mind**', '', ...rec.caveats.map((c) => `- ${md(c)}`));
  }
  const problems = evidenceProblemLines(report);
  if (problems.length) out.push('', '### Evidence that could not be used', '', ...problems.map((l) => `- ${md(l)}`));
  const skipped = skippedLines(report);
  if (skipped.length) out.push('', '### Not checked', '', ...skipped.map((l) => `- ${md(l)}`));
  const compared = comparedLine(report);
  if (compared) out.push('', md(compared));
  if (report.timeline) out.push('', ...renderTimelineMarkdown(report.timeline, md));
  out.push(
    '',
    `<sub>maildoctor ${md(report.tool.version)} · ${report.checked.length} checks · snapshot ${report.snapshotTakenAt} · IMAP ${report.probes.imap.state}, POP3 ${report.probes.pop.state}</sub>`,
  );
  if (report.testLog) {
    // A code block keeps the columns; its fence is longer than any run of backticks a server put into a line.
    const lines = testLogLines(report.testLog);
    const fence = '`'.repeat(Math.max(3, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length)) + 1)));
    out.push('', '### Test log', '', `${fence}text`, ...lines, fence);
  }
  return `${out.join('\n')}\n`;
}
