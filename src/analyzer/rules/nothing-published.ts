import { defineRule } from '../define-rule.js';
import { publishedSources, settingOf } from '../discovery-facts.js';
import { step } from '../steps.js';

/**
 * No source publishes the domain's settings: every client guesses, each its own way (other names, other
 * ports, with or without TLS), so devices of the same account end up set up differently.
 */
export default defineRule({
  id: 'nothing-published',
  needs: ['discovery'],
  defaults: {},
  docs: { summary: 'The domain publishes no settings (no autoconfig, SRV or Autodiscover): every client guesses, and guesses differ per client.' },
  check({ snapshot, report }) {
    const d = snapshot.discovery!;
    const published = publishedSources(d);
    if (published.some((s) => s.status === 'ok')) return;
    const guess = d.sources.find((s) => s.source === 'guess');
    report({
      severity: 'warning',
      evidence: {
        domain: d.domain,
        guessed: guess?.status === 'ok' ? guess.servers.map((s) => settingOf('guess', s)) : [],
        sources: published.map((s) => ({ source: s.source, status: s.status as 'nothing' | 'failed' | 'timed-out', reason: s.reason })),
      },
      steps: [step('publish-settings', { domain: d.domain }), step('check-protocol-on-every-device')],
    });
  },
});
