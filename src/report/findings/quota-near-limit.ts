import { bytes, count, percent } from '../format.js';
import { folderLine } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'quota-near-limit'> = {
  title: (e) => {
    if (e.resource === 'MESSAGE') {
      const amount = `${count(e.usedMessages ?? 0)} of ${count(e.limitMessages ?? 0)} allowed messages`;
      return e.ratio >= 1 ? `The mailbox is full: ${amount}` : `The mailbox holds ${percent(e.ratio)} of its message limit (${amount})`;
    }
    const amount = `${bytes(e.usedBytes ?? 0)} of ${bytes(e.limitBytes ?? 0)}`;
    return e.ratio >= 1 ? `The mailbox is full: ${amount} used` : `Mailbox storage is ${percent(e.ratio)} full (${amount})`;
  },
  explanation: (e) =>
    (e.ratio >= 1
      ? 'The server is refusing new mail now: senders get a bounce and the message never arrives.'
      : 'When the mailbox is full the server refuses new mail: senders get a bounce and the message never arrives.') +
    (e.popUseSeen ? ' A POP device that leaves copies on the server keeps filling it.' : ''),
  headline: (f) =>
    f.evidence.ratio >= 1
      ? 'The mailbox is full, so the server refuses new mail.'
      : f.severity === 'critical'
        ? 'The mailbox is almost full; new mail will soon be refused.'
        : 'The mailbox is filling up.',
  evidence: (e) => [
    ...(e.usedBytes !== null && e.limitBytes !== null ? [`Storage: ${bytes(e.usedBytes)} of ${bytes(e.limitBytes)} (${percent(e.storageRatio ?? 0)})`] : []),
    ...(e.usedMessages !== null && e.limitMessages !== null ? [`Messages: ${count(e.usedMessages)} of ${count(e.limitMessages)} (${percent(e.messagesRatio ?? 0)})`] : []),
    `Thresholds: warning at ${percent(e.warnRatio)}, critical at ${percent(e.critRatio)}`,
    ...folderLine(e.largestFolders),
    `Source: ${e.source}, quota root "${e.quotaRoot}"`,
  ],
};

export default words;
