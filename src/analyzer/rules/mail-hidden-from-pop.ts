import { defineRule } from '../define-rule.js';
import { imapOf, isInbox, last7Days, role } from '../facts.js';
import { step } from '../steps.js';
import { microsoftPopFolder, serverIdentities } from '../server-identity.js';

/**
 * POP3 only ever serves INBOX. Mail from the last 7 days (INTERNALDATE, so the delivery time, kept on a move)
 * that sits in Junk or in user folders (where server filters file mail) never reaches a POP device.
 * Sent, Drafts, Trash, Archive and virtual folders are left out: people put mail there themselves.
 * Warning when the probe shows POP use (any POP sign); info when it shows neither POP nor a strong IMAP sign
 * (a POP device is possible; recently filed folders alone do not show an IMAP client, a server filter files
 * too); silent when only IMAP clients show (they see every folder).
 * Gmail's POP serves All Mail, labels included, but not Spam or Trash: there only Spam counts.
 */
const LEFT_OUT = ['sent', 'drafts', 'trash', 'archive', 'all', 'flagged', 'important'];

export default defineRule({
  id: 'mail-hidden-from-pop',
  needs: ['imap'],
  complete: ['imap.folders'],
  defaults: {},
  docs: { summary: 'Recent mail outside INBOX (Junk, filter folders) that a POP device never downloads.' },
  check({ snapshot, signs, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    const popUseSeen = signs.pop.length > 0;
    if (!popUseSeen && signs.imap.some((s) => s.strength === 'strong')) return;
    const gmail = serverIdentities(snapshot).provider === 'gmail';
    // Outlook's POP folder holds what the POP client already downloaded and deleted: not hidden from it.
    const popFolder = microsoftPopFolder(snapshot)?.folder ?? null;
    const folders = imap.folders
      .filter((f) => f.selectable && !isInbox(f.path) && f.path !== popFolder && !LEFT_OUT.includes(role(f) ?? '') && last7Days(f) > 0 && (!gmail || role(f) === 'junk'))
      .sort((a, b) => Number(role(b) === 'junk') - Number(role(a) === 'junk') || last7Days(b) - last7Days(a) || a.path.localeCompare(b.path))
      .map((f) => ({ folder: f.path, specialUse: f.specialUse, last7Days: last7Days(f), last1Day: f.activity?.ages.lt1d ?? 0 }));
    if (folders.length === 0) return;
    report({
      severity: popUseSeen ? 'warning' : 'info',
      evidence: {
        last7Days: folders.reduce((a, f) => a + f.last7Days, 0),
        folders,
        popUseSeen,
        popSigns: signs.pop.map((s) => s.kind),
        ...(gmail ? { provider: 'gmail' as const } : {}),
      },
      steps: [step('look-in-junk-and-filters', { folders }), ...(gmail ? [] : [step('pop-sees-inbox-only')])],
    });
  },
});
