import { bytes, count, duration, plural } from '../format.js';
import { CYRUS_KEEPS_DELETED, serverBehaviourLines } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'mail-vanished'> = {
  title: (e) =>
    `${e.atLeast ? 'At least ' : ''}${plural(e.vanishedMessages, 'message')} (${bytes(e.vanishedBytes)}) left INBOX between two checks ${duration(e.windowSeconds)} apart and ${e.vanishedMessages === 1 ? 'is' : 'are'} in no folder`,
  explanation: (e) =>
    `Between the previous check and this one, mail disappeared from the server without being moved anywhere` +
    (e.seenBefore < e.vanishedMessages ? `; ${plural(e.vanishedMessages - e.seenBefore, 'message')} had never been read` : '; all had been read') +
    (e.popHidden
      ? `. This server only hides what a POP client deletes (${plural(e.popHidden.messages, 'message')} deleted over POP ${e.popHidden.messages === 1 ? 'is' : 'are'} still in INBOX with the keyword ${e.popHidden.keyword}, not lost), so these went further: something expunged them, such as an IMAP client deleting permanently or a cleanup job that purges mail deleted over POP` +
        (e.imapUseSeen ? ', and IMAP clients on this account will never see that mail.' : '.')
      : '. That is what a POP client does when it downloads mail and deletes it from the server' + (e.imapUseSeen ? ', and IMAP clients on this account will never see that mail.' : '.')) +
    (e.ageCluster
      ? ` ${count(e.ageCluster.messages)} of the ${count(e.ageCluster.ofVanished)} were ${e.ageCluster.days} days old (±${e.ageCluster.toleranceDays}) when they went, while younger mail stayed: a POP device set to "remove from server after ${e.ageCluster.days} days".`
      : '') +
    (e.server === 'cyrus' ? CYRUS_KEEPS_DELETED : ''),
  headline: () => 'Mail disappeared from the server between two checks without being moved to any folder.',
  evidence: (e, at) => [
    `Between the checks at ${at(e.fromTakenAt)} and ${at(e.toTakenAt)} (${duration(e.windowSeconds)} apart)`,
    `Gone from INBOX: ${count(e.goneFromInbox)}; found again in other folders: ${count(e.movedMessages)}; in no folder: ${e.atLeast ? 'at least ' : ''}${count(e.vanishedMessages)} (${bytes(e.vanishedBytes)})`,
    `Already read at the previous check: ${count(e.seenBefore)} of ${count(e.vanishedMessages)}`,
    ...(e.expungedAfterDeleteFlag ? [`Not counted: ${plural(e.expungedAfterDeleteFlag, 'message')} an IMAP client had marked deleted`] : []),
    ...(e.ageCluster
      ? [`Age when they went: ${count(e.ageCluster.messages)} of ${count(e.ageCluster.ofVanished)} between ${e.ageCluster.minAgeDays} and ${e.ageCluster.maxAgeDays} days old (${e.ageCluster.days} ± ${e.ageCluster.toleranceDays} days); ${plural(e.ageCluster.youngerKept, 'younger message')} still in INBOX`]
      : []),
    ...serverBehaviourLines(e),
    `Method: ${e.method === 'message-id' ? 'looked up by Message-ID hash in every folder' : 'bounded by how many messages the other folders took in'}`,
  ],
};

export default words;
