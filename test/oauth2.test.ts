// OAuth2 access tokens on the wire: the SASL payloads (RFC 7628 OAUTHBEARER, XOAUTH2), the mechanism choice per
// protocol, the refused token's base64 JSON error challenge decoded and answered, and the token (in any base64
// form) absent from every result. Against scripted servers; test/integration/oauth2.test.ts does it with Dovecot.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseOAuth2Mechanism,
  decodeOAuth2Challenge,
  oauth2Credentials,
  oauth2Payload,
  oauth2Response,
  secretsOf,
} from '../src/connectors/credentials.js';
import { imapLoginCommand } from '../src/connectors/imap/login.js';
import { resolveCredentials } from '../src/credentials.js';
import { probeAccount } from '../src/probe.js';
import { probeImap } from '../src/connectors/imap/probe.js';
import { parseCapa } from '../src/connectors/pop3/capa.js';
import { popLoginMethod } from '../src/connectors/pop3/login.js';
import { probePop3 } from '../src/connectors/pop3/probe.js';
import { Pop3ResultSchema, ImapResultSchema } from '../src/snapshot/schema.js';
import { scrub } from '../src/snapshot/scrub.js';
import { fakeImap } from './support/fake-imap.js';
import { multiline, startFakePop3, type FakePop3Server } from './support/fake-pop3.js';
import type { FakeServer } from './support/fake-server.js';

const USER = 'alice@example.com';
// Long like a real JWT: the AUTH line cannot carry it within 255 octets.
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${'x7Yq'.repeat(80)}.sig-Tok3n_value`;
const creds = oauth2Credentials(USER, TOKEN);
const ERROR_JSON = { status: 'invalid_token', scope: 'https://mail.google.com/', schemes: 'bearer' };
const challenge = Buffer.from(JSON.stringify(ERROR_JSON)).toString('base64');

/** The token in every form that could leak: as is, and base64 at each offset of a longer payload. */
function leaks(text: string): string[] {
  const forms = [TOKEN, oauth2Response('XOAUTH2', USER, TOKEN), oauth2Response('OAUTHBEARER', USER, TOKEN)];
  for (const lead of ['', 'a', 'ab']) forms.push(Buffer.from(`${lead}${TOKEN}`).toString('base64').slice(8, -8));
  return forms.filter((f) => text.includes(f));
}

describe('the SASL payloads and the mechanism choice', () => {
  it('OAUTHBEARER is the RFC 7628 GS2 header, the bearer field and two ^A; XOAUTH2 is user, bearer, two ^A', () => {
    expect(oauth2Payload('OAUTHBEARER', 'a,b=c', 'T')).toBe('n,a=a=2Cb=3Dc,\x01auth=Bearer T\x01\x01');
    expect(oauth2Payload('XOAUTH2', USER, 'T')).toBe(`user=${USER}\x01auth=Bearer T\x01\x01`);
    expect(Buffer.from(oauth2Response('XOAUTH2', USER, 'T'), 'base64').toString()).toBe(`user=${USER}\x01auth=Bearer T\x01\x01`);
  });

  it('OAUTHBEARER first, else XOAUTH2; a forced one only when offered', () => {
    const both = (m: string) => m === 'OAUTHBEARER' || m === 'XOAUTH2';
    expect(chooseOAuth2Mechanism(creds, both)).toBe('OAUTHBEARER');
    expect(chooseOAuth2Mechanism(creds, (m) => m === 'XOAUTH2')).toBe('XOAUTH2');
    expect(chooseOAuth2Mechanism(oauth2Credentials(USER, TOKEN, 'XOAUTH2'), both)).toBe('XOAUTH2');
    expect(chooseOAuth2Mechanism(oauth2Credentials(USER, TOKEN, 'OAUTHBEARER'), (m) => m === 'XOAUTH2')).toBeNull();
    expect(chooseOAuth2Mechanism(creds, () => false)).toBeNull();
  });

  it('IMAP (our own sessions): one AUTHENTICATE line with SASL-IR, none without it', () => {
    const caps = new Set(['AUTH=PLAIN', 'AUTH=XOAUTH2', 'AUTH=OAUTHBEARER', 'SASL-IR']);
    expect(imapLoginCommand(creds, caps)).toBe(`AUTHENTICATE OAUTHBEARER ${oauth2Response('OAUTHBEARER', USER, TOKEN)}`);
    expect(imapLoginCommand(oauth2Credentials(USER, TOKEN, 'XOAUTH2'), caps)).toBe(`AUTHENTICATE XOAUTH2 ${oauth2Response('XOAUTH2', USER, TOKEN)}`);
    expect(imapLoginCommand(creds, new Set(['AUTH=OAUTHBEARER']))).toBeNull();
    expect(imapLoginCommand(creds, new Set(['AUTH=PLAIN', 'SASL-IR']))).toBeNull();
  });

  it('POP3: from the CAPA SASL line; without CAPA only a forced mechanism; otherwise an unsupported refusal', () => {
    expect(popLoginMethod(creds, parseCapa(['SASL PLAIN XOAUTH2 OAUTHBEARER', 'USER']), true, true, true, 'h:995')).toBe('SASL OAUTHBEARER');
    expect(popLoginMethod(creds, parseCapa(['SASL PLAIN XOAUTH2']), true, true, true, 'h:995')).toBe('SASL XOAUTH2');
    expect(popLoginMethod(oauth2Credentials(USER, TOKEN, 'XOAUTH2'), parseCapa(null), false, true, true, 'h:995')).toBe('SASL XOAUTH2');
    expect(popLoginMethod(creds, parseCapa(['SASL PLAIN', 'USER']), true, true, true, 'h:995')).toMatchObject({
      kind: 'unsupported',
      code: 'NO-OAUTH2',
      message: 'h:995: no OAuth2 login: its CAPA SASL offers neither OAUTHBEARER nor XOAUTH2',
    });
  });

  it('the error challenge decodes to status, scope and schemes; anything else to nothing', () => {
    expect(decodeOAuth2Challenge(challenge)).toEqual(ERROR_JSON);
    expect(decodeOAuth2Challenge(Buffer.from('{"status":"401","extra":{"a":1}}').toString('base64'))).toEqual({ status: '401' });
    expect(decodeOAuth2Challenge('not base64 json')).toEqual({});
    expect(decodeOAuth2Challenge(Buffer.from('["status"]').toString('base64'))).toEqual({});
  });

  it('the token is scrubbed as is and inside any base64 text around it', () => {
    const secrets = secretsOf(creds);
    for (const lead of ['', 'h', 'ho', 'host=x\x01port=993\x01']) {
      const line = `A1 AUTHENTICATE OAUTHBEARER ${Buffer.from(`n,a=${USER},\x01${lead}auth=Bearer ${TOKEN}\x01\x01`).toString('base64')} ${TOKEN}`;
      const out = scrub(line, secrets, [USER]);
      expect(leaks(out)).toEqual([]);
      expect(out).toContain('A1 AUTHENTICATE OAUTHBEARER');
    }
  });
});

describe('POP3 AUTH OAUTHBEARER / XOAUTH2 against a scripted server', () => {
  const servers: FakePop3Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const CAPA = multiline(['UIDL', 'USER', 'SASL PLAIN XOAUTH2 OAUTHBEARER']);
  const session = {
    CAPA,
    STAT: '+OK 0 0\r\n',
    UIDL: multiline([]),
    LIST: multiline([]),
    QUIT: { send: '+OK bye\r\n', end: true },
  };
  const probe = async (srv: FakePop3Server, c = creds) => {
    const r = await probePop3({ host: srv.host, port: srv.port, tls: 'none', allowPlaintext: true, credentials: c, timeoutMs: 3000 });
    Pop3ResultSchema.parse(r);
    expect(leaks(JSON.stringify(r))).toEqual([]);
    return r;
  };

  it('sends AUTH, then the response after the empty challenge (the line would pass 255 octets)', async () => {
    const srv = await startFakePop3({ replies: { ...session, AUTH: '+ \r\n' }, fallback: '+OK Logged in.\r\n' });
    servers.push(srv);
    const r = await probe(srv);
    expect(r).toMatchObject({ ok: true, evidence: { loginMethod: 'SASL OAUTHBEARER' } });
    const lines = srv.received.map((c) => c.line);
    expect(lines.slice(1, 3)).toEqual(['AUTH OAUTHBEARER', oauth2Response('OAUTHBEARER', USER, TOKEN)]);
  });

  it('a forced XOAUTH2 is used though OAUTHBEARER is offered', async () => {
    const srv = await startFakePop3({ replies: { ...session, AUTH: '+ \r\n' }, fallback: '+OK Logged in.\r\n' });
    servers.push(srv);
    const r = await probe(srv, oauth2Credentials(USER, TOKEN, 'XOAUTH2'));
    expect(r).toMatchObject({ ok: true, evidence: { loginMethod: 'SASL XOAUTH2' } });
    expect(srv.received[2]!.line).toBe(oauth2Response('XOAUTH2', USER, TOKEN));
  });

  for (const [mechanism, answer] of [
    ['XOAUTH2', ''],
    ['OAUTHBEARER', 'AQ=='],
  ] as const) {
    it(`a refused token over ${mechanism}: the error challenge decoded, answered with ${JSON.stringify(answer)}, the -ERR recorded`, async () => {
      const srv = await startFakePop3({
        replies: { ...session, AUTH: '+ \r\n' },
        fallback: (cmd) => (cmd.line === answer ? '-ERR [AUTH] Authentication failed.\r\n' : `+ ${challenge}\r\n`),
      });
      servers.push(srv);
      const r = await probe(srv, oauth2Credentials(USER, TOKEN, mechanism));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatchObject({
        kind: 'auth',
        step: 'login',
        code: 'AUTH',
        oauth2: { mechanism, ...ERROR_JSON },
        message: `${srv.host}:${srv.port} rejected the access token (${mechanism}: status invalid_token, scope https://mail.google.com/, schemes bearer): [AUTH] Authentication failed.`,
      });
      expect(srv.received.map((c) => c.line).slice(1, 4)).toEqual([`AUTH ${mechanism}`, oauth2Response(mechanism, USER, TOKEN), answer]);
    });
  }
});

describe('IMAP AUTHENTICATE OAUTHBEARER / XOAUTH2 through imapflow against a scripted server', () => {
  const servers: FakeServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  const CAPS = ['IMAP4rev1', 'AUTH=PLAIN', 'AUTH=XOAUTH2', 'AUTH=OAUTHBEARER', 'SASL-IR'];
  const probe = async (srv: FakeServer, c = creds) => {
    const r = await probeImap({ host: '127.0.0.1', port: srv.port, tls: 'none', allowPlaintext: true, credentials: c, timeoutMs: 3000, history: false, now: new Date() });
    ImapResultSchema.parse(r);
    expect(leaks(JSON.stringify(r))).toEqual([]);
    return r;
  };
  const authLines = (srv: FakeServer) => srv.received.filter((l) => / AUTHENTICATE /i.test(l));

  it('OAUTHBEARER when both are offered, the response on the command line (SASL-IR)', async () => {
    const srv = await fakeImap({ capabilities: CAPS });
    servers.push(srv);
    const r = await probe(srv);
    expect(r).toMatchObject({ ok: true, evidence: { loginMethod: 'AUTHENTICATE OAUTHBEARER' } });
    expect(r.ok && r.evidence.capabilitiesPreLogin).toContain('AUTH=OAUTHBEARER');
    expect(authLines(srv)).toHaveLength(1);
    const payload = Buffer.from(authLines(srv)[0]!.split(' ')[3]!, 'base64').toString();
    expect(payload.startsWith(`n,a=${USER},\x01`)).toBe(true);
    expect(payload.endsWith(`auth=Bearer ${TOKEN}\x01\x01`)).toBe(true);
  });

  it('--oauth2-mechanism XOAUTH2 is honoured though OAUTHBEARER is offered; a forced one not offered is refused before sending', async () => {
    const srv = await fakeImap({ capabilities: CAPS });
    servers.push(srv);
    const r = await probe(srv, oauth2Credentials(USER, TOKEN, 'XOAUTH2'));
    expect(r).toMatchObject({ ok: true, evidence: { loginMethod: 'AUTHENTICATE XOAUTH2' } });
    expect(authLines(srv)[0]).toMatch(/ AUTHENTICATE XOAUTH2 /);

    const only = await fakeImap({ capabilities: ['IMAP4rev1', 'AUTH=PLAIN', 'AUTH=XOAUTH2', 'SASL-IR'] });
    servers.push(only);
    const refused = await probe(only, oauth2Credentials(USER, TOKEN, 'OAUTHBEARER'));
    expect(refused).toMatchObject({ ok: false, error: { kind: 'unsupported', step: 'login', code: 'NO-OAUTH2' } });
    expect(authLines(only)).toEqual([]);
  });

  it('a refused token: the error challenge decoded into the probe error, answered with ^A, the NO recorded', async () => {
    let authTag = '';
    const srv = await fakeImap({
      capabilities: CAPS,
      on: (verb, tag, line) => {
        if (verb === 'AUTHENTICATE') {
          authTag = tag;
          return `+ ${challenge}\r\n`;
        }
        if (authTag && line === 'AQ==') return `${authTag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`;
        return undefined;
      },
    });
    servers.push(srv);
    const r = await probe(srv);
    expect(r).toMatchObject({
      ok: false,
      error: {
        kind: 'auth',
        step: 'login',
        code: 'AUTHENTICATIONFAILED',
        oauth2: { mechanism: 'OAUTHBEARER', ...ERROR_JSON },
        message: `127.0.0.1:${srv.port} rejected the access token (OAUTHBEARER: status invalid_token, scope https://mail.google.com/, schemes bearer): Authentication failed.`,
      },
    });
    expect(srv.received).toContain('AQ==');
  });
});

describe('one probe of an account: each connection takes the token it needs', () => {
  it('IMAP takes the token as resolved, POP3 a fresh read; neither is in the snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-oauth-'));
    const path = join(dir, 'token');
    writeFileSync(path, 'Imap-Token-0001\n');
    const credentials = await resolveCredentials(USER, { sharedTokenFile: path, env: {}, missing: 'none' });
    writeFileSync(path, 'Pop3-Token-0002\n');
    const imap = await fakeImap({ capabilities: ['IMAP4rev1', 'AUTH=OAUTHBEARER', 'SASL-IR'] });
    const pop = await startFakePop3({
      replies: { CAPA: multiline(['UIDL', 'SASL OAUTHBEARER']), AUTH: '+OK Logged in.\r\n', STAT: '+OK 0 0\r\n', UIDL: multiline([]), LIST: multiline([]) },
    });
    try {
      const snapshot = await probeAccount({
        credentials,
        imap: { host: '127.0.0.1', port: imap.port, tls: 'none' },
        pop: { host: '127.0.0.1', port: pop.port, tls: 'none' },
        allowPlaintext: true,
        timeoutMs: 3000,
      });
      expect(snapshot.imap?.ok && snapshot.pop?.ok).toBe(true);
      const sent = (line: string | undefined) => Buffer.from(line!.split(' ').pop()!, 'base64').toString();
      expect(sent(imap.received.find((l) => / AUTHENTICATE /.test(l)))).toContain('auth=Bearer Imap-Token-0001\x01');
      expect(sent(pop.received.find((c) => c.verb === 'AUTH')?.line)).toContain('auth=Bearer Pop3-Token-0002\x01');
      const json = JSON.stringify(snapshot);
      for (const t of ['Imap-Token-0001', 'Pop3-Token-0002']) expect(json).not.toContain(t);
    } finally {
      await imap.close();
      await pop.close();
    }
  });
});
