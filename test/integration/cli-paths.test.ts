// Paths the CLI cannot use: a --history database that cannot be opened, a probe --out file that cannot be
// written. Never an "internal error": a check still prints its report and then one line naming the path and
// the reason; a command whose only job is the file says so on one line, exit 3.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountArgs, runCli, type CliResult } from '../support/cli.js';
import { newUser, testbed, type TestUser } from '../support/testbed.js';

interface JsonReport {
  status: 'ok' | 'warning' | 'critical' | 'unknown';
  skipped: { rule: string; reason: string }[];
}

const EXIT_OF = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
/** Rules that compare a probe with an earlier one (they wait for a history). */
const COMPARING = ['mail-vanished', 'uidvalidity-changed', 'quota-filling'];

const DIR = mkdtempSync(join(tmpdir(), 'md-paths-'));
chmodSync(DIR, 0o755); // reachable by the unprivileged user of the EACCES cases
const PLAIN = join(DIR, 'plain');
const FOLDER = join(DIR, 'folder');
const NOT_DB = join(DIR, 'notes.db');
writeFileSync(PLAIN, 'a regular file\n');
mkdirSync(FOLDER);
writeFileSync(NOT_DB, 'these are notes, not an SQLite database\n'.repeat(200));

/** [what it is, path, the reason the line must give] */
const UNUSABLE: [string, string, RegExp][] = [
  ['a path under a regular file', join(PLAIN, 'history.db'), /cannot open history database .*plain\/history\.db: a part of the path is a file, not a folder \(ENOTDIR\)/],
  ['a folder', FOLDER, /cannot open history database .*folder: it is a folder, not a file \(EISDIR\)/],
  ['a file that is not an SQLite database', NOT_DB, /history database .*notes\.db is not usable: file is not a database/],
];

function expectOneLine(r: CliResult, line: RegExp): void {
  expect(r.stderr).not.toMatch(/internal error|please report|\n\s+at /);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(line);
}

describe('check --history PATH that cannot be opened (real Dovecot)', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser();
  });

  it.each(UNUSABLE)('%s: the report, then one line; the comparing rules are skipped with that reason', async (_what, db, reason) => {
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--history', db, '--format', 'json', '-q'], { env: { MAILDOCTOR_PASSWORD: user.password } });
    const report = JSON.parse(r.stdout) as JsonReport;
    // The probe itself was fine: IMAP answered, so the rules that compare were skipped for the history alone.
    for (const rule of COMPARING) {
      const s = report.skipped.find((x) => x.rule === rule);
      expect(s, rule).toBeDefined();
      expect(s!.reason).toMatch(/^no earlier probe could be read: /);
      expect(s!.reason).toMatch(reason);
    }
    expectOneLine(r, reason);
    expect(r.stderr).toMatch(/this probe was not compared with earlier ones and not stored/);
    // Never OK without the comparison; a warning or critical report keeps its own code.
    expect(r.code).toBe(report.status === 'ok' ? 3 : EXIT_OF[report.status]);
  }, 60_000);

  it('text report: the comparing rules are listed as not checked with the reason, not as waiting for a second check', async () => {
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--history', join(PLAIN, 'history.db'), '-q'], { env: { MAILDOCTOR_PASSWORD: user.password } });
    expect(r.stdout).toMatch(/Not checked:\n(.*\n)* {2}- mail-vanished, uidvalidity-changed, quota-filling: no earlier probe could be read: cannot open history database/);
    expect(r.stdout).not.toMatch(/wait for an earlier probe/);
    expect(r.code).not.toBe(0);
  }, 60_000);
});

describe('history and logs with a --history PATH that cannot be opened', () => {
  const log = join(DIR, 'dovecot.log');
  writeFileSync(log, 'Nov 26 14:29:09 imap-login: Info: Login: user=<alice>, method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=1, TLS\n');

  it.each(UNUSABLE)('%s: one line, exit 3', async (_what, db, reason) => {
    for (const args of [['history', '--history', db], ['logs', log, '--user', 'alice', '--history', db]]) {
      const r = await runCli(args);
      expectOneLine(r, reason);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(3);
    }
  });

  it('a missing database is no error: nothing stored yet, nothing left out', async () => {
    const db = join(DIR, 'missing', 'history.db');
    const h = await runCli(['history', '--history', db]);
    expect(h).toMatchObject({ code: 0, stderr: '' });
    expect(h.stdout).toMatch(/^No probes stored in /);
    const a = await runCli(['history', '--history', db, '--account', 'alice']);
    expect(a.stdout).toMatch(/^No probes stored for alice in .*\nAccounts are stored as user@host: /);
    const l = await runCli(['logs', log, '--user', 'alice', '--history', db]);
    expect(l).toMatchObject({ code: 0, stderr: '' });
    expect(l.stdout).not.toMatch(/Left out/);
    expect(existsSync(db)).toBe(false); // reading never creates one
  });
});

describe('read-only places (EACCES, played by an unprivileged user: root ignores file modes)', () => {
  const ro = join(DIR, 'read-only');
  beforeAll(async () => {
    mkdirSync(ro);
    // A database with one probe, made while the folder was writable; then folder and file are read-only.
    await runCli(['check', '--host', '127.0.0.1', '--imap-port', '1', '--pop-port', '1', '--user', 'someone', '--history', join(ro, 'history.db'), '--timeout', '2', '-q'], {
      env: { MAILDOCTOR_PASSWORD: 'x' },
    });
    expect(existsSync(join(ro, 'history.db'))).toBe(true);
    chmodSync(join(ro, 'history.db'), 0o644);
    chmodSync(ro, 0o555);
  });

  it('check: a new database in a read-only folder gives the report, then one line with the reason', async () => {
    const r = await runCli(
      ['check', '--host', '127.0.0.1', '--imap-port', '1', '--pop-port', '1', '--user', 'someone', '--history', join(ro, 'new.db'), '--timeout', '2', '-q', '--format', 'nagios'],
      { env: { MAILDOCTOR_PASSWORD: 'x' }, unprivileged: true },
    );
    expect(r.stdout).toMatch(/^MAILDOCTOR CRITICAL - someone on 127\.0\.0\.1 \(IMAP 1 TLS; POP3 1 TLS\): /); // nothing listens on port 1: the report says so
    expectOneLine(r, /cannot open history database .*read-only\/new\.db: permission denied \(EACCES\); this probe was not compared/);
    expect(r.code).toBe(2);
  });

  it('history: a database the user cannot write is one line, exit 3', async () => {
    const r = await runCli(['history', '--history', join(ro, 'history.db')], { unprivileged: true });
    expectOneLine(r, /history database .*read-only\/history\.db is not usable: /);
    expect(r.code).toBe(3);
  });
});

describe('probe --out PATH that cannot be written (real Dovecot)', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser();
  });

  it.each([
    ['a path under a regular file', join(PLAIN, 'snap.json'), /a part of the path is a file, not a folder \(ENOTDIR\)/],
    ['a folder', FOLDER, /it is a folder, not a file \(EISDIR\)/],
  ])('%s: one line naming the file and the reason, exit 3, no file left behind', async (_what, out, reason) => {
    const r = await runCli(['probe', ...accountArgs(testbed(), user), '--out', out, '-q'], { env: { MAILDOCTOR_PASSWORD: user.password } });
    expectOneLine(r, new RegExp(`^maildoctor: the snapshot was not written to ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${reason.source}\\n$`));
    expect(r.stdout).toBe('');
    expect(r.code).toBe(3);
    expect(readdirSync(DIR).filter((n) => n.endsWith('.tmp'))).toEqual([]); // the temporary copy is gone too
  }, 60_000);

  it('analyze with a history that cannot be opened: the report, then one line; never OK', async () => {
    const snap = join(DIR, 'snap.json');
    const p = await runCli(['probe', ...accountArgs(testbed(), user), '--out', snap, '-q'], { env: { MAILDOCTOR_PASSWORD: user.password } });
    expect(p.code, p.stderr).toBe(0);
    const r = await runCli(['analyze', snap, '--history', join(PLAIN, 'history.db'), '--format', 'json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report.skipped.find((s) => s.rule === 'mail-vanished')?.reason).toMatch(/^no earlier probe could be read: cannot open history database .*\(ENOTDIR\)/);
    expectOneLine(r, /\(ENOTDIR\); this snapshot was not compared with earlier probes/);
    expect(r.code).toBe(report.status === 'ok' ? 3 : EXIT_OF[report.status]);
  }, 60_000);
});
