// The verdict: one sentence a support engineer can read out first.
import type { Finding, FindingId, Status } from '../analyzer/types.js';
import { plural } from './format.js';

const HEADLINE: { [K in FindingId]: (f: Extract<Finding, { id: K }>) => string } = {
  'quota-near-limit': (f) =>
    f.evidence.ratio >= 1
      ? 'The mailbox is full, so the server refuses new mail.'
      : f.severity === 'critical'
        ? 'The mailbox is almost full; new mail will soon be refused.'
        : 'The mailbox is filling up.',
  'quota-rejected-mail': () => 'The server refused mail because the mailbox was full.',
  'quota-unknown': () => 'The server does not publish its storage limit.',
  'pop-deletes-mail': () => 'A POP client removes mail from the server after downloading it.',
  'mixed-protocol-use': () => 'Mail goes missing because POP and IMAP are both used on this mailbox.',
  'mail-hidden-from-pop': () => 'Recent mail sits in folders that a POP device never downloads.',
  'pop-imap-disagree': () => 'POP3 and IMAP do not show the same INBOX.',
  'pop-mailbox-locked': () => 'Another POP3 session is holding the mailbox.',
  'pop-server-expires-mail': () => "The server's POP3 policy removes downloaded mail or limits how often it can be fetched.",
  'deleted-not-expunged': () => 'Mail deleted in an IMAP client is still on the server.',
  'login-failed': () => 'The server refuses the login, so no device gets new mail.',
  'connect-failed': () => 'The mail server cannot be reached.',
  'tls-problem': (f) => (f.severity === 'critical' ? "The server's certificate is not valid, so devices may refuse to connect." : 'The connection security (TLS) needs attention.'),
  'no-recent-mail': () => 'No new mail has arrived for a while.',
  'mail-vanished': () => 'Mail disappeared from the server between two checks without being moved to any folder.',
  'uidvalidity-changed': () => 'The server reset the identity of every message: POP devices will download everything again.',
  'quota-filling': () => 'The mailbox is filling up and will be full soon.',
};

export function headline(f: Finding): string {
  return (HEADLINE[f.id] as (f: Finding) => string)(f);
}

const NAME = { imap: 'IMAP', pop: 'POP3' } as const;
type Coverage = { partial: boolean; observed: ('imap' | 'pop')[]; notProbed: ('imap' | 'pop')[]; failed: ('imap' | 'pop')[]; rulesNotRun: number };

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

export function verdictOf(status: Status, findings: Finding[], unknownReasons: string[], coverage?: Coverage): string {
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
