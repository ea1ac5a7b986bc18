// Which INBOX messages both protocols are asked about when POP3 is read without its full listings: a fixed rule
// of the message count alone, so the POP3 session (from STAT) and the IMAP session (from EXISTS) pick the same
// sequence numbers without talking to each other. POP3 message n and IMAP sequence number n are the same message
// when both see the same INBOX (both number the messages in arrival order, 1 upwards).
import type { ImapEvidence, Pop3Evidence } from '../snapshot/schema.js';

/** How many messages the sample holds at most. */
export const POP_SAMPLE_SIZE = 24;

/** Message numbers to sample out of `count`: every one up to POP_SAMPLE_SIZE, else first, last and evenly spaced. */
export function popSampleNumbers(count: number): number[] {
  if (!Number.isSafeInteger(count) || count <= 0) return [];
  if (count <= POP_SAMPLE_SIZE) return Array.from({ length: count }, (_, i) => i + 1);
  const out: number[] = [];
  for (let i = 0; i < POP_SAMPLE_SIZE; i++) {
    const n = 1 + Math.round((i * (count - 1)) / (POP_SAMPLE_SIZE - 1));
    if (out[out.length - 1] !== n) out.push(n);
  }
  return out;
}


/**
 * Whether a sampled POP3 listing and IMAP's INBOX show the same mailbox, and if not, the first difference:
 *   counts-disagree    STAT's count is not EXISTS;
 *   sizes-disagree     STAT's size is not INBOX's STATUS SIZE (when the server gives it);
 *   sample-disagrees   a sampled message has another size, or its UIDL names another UID or UIDVALIDITY.
 * null when they agree (UIDs are compared only when the UIDL format maps to them: an unknown format compares
 * counts and sizes only). Decides whether the full listing is read to explain the difference.
 */
export function popSampleDisagrees(pop: Pop3Evidence, imap: ImapEvidence): NonNullable<Pop3Evidence['fullListingReason']> | null {
  if (pop.stat.messages !== imap.inbox.messages) return 'counts-disagree';
  const statusSize = imap.folders.find((f) => f.path.toUpperCase() === 'INBOX')?.status?.sizeBytes ?? null;
  if (statusSize !== null && statusSize !== pop.stat.sizeBytes) return 'sizes-disagree';
  const theirs = new Map((imap.inbox.popSample ?? []).map((m) => [m.seq, m]));
  const map = pop.uidlMap;
  if (map?.uidValidity != null && map.uidValidity !== imap.inbox.uidValidity && pop.messages.length > 0) return 'sample-disagrees';
  for (let i = 0; i < pop.messages.length; i++) {
    const mine = pop.messages[i]!;
    const other = theirs.get(mine.n);
    // Not fetched on the IMAP side: nothing to compare, so nothing can be said to agree.
    if (!other || other.sizeBytes === null) return 'sample-disagrees';
    if (other.sizeBytes !== mine.sizeBytes) return 'sample-disagrees';
    const uid = map ? map.uids[i] : undefined;
    if (uid != null && uid !== other.uid) return 'sample-disagrees';
  }
  return null;
}
