import { defineRule } from '../define-rule.js';
import { checkOf, publishedSources, settingOf } from '../discovery-facts.js';
import { step } from '../steps.js';
import type { FindingEvidenceMap } from '../types.js';

/**
 * A published setting is what devices are set up with, unseen by the user: one without TLS sends every
 * device's password in clear; one whose certificate does not verify for the published name makes every device
 * warn (and users who accept the warning accept an impostor too); one with STARTTLS the server does not offer
 * leaves devices without mail or without TLS. Critical without TLS, else a warning.
 */
export default defineRule({
  id: 'published-without-tls',
  needs: ['discovery'],
  defaults: {},
  docs: { summary: 'A published setting has no TLS, or its server shows a certificate that does not verify for the published name.' },
  check({ snapshot, report }) {
    const d = snapshot.discovery!;
    const problems: FindingEvidenceMap['published-without-tls']['problems'] = [];
    for (const s of publishedSources(d).filter((x) => x.status === 'ok')) {
      for (const x of s.servers) {
        if (x.tls === 'none') {
          problems.push({ ...settingOf(s.source, x), problem: 'no-tls', tlsError: null });
          continue;
        }
        const c = checkOf(d, x);
        // Greeted, but no upgrade: a client told to use STARTTLS cannot, and one that goes on does so in clear.
        if (c?.answered && x.tls === 'starttls' && c.tlsVerified === null) problems.push({ ...settingOf(s.source, x), problem: 'starttls-not-offered', tlsError: c.error });
        else if (c?.answered && c.tlsVerified === false) problems.push({ ...settingOf(s.source, x), problem: 'certificate-not-verified', tlsError: c.tlsError });
      }
    }
    if (!problems.length) return;
    report({
      severity: problems.some((p) => p.problem === 'no-tls') ? 'critical' : 'warning',
      evidence: { problems },
      steps: [step('publish-tls-settings', { settings: problems })],
    });
  },
});
