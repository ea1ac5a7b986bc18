// `maildoctor token` against a real authorization server (oidc-provider with its device flow): the user code
// is approved the way its verification page would record it, the token lands in a 0600 file, and `check
// --oauth2-token-file` logs in with it at the testbed Dovecot. A declined code ends with one line and exit 3.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestbed, type Testbed } from '../../src/testbed/dovecot.js';
import { MAIL_SCOPE, startAuthServer, type AuthServer } from '../../src/testbed/oauth.js';
import type { TestUser } from '../../src/testbed/types.js';
import { CLI, runCli, TEST_STATE_HOME } from '../support/cli.js';

/** Run `maildoctor token`, answering the code it prints on stderr with `answer`. */
function runToken(args: string[], answer: (userCode: string) => Promise<void>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'token', ...args], { env: { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: TEST_STATE_HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /enter the code (\S+)/.exec(stderr);
      if (m && !answered) {
        answered = true;
        answer(m[1]!).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('maildoctor token: the device authorization grant against oidc-provider, then check with the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-device-'));
  let auth: AuthServer;
  let tb: Testbed;
  let user: TestUser;
  let shortUser: TestUser;
  const checkWith = (u: TestUser, file: string) =>
    runCli([
      'check', '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s),
      '--user', u.user, '--ca', tb.caFile, '--timeout', '15', '--oauth2-token-file', file, '--format', 'json', '--no-history',
    ]);
  const lines = (file: string) => readFileSync(file, 'utf8').split('\n');
  /** A token file from the device flow, approved at once. */
  const deviceToken = async (clientId: string, out: string) => {
    const r = await runToken(['--issuer', auth.issuer, '--client-id', clientId, '--scope', `${MAIL_SCOPE} offline_access`, '--out', out, '--timeout', '10'], (code) => auth.approveDevice(code));
    expect(r.code, r.stderr).toBe(0);
    return r;
  };

  beforeAll(async () => {
    // oa-short's access tokens live 5 s: within the minute before expiry a file's token is refreshed before use.
    auth = await startAuthServer({ clients: [{ id: 'oa-device', device: true }, { id: 'oa-short', device: true, ttlSeconds: 5 }] });
    tb = await startTestbed({ oauth2: { introspectionUrl: auth.introspectionUrl, scope: MAIL_SCOPE } });
    user = await addUser(tb, { user: 'oa-device' });
    shortUser = await addUser(tb, { user: 'oa-short' });
  });
  afterAll(async () => {
    await tb?.stop();
    await auth?.stop();
  });

  it('an approved code gives a 0600 file whose token logs in over IMAP and POP3; no token in any output', async () => {
    const out = join(dir, 'token');
    const r = await runToken(['--issuer', auth.issuer, '--client-id', 'oa-device', '--scope', `${MAIL_SCOPE} offline_access`, '--out', out, '--timeout', '10'], (code) => auth.approveDevice(code));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`open ${auth.issuer}/device\\S* and enter the code [A-Z]{4}-[A-Z]{4}`));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const [access, refresh, meta, rest] = readFileSync(out, 'utf8').split('\n');
    expect(access).toMatch(/^[\w-]{20,}$/);
    expect(refresh).toMatch(/^[\w-]{20,}$/);
    const m = JSON.parse(meta!) as { token_endpoint: string; client_id: string; expires_at: number };
    expect(m).toMatchObject({ token_endpoint: `${auth.issuer}/token`, client_id: 'oa-device' });
    expect(Math.abs(m.expires_at - (Date.now() / 1000 + 600))).toBeLessThan(30);
    expect(rest).toBe('');
    for (const t of [access!, refresh!]) expect(r.stdout + r.stderr).not.toContain(t);

    const check = await runCli([
      'check', '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s),
      '--user', user.user, '--ca', tb.caFile, '--timeout', '15', '--oauth2-token-file', out, '--format', 'json', '--no-history',
    ]);
    expect(check.code, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as { status: string }).status).toBe('ok');
    expect(check.stdout + check.stderr).not.toContain(access);
  });

  it('refreshed on use: a token about to expire is renewed before the logins, and the file rewritten 0600', async () => {
    const out = join(dir, 'short');
    await deviceToken('oa-short', out);
    const [access, refresh] = lines(out);
    const check = await checkWith(shortUser, out);
    expect(check.code, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as { status: string }).status).toBe('ok');
    const [access2, refresh2, meta2] = lines(out);
    expect(access2).toMatch(/^[\w-]{20,}$/);
    expect(access2).not.toBe(access);
    expect(refresh2).toMatch(/^[\w-]{20,}$/);
    expect((JSON.parse(meta2!) as { expires_at: number }).expires_at).toBeGreaterThan(Date.now() / 1000);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    for (const t of [access!, refresh!, access2!, refresh2!]) expect(check.stdout + check.stderr).not.toContain(t);
  });

  it('refreshed on refusal: a token the server refuses is renewed once and both logins retried', async () => {
    const out = join(dir, 'refused');
    await deviceToken('oa-device', out);
    const [, refresh, meta] = lines(out);
    // The server refuses this token; the file says it is still valid, so only the refusal can set off the refresh.
    writeFileSync(out, `not-a-token-the-server-knows\n${refresh}\n${meta}\n`, { mode: 0o600 });
    const check = await checkWith(user, out);
    expect(check.code, check.stderr).toBe(0);
    const [access2] = lines(out);
    expect(access2).not.toBe('not-a-token-the-server-knows');
    expect(check.stdout + check.stderr).not.toContain(refresh!);
    expect(check.stdout + check.stderr).not.toContain(access2!);
  });

  it('a refresh the server refuses: the login failure says so, with its reason, and no token anywhere', async () => {
    const out = join(dir, 'dead');
    await deviceToken('oa-device', out);
    const [, , meta] = lines(out);
    writeFileSync(out, `not-a-token-the-server-knows\nnot-a-refresh-token-either\n${meta}\n`, { mode: 0o600 });
    const check = await checkWith(user, out);
    expect(check.code).toBe(2);
    const report = JSON.parse(check.stdout) as { findings: { id: string; summary: string; details?: unknown }[] };
    const text = JSON.stringify(report);
    expect(report.findings.map((f) => f.id)).toContain('login-failed');
    expect(text).toContain('was refused and could not be refreshed (the refresh request refused: invalid_grant');
    expect(check.stdout + check.stderr).not.toContain('not-a-refresh-token-either');
    expect(check.stdout + check.stderr).not.toContain('not-a-token-the-server-knows');
  });

  it('a declined code: one line on stderr, exit 3, no file', async () => {
    const out = join(dir, 'declined');
    const r = await runToken(['--issuer', auth.issuer, '--client-id', 'oa-device', '--scope', MAIL_SCOPE, '--out', out], (code) => auth.denyDevice(code));
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('maildoctor: the sign-in was declined (access_denied): no token was issued');
    expect(() => statSync(out)).toThrow();
  });

  it('plain http:// to anything but 127.0.0.1 is refused before any request', async () => {
    const r = await runCli(['token', '--issuer', 'http://localhost:9/', '--client-id', 'x', '--scope', 'mail']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('maildoctor: the issuer http://localhost:9 is not HTTPS (plain http:// only on 127.0.0.1)\n');
  });
});
