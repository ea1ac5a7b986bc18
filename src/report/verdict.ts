// The verdict: one sentence a support engineer can read out first.
import type { Finding, Status } from '../analyzer/types.js';
import { headline } from './findings/index.js';
import { plural } from './format.js';

const NAME = { imap: 'IMAP', pop: 'POP3' } as const;
type Coverage = { partial: boolean; observed: ('imap' | 'pop')[]; notProbed: ('imap' | 'pop')[]; failed: ('imap' | 'pop')[]; rulesNotRun: number; loginOnly?: true };

/** "Partial check (POP3 only; IMAP not probed; 12 checks not run)": what a verdict on part of the evidence rests on. */
export function partialNote(c: Coverage): string {
  const parts = [
    `${c.observed.map((p) => NAME[p]).join(' and ')} only`,
    ...c.notProbed.map((p) => `${NAME[p]} not probed`),
    ...c.failed.map((p) => `${NAME[p]} probe failed`),
    ...(c.rulesNotRun ? [`${plural(c.rulesNotRun, 'check')} not run`] : []),
  ];
  return `Partial check (${parts.join('; ')})`;
}

/**
 * "Only the logins were checked (the mailbox was not read; 13 checks not run)": a login-only check (check
 * --just-login) says first that a clean verdict is about the logins, never about the mail.
 */
export function loginOnlyNote(c: Coverage): string {
  const parts = [
    ...c.notProbed.map((p) => `${NAME[p]} not probed`),
    'the mailbox was not read',
    ...(c.rulesNotRun ? [`${plural(c.rulesNotRun, 'check')} not run`] : []),
  ];
  return `Only the ${c.observed.length + c.failed.length === 1 ? 'login was' : 'logins were'} checked (${parts.join('; ')})`;
}

export function verdictOf(status: Status, findings: Finding[], unknownReasons: string[], coverage?: Coverage): string {
  if (coverage?.loginOnly && status !== 'unknown') {
    const works = coverage.observed.length > 0 && !findings.some((f) => f.severity !== 'info');
    const logins = coverage.observed.map((p) => NAME[p]).join(' and ');
    const whole = works ? `the ${logins} login${coverage.observed.length === 1 ? ' works' : 's work'}${coverage.failed.length ? '' : '.'}` : verdictOfEvidence(status, findings, unknownReasons);
    const failed = works && coverage.failed.length ? `, the ${coverage.failed.map((p) => NAME[p]).join(' and ')} login failed.` : '';
    return `${loginOnlyNote(coverage)}: ${whole}${failed}`;
  }
  const whole = verdictOfEvidence(status, findings, unknownReasons);
  return coverage?.partial && status !== 'unknown' ? `${partialNote(coverage)}: ${whole}` : whole;
}

function verdictOfEvidence(status: Status, findings: Finding[], unknownReasons: string[]): string {
  const problems = findings.filter((f) => f.severity !== 'info');
  const notes = findings.length - problems.length;
  if (status === 'unknown') {
    return `Nothing could be checked reliably: ${unknownReasons.length ? unknownReasons.join('; ') : 'no protocol answered'}.`;
  }
  const top = problems[0];
  if (!top) return notes ? `No problems found (${plural(notes, 'note')}).` : 'No problems found.';
  const more = problems.length - 1;
  const h = headline(top);
  return more > 0 ? `${h.replace(/\.$/, '')} (and ${plural(more, 'more problem')}).` : h;
}
