// `maildoctor scan` on the real Dovecot: a small fleet with a wrong password and a closed port, four at a time.
// Every account gets exactly one line, the statuses are right, one account's failure does not touch the others,
// shards split the fleet, --resume finishes an interrupted run, and no password reaches any output.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/index.js';
import { runCli } from '../support/cli.js';
import { closedPort } from '../support/fake-server.js';
import { daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

interface Line {
  scan: { line: number; key: string; attempts: number; error?: string };
  status: string;
  probes: { imap: { state: string; error: { kind: string } | null }; pop: { state: string; error: { kind: string } | null } };
}

const parseLines = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe('maildoctor scan (CLI on real Dovecot)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'md-scan-'));
  const accountsFile = join(dir, 'accounts.csv');
  const users: TestUser[] = [];
  const secrets: string[] = [];
  let deadPort = 0;
  const SHARED = 'Shared-Fleet-Secret-9';
  let common: string[];

  beforeAll(async () => {
    const tb = testbed();
    deadPort = await closedPort();
    // 9 healthy accounts (two of them reach their password through the shared MAILDOCTOR_PASSWORD or an env var).
    for (let i = 0; i < 11; i++) {
      const u = await newUser(i === 0 ? { password: SHARED } : {});
      seedMaildir(tb, u, 'INBOX', [{ date: daysAgo(5), flags: ['\\Seen'] }, { date: daysAgo(0.2) }]);
      users.push(u);
      secrets.push(u.password);
      if (i > 1) writeFileSync(join(dir, `${u.user}.pw`), `${u.password}\n`);
    }
    writeFileSync(join(dir, 'wrong.pw'), 'definitely-Not-The-Password\n');
    const rows = [
      'user,password_file,password_env,imap_port,pop_port',
      `${users[0]!.user},,,,`, // shared MAILDOCTOR_PASSWORD
      `${users[1]!.user},,PW_ONE,,`,
      ...users.slice(2, 10).map((u) => `${u.user},${u.user}.pw,,,`),
      `${users[10]!.user},wrong.pw,,,`, // wrong password
      `"${users[2]!.user}-closed",${users[2]!.user}.pw,,${deadPort},${deadPort}`, // nothing listens there
    ];
    writeFileSync(accountsFile, `${rows.join('\n')}\n`);
    common = ['--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--timeout', '10'];
  });

  const env = () => ({ MAILDOCTOR_PASSWORD: SHARED, PW_ONE: users[1]!.password });

  it('gives all 12 accounts a line, isolates the failures, and exits with the worst status', async () => {
    const out = join(dir, 'out.jsonl');
    const r = await runCli(['scan', accountsFile, ...common, '--concurrency', '4', '--out', out], { env: env(), timeoutMs: 90_000 });
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    const lines = parseLines(text);
    expect(lines).toHaveLength(12);
    expect(new Set(lines.map((l) => l.scan.line))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => i + 2)));
    for (const l of lines) expect(() => ReportSchema.parse(l)).not.toThrow();
    const byLine = new Map(lines.map((l) => [l.scan.line, l]));
    for (let ln = 2; ln <= 11; ln++) {
      const l = byLine.get(ln)!;
      expect(l.probes.imap.state, `line ${ln}`).toBe('ok');
      expect(l.probes.pop.state, `line ${ln}`).toBe('ok');
      expect(l.status).not.toBe('unknown');
    }
    const wrong = byLine.get(12)!;
    expect(wrong.probes.imap.error?.kind).toBe('auth');
    expect(wrong.probes.pop.error?.kind).toBe('auth');
    expect(wrong.status).toBe('critical');
    const closed = byLine.get(13)!;
    expect(closed.scan.key).toBe(`${users[2]!.user}-closed`);
    expect(closed.probes.imap.error?.kind).toBe('refused');
    expect(closed.probes.pop.error?.kind).toBe('refused');
    const worst = Math.max(...lines.map((l) => ({ ok: 0, warning: 1, critical: 2, unknown: 3 })[l.status]!));
    expect(r.code).toBe(worst);
    // The summary on stderr (not a terminal: no progress line) counts the statuses and names the findings.
    expect(r.stderr).toMatch(/^scan: 12 accounts/);
    expect(r.stderr).toMatch(/login-failed\s+1/);
    expect(r.stderr).not.toMatch(/\r/);
    for (const s of [...secrets, SHARED, 'definitely-Not-The-Password']) {
      expect(text).not.toContain(s);
      expect(r.stderr).not.toContain(s);
    }
  });

  it('shards split the fleet: every account in exactly one shard', async () => {
    const keys: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await runCli(['scan', accountsFile, ...common, '--concurrency', '8', '--shard', `${i}/3`, '--quiet'], { env: env(), timeoutMs: 90_000 });
      expect(r.stderr).toBe('');
      keys.push(...parseLines(r.stdout).map((l) => l.scan.key));
    }
    expect(keys).toHaveLength(12);
    expect(new Set(keys).size).toBe(12);
  });

  it('--resume probes only what an interrupted run did not write, and keeps one line per account', async () => {
    const out = join(dir, 'resume.jsonl');
    const first = await runCli(['scan', accountsFile, ...common, '--concurrency', '4', '--out', out, '--quiet'], { env: env(), timeoutMs: 90_000 });
    expect(first.code).toBeGreaterThan(0);
    const all = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    // Keep five complete lines and a torn sixth, as if the run had been killed while writing.
    writeFileSync(out, `${all.slice(0, 5).join('\n')}\n${all[5]!.slice(0, 40)}`);
    const kept = parseLines(all.slice(0, 5).join('\n')).map((l) => l.scan.key);
    const r = await runCli(['scan', accountsFile, ...common, '--concurrency', '4', '--out', out, '--resume'], { env: env(), timeoutMs: 90_000 });
    const lines = parseLines(readFileSync(out, 'utf8'));
    expect(lines).toHaveLength(12);
    expect(new Set(lines.map((l) => l.scan.key)).size).toBe(12);
    expect(lines.slice(0, 5).map((l) => l.scan.key)).toEqual(kept);
    expect(r.stderr).toMatch(/12 accounts, 5 from the earlier run/);
    expect(r.code).toBe(first.code);
  });

  it('refuses a bad accounts file before probing anything: one line per bad row, exit 3', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `user,password\n${users[0]!.user},${SHARED}\nx,"unterminated\n`);
    const r = await runCli(['scan', bad, ...common], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/bad\.csv:2: has a "password" column/),
      expect.stringMatching(/bad\.csv:3: unterminated quoted field/),
      expect.stringMatching(/2 bad rows in .*bad\.csv; nothing was scanned/),
    ]);
    expect(r.stderr).not.toContain(SHARED);
  });
});
