import { describe, expect, it } from 'vitest';
import { parseCapa } from '../../src/connectors/pop3/capa.js';
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

/** The POP3 evidence's EXPIRE and LOGIN-DELAY as our CAPA reader takes them from these lines (post-login). */
function fromCapa(lines: string[]): Partial<PopSpec> {
  const c = parseCapa(lines);
  return { expire: c.expire, loginDelaySeconds: c.loginDelaySeconds };
}
// Cyrus 3.6's CAPA after login, as the testbed's shows it (popexpiretime and popminpoll unset).
const CYRUS_CAPA = ['SASL PLAIN LOGIN', 'EXPIRE NEVER', 'LOGIN-DELAY 0', 'TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE', 'USER', 'IMPLEMENTATION Cyrus POP3 3.6.1-Debian-3.6.1-4'];

describe('CAPA EXPIRE and LOGIN-DELAY as read from the wire', () => {
  it('Cyrus: EXPIRE NEVER is kept as NEVER (not a number of days), LOGIN-DELAY 0 as 0', () => {
    expect(fromCapa(CYRUS_CAPA)).toEqual({ expire: 'NEVER', loginDelaySeconds: 0 });
    expect(fromCapa(['expire never'])).toEqual({ expire: 'NEVER', loginDelaySeconds: null });
  });
  it('EXPIRE 0 (Gmail), popexpiretime 5 and the per-user forms keep their number', () => {
    expect(fromCapa(['EXPIRE 0', 'LOGIN-DELAY 300'])).toEqual({ expire: '0', loginDelaySeconds: 300 });
    expect(fromCapa(['EXPIRE 5', 'LOGIN-DELAY 900'])).toEqual({ expire: '5', loginDelaySeconds: 900 });
    expect(parseCapa(['EXPIRE 30 USER', 'LOGIN-DELAY 600 USER'])).toMatchObject({ expire: '30', expirePerUser: true, loginDelaySeconds: 600 });
  });
});

ruleTester('pop-server-expires-mail', {
  valid: [
    { name: "Cyrus's own CAPA lines (EXPIRE NEVER, LOGIN-DELAY 0): neither expiring mail nor a delay", snapshot: imapUserWithPop(fromCapa(CYRUS_CAPA)) },
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
      name: 'Cyrus with popexpiretime 0 and popminpoll 15 (CAPA EXPIRE 0, LOGIN-DELAY 900) and IMAP clients → warning, deleted at once',
      snapshot: imapUserWithPop(fromCapa(['EXPIRE 0', 'LOGIN-DELAY 900', 'TOP', 'UIDL', 'IMPLEMENTATION Cyrus POP3 3.6.1'])),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['as soon as a POP3 client downloads it'],
          steps: ['server-expire-policy', 'login-delay-policy'],
          evidence: { expireDays: 0, loginDelaySeconds: 900, loginDelayRefused: false, imapClientSeen: true },
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
