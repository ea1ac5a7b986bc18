import { plural } from '../format.js';
import { endpointText, SOURCE_NAME } from '../discovery-phrases.js';
import type { FindingWords } from '../types.js';

const keeps = (e: { leaveMessagesOnServer: boolean | null; daysToLeaveMessagesOnServer: number | null }) =>
  e.leaveMessagesOnServer === false
    ? 'not to leave messages on the server'
    : e.daysToLeaveMessagesOnServer !== null
      ? `to delete messages from the server after ${plural(e.daysToLeaveMessagesOnServer, 'day')}`
      : null;

const words: FindingWords<'published-settings-delete-mail'> = {
  title: (e) => {
    const what = keeps(e);
    return e.popFirst
      ? `The domain's ${SOURCE_NAME[e.source]} offers POP3 first${what ? ` and tells clients ${what}` : ''}: automatically set up devices take mail off the server`
      : `The domain's ${SOURCE_NAME[e.source]} tells POP3 clients ${what ?? 'to delete mail'}`;
  },
  explanation: (e) =>
    (e.popFirst
      ? 'A mail client that sets itself up from the address takes the first server offered, so every new device becomes a POP3 client. '
      : 'A device set up for POP3 from these settings follows them. ') +
    (e.leaveMessagesOnServer === false
      ? 'With "leave messages on server" off it deletes each message from the server right after downloading it: no other device, and no webmail, sees it again.'
      : 'Mail it has downloaded is deleted from the server once the days are up, and gone for every other device.'),
  headline: (f) =>
    f.evidence.popFirst
      ? "The domain's published settings set new devices up with POP3, which takes mail off the server."
      : "The domain's published settings tell POP3 clients to delete mail from the server.",
  evidence: (e) => [
    `Document: ${e.url}`,
    `First incoming server offered: ${e.popFirst ? endpointText(e.pop) : 'IMAP'}`,
    `leaveMessagesOnServer: ${e.leaveMessagesOnServer === null ? 'not said (client default)' : String(e.leaveMessagesOnServer)}`,
    `daysToLeaveMessagesOnServer: ${e.daysToLeaveMessagesOnServer === null ? 'not said' : `${e.daysToLeaveMessagesOnServer}${e.daysToLeaveMessagesOnServer < e.shortDays ? ` (under ${e.shortDays})` : ''}`}`,
  ],
};

export default words;
