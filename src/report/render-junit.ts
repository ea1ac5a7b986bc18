// JUnit XML for CI: one testcase per rule that ran (a failure for each warning or critical finding; info
// findings pass and show in system-out), a skipped testcase per rule that could not run, an error for a rule
// that crashed. The JUnit dialect most CI systems read (Jenkins, GitLab, GitHub reporters).
import { evidenceLines } from './findings/index.js';
import { evidenceProblemLines, numbered } from './render-text.js';
import { loginLine, subjectLine } from './subject.js';
import { testLogLines } from './test-log.js';
import type { Report } from './types.js';

// XML 1.0 allows tab, LF, CR and these ranges; anything else (other control characters) is dropped.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xml(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function renderJunit(report: Report): string {
  const suite = `maildoctor ${report.account.user}`;
  const classname = `maildoctor.${report.account.user}`;
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const rule of report.checked) {
    const found = report.findings.filter((f) => f.id === rule);
    const failing = found.filter((f) => f.severity !== 'info');
    const open = `    <testcase classname="${xml(classname)}" name="${xml(rule)}" time="0">`;
    const body = found.map((f) =>
      [
        `[${f.severity}] ${f.title}`,
        `Why: ${f.explanation}`,
        ['Evidence:', ...evidenceLines(f, report.timeZone).map((l) => `- ${l}`)].join('\n'),
        ...(f.steps.length ? [['What to do:', ...f.steps.map((s, i) => numbered(i + 1, s, ''))].join('\n')] : []),
      ].join('\n\n'),
    );
    if (failing.length) {
      failures += 1;
      const worst = failing[0]!;
      cases.push(open, `      <failure message="${xml(worst.title)}" type="${worst.severity}">${xml(body.join('\n\n----\n\n'))}</failure>`, '    </testcase>');
    } else if (found.length) {
      cases.push(open, `      <system-out>${xml(body.join('\n\n----\n\n'))}</system-out>`, '    </testcase>');
    } else {
      cases.push(`${open}</testcase>`);
    }
  }
  for (const s of report.skipped) {
    const crashed = report.errors.find((e) => e.rule === s.rule);
    const open = `    <testcase classname="${xml(classname)}" name="${xml(s.rule)}" time="0">`;
    if (crashed) {
      errors += 1;
      cases.push(open, `      <error message="${xml(crashed.message)}" type="internal"/>`, '    </testcase>');
    } else {
      cases.push(open, `      <skipped message="${xml(s.reason)}"/>`, '    </testcase>');
    }
  }
  const tests = report.checked.length + report.skipped.length;
  const skipped = report.skipped.length - errors;
  const seconds = ((report.probes.imap.durationMs ?? 0) + (report.probes.pop.durationMs ?? 0)) / 1000;
  const problems = evidenceProblemLines(report);
  const counts = `tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="maildoctor" ${counts} time="${seconds}">`,
    `  <testsuite name="${xml(suite)}" ${counts} time="${seconds}" timestamp="${xml(report.generatedAt)}">`,
    '    <properties>',
    `      <property name="status" value="${report.status}"/>`,
    `      <property name="verdict" value="${xml(report.verdict)}"/>`,
    `      <property name="account" value="${xml(subjectLine(report))}"/>`,
    ...(report.account.authUser !== undefined ? [`      <property name="login" value="${xml(loginLine(report) ?? '')}"/>`] : []),
    `      <property name="checked" value="${xml(report.snapshotTakenAt)}"/>`,
    ...(report.coverage?.partial ? ['      <property name="partial" value="true"/>'] : []),
    ...(report.coverage?.loginOnly ? ['      <property name="loginOnly" value="true"/>'] : []),
    `      <property name="maildoctor.version" value="${xml(report.tool.version)}"/>`,
    ...(report.recommendation ? [`      <property name="recommended.protocol" value="${report.recommendation.protocol}"/>`] : []),
    '    </properties>',
    ...cases,
    ...(report.testLog ? [`    <system-out>${xml(['Test log:', ...testLogLines(report.testLog)].join('\n'))}</system-out>`] : []),
    ...(problems.length ? [`    <system-err>${xml(['Evidence that could not be used:', ...problems.map((l) => `- ${l}`)].join('\n'))}</system-err>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
