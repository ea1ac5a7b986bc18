// The CLI contract of `probe`, `check --save` and `analyze` against the real Dovecot: snapshots, probe errors per
// protocol, passwords from env/file and never in any output, one-line usage errors with exit 3.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { accountArgs, runCli, type CliResult } from '../support/cli.js';
import { daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';
import { closedPort } from '../support/fake-server.js';

const PASSWORD = 'S3cret-Pa55-XYZZY';

function expectNoSecret(...texts: string[]) {
  for (const t of texts) {
    expect(t).not.toContain(PASSWORD);
    expect(t).not.toContain(Buffer.from(PASSWORD).toString('base64'));
  }
}

function expectOneLineError(r: CliResult, pattern: RegExp) {
  expect(r.code).toBe(3);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('maildoctor probe / check / analyze (CLI on real Dovecot)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-cli-'));
  let user: TestUser;
  const env = { MAILDOCTOR_PASSWORD: PASSWORD };

  beforeAll(async () => {
    user = await newUser({ password: PASSWORD, quotaStorageBytes: 5 * 1024 * 1024 });
    seedMaildir(testbed(), user, 'INBOX', [
      { date: daysAgo(40), flags: ['\\Seen'] },
      { date: daysAgo(3), flags: ['\\Seen', '\\Answered'] },
      { date: daysAgo(0.1) },
    ]);
    seedMaildir(testbed(), user, 'Junk', [{ date: daysAgo(0.5) }]);
  });

  it('writes a valid snapshot with both protocols and no secret', async () => {
    const out = join(dir, 'snap.json');
    const r = await runCli(['probe', ...accountArgs(testbed(), user), '--out', out], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const snap = parseSnapshot(text, out);
    expect(snap.account).toEqual({
      user: user.user,
      imap: { host: '127.0.0.1', port: testbed().ports.imaps, tls: 'implicit' },
      pop: { host: '127.0.0.1', port: testbed().ports.pop3s, tls: 'implicit' },
    });
    expect(snap.imap?.ok).toBe(true);
    expect(snap.pop?.ok).toBe(true);
    if (snap.imap?.ok) expect(snap.imap.evidence.inbox.messages).toBe(3);
    if (snap.pop?.ok) expect(snap.pop.evidence.stat.messages).toBe(3);
    expectNoSecret(text, r.stdout, r.stderr);
  });

  it('prints the snapshot on stdout without --out, and --only leaves the other protocol out', async () => {
    const r = await runCli(['probe', ...accountArgs(testbed(), user), '--only', 'pop'], { env });
    expect(r.code).toBe(0);
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.imap).toBeNull();
    expect(snap.account.imap).toBeNull();
    expect(snap.pop?.ok).toBe(true);
  });

  it('records a probe error for one protocol and still probes the other', async () => {
    const port = await closedPort();
    const r = await runCli(['probe', ...accountArgs(testbed(), user, { popPort: port })], { env });
    expect(r.code).toBe(0);
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.imap?.ok).toBe(true);
    expect(snap.pop).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/refused/);
  });

  it('a wrong password is an auth error on both sides, exit 3 for probe, and the password is nowhere', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const r = await runCli(['probe', ...accountArgs(testbed(), user)], { env: { MAILDOCTOR_PASSWORD: wrong } });
    expect(r.code).toBe(3);
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.imap).toMatchObject({ ok: false, error: { kind: 'auth' } });
    expect(snap.pop).toMatchObject({ ok: false, error: { kind: 'auth' } });
    for (const t of [r.stdout, r.stderr]) expect(t).not.toContain(wrong);
  });

  it('a self-signed certificate without --ca is a TLS error', async () => {
    const r = await runCli(['probe', ...accountArgs(testbed(), user, { ca: false })], { env });
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.imap).toMatchObject({ ok: false, error: { kind: 'tls' } });
    expect(snap.pop).toMatchObject({ ok: false, error: { kind: 'tls' } });
    expect(r.code).toBe(3);
  });

  it('reads the password from --password-file (first line) in preference to the environment', async () => {
    const pwFile = join(dir, 'pw');
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
    const r = await runCli(['probe', ...accountArgs(testbed(), user), '--password-file', pwFile], {
      env: { MAILDOCTOR_PASSWORD: 'not-this-one' },
    });
    expect(r.code).toBe(0);
    const snap = parseSnapshot(r.stdout, 'stdout');
    expect(snap.imap?.ok && snap.pop?.ok).toBe(true);
  });

  it('check --save and analyze give the same report and exit code, also against the earlier probe in history', async () => {
    const db = join(dir, 'history.db');
    const first = await runCli(['check', ...accountArgs(testbed(), user), '--history', db, '--format', 'json'], { env });
    const firstReport = JSON.parse(first.stdout) as { skipped: { rule: string }[] };
    expect(firstReport.skipped.map((s) => s.rule)).toContain('mail-vanished'); // nothing to compare with yet
    const saved = join(dir, 'saved.json');
    const live = await runCli(['check', ...accountArgs(testbed(), user), '--history', db, '--save', saved, '--format', 'json'], { env });
    const liveReport = JSON.parse(live.stdout) as { schema: string; checked: string[] };
    expect(liveReport.schema).toBe('maildoctor/report@1');
    expect(liveReport.checked).toContain('mail-vanished'); // the second check compared with the first
    // analyze finds the probe that preceded the saved one (not the saved one itself) in the same database.
    const offline = await runCli(['analyze', saved, '--history', db, '--format', 'json']);
    expect(offline.code).toBe(live.code);
    expect(offline.stdout).toBe(live.stdout);
    // Without the history the comparison cannot be replayed, and the report says so instead of passing it.
    const alone = JSON.parse((await runCli(['analyze', saved, '--no-history', '--format', 'json'])).stdout) as { skipped: { rule: string }[] };
    expect(alone.skipped.map((s) => s.rule)).toContain('mail-vanished');
    expectNoSecret(live.stdout, live.stderr, readFileSync(saved, 'utf8'), readFileSync(db).toString('latin1'));
  });

  describe('bad input: one line on stderr, exit 3, nothing on stdout', () => {
    it.each<[string, string[], RegExp, Record<string, string>?]>([
      ['no password', ['probe', '--host', '127.0.0.1', '--user', 'x'], /no password: set MAILDOCTOR_PASSWORD/],
      ['no user', ['probe', '--host', '127.0.0.1'], /no account: give --user/, { MAILDOCTOR_PASSWORD: 'x' }],
      ['no host', ['check', '--user', 'x'], /no IMAP server: give --host or --imap-host/, { MAILDOCTOR_PASSWORD: 'x' }],
      ['an unknown option', ['check', '--hots', 'x'], /Unknown argument: hots/],
      ['a bad --imap-tls', ['check', '--host', 'h', '--user', 'u', '--imap-tls', 'maybe'], /Invalid values:.*imap-tls/],
      ['a bad port', ['check', '--host', 'h', '--user', 'u', '--imap-port', '70000'], /--imap-port must be a port number/, { MAILDOCTOR_PASSWORD: 'x' }],
      ['a missing password file', ['probe', '--host', 'h', '--user', 'u', '--password-file', '/nonexistent/pw'], /password file not found/],
      ['a missing --ca', ['probe', '--host', 'h', '--user', 'u', '--ca', '/nonexistent/ca.pem'], /cannot read --ca file/, { MAILDOCTOR_PASSWORD: 'x' }],
      ['no command', [], /say which command/],
      ['a missing snapshot', ['analyze', '/nonexistent/s.json'], /snapshot file not found/],
      ['quota thresholds the wrong way round', ['analyze', '/dev/null', '--quota-warn', '99', '--quota-crit', '90'], /--quota-warn \(99\) must not be above --quota-crit \(90\)/],
    ])('%s', async (_name, args, pattern, extraEnv) => {
      expectOneLineError(await runCli(args, { env: extraEnv }), pattern);
    });

    it('a corrupt snapshot file', async () => {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{"schema":"maildoctor/snapshot@1","takenAt":3}');
      expectOneLineError(await runCli(['analyze', bad]), /bad\.json is corrupt/);
    });

    it('a snapshot from a newer maildoctor', async () => {
      const newer = join(dir, 'newer.json');
      writeFileSync(newer, JSON.stringify({ schema: 'maildoctor/snapshot@99' }));
      expectOneLineError(await runCli(['analyze', newer]), /newer maildoctor/);
    });
  });
});
