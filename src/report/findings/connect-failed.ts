import { failureLine, PROBE_ERROR_TEXT, PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';
import type { FindingEvidenceMap } from '../../analyzer/types.js';

/** iCloud Mail and only its POP3 failed: expected, since iCloud has no POP3. */
function icloudPopOnly(e: FindingEvidenceMap['connect-failed']): boolean {
  return e.provider === 'icloud' && e.failures.every((f) => f.protocol === 'pop3');
}

const words: FindingWords<'connect-failed'> = {
  title: (e) => {
    const first = e.failures[0];
    if (icloudPopOnly(e) && first) return `iCloud Mail offers no POP3: POP3 at ${first.host}:${first.port}: ${PROBE_ERROR_TEXT[first.kind]}`;
    const more = e.failures.length > 1 ? ` (and ${PROTOCOL_NAME[e.failures[1]!.protocol]})` : '';
    return first ? `Cannot reach ${PROTOCOL_NAME[first.protocol]} at ${first.host}:${first.port}: ${PROBE_ERROR_TEXT[first.kind]}${more}` : 'Cannot reach the server';
  },
  explanation: (e) =>
    icloudPopOnly(e)
      ? 'iCloud Mail has no POP3 at all, so this is expected, not a fault: a device set up with POP3 gets no mail from iCloud, and has to use IMAP.' +
        (e.otherProtocolWorks ? ' IMAP answers, so the mailbox itself is reachable.' : '')
      : `Devices set up with ${e.failures.length > 1 ? 'these settings' : 'this server and port'} cannot fetch mail at all. A wrong host or port in the settings, a firewall on the way, or a server that is down all look like this from outside.` +
    (e.otherProtocolWorks ? ' The other protocol answers, so the mailbox itself is reachable.' : ''),
  headline: (f) => (icloudPopOnly(f.evidence) ? 'iCloud Mail offers no POP3; use IMAP.' : 'The mail server cannot be reached.'),
  evidence: (e) => [...e.failures.map(failureLine), ...(e.otherProtocolWorks ? ['The other protocol answered'] : [])],
};

export default words;
