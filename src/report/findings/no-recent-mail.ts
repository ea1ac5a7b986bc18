import { duration, plural } from '../format.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'no-recent-mail'> = {
  title: (e) => `No new mail in any folder for ${duration(e.newestAgeSeconds)} (the newest is in ${e.newestFolder})`,
  explanation: () =>
    'If the customer expects mail, it is probably not reaching the server at all: the way in (MX records, forwarding, a full mailbox, the sender) is the place to look rather than the mail programs.',
  headline: () => 'No new mail has arrived for a while.',
  evidence: (e) => [
    `Newest message: ${duration(e.newestAgeSeconds)} old, in ${e.newestFolder}`,
    `Quiet threshold: ${plural(e.quietDays, 'day')}; INBOX holds ${plural(e.inboxMessages, 'message')}`,
  ],
};

export default words;
