// The canary's part of the watch report: the JSON `canary` object and its text lines. Pure.
import { formatDuration } from '../watch/duration.js';
import type { CanaryObservation, CanaryOutcome, CanaryVerdict } from './classify.js';
import type { Removal } from './imap.js';

export interface CanaryReport {
  id: string;
  subject: string;
  /** false: the APPEND failed (then `error` says why and nothing was written). */
  written: boolean;
  error: string | null;
  uid: number | null;
  uidValidity: string | null;
  sizeBytes: number | null;
  appendedAt: string | null;
  outcome: CanaryOutcome;
  outcomeText: string;
  removedAfterSeconds: CanaryVerdict['removedAfterSeconds'];
  seenAfterSeconds: number | null;
  movedTo: string | null;
  sameStore: CanaryVerdict['sameStore'];
  /** POP3 listed the canary IMAP had written (by its UIDL → UID mapping): both serve the same mailbox. */
  sameStoreConfirmed: boolean;
  removal: Removal | { state: 'not-written' };
  observations: CanaryObservation[];
}

const SAME_STORE_TEXT: Record<CanaryVerdict['sameStore'], string> = {
  confirmed: 'POP3 listed the message IMAP wrote (matched by its UIDL): IMAP and POP3 serve the same mailbox',
  likely: 'POP3 listed a message of exactly its size (the UIDLs do not name IMAP UIDs): IMAP and POP3 very likely serve the same mailbox',
  contradicted: 'POP3 did not list the message IMAP wrote: POP3 may serve another mailbox (or hides new mail)',
  unknown: 'not shown: POP3 was not listed while the canary was in INBOX',
};

function removalText(r: CanaryReport['removal']): string {
  switch (r.state) {
    case 'removed':
      return 'removed by maildoctor at the end (UID STORE \\Deleted + UID EXPUNGE of its UID only)';
    case 'already-gone':
      return 'already gone at the end: nothing to remove';
    case 'left':
      return `left in INBOX: ${r.reason} (it is safe to delete)`;
    case 'failed':
      return `could not be removed: ${r.reason} (it is safe to delete by hand)`;
    case 'not-written':
      return 'nothing was written';
  }
}

export function canaryLines(c: CanaryReport): string[] {
  if (!c.written) return [`Canary ${c.id}: not written: ${c.error ?? 'unknown error'}`];
  const lines = [`Canary ${c.id} (UID ${c.uid} in INBOX, written ${c.appendedAt}): ${c.outcomeText}`];
  if (c.removedAfterSeconds) {
    const { atLeast, atMost } = c.removedAfterSeconds;
    lines.push(`  gone between ${formatDuration(atLeast * 1000)} and ${formatDuration(atMost * 1000)} after it was written`);
  }
  if (c.seenAfterSeconds !== null) lines.push(`  marked \\Seen within ${formatDuration(c.seenAfterSeconds * 1000)}`);
  if (c.movedTo) lines.push(`  found in folder ${c.movedTo}`);
  lines.push(`  same store: ${SAME_STORE_TEXT[c.sameStore]}`);
  lines.push(`  removal: ${removalText(c.removal)}`);
  return lines;
}
