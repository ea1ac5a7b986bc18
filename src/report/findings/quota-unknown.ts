import { bytes, plural } from '../format.js';
import { folderLine } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'quota-unknown'> = {
  title: (e) =>
    `The server publishes no storage limit; the folders hold ${e.totalSizeBytes !== null ? `${bytes(e.totalSizeBytes)} in ` : ''}${plural(e.totalMessages, 'message')}`,
  explanation: () =>
    'Without a published limit, maildoctor cannot tell how close the mailbox is to full, and a full mailbox refuses new mail. The limit may still exist: the provider knows it.',
  headline: () => 'The server does not publish its storage limit.',
  evidence: (e) => [
    `IMAP QUOTA: ${e.quotaSupported ? 'offered, but no limit set' : 'not offered by the server'}`,
    `All folders: ${e.totalSizeBytes !== null ? `${bytes(e.totalSizeBytes)} in ` : ''}${plural(e.totalMessages, 'message')}${e.foldersWithoutSize ? ` (${plural(e.foldersWithoutSize, 'folder')} without a size)` : ''}`,
    ...folderLine(e.largestFolders),
  ],
};

export default words;
