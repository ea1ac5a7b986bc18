import { failureLine, PROBE_ERROR_TEXT, PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'connect-failed'> = {
  title: (e) => {
    const first = e.failures[0];
    const more = e.failures.length > 1 ? ` (and ${PROTOCOL_NAME[e.failures[1]!.protocol]})` : '';
    return first ? `Cannot reach ${PROTOCOL_NAME[first.protocol]} at ${first.host}:${first.port}: ${PROBE_ERROR_TEXT[first.kind]}${more}` : 'Cannot reach the server';
  },
  explanation: (e) =>
    `Devices set up with ${e.failures.length > 1 ? 'these settings' : 'this server and port'} cannot fetch mail at all. A wrong host or port in the settings, a firewall on the way, or a server that is down all look like this from outside.` +
    (e.otherProtocolWorks ? ' The other protocol answers, so the mailbox itself is reachable.' : ''),
  headline: () => 'The mail server cannot be reached.',
  evidence: (e) => [...e.failures.map(failureLine), ...(e.otherProtocolWorks ? ['The other protocol answered'] : [])],
};

export default words;
