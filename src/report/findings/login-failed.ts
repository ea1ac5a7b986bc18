import { list } from '../format.js';
import { failureLine, PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';
import type { ProbeFailure, Protocol } from '../../analyzer/types.js';

function protocols(failures: { protocol: Protocol }[]): string {
  return list([...new Set(failures.map((f) => PROTOCOL_NAME[f.protocol]))]);
}

/** What the server's OAuth2 error challenge said, decoded. */
function oauth2Line(f: ProbeFailure): string {
  const o = f.oauth2!;
  const said = (['status', 'scope', 'schemes'] as const).filter((k) => o[k] !== undefined).map((k) => `${k} ${o[k]}`);
  return `${PROTOCOL_NAME[f.protocol]} ${o.mechanism} token refused: ${said.length ? said.join(', ') : 'the server sent no error details'}`;
}

const words: FindingWords<'login-failed'> = {
  // The server's response codes (AUTHENTICATIONFAILED, [AUTH]) are in the evidence lines, not the title.
  title: (e) => `The server refused the login over ${protocols(e.failures)}`,
  explanation: (e) =>
    e.otherProtocolWorks
      ? `The same login works over the other protocol, so ${protocols(e.failures)} may be switched off for this account. Devices set up with ${protocols(e.failures)} get no mail at all.`
      : e.provider === 'microsoft' && !e.failures.some((f) => f.oauth2)
        ? 'Microsoft 365 and Outlook.com no longer accept a password over IMAP or POP3 (basic authentication is switched off): the right password is refused just like a wrong one. Devices, and this check, have to sign in with OAuth2.'
        : e.failures.some((f) => f.oauth2)
        ? 'The server refused the OAuth2 access token: an expired token, one without the mail scope, or IMAP/POP switched off for the mailbox. Devices that sign in the same way get no new mail.'
        : 'With a wrong user name or password, or a locked or disabled account, no device gets new mail; to the customer that looks like missing mail.',
  headline: () => 'The server refuses the login, so no device gets new mail.',
  evidence: (e) => [
    ...e.failures.map(failureLine),
    ...e.failures.filter((f) => f.oauth2).map(oauth2Line),
    ...(e.otherProtocolWorks ? ['The other protocol logged in with the same credentials'] : []),
    ...(e.provider === 'microsoft' ? ['Provider: Microsoft 365 / Outlook.com (OAuth2 only over IMAP and POP3)'] : []),
  ],
};

export default words;
