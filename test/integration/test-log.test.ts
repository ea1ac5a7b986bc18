// Issue 11: the test log (check --verbose on stderr, --include-log in the report) and check --just-login, on the
// real Dovecot, plus scripted servers for what Dovecot will not do (echo the password) and to see every command
// a login-only check sends.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.js';
import { saslPlainResponse, passwordCredentials } from '../../src/connectors/credentials.js';
import { accountArgs, runCli } from '../support/cli.js';
import { daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';
import { fakeImap } from '../support/fake-imap.js';
import { startFakePop3 } from '../support/fake-pop3.js';

const PASSWORD = 'Tr4ce-Pa55-QWERTY';

/** The password, its base64 and the SASL PLAIN response of `user` (what a login sends). */
const secretForms = (user: string, password = PASSWORD) => [password, Buffer.from(password).toString('base64'), saslPlainResponse(passwordCredentials(user, password))];

function expectNoSecret(user: string, password: string, ...texts: string[]) {
  for (const t of texts) for (const s of secretForms(user, password)) expect(t).not.toContain(s);
}

/** The test log lines of one protocol: "<step> <outcome>" in order. */
function logged(stderr: string, protocol: 'DNS' | 'IMAP' | 'POP3'): string[] {
  return stderr
    .split('\n')
    .map((l) => /^\s*\d+ ms {2}(\S+)\s+(.+?)\s{2,}(ok|failed|info)\b/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === protocol)
    .map((m) => `${m[2]!.trim()} ${m[3]}`);
}

describe('check --verbose and --include-log on Dovecot', () => {
  let user: TestUser;
  const env = { MAILDOCTOR_PASSWORD: PASSWORD };
  beforeAll(async () => {
    user = await newUser({ password: PASSWORD, quotaStorageBytes: 5 * 1024 * 1024 });
    seedMaildir(testbed(), user, 'INBOX', [{ date: daysAgo(2), flags: ['\\Seen'] }, { date: daysAgo(0.2) }]);
  });

  it('prints each step of both protocols on stderr, and stdout holds the report alone', async () => {
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--verbose'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ OK {2}/);
    expect(r.stdout).not.toContain('Test log');
    expect(logged(r.stderr, 'DNS')).toEqual(['resolve ok']);
    const imap = logged(r.stderr, 'IMAP');
    for (const s of ['connect ok', 'tls ok', 'greeting info', 'capabilities info', 'login ok', 'EXAMINE INBOX ok', 'UID SEARCH ok', 'GETQUOTAROOT INBOX ok', 'LOGOUT info', 'result ok']) {
      expect(imap, s).toContain(s);
    }
    expect(logged(r.stderr, 'POP3')).toEqual([
      'connect ok',
      'tls ok',
      'greeting info',
      'CAPA ok',
      'capabilities info',
      'login ok',
      'CAPA ok',
      'STAT ok',
      // The sampled listing: UIDL n and LIST n of a few messages, checked against IMAP (--full-pop-listing reads all).
      'UIDL n, LIST n ok',
      'QUIT info',
      'result ok',
    ]);
    expect(r.stderr).toMatch(/IMAP {2}tls .*TLSv1\.\d.*certificate CN=localhost.*valid until \d{4}-\d\d-\d\d; verified/);
    expect(r.stderr).toMatch(/IMAP {2}greeting .*Dovecot/);
    expect(r.stderr).toMatch(/IMAP {2}login +ok +\d+ ms {2}AUTHENTICATE PLAIN/);
    expect(r.stderr).toMatch(/POP3 {2}STAT +ok +\d+ ms {2}2 messages, \d+ bytes/);
    expectNoSecret(user.user, PASSWORD, r.stdout, r.stderr);
  });

  it('over STARTTLS / STLS the TLS step comes after the upgrade, with the certificate', async () => {
    const tb = testbed();
    const args = ['--host', tb.host, '--imap-port', String(tb.ports.imap), '--pop-port', String(tb.ports.pop3), '--imap-tls', 'starttls', '--pop-tls', 'starttls', '--user', user.user, '--ca', tb.caFile];
    const r = await runCli(['check', ...args, '--no-history', '--verbose', '--just-login'], { env });
    expect(r.code).toBe(0);
    const imap = logged(r.stderr, 'IMAP');
    expect(imap.slice(0, 4)).toEqual(['connect ok', 'greeting info', 'STARTTLS ok', 'tls ok']);
    expect(logged(r.stderr, 'POP3').slice(0, 6)).toEqual(['connect ok', 'greeting info', 'CAPA ok', 'STLS ok', 'tls ok', 'CAPA ok']);
    expect(r.stderr).toMatch(/IMAP {2}tls +ok +\d+ ms {2}after STARTTLS: TLSv1\.\d/);
    expect(r.stderr).toMatch(/POP3 {2}tls +ok +after STLS: TLSv1\.\d/);
  });

  it('a wrong password: the refused logins are in the log with the server words, and no form of it is', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--verbose', '--include-log', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: wrong } });
    expect(r.code).toBe(2);
    expect(logged(r.stderr, 'IMAP')).toContain('login failed');
    expect(logged(r.stderr, 'POP3')).toContain('login failed');
    expect(r.stderr).toMatch(/IMAP {2}login +failed .*AUTHENTICATE PLAIN; NO: .*Authentication failed/);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.findings.map((f) => f.id)).toContain('login-failed');
    expect(report.testLog?.filter((e) => e.step === 'result').map((e) => `${e.protocol} ${e.outcome}`).sort()).toEqual(['imap failed', 'pop3 failed']);
    expectNoSecret(user.user, wrong, r.stdout, r.stderr);
  });

  it('--include-log puts the log into json (as data), text and html, and --quiet does not silence --verbose', async () => {
    const json = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--include-log', '--format', 'json', '--quiet'], { env });
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(''); // without --verbose the log goes to the report only
    const report = ReportSchema.parse(JSON.parse(json.stdout));
    const log = report.testLog!;
    expect(log.map((e) => `${e.protocol} ${e.step}`)).toEqual(expect.arrayContaining(['dns resolve', 'imap connect', 'imap tls', 'imap login', 'imap EXAMINE INBOX', 'pop3 STAT', 'pop3 QUIT']));
    expect(log.find((e) => e.protocol === 'imap' && e.step === 'login')).toMatchObject({ outcome: 'ok', detail: 'AUTHENTICATE PLAIN' });
    for (const e of log) expect(Object.keys(e)).toEqual(['atMs', 'protocol', 'step', 'outcome', 'ms', 'detail']);

    const text = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--include-log', '--verbose', '--quiet'], { env });
    expect(text.stdout).toMatch(/\n\nTest log:\n +\d+ ms {2}DNS {3}resolve/);
    expect(text.stdout).toMatch(/POP3 {2}UIDL n, LIST n +ok/);
    expect(logged(text.stderr, 'POP3')).toContain('STAT ok'); // --verbose wins over --quiet for the log

    const html = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--include-log', '--format', 'html'], { env });
    expect(html.stdout).toContain('<h2 id="test-log">Test log</h2>');
    expect(html.stdout).toMatch(/<td>IMAP<\/td><td>EXAMINE INBOX<\/td><td>ok<\/td>/);
    // Without --include-log the report is the one it always was.
    const plain = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--format', 'json'], { env });
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('testLog');
    expectNoSecret(user.user, PASSWORD, json.stdout, text.stdout, text.stderr, html.stdout);
  });
});

describe('check --just-login on Dovecot', () => {
  let user: TestUser;
  const dir = mkdtempSync(join(tmpdir(), 'md-just-login-'));
  beforeAll(async () => {
    user = await newUser({ password: PASSWORD });
    seedMaildir(testbed(), user, 'INBOX', [{ date: daysAgo(1) }]);
  });

  it('a good password: exit 0, the report says only the logins were checked, the mailbox rules are not run, nothing is stored', async () => {
    const db = join(dir, 'history.db');
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--history', db, '--just-login', '--format', 'json', '--verbose'], { env: { MAILDOCTOR_PASSWORD: PASSWORD } });
    expect(r.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.status).toBe('ok');
    expect(report.verdict).toBe('Only the logins were checked (the mailbox was not read; 13 checks not run): the IMAP and POP3 logins work.');
    expect(report.coverage).toMatchObject({ loginOnly: true, observed: ['imap', 'pop'] });
    expect(report.checked.sort()).toEqual(['connect-failed', 'login-failed', 'tls-problem']);
    for (const id of ['mixed-protocol-use', 'pop-deletes-mail', 'quota-near-limit', 'mail-vanished', 'no-recent-mail']) {
      expect(report.skipped.find((s) => s.rule === id), id).toMatchObject({ kind: 'login-only' });
    }
    expect(report.metrics.inboxMessages).toBeNull();
    expect(report.probes.imap).toMatchObject({ state: 'ok', software: 'Dovecot' });
    // No mailbox command in the log, and the history was neither created nor written.
    const imap = logged(r.stderr, 'IMAP');
    expect(imap).toContain('login ok');
    expect(imap.filter((s) => /^(EXAMINE|SELECT|STATUS|UID|FETCH|GETQUOTAROOT)\b/.test(s))).toEqual([]);
    expect(logged(r.stderr, 'POP3')).toEqual(['connect ok', 'tls ok', 'greeting info', 'CAPA ok', 'capabilities info', 'login ok', 'QUIT info', 'result ok']);
    expect(existsSync(db)).toBe(false);
    const text = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--just-login'], { env: { MAILDOCTOR_PASSWORD: PASSWORD } });
    expect(text.stdout.split('\n')[0]).toMatch(/^✔ OK \(logins only\) {2}/);
    expect(text.stdout).toContain('only the logins were checked (--just-login): the mailbox was not read');
  });

  it('a wrong password: exit 2 with login-failed for both protocols', async () => {
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--no-history', '--just-login', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: 'not-the-password' } });
    expect(r.code).toBe(2);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const failed = report.findings.find((f) => f.id === 'login-failed');
    expect((failed?.evidence as { failures: { protocol: string }[] }).failures.map((f) => f.protocol).sort()).toEqual(['imap', 'pop3']);
    expect(report.verdict).toMatch(/^Only the logins were checked \(the mailbox was not read; \d+ checks not run\): The server refuses the login/);
    expectNoSecret(user.user, 'not-the-password', r.stdout, r.stderr);
  });
});

describe('scripted servers through the CLI', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const plain = (imapPort: number, popPort: number) => [
    '--host', '127.0.0.1', '--imap-port', String(imapPort), '--pop-port', String(popPort), '--imap-tls', 'none', '--pop-tls', 'none',
    '--allow-plaintext', '--user', 'alice', '--no-history', '--timeout', '5',
  ];

  it('--just-login sends no EXAMINE, STATUS, SEARCH, FETCH, STAT, UIDL or LIST: only the login and LOGOUT / QUIT', async () => {
    const imap = await fakeImap();
    const pop = await startFakePop3({ replies: { CAPA: '+OK\r\nUSER\r\nUIDL\r\n.\r\n', USER: '+OK\r\n', PASS: '+OK\r\n', STAT: '+OK 0 0\r\n' } });
    open.push(imap, pop);
    const r = await runCli(['check', ...plain(imap.port, pop.port), '--just-login', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: PASSWORD } });
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    // tls-problem says the login went without TLS (a warning): the exit code follows the findings.
    expect(report.findings.map((f) => f.id)).toEqual(['tls-problem']);
    expect(r.code).toBe(1);
    await pop.idle();
    expect(pop.received.map((c) => c.verb)).toEqual(['CAPA', 'USER', 'PASS', 'QUIT']);
    // Two IMAP sessions without TLS: our preflight (CAPABILITY, LOGOUT), then imapflow's login (LIST "" "" asks the delimiter).
    const verbs = imap.received.filter((l) => !/^\S+ LIST "" ""$/.test(l)).map((l) => l.split(' ')[1]!.toUpperCase());
    expect(verbs).toContain('AUTHENTICATE');
    expect(verbs.filter((v) => !['CAPABILITY', 'ID', 'AUTHENTICATE', 'NAMESPACE', 'LOGOUT'].includes(v))).toEqual([]);
  });

  it('a server that echoes the password, its base64 and the SASL PLAIN response puts none of them into the log', async () => {
    const echo = secretForms('alice').join(' ');
    const imap = await fakeImap({
      greeting: `* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready ${echo}`,
      on: (verb, tag) => (verb === 'AUTHENTICATE' ? `${tag} NO [AUTHENTICATIONFAILED] bad ${echo}\r\n` : undefined),
    });
    const pop = await startFakePop3({ greeting: `+OK hello ${echo}\r\n`, replies: { CAPA: `+OK\r\nUSER\r\nIMPLEMENTATION ${echo}\r\n.\r\n`, USER: '+OK\r\n', PASS: `-ERR [AUTH] bad ${echo}\r\n` } });
    open.push(imap, pop);
    const r = await runCli(['check', ...plain(imap.port, pop.port), '--verbose', '--include-log', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: PASSWORD } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('***');
    expect(logged(r.stderr, 'IMAP')).toContain('login failed');
    expect(logged(r.stderr, 'POP3')).toContain('login failed');
    expect(JSON.parse(r.stdout)).toHaveProperty('testLog');
    expectNoSecret('alice', PASSWORD, r.stdout, r.stderr);
  });
});
