import { defineRule } from '../define-rule.js';
import { imapOf, inboxLedger, popHiddenMail } from '../facts.js';
import type { LogEvidence } from '../../snapshot/schema.js';
import type { PopLogProof } from '../types.js';
import { imapClientSeen, REMOVAL_DEFAULTS, removalPattern, removedAtLeast, type RemovalPattern } from '../signs.js';
import { step } from '../steps.js';
import { gmailCopies, serverIdentities, runs } from '../server-identity.js';
import { DAY_SECONDS } from '../facts.js';

/**
 * One-probe evidence that a client deletes INBOX mail after download (see removalPattern in signs.ts):
 *  - INBOX UIDNEXT-1 (what it ever took in under this UIDVALIDITY) is far above what it holds;
 *  - the other folders' UIDNEXT-1 summed bounds what can have been moved out (a move takes a UID in the
 *    target folder, and that UIDNEXT never goes back even after the target is emptied), so what left beyond
 *    that bound was deleted outright: at least minRemoved messages and minRemovedRatio of the intake;
 *  - INBOX holds nothing older than maxOldestAgeDays (a POP client empties it, at once or after N days;
 *    an IMAP user who deletes permanently still keeps older mail).
 * Info when no IMAP client shows (one POP device is fine); warning when IMAP clients are seen as well
 * (mixed-protocol-use then says the critical part).
 * With --log, POP3 logout lines with del>0 are direct proof: the rule then fires whatever the ledger shows
 * (its numbers still reported, without thresholds) with confidence high, and names the device's address.
 * INBOX messages with a pop3_deleted_flag keyword (popHiddenMail) are what POP "deleted" on a Dovecot that only
 * hides it: the finding then says where that mail is. On Cyrus (delayed expunge by default) the administrator may
 * still recover what was deleted: a step says how.
 */
function logProof(logs: LogEvidence | null | undefined): PopLogProof | null {
  if (!logs || logs.pop.deletedMessages === 0) return null;
  return {
    popSessions: logs.pop.sessions,
    sessionsWithDeletes: logs.pop.sessionsWithDeletes,
    retrMessages: logs.pop.retrMessages,
    deletedMessages: logs.pop.deletedMessages,
    deletedBytes: logs.pop.deletedBytes,
    pollIntervalSeconds: logs.pop.pollIntervalSeconds,
    popIps: logs.logins.filter((l) => l.protocol === 'pop3').map((l) => l.ip),
    firstSession: logs.pop.first,
    lastDelete: logs.pop.lastDelete,
  };
}

/** The ledger as it stands, without the thresholds (used when the log already proves the deletions). */
function ledgerPattern(imap: NonNullable<ReturnType<typeof imapOf>>, now: Date): RemovalPattern | null {
  const any = removalPattern(imap, now, { minRemoved: 0, minRemovedRatio: 0, maxOldestAgeDays: Number.POSITIVE_INFINITY });
  if (any) return any;
  const l = inboxLedger(imap);
  // Without INBOX's UIDNEXT and UIDVALIDITY there is no ledger to state (the rule is then not a pass either).
  if (!l || imap.inbox.uidValidity === null) return null;
  const oldest = imap.inbox.oldestInternalDate;
  return {
    inboxUidValidity: imap.inbox.uidValidity,
    inboxReceived: l.received,
    inboxMessages: l.held,
    leftInbox: l.leftInbox,
    otherFoldersReceived: l.otherFoldersReceived ?? 0,
    removedWithoutTrace: l.removedWithoutTrace ?? 0,
    removedRatio: l.received ? (l.removedWithoutTrace ?? 0) / l.received : 0,
    oldestAgeSeconds: oldest ? Math.floor((now.getTime() - Date.parse(oldest)) / 1000) : null,
  };
}

export default defineRule({
  id: 'pop-deletes-mail',
  needs: ['imap'],
  complete: ['imap.folders', 'imap.inboxUids', 'logs.pop3'],
  defaults: { ...REMOVAL_DEFAULTS },
  docs: { summary: 'INBOX took in far more mail than it holds, and the rest went to no folder: something deletes mail after download.' },
  check({ snapshot, options, now, signs, vanished, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    const proof = logProof(snapshot.logs);
    const pattern = removalPattern(imap, now, options) ?? (proof ? ledgerPattern(imap, now) : null);
    if (!pattern) return;
    const imapSeen = imapClientSeen(signs);
    // The log's or the history's count when it is higher: what the ledger cannot see (deleted, then counted again
    // by later mail). mail-vanished states the same number.
    const removed = removedAtLeast(imap, now, snapshot.logs, vanished, pattern);
    const oldestAgeDays = pattern.oldestAgeSeconds === null ? null : Math.floor(pattern.oldestAgeSeconds / DAY_SECONDS);
    // Gmail: the POP setting, not the client, removes mail from INBOX (archive or trash).
    const gmail = serverIdentities(snapshot).provider === 'gmail';
    const hidden = popHiddenMail(imap);
    const cyrus = runs(snapshot, 'cyrus');
    report({
      severity: imapSeen ? 'warning' : 'info',
      confidence: proof ? 'high' : 'medium',
      evidence: {
        ...pattern,
        imapClientSeen: imapSeen,
        ...(proof ? { fromLog: proof } : {}),
        ...(gmail ? { provider: 'gmail' as const } : {}),
        ...(hidden ? { popHidden: hidden } : {}),
        ...(cyrus ? { server: 'cyrus' as const } : {}),
      },
      steps: [
        ...(gmail ? [step('gmail-pop-setting', gmailCopies(imap))] : []),
        ...(hidden ? [step('pop-deleted-still-in-inbox', { ...hidden, user: snapshot.account.user })] : []),
        ...(proof && proof.popIps.length ? [step('find-pop-device-by-ip', { ips: proof.popIps, pollIntervalSeconds: proof.pollIntervalSeconds })] : []),
        ...(imapSeen
        ? [step('find-pop-collector', { removed, onlyIfUnknown: false }), step('pop-leave-copy', { oldestAgeDays })]
        : [
            step('pop-single-device-is-fine'),
            step('pop-leave-copy', { oldestAgeDays }),
            step('find-pop-collector', { removed, onlyIfUnknown: true }),
          ]),
        ...(cyrus ? [step('cyrus-unexpunge', { user: snapshot.account.user })] : []),
      ],
    });
  },
});
