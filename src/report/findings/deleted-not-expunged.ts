import { bytes, count, percent, plural } from '../format.js';
import { yesNo } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'deleted-not-expunged'> = {
  title: (e) =>
    `${plural(e.deletedMessages, 'message')} in INBOX ${e.deletedMessages === 1 ? 'is' : 'are'} marked deleted but still on the server (${percent(e.deletedRatio)} of INBOX)`,
  explanation: (e) =>
    'An IMAP client set to "mark as deleted" hides them from its own view but leaves them on the server: they still count against the storage limit' +
    (e.servedToPop === false ? '.' : ', and a POP device downloads them as if they were new.') +
    (e.quotaRatio !== null ? ` The mailbox is ${percent(e.quotaRatio)} full.` : ''),
  headline: () => 'Mail deleted in an IMAP client is still on the server.',
  evidence: (e) => [
    `Marked deleted: ${count(e.deletedMessages)} of ${plural(e.inboxMessages, 'INBOX message')} (${percent(e.deletedRatio)})`,
    ...(e.deletedBytes !== null ? [`Their size: ${bytes(e.deletedBytes)}`] : []),
    ...(e.servedToPop !== null ? [`POP3 lists them too: ${yesNo(e.servedToPop)}`] : []),
    ...(e.quotaRatio !== null ? [`Quota use: ${percent(e.quotaRatio)}`] : []),
  ],
};

export default words;
