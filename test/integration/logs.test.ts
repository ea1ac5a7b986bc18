// Server logs on the real Dovecot: real clients act, Dovecot logs it (tb.logFile, info level, mail_log), and
// `check --log` / `logs` read that log through the built CLI.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { accountArgs, runCli } from '../support/cli.js';
import { runFetchmail } from '../support/clients.js';
import { deliverLmtp, newUser, seedMaildir, testbed } from '../support/testbed.js';
import type { LogEvidence } from '../../src/snapshot/schema.js';

interface JsonFinding {
  id: string;
  severity: string;
  confidence?: string;
  evidence: Record<string, unknown>;
}

// Keep check's history out of the user's state directory.
const env = (password: string) => ({ MAILDOCTOR_PASSWORD: password, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'md-logs-state-')) });

describe('server logs (real Dovecot, real clients)', () => {
  it('fetchmail deletes → check --log gives pop-deletes-mail with confidence high and the retr/del counts', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', [{ subject: 'one' }, { subject: 'two' }, { subject: 'three' }]);
    const first = await runFetchmail(tb, u, { keep: false });
    expect(first.flushed).toBe(3);
    await deliverLmtp(tb, u, { subject: 'later' });
    const second = await runFetchmail(tb, u, { keep: false });
    expect(second.flushed).toBe(1);
    await sleep(1100); // check leaves out log lines from the second its probe started in (its own logins)

    const state = env(u.password);
    const r = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'json'], { env: state });
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as { findings: JsonFinding[] };
    const f = report.findings.find((x) => x.id === 'pop-deletes-mail');
    expect(f, r.stdout).toBeDefined();
    expect(f!.confidence).toBe('high');
    expect(f!.evidence.fromLog).toMatchObject({ popSessions: 2, sessionsWithDeletes: 2, retrMessages: 4, deletedMessages: 4, deletedBytes: null, popIps: ['127.0.0.1'] });
    // The probe itself logged in over IMAP and POP3 from 127.0.0.1 too: left out, so no IMAP device appears.
    expect(report.findings.find((x) => x.id === 'mixed-protocol-use')).toBeUndefined();

    const logs = await runCli(['logs', tb.logFile, '--user', u.user, '--format', 'json']);
    expect(logs.code).toBe(0);
    const e = JSON.parse(logs.stdout) as LogEvidence & { schema: string };
    expect(e.schema).toBe('maildoctor/logs@1');
    expect(e.popLogoutFormat).toBe('2.3');
    // Now the check's own sessions are in: 2 fetchmail polls + the probe's read-only POP3 session.
    expect(e.pop).toMatchObject({ sessions: 3, retrMessages: 4, deletedMessages: 4, sessionsWithDeletes: 2, expungeEvents: 4 });
    expect(e.lines.unparseable).toBe(0);
    const text = await runCli(['logs', tb.logFile, '--user', u.user]);
    expect(text.stdout).toMatch(/POP3: 3 sessions, 4 messages downloaded .*, 4 deleted in 2 sessions/);
    expect(text.stdout).not.toMatch(/Left out/);

    // With the check's history, `logs` knows when maildoctor was logged in: its IMAP and POP3 logins are left
    // out and counted, and what remains is fetchmail's two polls.
    const history = join(state.XDG_STATE_HOME, 'maildoctor', 'history.db');
    const own = await runCli(['logs', tb.logFile, '--user', u.user, '--history', history, '--format', 'json']);
    expect(own.stderr).toBe('');
    const o = JSON.parse(own.stdout) as LogEvidence;
    expect(o.pop).toMatchObject({ sessions: 2, retrMessages: 4, deletedMessages: 4, sessionsWithDeletes: 2 });
    expect(o.lines.ownSessions).toBe(2);
    expect(o.lines.ownLines).toBeGreaterThanOrEqual(4); // two logins, two logouts
    expect(o.lines.matched).toBe(e.lines.matched - o.lines.ownLines!);
    expect(o.logins.filter((l) => l.protocol === 'imap')).toEqual([]); // the probe was the only IMAP client
    const ownText = await runCli(['logs', tb.logFile, '--user', u.user, '--history', history]);
    expect(ownText.stdout).toMatch(/^Left out: 2 logins of maildoctor's own earlier probes \(\d+ lines, at the times the history database recorded them\): not a device$/m);
    expect(ownText.stdout).toMatch(/POP3: 2 sessions, 4 messages downloaded .*, 4 deleted in 2 sessions/);
    // The stored user is matched as the log's names are: a full address also finds the probes of its bare name.
    expect(u.user).not.toContain('@');
    const byAddress = await runCli(['logs', tb.logFile, '--user', `${u.user}@example.com`, '--history', history, '--format', 'json']);
    expect((JSON.parse(byAddress.stdout) as LogEvidence).lines).toMatchObject({ ownSessions: 2, ownLines: o.lines.ownLines });
    // The default database is the one check wrote to; --no-history reads none.
    const stateEnv = { env: { XDG_STATE_HOME: state.XDG_STATE_HOME } };
    const byDefault = await runCli(['logs', tb.logFile, '--user', u.user, '--format', 'json'], stateEnv);
    expect((JSON.parse(byDefault.stdout) as LogEvidence).lines.ownSessions).toBe(2);
    const none = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history', '--format', 'json'], stateEnv);
    expect(none.stderr).toBe('');
    expect((JSON.parse(none.stdout) as LogEvidence).pop.sessions).toBe(3);
  });

  it('LMTP over quota → check --log gives quota-rejected-mail (critical) with counts and times', async () => {
    const tb = testbed();
    const u = await newUser({ quotaStorageBytes: 20_000 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await deliverLmtp(tb, u, { subject: `big ${i}`, bodyBytes: 8000 })).code);
    const refused = codes.filter((c) => c === 552).length;
    expect(refused).toBeGreaterThan(0);
    await sleep(1100);

    const r = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'json'], { env: env(u.password) });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { status: string; findings: JsonFinding[] };
    const f = report.findings.find((x) => x.id === 'quota-rejected-mail');
    expect(f, r.stdout).toMatchObject({ severity: 'critical', confidence: 'high', evidence: { refused, deferred: 0, logFiles: [tb.logFile] } });
    const first = Date.parse(f!.evidence.firstRefused as string);
    expect(Math.abs(first - Date.now())).toBeLessThan(120_000);
    expect(report.status).toBe('critical');
  });

  it('check --log with a user the log does not mention: a note on stderr, no error', async () => {
    const tb = testbed();
    const u = await newUser();
    const other = join(mkdtempSync(join(tmpdir(), 'md-logs-')), 'empty.log');
    (await import('node:fs')).writeFileSync(other, 'Nov 26 14:29:09 imap-login: Info: Login: user=<somebody>, method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=1, TLS\n');
    const r = await runCli(['check', ...accountArgs(tb, u), '--log', other, '--format', 'json'], { env: env(u.password) });
    expect(r.code).toBeLessThan(3);
    expect(r.stderr).toMatch(/note: the log \(1 line\) does not mention/);
    // A line whose counter is too big to be true is left out, and even --quiet says so.
    const huge = join(mkdtempSync(join(tmpdir(), 'md-logs-')), 'huge.log');
    (await import('node:fs')).writeFileSync(
      huge,
      `Nov 26 14:29:09 pop3(${u.user}): Info: Disconnected: Logged out top=0/0, retr=0/0, del=99999999999999999999/3, size=2104\n` +
        `Nov 26 14:29:10 imap-login: Info: Login: user=<${u.user}>, method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=1, TLS\n`,
    );
    const h = await runCli(['check', ...accountArgs(tb, u), '--log', huge, '--format', 'json', '-q'], { env: env(u.password) });
    expect(h.stderr).toBe('maildoctor: note: 1 log line of 2 could not be read (a format maildoctor does not know, or numbers too large to be true) and is not in the evidence\n');
    expect(JSON.stringify(JSON.parse(h.stdout))).not.toContain('99999999999999999999');
    const missing = await runCli(['check', ...accountArgs(tb, u), '--log', '/nonexistent/dovecot.log'], { env: env(u.password) });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/cannot read log \/nonexistent\/dovecot.log/);
  });
});
