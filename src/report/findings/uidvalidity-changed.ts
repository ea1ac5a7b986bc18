import { plural } from '../format.js';
import { yesNo } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'uidvalidity-changed'> = {
  title: (e) => `The server gave ${e.messages === 1 ? 'the one message' : `all ${plural(e.messages, 'message')}`} in ${e.folder} a new identity since the previous check`,
  explanation: (e) =>
    `Mail programs recognise messages by these identities. IMAP clients resync the folder by themselves; POP clients see ${plural(e.messages, 'message')} as new and download them all again, which leaves duplicates` +
    (e.popUseSeen ? ' (a POP client uses this account).' : '.'),
  headline: () => 'The server reset the identity of every message: POP devices will download everything again.',
  evidence: (e, at) => [
    `${e.folder} UIDVALIDITY (the number that says message identities still hold): ${e.previousUidValidity} at ${at(e.previousTakenAt)} (${plural(e.previousMessages, 'message')}), now ${e.uidValidity} (${plural(e.messages, 'message')})`,
    `POP client seen: ${yesNo(e.popUseSeen)}`,
  ],
};

export default words;
