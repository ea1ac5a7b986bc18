// Inputs the CLI must not trust: password files (first line only, bounded), closed stdout pipes.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountArgs, CLI, runCli, TEST_STATE_HOME } from '../support/cli.js';
import { newUser, testbed, type TestUser } from '../support/testbed.js';

const PASSWORD = 'Tw0-Line-Pa55';

describe('password files and pipes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-trust-'));
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser({ password: PASSWORD });
  });

  it('a two-line password file gives its first line to check and to scan (relative to the accounts file)', async () => {
    const tb = testbed();
    writeFileSync(join(dir, 'pw'), `\uFEFF${PASSWORD}\r\nsomething else\n`);
    const check = await runCli(['check', ...accountArgs(tb, user), '--password-file', join(dir, 'pw'), '--no-history', '--format', 'json', '-q']);
    expect(check.stderr).toBe('');
    const report = JSON.parse(check.stdout) as { status: string };
    expect(report.status).not.toBe('unknown');
    writeFileSync(join(dir, 'accounts.csv'), `user,password_file\n${user.user},pw\n`);
    const common = ['--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--timeout', '10', '--quiet'];
    const scan = await runCli(['scan', join(dir, 'accounts.csv'), ...common], { timeoutMs: 60_000 });
    const line = JSON.parse(scan.stdout.trim().split('\n')[0]!) as { status: string };
    expect(line.status).toBe(report.status);
    expect(scan.stdout).not.toContain(PASSWORD);
  }, 90_000);

  it('/dev/zero as password file ends at once with one clear line', async () => {
    const t = Date.now();
    const r = await runCli(['check', '--host', '127.0.0.1', '--imap-port', '1', '--pop-port', '1', '--user', 'u', '--password-file', '/dev/zero', '--no-history']);
    expect(Date.now() - t).toBeLessThan(5000);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^maildoctor: password file \/dev\/zero: its first line is longer than 4096 bytes/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a closed stdout pipe ends a command quietly', async () => {
    const child = spawn(process.execPath, [CLI, 'history', '--history', join(TEST_STATE_HOME, 'none.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader went away before the first byte
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code, stderr).toBe(0);
  });

  it('a --save that cannot be written keeps the report and names the failed write', async () => {
    writeFileSync(join(dir, 'plain'), 'x');
    const r = await runCli(['check', ...accountArgs(testbed(), user), '--password-file', join(dir, 'pw'), '--no-history', '--format', 'nagios', '-q', '--save', join(dir, 'plain', 'snap.json')]);
    expect(r.stdout).toMatch(/^MAILDOCTOR (OK|WARNING|CRITICAL) - /);
    expect(r.stderr).toMatch(/^maildoctor: the snapshot was not saved to .*snap\.json: a part of the path is a file, not a folder \(ENOTDIR\)\n$/);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).not.toBe(0);
  }, 60_000);

  it('scan - reads the accounts from stdin', async () => {
    const scan = scanFromStdin(['--quiet']);
    scan.child.stdin.end('user\nstdin-user@example.com\n');
    await scan.closed;
    expect(scan.stderr()).not.toContain('not found');
    expect(scan.stdout()).toContain('stdin-user@example.com');
  }, 30_000);

  it('scan - reads stdin bounded: an endless stream ends at once with one clear line, nothing probed', async () => {
    const scan = scanFromStdin([]);
    const { child } = scan;
    child.stdin.on('error', () => {}); // the reader stops reading: EPIPE here is expected
    // Valid accounts, line after line, until maildoctor closes the pipe (a stream without an end).
    const line = Buffer.from('user\n' + 'someone@example.com\n'.repeat(4096));
    let closed = false;
    child.on('close', () => (closed = true));
    const feed = () => {
      while (!closed && child.stdin.writable && child.stdin.write(line));
      if (!closed && child.stdin.writable) child.stdin.once('drain', feed);
    };
    feed();
    const code = await scan.closed;
    expect(scan.stderr()).toBe('maildoctor: the accounts on stdin are more than 8 MiB: give them as a file (scan FILE)\n');
    expect(scan.stdout()).toBe('');
    expect(code).toBe(3);
    const help = await runCli(['scan', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/"-" reads stdin \(at most 8 MiB; relative password_file paths then resolve against the current folder/);
  }, 30_000);
});

/** `scan -` against closed ports (nothing answers), with stdin left to the test; its output read as it comes. */
function scanFromStdin(extra: string[]) {
  const child = spawn(process.execPath, [CLI, 'scan', '-', '--host', '127.0.0.1', '--imap-port', '1', '--pop-port', '1', '--timeout', '2', ...extra], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, XDG_STATE_HOME: TEST_STATE_HOME, MAILDOCTOR_PASSWORD: 'x' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  return { child, closed, stdout: () => stdout, stderr: () => stderr };
}
