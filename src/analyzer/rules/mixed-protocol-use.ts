import { defineRule } from '../define-rule.js';
import { step } from '../steps.js';
import { imapOf } from '../facts.js';
import { gmailCopies, microsoftPopFolder, serverIdentities } from '../server-identity.js';
import type { Confidence } from '../types.js';

/**
 * Fires when the same probe shows a POP client (mail deleted from INBOX without trace, a POP3 session holding
 * the mailbox, a LOGIN-DELAY refusal, read mail with no IMAP trace) AND an IMAP client (recent mail in Sent,
 * Drafts, Trash, Archive or user folders; \Answered, \Flagged, \Deleted or client keywords in INBOX).
 * See signs.ts for each sign's strength. Both sides need a strong sign: a weak one is explained without a
 * second reader (a LOGIN-DELAY refusal by our own previous run, recently filed folders by a server filter).
 * Confidence: high with two or more kinds of strong IMAP sign, medium with one (a single kind, such as a few
 * old \Flagged messages, may date from an earlier setup). Always critical: this is how mail goes missing.
 */
export default defineRule({
  id: 'mixed-protocol-use',
  needs: ['imap'],
  complete: ['imap.folders', 'imap.inboxUids', 'logs.pop3'],
  defaults: {},
  docs: { summary: 'Signs of a POP client and of IMAP clients on the same mailbox: the classic cause of missing mail.' },
  check({ snapshot, signs, report }) {
    const popStrong = signs.pop.some((s) => s.strength === 'strong');
    const imapStrongKinds = new Set(signs.imap.filter((s) => s.strength === 'strong').map((s) => s.kind));
    if (!popStrong || imapStrongKinds.size === 0) return;
    // The server log seeing both (deletions by POP3, IMAP logins from another address) is proof, not inference.
    const bothInLog = signs.pop.some((s) => s.kind === 'log-pop-deletes') && imapStrongKinds.has('log-imap-logins');
    const confidence: Confidence = imapStrongKinds.size >= 2 || bothInLog ? 'high' : 'medium';
    const strongFirst = <T extends { strength: string }>(xs: T[]) =>
      [...xs].sort((a, b) => (a.strength === b.strength ? 0 : a.strength === 'strong' ? -1 : 1));
    // On Gmail the account's POP setting decides what becomes of Gmail's copy, and POP hands a message out once.
    const imap = imapOf(snapshot);
    const gmail = serverIdentities(snapshot).provider === 'gmail' && imap !== null;
    // On Outlook a POP client's deletions may go to its POP folder: that is where the customer's mail is.
    const popFolder = signs.pop.some((s) => s.kind === 'pop-folder-recent') ? microsoftPopFolder(snapshot) : null;
    report({
      severity: 'critical',
      confidence,
      evidence: { popSigns: strongFirst(signs.pop), imapSigns: strongFirst(signs.imap), ...(gmail ? { provider: 'gmail' as const } : {}) },
      steps: [
        ...(gmail ? [step('gmail-pop-setting', gmailCopies(imap)), step('gmail-pop-once', { user: snapshot.account.user })] : []),
        ...(popFolder ? [step('microsoft-pop-folder', popFolder)] : []),
        step('check-protocol-on-every-device'),
        step('where-to-see-protocol'),
        step('imap-on-every-device'),
        step('move-pop-device-to-imap'),
        step('pop-only-on-one-device'),
      ],
    });
  },
});
