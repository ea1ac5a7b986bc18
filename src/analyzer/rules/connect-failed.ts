import { defineRule } from '../define-rule.js';
import { answered, failureOf } from '../facts.js';
import { errorFinding } from '../probe-errors.js';
import { step } from '../steps.js';
import { serverIdentities } from '../server-identity.js';

/**
 * A protocol could not be reached or spoke no sense before login: DNS failure, connection refused, network
 * unreachable, a timeout before login, an unreadable greeting or a [SYS/...] greeting. Critical: devices set
 * up that way cannot fetch mail. (Use --only when the provider does not offer one of the protocols.)
 */
export default defineRule({
  id: 'connect-failed',
  needs: [],
  defaults: {},
  docs: { summary: 'The IMAP or POP3 server could not be reached (DNS, refused, unreachable, timeout before login).' },
  check({ snapshot, report }) {
    const failures = (['imap', 'pop3'] as const)
      .map((p) => failureOf(snapshot, p))
      .filter((f) => f !== null && errorFinding(f) === 'connect')
      .map((f) => f!);
    if (failures.length === 0) return;
    const otherProtocolWorks = answered(snapshot, 'imap') || answered(snapshot, 'pop');
    const first = failures[0]!;
    // iCloud Mail offers no POP3: a POP3 failure there is expected, not a fault (info, when it is the only failure).
    const icloudPop = serverIdentities(snapshot).pop?.provider === 'icloud' && failures.some((f) => f.protocol === 'pop3');
    if (icloudPop && failures.length === 1) {
      report({ severity: 'info', evidence: { failures, otherProtocolWorks, provider: 'icloud' }, steps: [step('icloud-no-pop')] });
      return;
    }
    report({
      severity: 'critical',
      evidence: { failures, otherProtocolWorks, ...(icloudPop ? { provider: 'icloud' as const } : {}) },
      steps: [
        ...(icloudPop ? [step('icloud-no-pop')] : []),
        step('check-host-and-port', { failures }),
        step('check-network-path'),
        ...(otherProtocolWorks && failures.length === 1
          ? [step('protocol-not-offered', { protocol: first.protocol, other: first.protocol === 'imap' ? 'pop3' : 'imap' })]
          : []),
      ],
    });
  },
});
