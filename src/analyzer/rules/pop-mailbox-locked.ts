import { defineRule } from '../define-rule.js';
import { imapClientSeen } from '../signs.js';
import { popError } from '../facts.js';
import { step } from '../steps.js';

/**
 * The probe's POP3 login was answered with [IN-USE] (RFC 2449): another POP3 session holds the mailbox
 * right now. That is itself proof of a POP client (see signs.ts: pop-session-active). Warning: it passes
 * when that client logs out, but while it lasts other POP devices fail, and a stuck lock lasts.
 */
export default defineRule({
  id: 'pop-mailbox-locked',
  needs: ['pop.probed'],
  defaults: {},
  docs: { summary: 'POP3 [IN-USE]: another POP3 session holds the mailbox right now.' },
  check({ snapshot, signs, report }) {
    const err = popError(snapshot);
    if (err?.kind !== 'in-use') return;
    report({
      severity: 'warning',
      evidence: {
        code: err.code ?? null,
        step: err.step ?? null,
        message: err.message,
        serverText: err.serverText ?? null,
        imapClientSeen: imapClientSeen(signs),
      },
      steps: [step('find-pop-session-holder'), step('where-to-see-protocol'), step('stuck-pop-lock')],
    });
  },
});
