import { list } from '../format.js';
import { failureLine, PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';
import type { Protocol } from '../../analyzer/types.js';

function protocols(failures: { protocol: Protocol }[]): string {
  return list([...new Set(failures.map((f) => PROTOCOL_NAME[f.protocol]))]);
}

const words: FindingWords<'login-failed'> = {
  // The server's response codes (AUTHENTICATIONFAILED, [AUTH]) are in the evidence lines, not the title.
  title: (e) => `The server refused the login over ${protocols(e.failures)}`,
  explanation: (e) =>
    e.otherProtocolWorks
      ? `The same login works over the other protocol, so ${protocols(e.failures)} may be switched off for this account. Devices set up with ${protocols(e.failures)} get no mail at all.`
      : 'With a wrong user name or password, or a locked or disabled account, no device gets new mail; to the customer that looks like missing mail.',
  headline: () => 'The server refuses the login, so no device gets new mail.',
  evidence: (e) => [...e.failures.map(failureLine), ...(e.otherProtocolWorks ? ['The other protocol logged in with the same credentials'] : [])],
};

export default words;
