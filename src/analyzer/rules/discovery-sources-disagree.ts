import { defineRule } from '../define-rule.js';
import { checkOf, publishedSources, sameEndpoint, settingOf } from '../discovery-facts.js';
import { step } from '../steps.js';
import type { PublishedSetting } from '../types.js';

/**
 * Clients read different sources (Thunderbird autoconfig first, others SRV or Autodiscover): when the sources
 * name different servers for a protocol, devices end up on different servers. A published port that does not
 * answer breaks every client that trusts that source.
 */
export default defineRule({
  id: 'discovery-sources-disagree',
  needs: ['discovery'],
  defaults: {},
  docs: { summary: 'The published sources (autoconfig, SRV, Autodiscover) name different servers, or a published port does not answer.' },
  check({ snapshot, report }) {
    const d = snapshot.discovery!;
    const sources = publishedSources(d).filter((s) => s.status === 'ok');
    const disagreements: { protocol: 'imap' | 'pop3'; settings: PublishedSetting[] }[] = [];
    for (const protocol of ['imap', 'pop3'] as const) {
      const settings = sources.flatMap((s) => {
        const first = s.servers.find((x) => x.protocol === protocol);
        return first ? [settingOf(s.source, first)] : [];
      });
      if (settings.some((x) => !sameEndpoint(x, settings[0]!))) disagreements.push({ protocol, settings });
    }
    const notAnswering = sources.flatMap((s) =>
      s.servers.flatMap((x) => {
        const c = checkOf(d, x);
        return c && !c.answered ? [{ ...settingOf(s.source, x), error: c.error ?? 'no answer' }] : [];
      }),
    );
    if (!disagreements.length && !notAnswering.length) return;
    const chosen = (p: 'imap' | 'pop3') => {
      const c = d.chosen[p];
      return c ? settingOf(c.source, c) : null;
    };
    report({
      severity: 'warning',
      evidence: { disagreements, notAnswering, chosen: { imap: chosen('imap'), pop3: chosen('pop3') } },
      steps: [
        ...(disagreements.length ? [step('align-published-settings', { settings: disagreements.flatMap((x) => x.settings) })] : []),
        ...(notAnswering.length ? [step('fix-published-port', { settings: notAnswering })] : []),
      ],
    });
  },
});
