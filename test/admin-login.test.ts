// An admin login on behalf of a user, against scripted servers: the authorization identity rides only on SASL
// PLAIN, so a server without it gets a clear 'unsupported' probe error and never a LOGIN or USER/PASS line
// (which would log the admin in as itself). The real Dovecot cases are in test/integration/admin-login.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { probeImap } from '../src/connectors/imap/index.js';
import { probePop3 } from '../src/connectors/pop3/probe.js';
import { adminCredentials, saslPlainResponse } from '../src/connectors/credentials.js';
import { fakeImap } from './support/fake-imap.js';
import { multiline, startFakePop3 } from './support/fake-pop3.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const credentials = adminCredentials('alice@example.com', 'support', 'Adm1n-Secret-7');
/** A POP3 session that logs in by whatever the CAPA offers and holds an empty INBOX. */
const pop3 = (capa: string[]) => ({
  replies: {
    CAPA: multiline(capa),
    USER: '+OK\r\n',
    PASS: '+OK Logged in.\r\n',
    AUTH: '+OK Logged in.\r\n',
    STAT: '+OK 0 0\r\n',
    UIDL: multiline([]),
    LIST: multiline([]),
    QUIT: { send: '+OK bye\r\n', end: true },
  },
});
const base = (port: number) => ({ host: '127.0.0.1', port, tls: 'none' as const, allowPlaintext: true, credentials, timeoutMs: 3000 });

describe('an admin login with authzid', () => {
  it('IMAP: AUTHENTICATE PLAIN carries the user as authzid', async () => {
    let authTag = '';
    const srv = await fakeImap({
      capabilities: ['IMAP4rev1', 'AUTH=PLAIN'],
      // The SASL exchange: "+" for the response, which then comes as a line of its own.
      on: (verb, tag) => {
        if (verb === 'AUTHENTICATE') {
          authTag = tag;
          return '+ \r\n';
        }
        if (authTag && verb === '') {
          const t = authTag;
          authTag = '';
          return `${t} OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] logged in\r\n`;
        }
        return undefined;
      },
    });
    open.push(srv);
    const r = await probeImap({ ...base(srv.port), history: false, now: new Date() });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(srv.received).toContain(saslPlainResponse(credentials));
    expect(Buffer.from(saslPlainResponse(credentials), 'base64').toString()).toBe('alice@example.com\0support\0Adm1n-Secret-7');
    expect(srv.received.some((l) => / LOGIN /i.test(l))).toBe(false);
  });

  it('IMAP: a server without AUTH=PLAIN is refused before any login is sent', async () => {
    const srv = await fakeImap({ capabilities: ['IMAP4rev1', 'AUTH=LOGIN'] });
    open.push(srv);
    const r = await probeImap({ ...base(srv.port), history: false, now: new Date() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ kind: 'unsupported', step: 'login', code: 'NO-AUTH-PLAIN' });
    expect(r.error.message).toMatch(/offers no AUTHENTICATE PLAIN.*on behalf of alice@example\.com/);
    expect(srv.received.some((l) => /^\S+ (LOGIN|AUTHENTICATE)\b/i.test(l))).toBe(false);
    expect(JSON.stringify(r)).not.toContain('Adm1n-Secret-7');
  });

  it('POP3: AUTH PLAIN with the authzid; without SASL PLAIN a refusal and no USER line', async () => {
    const plain = await startFakePop3(pop3(['SASL PLAIN', 'USER', 'UIDL']));
    open.push(plain);
    const ok = await probePop3(base(plain.port));
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(plain.received.map((c) => c.line)).toContain(`AUTH PLAIN ${saslPlainResponse(credentials)}`);

    const userOnly = await startFakePop3(pop3(['USER', 'UIDL']));
    open.push(userOnly);
    const refused = await probePop3(base(userOnly.port));
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ kind: 'unsupported', step: 'login', code: 'NO-SASL-PLAIN' });
    expect(userOnly.received.map((c) => c.verb)).not.toContain('USER');
  });
});

describe('an admin login as a Dovecot master user', () => {
  it('IMAP LOGIN and POP3 USER carry user*admin', async () => {
    const master = adminCredentials('alice@example.com', 'support', 'Adm1n-Secret-7', '*');
    const imap = await fakeImap({ capabilities: ['IMAP4rev1'] });
    open.push(imap);
    const r = await probeImap({ ...base(imap.port), credentials: master, history: false, now: new Date() });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(imap.received.find((l) => / LOGIN /i.test(l))).toMatch(/LOGIN "?alice@example\.com\*support"? "?Adm1n-Secret-7"?/);

    const pop = await startFakePop3(pop3(['USER', 'UIDL']));
    open.push(pop);
    const p = await probePop3({ ...base(pop.port), credentials: master });
    expect(p.ok, JSON.stringify(p)).toBe(true);
    expect(pop.received.map((c) => c.line)).toContain('USER alice@example.com*support');
  });
});
