// The test log (issue 11) against scripted servers: what each protocol's probe tells, step by step, in order; no
// secret in it when the server echoes the password (as it is, base64, or as the SASL PLAIN response); and a
// login-only probe (check --just-login) sends nothing after the login but LOGOUT / QUIT.
import { afterEach, describe, expect, it } from 'vitest';
import { probeAccount, type AccountOptions } from '../src/probe.js';
import { passwordCredentials, saslPlainResponse } from '../src/connectors/credentials.js';
import type { TestLogEntry } from '../src/snapshot/trace.js';
import { fakeImap, type FakeImapScript } from './support/fake-imap.js';
import { startFakePop3, type FakePop3Script } from './support/fake-pop3.js';

const PASSWORD = 'hunter2-Secret-XYZ';
const credentials = passwordCredentials('alice', PASSWORD);
const SECRET_FORMS = [PASSWORD, Buffer.from(PASSWORD).toString('base64'), saslPlainResponse(credentials)];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const POP_OK: FakePop3Script['replies'] = {
  CAPA: '+OK\r\nUSER\r\nUIDL\r\nIMPLEMENTATION fake\r\n.\r\n',
  USER: '+OK\r\n',
  PASS: '+OK logged in\r\n',
  STAT: '+OK 2 300\r\n',
  UIDL: '+OK\r\n1 a\r\n2 b\r\n.\r\n',
  LIST: '+OK\r\n1 100\r\n2 200\r\n.\r\n',
};

async function servers(imap: FakeImapScript = {}, pop: FakePop3Script = { replies: POP_OK }) {
  const i = await fakeImap(imap);
  const p = await startFakePop3(pop);
  open.push(i, p);
  const account: AccountOptions = {
    credentials,
    imap: { host: '127.0.0.1', port: i.port, tls: 'none' },
    pop: { host: '127.0.0.1', port: p.port, tls: 'none' },
    allowPlaintext: true,
    timeoutMs: 3000,
    fullPopListing: true,
  };
  return { imapServer: i, popServer: p, account };
}

async function traced(account: AccountOptions) {
  const log: TestLogEntry[] = [];
  const snapshot = await probeAccount(account, { trace: (e) => log.push(e) });
  return { snapshot, log };
}

const steps = (log: TestLogEntry[], protocol: string) => log.filter((e) => e.protocol === protocol).map((e) => `${e.step} ${e.outcome}`);

describe('the test log', () => {
  it('tells resolve, connect, greeting, capabilities, login and every command of both protocols, in order', async () => {
    const { account } = await servers();
    const { snapshot, log } = await traced(account);
    expect(snapshot.imap?.ok && snapshot.pop?.ok).toBe(true);

    expect(steps(log, 'dns')).toEqual(['resolve ok']);
    expect(log.find((e) => e.protocol === 'dns')!.detail).toBe('127.0.0.1: 127.0.0.1');

    const imap = steps(log, 'imap');
    for (const s of ['preflight ok', 'connect ok', 'greeting info', 'capabilities info', 'login ok', 'EXAMINE INBOX ok', 'LIST ok', 'GETQUOTAROOT INBOX ok', 'LOGOUT info', 'result ok']) {
      expect(imap, s).toContain(s);
    }
    expect(imap.indexOf('connect ok')).toBeLessThan(imap.indexOf('greeting info'));
    expect(imap.indexOf('login ok')).toBeLessThan(imap.indexOf('EXAMINE INBOX ok'));
    expect(imap.indexOf('EXAMINE INBOX ok')).toBeLessThan(imap.indexOf('GETQUOTAROOT INBOX ok'));
    expect(imap.at(-1)).toBe('result ok');
    const imapLogin = log.find((e) => e.protocol === 'imap' && e.step === 'login')!;
    expect(imapLogin.detail).toBe('AUTHENTICATE PLAIN');
    expect(log.find((e) => e.protocol === 'imap' && e.step === 'connect')!.detail).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(log.find((e) => e.protocol === 'imap' && e.step === 'greeting')!.detail).toContain('fake IMAP ready');

    expect(steps(log, 'pop3')).toEqual([
      'connect ok',
      'greeting info',
      'CAPA ok',
      'capabilities info',
      'login ok',
      'CAPA ok',
      'STAT ok',
      'UIDL ok',
      'LIST ok',
      'QUIT info',
      'result ok',
    ]);
    const pop = (step: string) => log.find((e) => e.protocol === 'pop3' && e.step === step)!;
    expect(pop('login').detail).toBe('USER/PASS');
    expect(pop('STAT').detail).toBe('2 messages, 300 bytes');
    expect(pop('UIDL').detail).toBe('2 unique-ids');
    expect(pop('capabilities').detail).toBe('USER UIDL IMPLEMENTATION fake');

    // Every step that took time says how long; the elapsed time runs on.
    for (const e of log) if (e.outcome === 'ok') expect(e.ms, `${e.protocol} ${e.step}`).toBeGreaterThanOrEqual(0);
    for (const p of ['imap', 'pop3']) {
      const at = log.filter((e) => e.protocol === p).map((e) => e.atMs);
      expect(at).toEqual([...at].sort((a, b) => a - b));
    }
  });

  it('without a trace nothing is resolved or logged, and the snapshot is the same kind', async () => {
    const { account } = await servers();
    const snapshot = await probeAccount(account);
    expect(snapshot.imap?.ok && snapshot.pop?.ok).toBe(true);
    expect(snapshot.login).toBeUndefined();
  });

  it('a refused login is logged as failed with the server words, and the result names the kind', async () => {
    const { account } = await servers(
      { on: (verb, tag) => (verb === 'AUTHENTICATE' ? `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n` : undefined) },
      { replies: { ...POP_OK, PASS: '-ERR [AUTH] Authentication failed.\r\n' } },
    );
    const { log } = await traced(account);
    const login = (p: string) => log.find((e) => e.protocol === p && e.step === 'login')!;
    expect(login('imap')).toMatchObject({ outcome: 'failed' });
    expect(login('imap').detail).toMatch(/AUTHENTICATE PLAIN; NO: .*Authentication failed/);
    expect(login('pop3')).toMatchObject({ outcome: 'failed' });
    expect(login('pop3').detail).toMatch(/Authentication failed/);
    expect(log.filter((e) => e.step === 'result').map((e) => `${e.protocol} ${e.outcome}`).sort()).toEqual(['imap failed', 'pop3 failed']);
    expect(log.find((e) => e.protocol === 'imap' && e.step === 'result')!.detail).toMatch(/^auth during login:/);
  });

  it('holds no secret when the servers echo the password, its base64 and the SASL PLAIN response', async () => {
    const echo = SECRET_FORMS.join(' ');
    const { account } = await servers(
      {
        greeting: `* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hello ${echo}`,
        on: (verb, tag) => (verb === 'AUTHENTICATE' ? `${tag} NO [AUTHENTICATIONFAILED] you sent ${echo}\r\n` : undefined),
      },
      { greeting: `+OK POP3 ${echo}\r\n`, replies: { ...POP_OK, CAPA: `+OK\r\nUSER\r\nIMPLEMENTATION ${echo}\r\n.\r\n`, PASS: `-ERR [AUTH] wrong: ${echo}\r\n` } },
    );
    const { log } = await traced(account);
    const text = JSON.stringify(log);
    expect(text).toContain('***');
    expect(log.filter((e) => e.step === 'login').map((e) => `${e.protocol} ${e.outcome}`).sort()).toEqual(['imap failed', 'pop3 failed']);
    for (const secret of SECRET_FORMS) expect(text).not.toContain(secret);
    // The account's own words stay readable.
    expect(text).toContain('127.0.0.1');
  });
});

describe('a login-only probe (check --just-login)', () => {
  it('logs in on both protocols, sends LOGOUT / QUIT and nothing else, and records the login in snapshot.login', async () => {
    const { imapServer, popServer, account } = await servers();
    const { snapshot, log } = await traced({ ...account, loginOnly: true });
    expect(snapshot.imap).toBeNull();
    expect(snapshot.pop).toBeNull();
    expect(snapshot.login?.imap).toMatchObject({ ok: true, evidence: { loginMethod: 'AUTHENTICATE PLAIN', transport: 'none' } });
    expect(snapshot.login?.pop).toMatchObject({ ok: true, evidence: { loginMethod: 'USER/PASS', implementation: 'fake' } });

    // imapflow asks for the hierarchy delimiter as part of its login (LIST "" "": no mailbox is listed).
    const imapVerbs = imapServer.received.filter((l) => !/^\S+ LIST "" ""$/.test(l)).map((l) => l.split(' ')[1]?.toUpperCase());
    expect(imapVerbs).toContain('AUTHENTICATE');
    for (const v of ['EXAMINE', 'SELECT', 'LIST', 'STATUS', 'SEARCH', 'UID', 'FETCH', 'GETQUOTAROOT']) expect(imapVerbs, v).not.toContain(v);
    await popServer.idle();
    const popVerbs = popServer.received.map((c) => c.verb);
    expect(popVerbs).toEqual(['CAPA', 'USER', 'PASS', 'QUIT']);

    expect(steps(log, 'pop3')).toEqual(['connect ok', 'greeting info', 'CAPA ok', 'capabilities info', 'login ok', 'QUIT info', 'result ok']);
    expect(steps(log, 'imap')).not.toContain('EXAMINE INBOX ok');
    expect(steps(log, 'imap')).toContain('login ok');
  });

  it('records a refused login as the probe error of snapshot.login', async () => {
    const { account } = await servers({}, { replies: { ...POP_OK, PASS: '-ERR [AUTH] Authentication failed.\r\n' } });
    const snapshot = await probeAccount({ ...account, loginOnly: true });
    expect(snapshot.login?.imap?.ok).toBe(true);
    expect(snapshot.login?.pop).toMatchObject({ ok: false, error: { kind: 'auth' } });
  });
});
