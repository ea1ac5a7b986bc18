import { defineRule } from '../define-rule.js';
import { answered, failureOf } from '../facts.js';
import { errorFinding } from '../probe-errors.js';
import { step } from '../steps.js';
import { serverIdentities } from '../server-identity.js';
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
  docs: { summary: 'The server refused the login (wrong user name or password, a refused OAuth2 token, locked or disabled account).' },
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
    const protocols = failures.map((f) => f.protocol);
    const { user, authUser, masterSeparator } = snapshot.account;
    // An admin's login on behalf of the user: the devices' password was never tried, so the steps are the admin's.
    const admin = authUser !== undefined ? step('check-admin-login', { user, authUser, masterSeparator: masterSeparator ?? null }) : null;
    // A refused OAuth2 token has its own usual causes (expiry, scope, IMAP/POP off): no password to check.
    const oauth2 = failures.find((f) => f.oauth2)?.oauth2;
    const tokenStep = oauth2 ? step('check-oauth2-token', { protocols, status: oauth2.status ?? null, scope: oauth2.scope ?? null }) : null;
    // Microsoft 365 / Outlook.com refuse every password over IMAP and POP: the step is OAuth2, not the password.
    const servers = serverIdentities(snapshot);
    const microsoft = failures.some((f) => servers[f.protocol === 'imap' ? 'imap' : 'pop']?.provider === 'microsoft');
    const passwordRefused = microsoft && !oauth2 ? step('microsoft-oauth2-only', { protocols }) : null;
    const own = tokenStep ?? passwordRefused ?? admin;
    const credentialSteps = own
      ? [own]
      : other
        ? [step('check-user-and-password', { protocols })]
        : [step('check-user-and-password', { protocols }), step('try-webmail-login'), step('update-password-everywhere')];
    report({
      severity: 'critical',
      evidence: { failures, otherProtocolWorks: other !== undefined, ...(microsoft ? { provider: 'microsoft' as const } : {}) },
      steps: other ? [step('protocol-disabled-for-account', { protocol: failures[0]!.protocol, other }), ...credentialSteps] : credentialSteps,
    });
  },
});
