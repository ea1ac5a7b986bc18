// Evidence as lines a person reads, per finding id (a missing id does not compile). The JSON keeps the raw
// numbers; text and markdown show these.
import type { Finding, FindingId, ProbeFailure, Sign } from '../analyzer/types.js';
import { POP_SIGN_LABEL, PROBE_ERROR_TEXT, PROTOCOL_NAME, SIGN_TEXT } from './wording.js';
import { bytes, count, duration, percent, plural, zonedTime } from './format.js';

type Lines<K extends FindingId> = (e: Extract<Finding, { id: K }>['evidence'], at: (iso: string) => string) => string[];

function folderLine(fs: { folder: string; messages: number; sizeBytes: number | null }[]): string[] {
  if (!fs.length) return [];
  return [`Largest folders: ${fs.map((f) => `${f.folder} ${f.sizeBytes !== null ? `${bytes(f.sizeBytes)} / ` : ''}${plural(f.messages, 'message')}`).join('; ')}`];
}

function failureLine(f: ProbeFailure): string {
  const where = `${PROTOCOL_NAME[f.protocol]} ${f.host ?? '?'}:${f.port ?? '?'}`;
  const what = `${PROBE_ERROR_TEXT[f.kind]}${f.step ? ` at ${f.step}` : ''}${f.code ? ` (${f.code})` : ''}`;
  return `${where}: ${what}; ${f.serverText ? `server said: ${f.serverText}` : f.message}`;
}

function signLine(side: string, s: Sign): string {
  return `${side}: ${SIGN_TEXT[s.kind](s)}${s.strength === 'weak' ? ' (weak sign)' : ''}`;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

export const EVIDENCE_LINES: { [K in FindingId]: Lines<K> } = {
  'quota-near-limit': (e) => [
    ...(e.usedBytes !== null && e.limitBytes !== null ? [`Storage: ${bytes(e.usedBytes)} of ${bytes(e.limitBytes)} (${percent(e.storageRatio ?? 0)})`] : []),
    ...(e.usedMessages !== null && e.limitMessages !== null ? [`Messages: ${count(e.usedMessages)} of ${count(e.limitMessages)} (${percent(e.messagesRatio ?? 0)})`] : []),
    `Thresholds: warning at ${percent(e.warnRatio)}, critical at ${percent(e.critRatio)}`,
    ...folderLine(e.largestFolders),
    `Source: ${e.source}, quota root "${e.quotaRoot}"`,
  ],
  'quota-rejected-mail': (e) => [
    `Refused for quota: ${count(e.refused)}${e.deferred ? ` (${count(e.deferred)} deferred with 452 4.2.2)` : ''}, first ${e.firstRefused ?? '?'}, last ${e.lastRefused ?? '?'}`,
    ...(e.quotaRatio !== null ? [`Storage use now: ${percent(e.quotaRatio)}`] : []),
    `Log files: ${e.logFiles.join(', ')}`,
  ],
  'quota-unknown': (e) => [
    `IMAP QUOTA: ${e.quotaSupported ? 'offered, but no limit set' : 'not offered by the server'}`,
    `All folders: ${e.totalSizeBytes !== null ? `${bytes(e.totalSizeBytes)} in ` : ''}${plural(e.totalMessages, 'message')}${e.foldersWithoutSize ? ` (${plural(e.foldersWithoutSize, 'folder')} without a size)` : ''}`,
    ...folderLine(e.largestFolders),
  ],
  'pop-deletes-mail': (e) => [
    `INBOX took in about ${count(e.inboxReceived)} messages (UIDNEXT-1 under UIDVALIDITY ${e.inboxUidValidity}) and holds ${count(e.inboxMessages)}`,
    `${count(e.leftInbox)} left INBOX; all other folders together took in at most ${count(e.otherFoldersReceived)}`,
    `So at least ${count(e.removedWithoutTrace)} were deleted outright (${percent(e.removedRatio)} of what arrived)`,
    e.oldestAgeSeconds === null ? 'INBOX is empty' : `Oldest message in INBOX: ${duration(e.oldestAgeSeconds)} old`,
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
    ...(e.fromLog
      ? [
          `Server log: ${plural(e.fromLog.popSessions, 'POP3 session')} from ${e.fromLog.popIps.join(', ') || '?'}, ${count(e.fromLog.retrMessages)} downloaded, ${count(e.fromLog.deletedMessages)} deleted${e.fromLog.deletedBytes !== null ? ` (${bytes(e.fromLog.deletedBytes)})` : ''} in ${plural(e.fromLog.sessionsWithDeletes, 'session')}`,
          ...(e.fromLog.pollIntervalSeconds !== null ? [`Polls about every ${duration(e.fromLog.pollIntervalSeconds)}; last deletion ${e.fromLog.lastDelete ?? '?'}`] : []),
        ]
      : []),
  ],
  'mixed-protocol-use': (e) => [...e.popSigns.map((s) => signLine('POP', s)), ...e.imapSigns.map((s) => signLine('IMAP', s))],
  'mail-hidden-from-pop': (e) => [
    ...e.folders.map((f) => `${f.folder}: ${count(f.last7Days)} in the last 7 days (${count(f.last1Day)} in the last day)`),
    `POP use seen: ${e.popUseSeen ? `yes (${e.popSigns.map((k) => POP_SIGN_LABEL[k]).join('; ')})` : 'no'}`,
  ],
  'pop-imap-disagree': (e) => [
    `POP3: ${plural(e.popMessages, 'message')}, ${bytes(e.popSizeBytes)}`,
    `IMAP INBOX: ${plural(e.imapMessages, 'message')}${e.imapSizeBytes !== null ? `, ${bytes(e.imapSizeBytes)}` : ''}${e.imapDeletedMessages ? ` (${count(e.imapDeletedMessages)} marked deleted)` : ''}`,
    ...(e.popUidValidity !== null ? [`UIDVALIDITY: POP3 UIDLs ${e.popUidValidity}, IMAP INBOX ${e.imapUidValidity}`] : []),
    ...(e.popUidsBeyondImapUidNext ? [`POP3 messages with a UID IMAP has not assigned yet: ${count(e.popUidsBeyondImapUidNext)}`] : []),
    ...e.popListingProblems.map((p) => `POP3 listing: ${p}`),
    `Likely reason: ${e.likelyReasons.join(', ')}`,
  ],
  'pop-mailbox-locked': (e) => [
    `POP3 login answer: ${e.serverText ?? e.message}${e.code ? ` (code ${e.code})` : ''}`,
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
  ],
  'pop-server-expires-mail': (e) => [
    ...(e.expireDays !== null ? [`CAPA EXPIRE ${e.expireDays}: downloaded mail is deleted ${e.expireDays === 0 ? 'at once' : `after ${plural(e.expireDays, 'day')}`}`] : []),
    ...(e.loginDelaySeconds !== null ? [`CAPA LOGIN-DELAY ${e.loginDelaySeconds}: one login every ${duration(e.loginDelaySeconds)}`] : []),
    ...(e.loginDelayRefused ? ['The probe\'s login was refused with [LOGIN-DELAY]'] : []),
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
  ],
  'deleted-not-expunged': (e) => [
    `Marked deleted: ${count(e.deletedMessages)} of ${plural(e.inboxMessages, 'INBOX message')} (${percent(e.deletedRatio)})`,
    ...(e.deletedBytes !== null ? [`Their size: ${bytes(e.deletedBytes)}`] : []),
    ...(e.servedToPop !== null ? [`POP3 lists them too: ${yesNo(e.servedToPop)}`] : []),
    ...(e.quotaRatio !== null ? [`Quota use: ${percent(e.quotaRatio)}`] : []),
  ],
  'login-failed': (e) => [...e.failures.map(failureLine), ...(e.otherProtocolWorks ? ['The other protocol logged in with the same credentials'] : [])],
  'connect-failed': (e) => [...e.failures.map(failureLine), ...(e.otherProtocolWorks ? ['The other protocol answered'] : [])],
  'tls-problem': (e) =>
    e.problems.map((p) => {
      const details = [
        p.severity,
        p.verifyError ? `verification: ${p.verifyError}` : null,
        p.validTo ? `valid until ${p.validTo.slice(0, 10)}` : null,
        p.insecure ? 'checked with --insecure' : null,
      ].filter(Boolean);
      return `${PROTOCOL_NAME[p.protocol]} ${p.host ?? '?'}:${p.port ?? '?'}: ${p.problem} (${details.join(', ')})`;
    }),
  'no-recent-mail': (e) => [
    `Newest message: ${duration(e.newestAgeSeconds)} old, in ${e.newestFolder}`,
    `Quiet threshold: ${plural(e.quietDays, 'day')}; INBOX holds ${plural(e.inboxMessages, 'message')}`,
  ],
  'mail-vanished': (e, at) => [
    `Between the checks at ${at(e.fromTakenAt)} and ${at(e.toTakenAt)} (${duration(e.windowSeconds)} apart)`,
    `Gone from INBOX: ${count(e.goneFromInbox)}; found again in other folders: ${count(e.movedMessages)}; in no folder: ${e.atLeast ? 'at least ' : ''}${count(e.vanishedMessages)} (${bytes(e.vanishedBytes)})`,
    `Already read at the previous probe: ${count(e.seenBefore)} of ${count(e.vanishedMessages)}`,
    ...(e.expungedAfterDeleteFlag ? [`Not counted: ${plural(e.expungedAfterDeleteFlag, 'message')} an IMAP client had marked deleted`] : []),
    `Method: ${e.method === 'message-id' ? 'looked up by Message-ID hash in every folder' : 'bounded by how many messages the other folders took in'}`,
  ],
  'uidvalidity-changed': (e, at) => [
    `${e.folder} UIDVALIDITY: ${e.previousUidValidity} at ${at(e.previousTakenAt)} (${plural(e.previousMessages, 'message')}), now ${e.uidValidity} (${plural(e.messages, 'message')})`,
    `POP client seen: ${yesNo(e.popUseSeen)}`,
  ],
  'quota-filling': (e, at) => [
    `Storage: ${bytes(e.usedBytes)} of ${bytes(e.limitBytes)}, growing ${bytes(e.growthBytesPerDay)} a day (${plural(e.points, 'probe')} over ${duration(e.spanSeconds)})`,
    `Projected full: ${at(e.projectedFullAt)} (warning under ${plural(e.warnDays, 'day')})`,
  ],
};

export function evidenceLines(f: Pick<Finding, 'id' | 'evidence'>, zone = 'UTC'): string[] {
  return (EVIDENCE_LINES[f.id] as (e: Finding['evidence'], at: (iso: string) => string) => string[])(f.evidence, (iso) => zonedTime(iso, zone));
}
