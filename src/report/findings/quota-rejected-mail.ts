import { count, percent, plural } from '../format.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'quota-rejected-mail'> = {
  title: (e) =>
    `The server refused ${plural(e.refused, 'delivery', 'deliveries')} because the mailbox was full${e.lastRefused ? ` (the last at ${e.lastRefused})` : ''}`,
  explanation: (e) =>
    `The server log shows mail refused for quota${e.deferred ? ` (${count(e.deferred)} only deferred, which the sender retries for a few days)` : ''}: the senders got a bounce and the messages never reached the mailbox, so no device can show them.` +
    (e.quotaRatio !== null ? ` The mailbox is ${percent(e.quotaRatio)} full now.` : ''),
  headline: () => 'The server refused mail because the mailbox was full.',
  evidence: (e) => [
    `Refused for quota: ${count(e.refused)}${e.deferred ? ` (${count(e.deferred)} deferred with 452 4.2.2)` : ''}, first ${e.firstRefused ?? '?'}, last ${e.lastRefused ?? '?'}`,
    ...(e.quotaRatio !== null ? [`Storage use now: ${percent(e.quotaRatio)}`] : []),
    `Log files: ${e.logFiles.join(', ')}`,
  ],
};

export default words;
