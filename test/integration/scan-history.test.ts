// `scan` keeps a history per account like `check`: a second scan compares each account with its own previous
// probe, so the mail that fetchmail deleted in between is found (mail-vanished) for that account and no other;
// probes are stored under user@host as check stores them, and --no-history stores nothing. --format text is a
// table for people, one row per account.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistory } from '../../src/history/store.js';
import { runCli } from '../support/cli.js';
import { runFetchmail } from '../support/clients.js';
import { daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-scan-history-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface Line {
  scan: { key: string };
  findings: { id: string; evidence: Record<string, unknown> }[];
}

describe('scan with history (real Dovecot, fetchmail)', () => {
  const seed = (n: number) => Array.from({ length: n }, (_, i) => ({ date: daysAgo(10 - i * 0.5), bodyBytes: 400 + 11 * i }));

  async function scan(users: TestUser[], extra: string[], env?: Record<string, string>): Promise<Map<string, Line>> {
    const tb = testbed();
    const file = join(DIR, `accounts-${users[0]!.user}.csv`);
    const rows = ['user,password_file', ...users.map((u) => `${u.user},${u.user}.pw`)];
    for (const u of users) writeFileSync(join(DIR, `${u.user}.pw`), `${u.password}\n`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    const r = await runCli(
      ['scan', file, '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--quiet', ...extra],
      { timeoutMs: 60_000, ...(env ? { env } : {}) },
    );
    expect(r.stderr).not.toMatch(/internal error|not saved|Error:/);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    return new Map(lines.map((l) => [l.scan.key, l]));
  }
  const ids = (l: Line | undefined) => (l?.findings ?? []).map((f) => f.id);

  it('a second scan finds the mail fetchmail deleted, for that account only', async () => {
    const tb = testbed();
    const [a, b] = [await newUser(), await newUser()];
    seedMaildir(tb, a, 'INBOX', seed(6));
    seedMaildir(tb, b, 'INBOX', seed(4));
    const db = join(DIR, 'fleet.db');
    const first = await scan([a, b], ['--history', db]);
    expect([...first.values()].flatMap(ids)).not.toContain('mail-vanished');
    expect((await runFetchmail(tb, a, { keep: false })).code).toBe(0);
    const second = await scan([a, b], ['--history', db]);
    const va = second.get(a.user)!.findings.find((f) => f.id === 'mail-vanished');
    expect(va, JSON.stringify(ids(second.get(a.user)))).toBeDefined();
    expect(va!.evidence).toMatchObject({ vanishedMessages: 6, goneFromInbox: 6, method: 'message-id' });
    expect(ids(second.get(b.user))).not.toContain('mail-vanished');
    // Stored per account, keyed by user and host as check keys them: two probes each.
    const store = openHistory(db);
    try {
      for (const u of [a, b]) expect(store.listProbes(`${u.user}@${tb.host}`).length).toBe(2);
    } finally {
      store.close();
    }
  });

  it('--no-history compares nothing and stores nothing', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', seed(3));
    const state = mkdtempSync(join(DIR, 'state-'));
    await scan([u], ['--no-history'], { XDG_STATE_HOME: state });
    expect((await runFetchmail(tb, u, { keep: false })).code).toBe(0);
    const again = await scan([u], ['--no-history'], { XDG_STATE_HOME: state });
    expect(ids(again.get(u.user))).not.toContain('mail-vanished');
    expect(existsSync(join(state, 'maildoctor'))).toBe(false);
    // Without --no-history the same state home gets the database, as check's default.
    await scan([u], [], { XDG_STATE_HOME: state });
    expect(existsSync(join(state, 'maildoctor', 'history.db'))).toBe(true);
  });

  it('--format text gives a table: a header, then one row per account with its status and what was found', async () => {
    const tb = testbed();
    const [ok, bad] = [await newUser(), await newUser()];
    seedMaildir(tb, ok, 'INBOX', seed(2));
    const file = join(DIR, 'table.csv');
    writeFileSync(join(DIR, `${ok.user}.pw`), `${ok.password}\n`);
    writeFileSync(join(DIR, 'table-wrong.pw'), 'Not-The-Password-7\n');
    writeFileSync(file, `user,password_file\n${ok.user},${ok.user}.pw\n${bad.user},table-wrong.pw\n`);
    const r = await runCli(
      ['scan', file, '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--quiet', '--no-history', '--format', 'text'],
      { timeoutMs: 60_000 },
    );
    expect(r.code).toBe(2); // login-failed is critical
    const rows = r.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^STATUS {4}ACCOUNT +WHAT WAS FOUND$/);
    expect(rows).toHaveLength(3);
    const row = (u: TestUser) => rows.find((l) => l.includes(` ${u.user} `)) ?? '';
    expect(row(ok)).toMatch(/^OK {8}/);
    expect(row(bad)).toMatch(/^CRITICAL {2}\S+ +\S/);
    expect(row(bad)).toContain('The server refused the login');
    expect(r.stdout).not.toContain(ok.password);
    expect(r.stdout).not.toContain('{');
    // --resume reads JSON lines: with a table it is a usage error, before anything is probed.
    const resume = await runCli(['scan', file, '--host', tb.host, '--out', join(DIR, 'x.txt'), '--resume', '--format', 'text']);
    expect(resume.code).toBe(3);
    expect(resume.stderr).toMatch(/--resume .* needs --format jsonl/);
  });
});

