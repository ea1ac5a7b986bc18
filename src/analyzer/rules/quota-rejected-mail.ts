import { defineRule } from '../define-rule.js';
import { ageSeconds, imapOf, largestFolders, worstResource } from '../facts.js';
import { step } from '../steps.js';
import { runs } from '../server-identity.js';

/**
 * Reads the server log (check --log): deliveries Dovecot refused because the mailbox was over quota, from LMTP
 * or LDA ("save failed to INBOX: Quota exceeded", 552 5.2.2) or from Postfix relaying that answer (bounced with
 * 552 5.2.2, deferred with 452 4.2.2). Always critical: this mail is not anywhere the customer can look.
 * Needs no probe evidence (rules cannot declare "logs" as a need): without a log it finds nothing.
 */
export default defineRule({
  id: 'quota-rejected-mail',
  needs: ['logs'],
  complete: ['logs.deliveries'],
  defaults: {},
  docs: { summary: 'The server log shows deliveries refused because the mailbox was over quota: that mail bounced.' },
  check({ snapshot, now, report }) {
    const logs = snapshot.logs;
    if (!logs || logs.deliveries.quotaRefused === 0) return;
    const d = logs.deliveries;
    const imap = imapOf(snapshot);
    const storage = imap ? worstResource(imap.quota, 'STORAGE') ?? worstResource(imap.quota) : null;
    report({
      severity: 'critical',
      confidence: 'high',
      evidence: {
        refused: d.quotaRefused,
        deferred: d.quotaDeferred,
        firstRefused: d.firstRefused,
        lastRefused: d.lastRefused,
        lastRefusedAgeSeconds: d.lastRefused ? ageSeconds(d.lastRefused, now) : null,
        quotaRatio: storage?.ratio ?? null,
        logFiles: logs.files.map((f) => f.path),
      },
      steps: [
        step('ask-senders-to-resend', { refused: d.quotaRefused, firstRefused: d.firstRefused, lastRefused: d.lastRefused }),
        ...(imap
          ? [step('quota-clean', { folders: largestFolders(imap, 4, { trashOutsideQuota: runs(snapshot, 'courier') }), ...(runs(snapshot, 'courier') ? { trashOutsideQuota: true } : {}) })]
          : []),
        step('quota-raise'),
      ],
    });
  },
});
