import { defineRule } from '../define-rule.js';
import { imapClientSeen } from '../signs.js';
import { popError, popOf } from '../facts.js';
import { step } from '../steps.js';

/**
 * RFC 2449 CAPA: EXPIRE n says the server deletes mail n days after a POP3 client retrieved it (0: right
 * away), whatever the client's "leave a copy" setting; NEVER says it keeps it. LOGIN-DELAY n says a client may
 * log in only every n seconds; a refused login with [LOGIN-DELAY] says the same from the other side.
 * The post-login CAPA wins (the value can be per user). Warning for a finite EXPIRE when IMAP clients are
 * seen (they lose mail POP downloaded); info otherwise.
 */
export default defineRule({
  id: 'pop-server-expires-mail',
  needs: ['pop.probed'],
  defaults: {},
  docs: { summary: 'Server policy limits POP3: CAPA EXPIRE (deletes downloaded mail) or LOGIN-DELAY.' },
  check({ snapshot, signs, report }) {
    const pop = popOf(snapshot);
    const refused = popError(snapshot)?.kind === 'login-delay';
    const expireDays = pop?.expire && /^\d+$/.test(pop.expire.trim()) ? Number(pop.expire.trim()) : null;
    const loginDelaySeconds = pop?.loginDelaySeconds && pop.loginDelaySeconds > 0 ? pop.loginDelaySeconds : null;
    if (expireDays === null && loginDelaySeconds === null && !refused) return;
    const imapSeen = imapClientSeen(signs);
    report({
      severity: expireDays !== null && imapSeen ? 'warning' : 'info',
      evidence: { expireDays, loginDelaySeconds, loginDelayRefused: refused, imapClientSeen: imapSeen },
      steps: [
        ...(expireDays !== null ? [step('server-expire-policy', { days: expireDays })] : []),
        ...(loginDelaySeconds !== null ? [step('login-delay-policy', { seconds: loginDelaySeconds })] : []),
        ...(refused && loginDelaySeconds === null ? [step('rerun-check')] : []),
      ],
    });
  },
});
