import { defineRule } from '../define-rule.js';
import { imapOf, popOf, quotaPressure } from '../facts.js';
import { step } from '../steps.js';

/**
 * INBOX messages carrying \Deleted that were never expunged: an IMAP client in "mark as deleted" mode
 * (POP3 DELE is applied at QUIT and never lingers). They still count against quota and a POP3 server still
 * lists them (Dovecot does). Fires from minMessages on. Warning when they matter: a POP client is seen, or
 * the quota is at quotaRatio or more; info otherwise.
 */
export default defineRule({
  id: 'deleted-not-expunged',
  needs: ['imap'],
  defaults: { minMessages: 10, quotaRatio: 0.8 },
  docs: { summary: 'Many INBOX messages flagged \\Deleted but never expunged: they still use quota and still download over POP.' },
  check({ snapshot, options, signs, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    const deleted = imap.inbox.flags.deleted;
    if (deleted < options.minMessages || deleted === 0) return;
    const pop = popOf(snapshot);
    const list = imap.inbox.messageList?.toArray() ?? null;
    const deletedBytes = list ? list.filter((m) => m.deleted).reduce((a, m) => a + m.sizeBytes, 0) : null;
    const quotaRatio = quotaPressure(imap);
    const popUseSeen = signs.pop.length > 0;
    const servedToPop = pop ? pop.stat.messages >= imap.inbox.messages : null;
    report({
      severity: popUseSeen || (quotaRatio !== null && quotaRatio >= options.quotaRatio) ? 'warning' : 'info',
      evidence: {
        deletedMessages: deleted,
        inboxMessages: imap.inbox.messages,
        deletedRatio: imap.inbox.messages ? deleted / imap.inbox.messages : 0,
        deletedBytes,
        servedToPop,
        quotaRatio,
        popUseSeen,
      },
      steps: [step('expunge-deleted', { deleted }), ...(servedToPop !== false ? [step('deleted-come-back-over-pop')] : [])],
    });
  },
});
