import { defineRule } from '../define-rule.js';
import { runs } from '../server-identity.js';
import { imapOf, popHiddenMail } from '../facts.js';
import { removedAtLeast } from '../signs.js';
import { step } from '../steps.js';
import { AGE_CLUSTER_DEFAULTS, vanishAgeCluster } from '../vanish-ages.js';

/**
 * Two probes of one account (history): INBOX messages of the earlier probe that are gone now and are in no
 * folder. A message moved by an IMAP client shows up in another folder above that folder's earlier UIDNEXT;
 * repeat probes report the Message-ID hashes found there (Folder.arrivals), so each gone message is looked
 * up. Where a folder could not be searched, its UIDNEXT growth bounds how many may have gone there and the
 * count becomes a lower bound. Messages flagged \Deleted at the earlier probe are an IMAP client deleting and
 * are not counted. Critical when an IMAP client is also seen (its user never gets that mail), else warning.
 * Without history (no earlier probe) it finds nothing.
 * When most vanished messages went at one age (vanishAgeCluster: N±1 days, while younger mail stayed), the
 * finding names a POP client's "remove from server after N days". INBOX messages with a pop3_deleted_flag keyword
 * mean POP deletes only hide mail on this server, and on Cyrus the administrator may still recover what went
 * (delayed expunge): the finding then says so.
 */
export default defineRule({
  id: 'mail-vanished',
  needs: ['imap', 'previous.imap', 'previous.inboxList', 'imap.inboxUids', 'previous.inboxUids'],
  complete: ['imap.folders'],
  defaults: { minMessages: 1, ...AGE_CLUSTER_DEFAULTS },
  docs: { summary: 'Mail that left INBOX between two probes and went to no folder: a POP client downloading and deleting, proven.' },
  check({ snapshot, previous, signs, options, now, vanished: v, report }) {
    const imap = imapOf(snapshot);
    if (!previous || !imap) return;
    if (!v || v.vanished.length === 0 || v.vanished.length < options.minMessages) return;
    const imapUseSeen = signs.imap.some((s) => s.strength === 'strong');
    const dates = v.vanished.map((m) => m.internalDate).sort();
    const from = previous.takenAt;
    const to = snapshot.takenAt;
    const ageCluster = vanishAgeCluster(v.vanished, from, to, imap.inbox.messageList, options);
    const hidden = popHiddenMail(imap);
    const cyrus = runs(snapshot, 'cyrus');
    report({
      severity: imapUseSeen ? 'critical' : 'warning',
      confidence: v.method === 'message-id' ? 'high' : 'medium',
      evidence: {
        vanishedMessages: v.vanished.length,
        vanishedBytes: v.vanished.reduce((a, m) => a + m.sizeBytes, 0),
        atLeast: v.method === 'uidnext-bound' || v.unmatchedArrivals > 0,
        method: v.method,
        seenBefore: v.vanished.filter((m) => m.seen).length,
        goneFromInbox: v.goneFromInbox,
        movedMessages: v.moved,
        expungedAfterDeleteFlag: v.expungedAfterDeleteFlag,
        fromTakenAt: from,
        toTakenAt: to,
        windowSeconds: Math.round((Date.parse(to) - Date.parse(from)) / 1000),
        oldestInternalDate: dates[0] ?? null,
        newestInternalDate: dates[dates.length - 1] ?? null,
        imapUseSeen,
        ...(hidden ? { popHidden: hidden } : {}),
        ...(cyrus ? { server: 'cyrus' as const } : {}),
        ...(ageCluster ? { ageCluster } : {}),
      },
      steps: [
        step('vanished-window', { count: v.vanished.length, fromTakenAt: from, toTakenAt: to }),
        ...(ageCluster ? [step('pop-remove-after-days', { days: ageCluster.days, messages: ageCluster.messages, ofVanished: ageCluster.ofVanished })] : []),
        ...(hidden ? [step('pop-deleted-still-in-inbox', { ...hidden, user: snapshot.account.user })] : []),
        // the count pop-deletes-mail gives too: one number for one loss
        step('find-pop-collector', { removed: removedAtLeast(imap, now, snapshot.logs, v), onlyIfUnknown: false }),
        step('check-protocol-on-every-device'),
        ...(imapUseSeen ? [step('imap-on-every-device'), step('move-pop-device-to-imap')] : [step('pop-leave-copy', { oldestAgeDays: null })]),
        ...(cyrus ? [step('cyrus-unexpunge', { user: snapshot.account.user })] : []),
      ],
    });
  },
});
