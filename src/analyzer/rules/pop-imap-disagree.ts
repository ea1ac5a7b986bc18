import { defineRule } from '../define-rule.js';
import { imapOf, isInbox, popHiddenMail, popOf } from '../facts.js';
import { step } from '../steps.js';
import type { DisagreeReason } from '../types.js';

/**
 * Compares the two views of INBOX: POP3 STAT count and size against IMAP's INBOX count and STATUS SIZE, and
 * the POP3 UIDLs (when their format carries IMAP identities, e.g. Dovecot %08Xu%08Xv) against INBOX's
 * UIDVALIDITY and UIDNEXT. The probes run side by side, so mail arriving in between makes a small, harmless
 * difference: a UIDL beyond UIDNEXT counts as a sign of a different mailbox only beyond what such new mail
 * explains. Likely reasons, in order:
 *   pop-listing-inconsistent the POP3 session contradicts itself (UIDL or LIST count against STAT, a repeated
 *                           UIDL: snapshot anomalies): a POP client that keeps mail on the server tracks it by
 *                           those IDs, so it may skip messages or fetch them twice;
 *   different-mailbox       UIDVALIDITY differs, or more POP UIDs beyond IMAP's UIDNEXT than POP has extra messages;
 *   pop-hides-deleted       POP shows fewer, exactly as many fewer as IMAP has \Deleted (Dovecot serves them; some servers hide them);
 *   pop-deleted-flag        POP shows fewer, exactly as many fewer as INBOX has messages with a pop3_deleted_flag keyword
 *                           ($POP3Deleted): a POP client deleted them and Dovecot only hid them from POP; nothing is lost;
 *   changed-between-probes  any other count difference;
 *   size-accounting         same count, different total size.
 * Warning for the first three, info for the others. Not compared on Gmail, whose POP serves All Mail's messages
 * not yet downloaded by POP, not INBOX (see 'pop.inbox' in evidence.ts).
 */
export default defineRule({
  id: 'pop-imap-disagree',
  needs: ['imap', 'pop', 'pop.inbox'],
  defaults: {},
  docs: { summary: 'POP3 and IMAP show different INBOX contents (counts, sizes, UIDL versus UID), with the likely reason.' },
  check({ snapshot, report }) {
    const imap = imapOf(snapshot);
    const pop = popOf(snapshot);
    if (!imap || !pop) return;
    const popMessages = pop.stat.messages;
    const imapMessages = imap.inbox.messages;
    const messageDiff = popMessages - imapMessages;
    const imapSizeBytes = imap.folders.find((f) => isInbox(f.path))?.status?.sizeBytes ?? null;
    const sizeDiffBytes = imapSizeBytes === null ? null : pop.stat.sizeBytes - imapSizeBytes;
    const popUidValidity = pop.uidlMap?.uidValidity ?? null;
    const uidNext = imap.inbox.uidNext;
    // INBOX's UIDNEXT unknown: no UIDL is said to lie beyond it.
    const beyond = pop.uidlMap && uidNext !== null ? pop.uidlMap.uids.filter((u) => u !== null && u >= uidNext).length : null;
    const deleted = imap.inbox.flags.deleted;
    const hidden = popHiddenMail(imap);

    const popListingProblems = (snapshot.anomalies ?? []).filter((a) => a.protocol === 'pop3').map((a) => a.detail);
    const reasons: DisagreeReason[] = [];
    if (popListingProblems.length) {
      reasons.push('pop-listing-inconsistent');
    } else if ((popUidValidity !== null && imap.inbox.uidValidity !== null && popUidValidity !== imap.inbox.uidValidity) || (beyond !== null && beyond > Math.max(0, messageDiff))) {
      reasons.push('different-mailbox');
    } else if (messageDiff < 0 && deleted > 0 && -messageDiff === deleted) {
      reasons.push('pop-hides-deleted');
    } else if (messageDiff < 0 && hidden && -messageDiff === hidden.messages) {
      reasons.push('pop-deleted-flag');
    } else if (messageDiff !== 0) {
      reasons.push('changed-between-probes');
    } else if (sizeDiffBytes !== null && sizeDiffBytes !== 0) {
      reasons.push('size-accounting');
    }
    const reason = reasons[0];
    if (!reason) return;
    const serious = reason === 'different-mailbox' || reason === 'pop-hides-deleted' || reason === 'pop-listing-inconsistent';
    report({
      severity: serious ? 'warning' : 'info',
      evidence: {
        popMessages,
        imapMessages,
        messageDiff,
        popSizeBytes: pop.stat.sizeBytes,
        imapSizeBytes,
        sizeDiffBytes,
        popUidValidity,
        imapUidValidity: imap.inbox.uidValidity,
        popUidsBeyondImapUidNext: beyond,
        imapDeletedMessages: deleted,
        popListingProblems,
        likelyReasons: reasons,
        ...(hidden ? { popHidden: hidden } : {}),
      },
      steps:
        reason === 'pop-listing-inconsistent'
          ? [step('pop-listing-to-provider')]
          : reason === 'different-mailbox'
          ? [step('same-server-for-both')]
          : reason === 'pop-hides-deleted'
            ? [step('expunge-deleted', { deleted }), step('check-protocol-on-every-device')]
            : reason === 'pop-deleted-flag' && hidden
              ? [step('pop-deleted-still-in-inbox', { ...hidden, user: snapshot.account.user }), step('check-protocol-on-every-device')]
              : reason === 'changed-between-probes'
                ? [step('rerun-check')]
                : [],
    });
  },
});
