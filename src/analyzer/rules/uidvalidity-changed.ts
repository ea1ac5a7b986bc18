import { defineRule } from '../define-rule.js';
import { step } from '../steps.js';

/**
 * Two probes of one account (history): INBOX's UIDVALIDITY differs, so every UID (and the POP3 UIDL made
 * from it) changed. IMAP clients resync; POP clients take every message for new and download it again
 * (duplicates). Usually a restore, migration or rebuilt index on the server. Always a warning.
 */
export default defineRule({
  id: 'uidvalidity-changed',
  needs: ['imap', 'previous.imap', 'imap.inboxUids', 'previous.inboxUids'],
  defaults: {},
  docs: { summary: "INBOX's UIDVALIDITY changed since the previous probe: POP clients will download everything again." },
  check({ snapshot, previous, signs, report }) {
    if (!previous?.imap?.ok || !snapshot.imap?.ok) return;
    const before = previous.imap.evidence.inbox;
    const now = snapshot.imap.evidence.inbox;
    if (before.uidValidity === null || now.uidValidity === null || before.uidValidity === now.uidValidity) return;
    report({
      severity: 'warning',
      evidence: {
        folder: 'INBOX',
        previousUidValidity: before.uidValidity,
        uidValidity: now.uidValidity,
        previousTakenAt: previous.takenAt,
        previousMessages: before.messages,
        messages: now.messages,
        popUseSeen: signs.pop.length > 0,
      },
      steps: [step('pop-redownloads-all'), step('uidvalidity-ask-provider')],
    });
  },
});
