import { duration, plural } from '../format.js';
import { yesNo } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'pop-server-expires-mail'> = {
  title: (e) => {
    if (e.expireDays === 0) return 'The server deletes mail as soon as a POP3 client downloads it';
    if (e.expireDays !== null) return `The server deletes mail ${plural(e.expireDays, 'day')} after a POP3 client downloads it`;
    if (e.loginDelayRefused) return 'The POP3 login was refused as too soon after the previous one';
    return `The server allows a POP3 login only once every ${duration(e.loginDelaySeconds ?? 0)}`;
  },
  explanation: (e) =>
    e.expireDays !== null
      ? 'This is server policy, not a setting on the device: "leave a copy on the server" does not keep the mail. Devices that use IMAP or webmail lose whatever a POP client downloaded.' +
        (e.imapClientSeen ? ' IMAP clients use this account, so this affects them.' : '')
      : 'A POP client that checks for mail more often than the server allows gets login errors, which people read as "mail not arriving".',
  headline: () => "The server's POP3 policy removes downloaded mail or limits how often it can be fetched.",
  evidence: (e) => [
    ...(e.expireDays !== null ? [`The server announces EXPIRE ${e.expireDays} in its POP3 capabilities (CAPA): downloaded mail is deleted ${e.expireDays === 0 ? 'at once' : `after ${plural(e.expireDays, 'day')}`}`] : []),
    ...(e.loginDelaySeconds !== null ? [`The server announces LOGIN-DELAY ${e.loginDelaySeconds} in its POP3 capabilities (CAPA): one login every ${duration(e.loginDelaySeconds)}`] : []),
    ...(e.loginDelayRefused ? ['The check\'s POP3 login was refused with [LOGIN-DELAY] (too soon after the previous login)'] : []),
    `IMAP clients seen: ${yesNo(e.imapClientSeen)}`,
  ],
};

export default words;
