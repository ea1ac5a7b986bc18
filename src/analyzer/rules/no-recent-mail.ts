import { defineRule } from '../define-rule.js';
import { ageSeconds, imapOf, isInbox, role } from '../facts.js';
import { step } from '../steps.js';
import { DAY_SECONDS } from '../facts.js';

/**
 * The newest INTERNALDATE (delivery time, kept when mail is moved) over INBOX and every folder mail arrives
 * in or is moved to (all but Sent and Drafts) is older than quietDays. Not judged when INBOX is empty or
 * shows the removal pattern of pop-deletes-mail: then new mail may arrive and leave before the probe sees
 * it. Info: a quiet mailbox can be normal; it points the search at delivery, not at the devices.
 */
export default defineRule({
  id: 'no-recent-mail',
  needs: ['imap'],
  complete: ['imap.folders', 'imap.inboxUids'],
  defaults: { quietDays: 7 },
  docs: { summary: 'No mail arrived in any folder for a while: look at delivery (MX, forwarding, quota), not at the devices.' },
  check({ snapshot, options, now, signs, report }) {
    const imap = imapOf(snapshot);
    if (!imap || imap.inbox.messages === 0 || !imap.inbox.newestInternalDate) return;
    if (signs.pop.some((s) => s.kind === 'removed-without-trace')) return;
    let newest = { folder: 'INBOX', at: Date.parse(imap.inbox.newestInternalDate) };
    for (const f of imap.folders) {
      if (!f.selectable || isInbox(f.path) || role(f) === 'sent' || role(f) === 'drafts') continue;
      const at = f.activity?.newestInternalDate ? Date.parse(f.activity.newestInternalDate) : null;
      if (at !== null && at > newest.at) newest = { folder: f.path, at };
    }
    const newestAgeSeconds = ageSeconds(new Date(newest.at).toISOString(), now);
    if (newestAgeSeconds < options.quietDays * DAY_SECONDS) return;
    report({
      severity: 'info',
      evidence: { newestAgeSeconds, newestFolder: newest.folder, quietDays: options.quietDays, inboxMessages: imap.inbox.messages },
      steps: [step('test-delivery', { quietDays: options.quietDays })],
    });
  },
});
