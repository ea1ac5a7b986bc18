import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { NOT_DISCOVERED } from '../../src/analyzer/evidence.js';
import { ruleTester } from './rule-tester.js';
import { scenario } from '../support/snapshot-builder.js';
import { AC_URL, discovery, server, sourceResult, withDiscovery } from '../support/discovery-builder.js';

const base = () => scenario('healthy-imap-only');
const popSetting = { source: 'autoconfig' as const, protocol: 'pop3' as const, host: 'pop.example.com', port: 995, tls: 'implicit' as const };
const ac = (servers: ReturnType<typeof server>[]) => withDiscovery(base(), discovery([sourceResult('autoconfig', servers)]));

ruleTester('published-settings-delete-mail', {
  healthy: (s) => withDiscovery(s),
  valid: [
    { name: 'IMAP first, POP3 keeps mail for 14 days', snapshot: ac([server('imap'), server('pop3', { leaveMessagesOnServer: true, daysToLeaveMessagesOnServer: 14 })]) },
    { name: 'only SRV records (no <pop3> block to read)', snapshot: withDiscovery(base(), discovery([sourceResult('srv', [server('pop3', { from: 'SRV _pop3s._tcp.example.com' })])])) },
  ],
  invalid: [
    {
      name: 'POP3 first and leaveMessagesOnServer false: every set-up device deletes mail (critical)',
      snapshot: ac([server('pop3', { leaveMessagesOnServer: false }), server('imap')]),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['offers POP3 first', 'not to leave messages on the server'],
          evidence: { source: 'autoconfig', url: AC_URL, popFirst: true, pop: popSetting, leaveMessagesOnServer: false, daysToLeaveMessagesOnServer: null, shortDays: 7 },
          steps: ['publish-imap-first', 'publish-leave-on-server', 'check-protocol-on-every-device'],
        },
      ],
    },
    {
      name: 'POP3 first, nothing said about leaving mail: a warning',
      snapshot: ac([server('pop3'), server('imap')]),
      findings: [
        {
          severity: 'warning',
          evidence: { source: 'autoconfig', url: AC_URL, popFirst: true, pop: popSetting, leaveMessagesOnServer: null, daysToLeaveMessagesOnServer: null, shortDays: 7 },
          steps: ['publish-imap-first', 'check-protocol-on-every-device'],
        },
      ],
    },
    {
      name: "IMAP first, but the MX provider's POP3 block deletes after 3 days",
      snapshot: withDiscovery(base(), discovery([sourceResult('mx-autoconfig', [server('imap'), server('pop3', { leaveMessagesOnServer: true, daysToLeaveMessagesOnServer: 3 })])])),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['after 3 days'],
          evidence: { source: 'mx-autoconfig', url: AC_URL, popFirst: false, pop: { ...popSetting, source: 'mx-autoconfig' }, leaveMessagesOnServer: true, daysToLeaveMessagesOnServer: 3, shortDays: 7 },
          steps: ['publish-leave-on-server', 'check-protocol-on-every-device'],
        },
      ],
    },
  ],
});

describe('the discovery rules on a check with --host', () => {
  it('are not applicable, with the typed reason, and are kept out of skipped', () => {
    const a = analyze(scenario('healthy-imap-only'));
    const ids = ['published-settings-delete-mail', 'discovery-sources-disagree', 'nothing-published', 'published-without-tls'];
    expect(a.notApplicable?.map((s) => s.rule).sort()).toEqual([...ids].sort());
    expect(a.notApplicable?.every((s) => s.kind === 'not-discovered' && s.reason === NOT_DISCOVERED)).toBe(true);
    expect(a.skipped.some((s) => ids.includes(s.rule))).toBe(false);
    expect(a.checked.some((id) => ids.includes(id))).toBe(false);
  });
});
