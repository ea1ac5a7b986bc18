import { yesNo } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'pop-mailbox-locked'> = {
  title: () => 'Another POP3 session held the mailbox during the check',
  explanation: (e) =>
    'The server lets one POP3 session at a time open the mailbox; another one had it, so some device is downloading by POP (or a crashed one still holds the lock). While it does, other POP devices get login errors.' +
    (e.imapClientSeen ? ' IMAP clients use this account too.' : ''),
  headline: () => 'Another POP3 session is holding the mailbox.',
  evidence: (e) => [
    `POP3 login answer: ${e.serverText ?? e.message}${e.code ? ` (code ${e.code}${e.code === 'IN-USE' ? ': the mailbox is locked by another session' : ''})` : ''}`,
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
  ],
};

export default words;
