import { bytes, count, duration, percent, plural } from '../format.js';
import { CYRUS_KEEPS_DELETED, GMAIL_LINE, serverBehaviourLines, yesNo } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'pop-deletes-mail'> = {
  title: (e) =>
    (e.fromLog
      ? `The server log shows a POP3 client deleting mail after download: ${plural(e.fromLog.deletedMessages, 'message')} in ${plural(e.fromLog.sessionsWithDeletes, 'session')}`
      : `Mail is deleted from the server after download: INBOX took in about ${count(e.inboxReceived)} messages and holds ${count(e.inboxMessages)}`) +
    (e.popHidden ? `; ${count(e.popHidden.messages)} deleted over POP ${e.popHidden.messages === 1 ? 'is' : 'are'} still in INBOX, only hidden from POP` : ''),
  explanation: (e) =>
    `By INBOX's counters, at least ${plural(e.removedWithoutTrace, 'message')} left INBOX without going to any folder, and ${
      e.oldestAgeSeconds === null ? 'INBOX is empty' : `the oldest message left in INBOX is only ${duration(e.oldestAgeSeconds)} old`
    }. That is what a POP client does when it does not leave a copy on the server (or removes it after some days); an IMAP client that deletes permanently looks the same, but rarely empties INBOX like this. ` +
    (e.imapClientSeen
      ? 'IMAP clients use this account too, so they never see the mail the POP client takes.'
      : 'With a single device that is how POP is meant to work; any other device never sees that mail.') +
    (e.fromLog ? ' The server log records each deletion at the end of the POP3 session (DELE then QUIT), so this is not a guess.' : '') +
    (e.popHidden
      ? ` On this server a POP3 delete does not remove the mail: ${plural(e.popHidden.messages, 'message')} deleted over POP ${e.popHidden.messages === 1 ? 'is' : 'are'} still in INBOX with the keyword ${e.popHidden.keyword} (Dovecot's pop3_deleted_flag), hidden from POP devices but not lost; IMAP and webmail show ${e.popHidden.messages === 1 ? 'it' : 'them'}.`
      : '') +
    (e.server === 'cyrus' ? CYRUS_KEEPS_DELETED : ''),
  headline: () => 'A POP client removes mail from the server after downloading it.',
  evidence: (e) => [
    `INBOX took in about ${count(e.inboxReceived)} messages (from the server's UIDNEXT, the number the next arrival gets; the counting is valid while UIDVALIDITY stays ${e.inboxUidValidity}) and holds ${count(e.inboxMessages)}`,
    `${count(e.leftInbox)} left INBOX; all other folders together took in at most ${count(e.otherFoldersReceived)}`,
    `So, by these counters alone, at least ${count(e.removedWithoutTrace)} were deleted outright (${percent(e.removedRatio)} of what arrived)`,
    e.oldestAgeSeconds === null ? 'INBOX is empty' : `Oldest message in INBOX: ${duration(e.oldestAgeSeconds)} old`,
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
    ...serverBehaviourLines(e),
    ...(e.fromLog
      ? [
          `Server log: ${plural(e.fromLog.popSessions, 'POP3 session')} from ${e.fromLog.popIps.join(', ') || '?'}, ${count(e.fromLog.retrMessages)} downloaded, ${count(e.fromLog.deletedMessages)} deleted${e.fromLog.deletedBytes !== null ? ` (${bytes(e.fromLog.deletedBytes)})` : ''} in ${plural(e.fromLog.sessionsWithDeletes, 'session')}`,
          ...(e.fromLog.pollIntervalSeconds !== null ? [`Polls about every ${duration(e.fromLog.pollIntervalSeconds)}; last deletion ${e.fromLog.lastDelete ?? '?'}`] : []),
        ]
      : []),
    ...(e.provider === 'gmail' ? [GMAIL_LINE] : []),
  ],
};

export default words;
