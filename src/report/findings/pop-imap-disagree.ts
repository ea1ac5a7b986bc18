import { bytes, count, plural } from '../format.js';
import type { FindingWords } from '../types.js';
import type { DisagreeReason } from '../../analyzer/types.js';

const DISAGREE_REASON_TEXT: Record<DisagreeReason, string> = {
  'pop-listing-inconsistent':
    'the POP3 server contradicts itself within one session (its message list does not match its own count, or two messages share an ID): POP clients that keep mail on the server track messages by those IDs and may skip some or fetch them twice.',
  'different-mailbox':
    'POP3 and IMAP do not read the same mailbox (the UIDVALIDITY or UIDs in the POP3 UIDLs do not match INBOX): the server names on the devices may lead to different servers, for example an old one after a move.',
  'pop-hides-deleted':
    'the difference equals the messages IMAP shows as marked deleted: this server hides those from POP3, so a POP device and an IMAP device disagree about what is in INBOX.',
  'pop-deleted-flag':
    'the difference equals the INBOX messages carrying the server\'s "deleted over POP" keyword (Dovecot\'s pop3_deleted_flag): a POP client deleted them, and this server only hides them from POP. They are not lost: IMAP and webmail still show them in INBOX.',
  'changed-between-probes': 'mail arrived or was removed between the IMAP and the POP3 reads (they run side by side, a moment apart).',
  'size-accounting': 'the server counts message sizes differently for POP3 and IMAP (for example line endings); harmless on its own.',
};

const words: FindingWords<'pop-imap-disagree'> = {
  title: (e) => {
    if (e.likelyReasons.includes('pop-listing-inconsistent')) {
      return `The POP3 server's message list contradicts itself (${e.popListingProblems[0] ?? 'see the evidence'})`;
    }
    if (e.likelyReasons.includes('different-mailbox')) {
      return `POP3 and IMAP seem to read different mailboxes (POP3: ${plural(e.popMessages, 'message')}, IMAP INBOX: ${count(e.imapMessages)})`;
    }
    if (e.likelyReasons.includes('pop-deleted-flag') && e.popHidden) {
      return `POP3 lists ${plural(e.popMessages, 'message')}, IMAP shows ${count(e.imapMessages)} in INBOX: ${count(e.popHidden.messages)} deleted over POP ${e.popHidden.messages === 1 ? 'is' : 'are'} only hidden from POP, not lost`;
    }
    if (e.messageDiff !== 0) {
      return `POP3 lists ${plural(e.popMessages, 'message')}, but IMAP shows ${count(e.imapMessages)} in INBOX`;
    }
    return `POP3 and IMAP report different INBOX sizes (${bytes(e.popSizeBytes)} vs ${bytes(e.imapSizeBytes ?? 0)})`;
  },
  explanation: (e) =>
    `Both should show the same INBOX. Likely reason: ${e.likelyReasons.map((r) => DISAGREE_REASON_TEXT[r]).join(' Or: ')}`,
  headline: () => 'POP3 and IMAP do not show the same INBOX.',
  evidence: (e) => [
    `POP3: ${plural(e.popMessages, 'message')}, ${bytes(e.popSizeBytes)}`,
    `IMAP INBOX: ${plural(e.imapMessages, 'message')}${e.imapSizeBytes !== null ? `, ${bytes(e.imapSizeBytes)}` : ''}${e.imapDeletedMessages ? ` (${count(e.imapDeletedMessages)} marked deleted)` : ''}`,
    ...(e.popUidValidity !== null ? [`UIDVALIDITY: POP3 UIDLs ${e.popUidValidity}, IMAP INBOX ${e.imapUidValidity ?? 'unknown (the server sent none)'}`] : []),
    ...(e.popUidsBeyondImapUidNext ? [`POP3 messages with a UID IMAP has not assigned yet: ${count(e.popUidsBeyondImapUidNext)}`] : []),
    ...(e.popHidden ? [`INBOX messages with the keyword ${e.popHidden.keyword} (deleted over POP, hidden from POP, still in INBOX): ${count(e.popHidden.messages)}`] : []),
    ...e.popListingProblems.map((p) => `POP3 listing: ${p}`),
    `Likely reason: ${e.likelyReasons.join(', ')}`,
  ],
};

export default words;
