// Admin logins on behalf of a customer (issue 14) against the real Dovecot's master passdb: SASL PLAIN with the
// customer as authzid, and the master-user name customer*admin. The customer's mailbox is read and left as it
// was, the report names the admin and the customer, history and --log are keyed by the customer, a wrong admin
// password and a user who is no admin fail as login-failed, and the admin password is in no output or file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportJson } from '../../src/report/schema.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { accountArgs, runCli, type CliResult } from '../support/cli.js';
import { daysAgo, imapOptions, mailboxState, newMasterUser, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';
import { probeImap } from '../../src/connectors/imap/index.js';
import { adminCredentials } from '../../src/connectors/credentials.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-admin-it-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const ADMIN_PASSWORD = 'Adm1n-Only-Secret-QX7';
const FORMS = [
  { name: 'SASL PLAIN authzid', flags: [] as string[], how: 'SASL PLAIN authorization identity', imapMethod: 'AUTHENTICATE PLAIN', popMethod: 'SASL PLAIN' },
  { name: 'master user customer*admin', flags: ['--master-separator', '*'], how: 'master user login', imapMethod: undefined, popMethod: undefined },
];

/** No form of the admin password (plain, base64, in a SASL PLAIN blob) in any of these texts or files. */
function expectNoAdminSecret(customer: string, admin: string, texts: string[], files: string[] = []) {
  const forms = [
    ADMIN_PASSWORD,
    Buffer.from(ADMIN_PASSWORD).toString('base64'),
    Buffer.from(`${customer}\0${admin}\0${ADMIN_PASSWORD}`).toString('base64'),
    Buffer.from(`\0${customer}*${admin}\0${ADMIN_PASSWORD}`).toString('base64'),
  ];
  for (const t of texts) for (const f of forms) expect(t).not.toContain(f);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const f of forms) expect(bytes.includes(f), `${file} holds the admin password`).toBe(false);
  }
}

describe('admin logins on behalf of a customer (real Dovecot master users)', () => {
  let customer: TestUser;
  let admin: { user: string; password: string };
  const env = { MAILDOCTOR_PASSWORD: ADMIN_PASSWORD };

  beforeAll(async () => {
    const tb = testbed();
    customer = await newUser();
    // A known password, so every output can be searched for it.
    admin = newMasterUser({ password: ADMIN_PASSWORD });
    seedMaildir(tb, customer, 'INBOX', [{ date: daysAgo(30), flags: ['\\Seen'] }, { date: daysAgo(2) }, { date: daysAgo(0.2) }]);
    seedMaildir(tb, customer, 'Junk', [{ date: daysAgo(1) }]);
  });

  const adminArgs = (flags: string[]) => [...accountArgs(testbed(), customer), '--auth-user', admin.user, ...flags];

  for (const form of FORMS) {
    it(`${form.name}: reads the customer's mailbox read-only; the report names admin and customer; history and --log are the customer's`, async () => {
      const tb = testbed();
      const db = join(DIR, `${form.flags.length ? 'master' : 'authzid'}.db`);
      const saved = join(DIR, `${form.flags.length ? 'master' : 'authzid'}.json`);
      const before = await mailboxState(tb, customer);

      const first = await runCli(['check', ...adminArgs(form.flags), '--history', db, '--format', 'json', '--save', saved], { env });
      expect(first.stderr).not.toMatch(/internal error|not saved/);
      const rep = JSON.parse(first.stdout) as ReportJson;
      expect(rep.account).toMatchObject({ user: customer.user, authUser: admin.user, ...(form.flags.length ? { masterSeparator: '*' } : {}) });
      expect(rep.probes.imap.state).toBe('ok');
      expect(rep.probes.pop.state).toBe('ok');
      expect(rep.findings.map((f) => f.id)).not.toContain('login-failed');
      // The customer's INBOX (three messages) over both protocols: the admin has no mailbox of its own.
      expect(rep.metrics).toMatchObject({ inboxMessages: 3, popMessages: 3 });
      const snap = parseSnapshot(readFileSync(saved, 'utf8'), saved);
      expect(snap.account.user).toBe(customer.user);
      if (snap.imap?.ok && form.imapMethod) expect(snap.imap.evidence.loginMethod).toBe(form.imapMethod);
      if (snap.pop?.ok && form.popMethod) expect(snap.pop.evidence.loginMethod).toBe(form.popMethod);

      // Text names whose credentials logged in; markdown and HTML too (the report tests cover every format).
      const text = await runCli(['check', ...adminArgs(form.flags), '--no-history', '-q'], { env });
      const how = form.flags.length ? `${form.how} ${customer.user}*${admin.user}` : form.how;
      expect(text.stdout).toContain(`logged in as ${admin.user} on behalf of ${customer.user} (${how})`);
      const html = await runCli(['analyze', saved, '--no-history', '--format', 'html'], {});
      expect(html.stdout).toContain(`logged in as ${admin.user} on behalf of ${customer.user}`);

      // The second check finds the first under the customer's key, and --log looks for the customer.
      const second = await runCli(['check', ...adminArgs(form.flags), '--history', db, '--format', 'json', '--log', tb.logFile, '-q'], { env });
      const rep2 = JSON.parse(second.stdout) as ReportJson;
      expect(rep2.comparedWith).not.toBeNull();
      const list = await runCli(['history', '--history', db, '--account', `${customer.user}@${tb.host}`, '--format', 'json']);
      expect((JSON.parse(list.stdout) as { probes: unknown[] }).probes).toHaveLength(2);
      const all = await runCli(['history', '--history', db, '--format', 'json']);
      expect(new Set((JSON.parse(all.stdout) as { probes: { account: string }[] }).probes.map((p) => p.account))).toEqual(new Set([`${customer.user}@${tb.host}`]));
      const logged = await runCli(['check', ...adminArgs(form.flags), '--no-history', '--log', tb.logFile, '--save', `${saved}.log.json`, '-q', '--format', 'json'], { env });
      expect(logged.stderr).not.toMatch(/not found in the log/i);
      const withLog = parseSnapshot(readFileSync(`${saved}.log.json`, 'utf8'), saved);
      expect(withLog.logs?.user).toBe(customer.user);
      expect(withLog.logs?.namesSeen).toContain(customer.user);
      expect(withLog.logs?.namesSeen.some((n) => n.includes(admin.user))).toBe(false);

      const after = await mailboxState(tb, customer);
      expect(after).toEqual(before);
      const dbFiles = readdirSync(DIR).filter((n) => n.startsWith(db.split('/').pop()!)).map((n) => join(DIR, n));
      expectNoAdminSecret(customer.user, admin.user, [first, text, html, second, list, logged].flatMap((r: CliResult) => [r.stdout, r.stderr]), [saved, `${saved}.log.json`, ...dbFiles]);
    }, 120_000);
  }

  it("the bulk reader's own IMAP session logs in as the admin too (both forms), reading the same list", async () => {
    const logins = () => readFileSync(testbed().logFile, 'utf8').split('\n').filter((l) => l.includes(`imap-login: Info: Login: user=<${customer.user}>`)).length;
    for (const sep of [undefined, '*']) {
      const credentials = adminCredentials(customer.user, admin.user, ADMIN_PASSWORD, sep);
      const probe = (bulkMinMessages: number) => probeImap({ ...imapOptions(customer, { credentials }), history: true, now: new Date(), bulkMinMessages });
      const before = logins();
      const viaBulk = await probe(1);
      const afterBulk = logins();
      const viaImapflow = await probe(Infinity);
      if (!viaBulk.ok || !viaImapflow.ok) throw new Error(`probe failed: ${JSON.stringify(viaBulk.ok ? viaImapflow : viaBulk)}`);
      // One more login for the bulk session, none for the imapflow path.
      expect(afterBulk - before, `separator ${sep}`).toBe(2);
      expect(logins() - afterBulk).toBe(1);
      expect(viaBulk.evidence.inbox.messageList!.toArray()).toEqual(viaImapflow.evidence.inbox.messageList!.toArray());
      expect(viaBulk.evidence.inbox.messageList).toHaveLength(3);
      expectNoAdminSecret(customer.user, admin.user, [JSON.stringify(viaBulk)]);
    }
  }, 60_000);

  it('--just-login --verbose --include-log as the admin: both logins work, the test log holds no admin password', async () => {
    for (const flags of [[], ['--master-separator', '*']]) {
      const r = await runCli(['check', ...adminArgs(flags), '--just-login', '--verbose', '--include-log', '--format', 'json'], { env });
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as ReportJson;
      expect(rep.account).toMatchObject({ user: customer.user, authUser: admin.user });
      expect(r.stderr).toMatch(/IMAP\s+login\s+ok/);
      expect(r.stderr).toMatch(/POP3\s+login\s+ok/);
      expectNoAdminSecret(customer.user, admin.user, [r.stdout, r.stderr]);
    }
  }, 60_000);

  it('a wrong admin password, and a user who is no admin, fail cleanly as login-failed over both protocols', async () => {
    const other = await newUser({ password: 'Not-An-Admin-Pw-5' });
    const cases = [
      { who: 'wrong admin password', args: adminArgs([]), env: { MAILDOCTOR_PASSWORD: 'Wrong-Admin-Pw-3' }, secret: 'Wrong-Admin-Pw-3' },
      { who: 'wrong admin password (master form)', args: adminArgs(['--master-separator', '*']), env: { MAILDOCTOR_PASSWORD: 'Wrong-Admin-Pw-3' }, secret: 'Wrong-Admin-Pw-3' },
      { who: 'no admin (authzid)', args: [...accountArgs(testbed(), customer), '--auth-user', other.user], env: { MAILDOCTOR_PASSWORD: other.password }, secret: other.password },
      {
        who: 'no admin (master form)',
        args: [...accountArgs(testbed(), customer), '--auth-user', other.user, '--master-separator', '*'],
        env: { MAILDOCTOR_PASSWORD: other.password },
        secret: other.password,
      },
    ];
    const before = await mailboxState(testbed(), customer);
    for (const c of cases) {
      const r = await runCli(['check', ...c.args, '--no-history', '--format', 'json', '-q'], { env: c.env });
      expect(r.code, c.who).toBe(2);
      const rep = JSON.parse(r.stdout) as ReportJson;
      const failed = rep.findings.find((f) => f.id === 'login-failed');
      expect(failed, c.who).toBeDefined();
      // The admin's login failed, not the customer's password: the steps say so.
      expect((failed!.stepKeys ?? []).map((k) => k.key), c.who).toEqual(['check-admin-login']);
      expect(rep.probes.imap.error?.kind, c.who).toBe('auth');
      expect(rep.probes.pop.error?.kind, c.who).toBe('auth');
      expect(rep.account.user).toBe(customer.user);
      expect(r.stdout + r.stderr).not.toContain(c.secret);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(c.secret).toString('base64'));
    }
    expect(await mailboxState(testbed(), customer)).toEqual(before);
  }, 120_000);

  it('--user holding the separator is a usage error that points to --auth-user; --master-separator needs --auth-user', async () => {
    const typed = await runCli(['check', ...accountArgs(testbed(), { ...customer, user: `${customer.user}*${admin.user}` }), '--master-separator', '*', '--auth-user', admin.user], { env });
    expect(typed.code).toBe(3);
    expect(typed.stderr.trim().split('\n')).toHaveLength(1);
    expect(typed.stderr).toMatch(/--user ".*\*.*" holds the master separator "\*": give the customer's own name, and the admin with --auth-user/);
    const alone = await runCli(['probe', ...accountArgs(testbed(), customer), '--master-separator', '*', '--out', join(DIR, 'x.json')], { env });
    expect(alone.code).toBe(3);
    expect(alone.stderr).toMatch(/--master-separator needs --auth-user/);
  });

  it('probe --out and scan with an auth_user column log in as the admin; scan keys rows by the customer', async () => {
    const tb = testbed();
    const out = join(DIR, 'probe.json');
    const p = await runCli(['probe', ...adminArgs([]), '--out', out], { env });
    expect(p.code).toBe(0);
    const snap = parseSnapshot(readFileSync(out, 'utf8'), out);
    expect(snap.account).toMatchObject({ user: customer.user, authUser: admin.user });
    expect(snap.imap?.ok && snap.pop?.ok).toBe(true);

    const csv = join(DIR, 'accounts.csv');
    // Two rows of one account need ids to be told apart.
    writeFileSync(csv, `id,user,auth_user,master_separator\nplain,${customer.user},${admin.user},\nmaster,${customer.user},${admin.user},*\n`);
    const s = await runCli(['scan', csv, '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--no-history', '-q'], { env });
    const lines = s.stdout.trim().split('\n').map((l) => JSON.parse(l) as ReportJson & { scan: { key: string; error?: string } });
    expect(lines.map((l) => [l.scan.key, l.scan.error, l.probes.imap.state, l.probes.pop.state]).sort()).toEqual([
      ['master', undefined, 'ok', 'ok'],
      ['plain', undefined, 'ok', 'ok'],
    ]);
    expect(lines.every((l) => l.account.user === customer.user && l.account.authUser === admin.user)).toBe(true);
    expectNoAdminSecret(customer.user, admin.user, [p.stdout, p.stderr, s.stdout, s.stderr], [out]);
  }, 120_000);

  it('watch --canary as the admin writes and removes the canary in the customer\'s INBOX', async () => {
    const tb = testbed();
    const before = await mailboxState(tb, customer);
    const r = await runCli(['watch', ...adminArgs(['--master-separator', '*']), '--every', '5s', '--for', '5s', '--canary', '--format', 'json'], {
      env,
      timeoutMs: 90_000,
    });
    expect(r.stderr.split('\n')[0]).toBe(`canary: this run writes one test message to INBOX of ${customer.user} (logged in as the admin ${admin.user}) and removes it at the end`);
    const rep = JSON.parse(r.stdout) as ReportJson & { canary?: { written: boolean; removal: { state: string } } };
    expect(rep.account).toMatchObject({ user: customer.user, authUser: admin.user });
    expect(rep.canary).toMatchObject({ written: true, removal: { state: 'removed' } });
    const after = await mailboxState(tb, customer);
    expect(Object.keys(after.files)).toEqual(Object.keys(before.files));
    expect(after.files.INBOX).toEqual(before.files.INBOX);
    expectNoAdminSecret(customer.user, admin.user, [r.stdout, r.stderr]);
  }, 120_000);
});
