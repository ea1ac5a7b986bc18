import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountOptions } from '../src/probe.js';
import { ReportSchema } from '../src/report/index.js';
import type { Snapshot } from '../src/snapshot/schema.js';
import { parseAccounts } from '../src/scan/accounts.js';
import { runScan, type ProbeFn, type ScanLine, type ScanOptions } from '../src/scan/run.js';
import { renderSummary, worstExitCode } from '../src/scan/summary.js';

const fixture = (name: string): Snapshot => JSON.parse(readFileSync(new URL(`../fixtures/snapshots/${name}.json`, import.meta.url), 'utf8')) as Snapshot;
const HEALTHY = fixture('healthy-imap-only');
const WRONG = fixture('wrong-password');

/** A fake probe: the user name says what happens ("bad*" wrong password, "temp<n>*" n sys-temp refusals). */
function fakeProbe(opts: { delay?: (user: string) => number; seen?: AccountOptions[]; calls?: Map<string, number> } = {}): ProbeFn {
  return async (account) => {
    opts.seen?.push(account);
    const n = (opts.calls?.get(account.credentials.user) ?? 0) + 1;
    opts.calls?.set(account.credentials.user, n);
    await new Promise((r) => setTimeout(r, opts.delay?.(account.credentials.user) ?? 1));
    const base: Snapshot = account.credentials.user.startsWith('bad') ? structuredClone(WRONG) : structuredClone(HEALTHY);
    const temp = /^temp(\d)/.exec(account.credentials.user);
    if (temp && n <= Number(temp[1])) {
      base.pop = { ok: false, durationMs: 1, error: { kind: 'sys-temp', message: 'server busy [SYS/TEMP]', step: 'login', code: 'SYS/TEMP' } };
    }
    return { ...base, account: { user: account.credentials.user, imap: account.imap, pop: account.pop }, imap: account.imap ? base.imap : null, pop: account.pop ? base.pop : null };
  };
}

function options(over: Partial<ScanOptions> & { lines?: ScanLine[] } = {}): ScanOptions {
  const lines = over.lines ?? [];
  return {
    defaults: { host: 'mail.example.com', imapTls: 'implicit', popTls: 'implicit', insecure: false, allowPlaintext: false, timeoutMs: 1000 },
    concurrency: 4,
    perHost: 0,
    retries: 2,
    retryDelayMs: 1,
    baseDir: tmpdir(),
    env: { MAILDOCTOR_PASSWORD: 'Shared-Secret-1' },
    toolVersion: '0.0.0-test',
    probe: fakeProbe(),
    onResult: (l) => void lines.push(l),
    ...over,
  };
}

const rowsOf = (csv: string) => {
  const p = parseAccounts(csv);
  expect(p.errors).toEqual([]);
  return p.rows;
};

describe('runScan', () => {
  it('gives every account one line, in completion order, each naming its input line and key', async () => {
    const rows = rowsOf(['user', 'slow', 'fast1', 'bad1', 'fast2'].join('\n'));
    const lines: ScanLine[] = [];
    const totals = await runScan(rows, options({ lines, probe: fakeProbe({ delay: (u) => (u === 'slow' ? 60 : 2) }) }));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.scan.key).sort()).toEqual(['bad1', 'fast1', 'fast2', 'slow']);
    expect(lines.at(-1)!.scan).toMatchObject({ key: 'slow', line: 2 });
    for (const l of lines) expect(() => ReportSchema.parse(l)).not.toThrow();
    expect(lines.find((l) => l.scan.key === 'bad1')!.status).toBe('critical');
    expect(totals.byStatus).toEqual({ ok: 3, warning: 0, critical: 1, unknown: 0 });
    expect(worstExitCode(totals)).toBe(2);
  });

  it('never runs more than --concurrency accounts, nor more than --per-host on one host', async () => {
    let inFlight = 0;
    let peak = 0;
    const perHost = new Map<string, number>();
    let peakA = 0;
    const probe: ProbeFn = async (a) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const h = a.imap!.host;
      perHost.set(h, (perHost.get(h) ?? 0) + 1);
      if (h === 'a') peakA = Math.max(peakA, perHost.get(h)!);
      await new Promise((r) => setTimeout(r, 5));
      perHost.set(h, perHost.get(h)! - 1);
      inFlight--;
      return fakeProbe()(a, {});
    };
    const csv = ['user,host', ...Array.from({ length: 30 }, (_, i) => `u${i},${i % 3 === 0 ? 'b' : 'a'}`)].join('\n');
    const lines: ScanLine[] = [];
    await runScan(rowsOf(csv), options({ lines, probe, concurrency: 5, perHost: 2 }));
    expect(lines).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(5);
    expect(peakA).toBe(2);
  });

  it('retries only the protocol that said [SYS/TEMP], with backoff, up to --retries', async () => {
    const calls = new Map<string, number>();
    const seen: AccountOptions[] = [];
    const lines: ScanLine[] = [];
    const rows = rowsOf('user\ntemp1\ntemp5\nplain\n');
    const totals = await runScan(rows, options({ lines, probe: fakeProbe({ calls, seen }), retries: 2 }));
    expect(calls.get('temp1')).toBe(2);
    expect(calls.get('temp5')).toBe(3);
    expect(calls.get('plain')).toBe(1);
    // The retry probes POP3 alone; IMAP evidence of the first attempt is kept.
    const retry = seen.filter((a) => a.credentials.user === 'temp1')[1]!;
    expect(retry.imap).toBeNull();
    expect(retry.pop).not.toBeNull();
    const t1 = lines.find((l) => l.scan.key === 'temp1')!;
    expect(t1.scan.attempts).toBe(2);
    expect(t1.probes.imap.state).toBe('ok');
    expect(t1.probes.pop.state).toBe('ok');
    const t5 = lines.find((l) => l.scan.key === 'temp5')!;
    expect(t5.probes.pop.state).toBe('failed');
    expect(t5.probes.pop.error?.kind).toBe('sys-temp');
    expect(totals.retries).toBe(3);
  });

  it('an account that cannot be probed still gets its line (no host, missing password file, unset env)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scan-'));
    writeFileSync(join(dir, 'pw'), 'File-Secret-2\n');
    const csv = 'user,host,password_file,password_env\nnohost,,,\nnofile,h,missing.txt,\nnoenv,h,,UNSET_VAR\nwithfile,h,pw,\nwithenv,h,,PW_X\n';
    const seen: AccountOptions[] = [];
    const lines: ScanLine[] = [];
    const totals = await runScan(rowsOf(csv), options({ lines, baseDir: dir, defaults: { imapTls: 'implicit', popTls: 'implicit', insecure: false, allowPlaintext: false, timeoutMs: 1000 }, env: { PW_X: 'Env-Secret-3' }, probe: fakeProbe({ seen }) }));
    expect(lines).toHaveLength(5);
    const by = new Map(lines.map((l) => [l.scan.key, l]));
    expect(by.get('nohost')!.scan.error).toMatch(/no IMAP server/);
    expect(by.get('nofile@h')!.scan.error).toMatch(/password file not found: .*missing\.txt/);
    expect(by.get('noenv@h')!.scan.error).toBe('environment variable UNSET_VAR (password_env) is not set');
    for (const k of ['nohost', 'nofile@h', 'noenv@h']) {
      expect(by.get(k)!.status).toBe('unknown');
      expect(by.get(k)!.scan.attempts).toBe(0);
    }
    expect(seen.map((a) => [a.credentials.user, a.credentials.kind === 'password' ? a.credentials.password : null])).toEqual(
      expect.arrayContaining([
        ['withfile', 'File-Secret-2'],
        ['withenv', 'Env-Secret-3'],
      ]),
    );
    expect(totals.byStatus.unknown).toBe(3);
    expect(worstExitCode(totals)).toBe(3);
  });

  it('admin rows log in as auth_user (or --auth-user) on behalf of user; a login that cannot work is the row\'s error', async () => {
    const csv =
      'user,auth_user,master_separator\n' +
      'alice,support,\n' + // authzid
      'bob,support,*\n' + // master-user form
      'carol,,\n' + // --auth-user and --master-separator from the command line
      'dave*support,support,*\n' + // the master form typed into user
      'erin,,%\n'; // the row's own separator with --auth-user
    const seen: AccountOptions[] = [];
    const lines: ScanLine[] = [];
    const defaults = { host: 'h', imapTls: 'implicit' as const, popTls: 'implicit' as const, insecure: false, allowPlaintext: false, timeoutMs: 1000 };
    await runScan(rowsOf(csv), options({ lines, defaults: { ...defaults, authUser: 'helpdesk', masterSeparator: '#' }, probe: fakeProbe({ seen }) }));
    const by = new Map(seen.map((a) => [a.credentials.user, a.credentials]));
    expect(by.get('alice')).toEqual({ kind: 'admin', user: 'alice', authUser: 'support', password: 'Shared-Secret-1', masterSeparator: '#' });
    expect(by.get('bob')).toEqual({ kind: 'admin', user: 'bob', authUser: 'support', password: 'Shared-Secret-1', masterSeparator: '*' });
    expect(by.get('carol')).toEqual({ kind: 'admin', user: 'carol', authUser: 'helpdesk', password: 'Shared-Secret-1', masterSeparator: '#' });
    expect(lines.map((l) => l.scan.key)).toContain('dave*support');
    expect(lines.find((l) => l.scan.key === 'dave*support')?.scan.error).toBe(
      'user "dave*support" holds the master separator "*": give the customer\'s own name, and the admin with auth_user',
    );
    expect(by.get('erin')).toEqual({ kind: 'admin', user: 'erin', authUser: 'helpdesk', password: 'Shared-Secret-1', masterSeparator: '%' });

    // Without --auth-user, a master_separator alone is refused, and --master-separator alone changes nothing.
    const alone: ScanLine[] = [];
    const plain: AccountOptions[] = [];
    await runScan(rowsOf('user,master_separator\nfrank,*\ngina,\n'), options({ lines: alone, defaults: { ...defaults, masterSeparator: '*' }, probe: fakeProbe({ seen: plain }) }));
    expect(alone.find((l) => l.scan.key === 'frank')?.scan.error).toBe('master_separator needs auth_user (the admin who logs in on behalf of user)');
    expect(plain.map((a) => a.credentials)).toEqual([{ kind: 'password', user: 'gina', password: 'Shared-Secret-1' }]);
  });

  it('no secret reaches any output line or the summary', async () => {
    const lines: ScanLine[] = [];
    const rows = parseAccounts('user,password\nalice,Inline-Secret-4\nbad2,Inline-Secret-5\n', { allowInlinePasswords: true }).rows;
    const totals = await runScan(rows, options({ lines }));
    const all = lines.map((l) => JSON.stringify(l)).join('\n') + renderSummary(totals);
    for (const s of ['Inline-Secret-4', 'Inline-Secret-5', 'Shared-Secret-1']) expect(all).not.toContain(s);
    expect(lines).toHaveLength(2);
  });

  it('a crashing probe is kept as an unknown line, the others go on', async () => {
    const probe: ProbeFn = async (a) => {
      if (a.credentials.user === 'boom') throw new Error('kaboom');
      return fakeProbe()(a, {});
    };
    const lines: ScanLine[] = [];
    const totals = await runScan(rowsOf('user\nboom\nfine\n'), options({ lines, probe }));
    expect(lines.map((l) => [l.scan.key, l.status])).toEqual(expect.arrayContaining([['boom', 'unknown'], ['fine', 'ok']]));
    expect(lines.find((l) => l.scan.key === 'boom')!.scan.error).toMatch(/internal error: kaboom/);
    expect(totals.accounts).toBe(2);
  });

  it('an empty list finishes at once with exit 0', async () => {
    const totals = await runScan([], options());
    expect(totals.accounts).toBe(0);
    expect(worstExitCode(totals)).toBe(0);
    expect(renderSummary(totals)).toMatch(/0 accounts/);
  });
});
