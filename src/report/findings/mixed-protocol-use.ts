import { GMAIL_LINE, SIGN_TEXT } from '../phrases.js';
import type { FindingWords } from '../types.js';
import type { Sign } from '../../analyzer/types.js';

function signLine(side: string, s: Sign): string {
  return `${side}: ${SIGN_TEXT[s.kind](s)}${s.strength === 'weak' ? ' (weak sign)' : ''}`;
}

const words: FindingWords<'mixed-protocol-use'> = {
  title: (e) => {
    const pop = e.popSigns[0];
    const imap = e.imapSigns[0];
    return `Both POP and IMAP are used on this mailbox (POP: ${pop ? SIGN_TEXT[pop.kind](pop) : '?'}; IMAP: ${imap ? SIGN_TEXT[imap.kind](imap) : '?'})`;
  },
  explanation: (e) =>
    (e.popSigns.some((s) => s.kind === 'removed-without-trace')
      ? 'A POP device downloads the mail in INBOX and deletes it from the server, so IMAP devices and webmail never see those messages. '
      : 'A POP device keeps its own copy of INBOX: what is deleted, read or filed on one side does not show on the other. ') +
    'Mail that IMAP clients or filters put into folders never reaches the POP device. Using both protocols on one mailbox is the usual cause of "missing" mail.',
  headline: () => 'Mail goes missing because POP and IMAP are both used on this mailbox.',
  evidence: (e) => [
    ...e.popSigns.map((s) => signLine('POP', s)),
    ...e.imapSigns.map((s) => signLine('IMAP', s)),
    ...(e.provider === 'gmail' ? [GMAIL_LINE] : []),
  ],
};

export default words;
