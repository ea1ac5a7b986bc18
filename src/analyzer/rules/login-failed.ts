import { defineRule } from '../define-rule.js';
import { answered, failureOf } from '../facts.js';
import { errorFinding } from '../probe-errors.js';
import { step } from '../steps.js';
import type { Protocol } from '../types.js';

/**
 * A probe reached the server but the login was refused: [AUTH]/AUTHENTICATIONFAILED, or a [SYS/TEMP] /
 * [SYS/PERM] answer to the login. Critical: devices with these credentials get no mail. One finding for both
 * protocols; when the other protocol logged in with the same credentials, the protocol may be disabled.
 */
export default defineRule({
  id: 'login-failed',
  needs: [],
  defaults: {},
  docs: { summary: 'The server refused the login (wrong user name or password, locked or disabled account).' },
  check({ snapshot, report }) {
    const failures = (['imap', 'pop3'] as const)
      .map((p) => failureOf(snapshot, p))
      .filter((f) => f !== null && errorFinding(f) === 'login')
      .map((f) => f!);
    if (failures.length === 0) return;
    const worked: Protocol[] = [];
    if (answered(snapshot, 'imap')) worked.push('imap');
    if (answered(snapshot, 'pop')) worked.push('pop3');
    const other = worked[0];
    const { user, authUser, masterSeparator } = snapshot.account;
    // An admin's login on behalf of the user: the devices' password was never tried, so the steps are the admin's.
    const admin = authUser !== undefined ? step('check-admin-login', { user, authUser, masterSeparator: masterSeparator ?? null }) : null;
    const credentialSteps = admin
      ? [admin]
      : other
        ? [step('check-user-and-password', { protocols: failures.map((f) => f.protocol) })]
        : [step('check-user-and-password', { protocols: failures.map((f) => f.protocol) }), step('try-webmail-login'), step('update-password-everywhere')];
    report({
      severity: 'critical',
      evidence: { failures, otherProtocolWorks: other !== undefined },
      steps: other ? [step('protocol-disabled-for-account', { protocol: failures[0]!.protocol, other }), ...credentialSteps] : credentialSteps,
    });
  },
});
