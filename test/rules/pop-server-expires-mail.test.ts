import { ruleTester } from './rule-tester.js';
import { buildSnapshot, fail, healthyImapOnlySpec, healthyPopOnlySpec, type PopSpec } from '../support/snapshot-builder.js';

function imapUserWithPop(extra: Partial<PopSpec>) {
  const spec = healthyImapOnlySpec();
  spec.pop = { ...(spec.pop as PopSpec), ...extra };
  return buildSnapshot(spec);
}

function popUserWithPop(extra: Partial<PopSpec>) {
  const spec = healthyPopOnlySpec();
  spec.pop = { ...(spec.pop as PopSpec), ...extra };
  return buildSnapshot(spec);
}

ruleTester('pop-server-expires-mail', {
  valid: [
    { name: 'Cyrus style: EXPIRE NEVER, LOGIN-DELAY 0', snapshot: imapUserWithPop({ expire: 'NEVER', loginDelaySeconds: 0 }) },
    { name: 'unparseable EXPIRE value is ignored', snapshot: imapUserWithPop({ expire: 'USER' }) },
  ],
  invalid: [
    {
      name: 'Gmail style EXPIRE 0 + LOGIN-DELAY 300 with IMAP clients → warning',
      snapshot: imapUserWithPop({ expire: '0', loginDelaySeconds: 300 }),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['as soon as a POP3 client downloads it'],
          evidence: { expireDays: 0, loginDelaySeconds: 300, loginDelayRefused: false, imapClientSeen: true },
        },
      ],
    },
    {
      name: 'EXPIRE 30 for a POP-only user → info',
      snapshot: popUserWithPop({ expire: '30' }),
      findings: [{ severity: 'info', titleIncludes: ['30 days'], evidence: { expireDays: 30, loginDelaySeconds: null, loginDelayRefused: false, imapClientSeen: false } }],
    },
    {
      name: 'login refused with [LOGIN-DELAY] → info',
      snapshot: buildSnapshot({ ...healthyPopOnlySpec(), pop: fail('login-delay', 'too soon', { step: 'login', code: 'LOGIN-DELAY' }) }),
      findings: [{ severity: 'info', evidence: { expireDays: null, loginDelaySeconds: null, loginDelayRefused: true, imapClientSeen: false } }],
    },
  ],
  skipped: [{ name: 'POP3 not probed', snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: null }), reason: 'POP3 not probed (--only imap)' }],
});
