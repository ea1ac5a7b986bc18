import { defineRule } from '../define-rule.js';
import { settingOf } from '../discovery-facts.js';
import { step } from '../steps.js';

/**
 * The domain's autoconfig (its own, else its MX provider's) decides how every automatically configured device is
 * set up. POP3 offered first makes those devices POP3 clients; `leaveMessagesOnServer` false, or a short
 * `daysToLeaveMessagesOnServer`, makes them delete what they download. Critical when both: every such device
 * deletes mail from the server.
 */
export default defineRule({
  id: 'published-settings-delete-mail',
  needs: ['discovery'],
  defaults: { shortDays: 7 },
  docs: { summary: "The domain's published settings make mail clients delete mail from the server (POP3 first, or no copy left on the server)." },
  check({ snapshot, options, report }) {
    const source = snapshot.discovery!.sources.find((s) => (s.source === 'autoconfig' || s.source === 'mx-autoconfig') && s.status === 'ok');
    if (!source) return;
    const pop = source.servers.find((s) => s.protocol === 'pop3');
    if (!pop) return;
    const popFirst = source.servers[0] === pop;
    const leave = pop.leaveMessagesOnServer ?? null;
    const days = pop.daysToLeaveMessagesOnServer ?? null;
    const deletes = leave === false || (days !== null && days < options.shortDays);
    if (!popFirst && !deletes) return;
    report({
      severity: popFirst && leave === false ? 'critical' : 'warning',
      evidence: { source: source.source, url: pop.from, popFirst, pop: settingOf(source.source, pop), leaveMessagesOnServer: leave, daysToLeaveMessagesOnServer: days, shortDays: options.shortDays },
      steps: [
        ...(popFirst ? [step('publish-imap-first', { url: pop.from })] : []),
        ...(deletes ? [step('publish-leave-on-server', { url: pop.from })] : []),
        step('check-protocol-on-every-device'),
      ],
    });
  },
});
