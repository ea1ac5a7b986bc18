// OAuth2 end to end: a real authorization server on loopback (oidc-provider) issues tokens by the client
// credentials grant, a Dovecot of its own checks them by introspection (oauth2 passdb), and maildoctor logs in over
// IMAP and POP3 with OAUTHBEARER and XOAUTH2. A revoked or expired token fails with the server's decoded reason;
// a hanging token command meets its deadline; the token is in no output, snapshot or history database.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauth2Credentials, type OAuth2Mechanism } from '../../src/connectors/credentials.js';
import { probeAccount } from '../../src/probe.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { addUser, mailboxState, startTestbed, type Testbed } from '../../src/testbed/dovecot.js';
import { MAIL_SCOPE, startAuthServer, type AuthServer } from '../../src/testbed/oauth.js';
import { seedMaildir } from '../../src/testbed/seed.js';
import type { TestUser } from '../../src/testbed/types.js';
import { runCli, type CliResult } from '../support/cli.js';
import { daysAgo } from '../support/testbed.js';

const MECHANISMS: OAuth2Mechanism[] = ['OAUTHBEARER', 'XOAUTH2'];

/** The token in every form that could leak: as is, base64, and base64 at each offset inside a longer text. */
function tokenForms(token: string): string[] {
  const forms = [token, Buffer.from(token).toString('base64').slice(0, -4)];
  for (const lead of ['a', 'ab']) forms.push(Buffer.from(`${lead}${token}`).toString('base64').slice(4, -4));
  return forms;
}

function expectNoToken(token: string, ...texts: (string | Buffer)[]) {
  for (const t of texts) for (const f of tokenForms(token)) expect(t.includes(f), `a form of the token in ${String(t).slice(0, 80)}`).toBe(false);
}

describe('OAuth2 against a real authorization server and Dovecot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-oauth2-'));
  let auth: AuthServer;
  let tb: Testbed;
  let alice: TestUser;
  let brief: TestUser;

  beforeAll(async () => {
    auth = await startAuthServer({ clients: [{ id: 'oa-alice' }, { id: 'oa-brief', ttlSeconds: 1 }] });
    tb = await startTestbed({ oauth2: { introspectionUrl: auth.introspectionUrl, scope: MAIL_SCOPE } });
    alice = await addUser(tb, { user: 'oa-alice' });
    brief = await addUser(tb, { user: 'oa-brief' });
    seedMaildir(tb, alice, 'INBOX', [{ date: daysAgo(5), flags: ['\\Seen'] }, { date: daysAgo(1) }, { date: daysAgo(0.2) }]);
  });
  afterAll(async () => {
    await tb?.stop();
    await auth?.stop();
  });

  const account = (user: TestUser, token: string, mechanism?: OAuth2Mechanism) => ({
    credentials: oauth2Credentials(user.user, token, mechanism),
    imap: { host: tb.host, port: tb.ports.imaps, tls: 'implicit' as const },
    pop: { host: tb.host, port: tb.ports.pop3s, tls: 'implicit' as const },
    ca: tb.caPem,
    timeoutMs: 15_000,
  });
  const cliAccount = (user: TestUser) => ['--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--user', user.user, '--ca', tb.caFile, '--timeout', '15'];

  it('a token it issued logs in over IMAP and POP3 with OAUTHBEARER and XOAUTH2, and the mailbox stays as it was', async () => {
    const token = await auth.token('oa-alice');
    const before = await mailboxState(tb, alice);
    for (const mechanism of [undefined, ...MECHANISMS]) {
      const s = await probeAccount(account(alice, token, mechanism));
      const used = mechanism ?? 'OAUTHBEARER';
      expect(s.imap).toMatchObject({ ok: true, evidence: { loginMethod: `AUTHENTICATE ${used}`, inbox: { messages: 3 } } });
      expect(s.pop).toMatchObject({ ok: true, evidence: { loginMethod: `SASL ${used}`, stat: { messages: 3 } } });
      expectNoToken(token, JSON.stringify(s));
    }
    expect(await mailboxState(tb, alice)).toEqual(before);
  });

  it('check with --oauth2-token-command, --oauth2-token-file and MAILDOCTOR_OAUTH2_TOKEN: OK, and the token in no output, snapshot or history', async () => {
    const token = await auth.token('oa-alice');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const helper = join(dir, 'helper.mjs');
    writeFileSync(helper, `import { readFileSync } from 'node:fs';\nprocess.stdout.write(readFileSync(process.argv[2], 'utf8'));\nconsole.error('helper chatter: ${token}');\n`);
    const history = join(dir, 'history.db');
    const runs: [string, string[], Record<string, string>][] = [
      ['command', ['--oauth2-token-command', `"${process.execPath}" ${helper} ${tokenFile}`], {}],
      ['file', ['--oauth2-token-file', tokenFile, '--oauth2-mechanism', 'XOAUTH2'], {}],
      ['env', [], { MAILDOCTOR_OAUTH2_TOKEN: token }],
    ];
    for (const [name, args, env] of runs) {
      const save = join(dir, `${name}.json`);
      const r = await runCli(['check', ...cliAccount(alice), ...args, '--format', 'json', '--save', save, '--history', history], { env });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { status: string; findings: unknown[] };
      expect(report.status).toBe('ok');
      const snap = parseSnapshot(readFileSync(save, 'utf8'), save);
      expect(snap.imap?.ok && snap.imap.evidence.loginMethod).toBe(name === 'file' ? 'AUTHENTICATE XOAUTH2' : 'AUTHENTICATE OAUTHBEARER');
      expectNoToken(token, r.stdout, r.stderr, readFileSync(save));
    }
    const dbFiles = readdirSync(dir).filter((f) => f.startsWith('history.db'));
    expect(dbFiles.length).toBeGreaterThan(0);
    for (const f of dbFiles) expectNoToken(token, readFileSync(join(dir, f)));
  });

  for (const mechanism of MECHANISMS) {
    it(`a revoked token over ${mechanism}: login-failed with the decoded reason and the token step, over both protocols`, async () => {
      const token = await auth.token('oa-alice');
      await auth.revoke('oa-alice', token);
      const r: CliResult = await runCli(['check', ...cliAccount(alice), '--oauth2-mechanism', mechanism, '--format', 'json', '--no-history'], { env: { MAILDOCTOR_OAUTH2_TOKEN: token } });
      expect(r.code, r.stderr).toBe(2);
      const report = JSON.parse(r.stdout) as { findings: { id: string; evidence: { failures: { protocol: string; oauth2?: Record<string, string> }[] }; steps: string[]; stepKeys?: { key: string }[] }[] };
      const finding = report.findings.find((f) => f.id === 'login-failed')!;
      expect(finding.evidence.failures.map((f) => f.protocol)).toEqual(['imap', 'pop3']);
      // Dovecot 2.3 answers OAUTHBEARER with {"status":"invalid_token"}, XOAUTH2 with {"status":"401","schemes":"bearer","scope":...}.
      const expected = mechanism === 'OAUTHBEARER' ? { mechanism, status: 'invalid_token' } : { mechanism, status: '401', scope: MAIL_SCOPE, schemes: 'bearer' };
      for (const f of finding.evidence.failures) expect(f.oauth2).toEqual(expected);
      expect(finding.steps.join(' ')).toMatch(/expired.*IMAP\.AccessAsUser\.All.*POP\.AccessAsUser\.All.*https:\/\/mail\.google\.com\//);
      expect(finding.steps.join(' ')).not.toMatch(/password/i);
      expectNoToken(token, r.stdout, r.stderr);
    });
  }

  it('an expired token fails over IMAP and POP3 with what the server said', async () => {
    const token = await auth.token('oa-brief');
    await new Promise((r) => setTimeout(r, 2500));
    const s = await probeAccount(account(brief, token));
    for (const result of [s.imap, s.pop]) {
      expect(result).toMatchObject({ ok: false, error: { kind: 'auth', step: 'login', oauth2: { mechanism: 'OAUTHBEARER', status: 'invalid_token' } } });
      expect(result?.ok === false && result.error.message).toMatch(/rejected the access token \(OAUTHBEARER: status invalid_token\)/);
    }
    expectNoToken(token, JSON.stringify(s));
  });

  it('a token without the mail scope is refused, and the text report names the usual causes', async () => {
    const token = await auth.token('oa-alice', '');
    const r = await runCli(['check', ...cliAccount(alice), '--only', 'imap', '--oauth2-mechanism', 'XOAUTH2', '--no-history'], { env: { MAILDOCTOR_OAUTH2_TOKEN: token } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('IMAP XOAUTH2 token refused: status 401, scope mail, schemes bearer');
    expect(r.stdout).toContain('https://outlook.office.com/IMAP.AccessAsUser.All');
    expectNoToken(token, r.stdout, r.stderr);
  });

  it('a token command that hangs meets the --timeout deadline: one line, exit 3, nothing of its output', async () => {
    const hang = join(dir, 'hang.mjs');
    writeFileSync(hang, "console.error('Hang-Chatter-77'); setInterval(() => {}, 1000);\n");
    const r = await runCli(['check', ...cliAccount(alice).slice(0, -2), '--timeout', '1', '--oauth2-token-command', `"${process.execPath}" ${hang}`], { timeoutMs: 20_000 });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/token command \S+ gave no token within 1 s \(stopped\)/);
    expect(r.stderr).not.toContain('Hang-Chatter-77');
  });
});
