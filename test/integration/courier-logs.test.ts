// Courier's own log lines, caught from the testbed's real Courier 5.0: each listener's stderr goes through
// courierlogger to the private /dev/log of its namespace (src/testbed/courier.ts, syslog.ts), so the lines are the
// ones an admin's /var/log/mail.log holds. fetchmail deletes what an IMAP app saw, then `maildoctor logs` and
// `check --log` read what Courier wrote: its POP3 logout line counts no deletions, and the tool must say so.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.js';
import { LogEvidenceSchema } from '../../src/snapshot/schema.js';
import { startServer, type MailServer } from '../../src/testbed/servers.js';
import type { TestAccount } from '../../src/testbed/types.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Courier log lines', () => {
  let server: MailServer;
  let u: TestAccount;
  let syslog: string;

  async function logged(re: RegExp): Promise<string> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const text = readFileSync(syslog, 'utf8');
      if (re.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`no ${re} in ${syslog}:\n${text.slice(-2000)}`);
      await sleep(50);
    }
  }

  beforeAll(async () => {
    server = await startServer('courier');
    syslog = (server.endpoints as unknown as { syslogFile: string }).syslogFile;
    u = await server.addUser();
    await server.seed(u, 'INBOX', Array.from({ length: 6 }, (_, i) => ({ date: new Date(Date.now() - (i + 1) * 86_400_000) })));
    await imapClientSession(server.endpoints, u, (c) => c.readInbox());
    expect(await runFetchmail(server.endpoints, u, { keep: false })).toMatchObject({ downloaded: 6, flushed: 6 });
    await logged(new RegExp(`pop3d-ssl: LOGOUT, user=${u.user}, .*top=0, retr=\\d+`));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('the lines are Courier syslog lines under the daemons\' names', () => {
    const log = readFileSync(syslog, 'utf8');
    expect(log).toMatch(new RegExp(`^\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d testbed imapd-ssl: LOGIN, user=${u.user}, ip=\\[::ffff:127\\.0\\.0\\.1\\], port=\\[\\d+\\], protocol=IMAP$`, 'm'));
    expect(log).toMatch(new RegExp(`testbed pop3d-ssl: LOGIN, user=${u.user}, ip=\\[::ffff:127\\.0\\.0\\.1\\]`));
  });

  it('maildoctor logs: the POP3 session is read, its deletions are "not logged", never 0', async () => {
    const json = await runCli(['logs', syslog, '--user', u.user, '--format', 'json', '--no-history']);
    expect(json.code, json.stderr).toBe(0);
    const e = LogEvidenceSchema.parse(JSON.parse(json.stdout));
    expect(e.popLogoutFormat).toBe('courier');
    expect(e.pop).toMatchObject({ sessions: 1, closedWithoutQuit: 0, deletesUnlogged: 1 });
    expect(e.logins).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: 'pop3', ip: '127.0.0.1', count: 1 }), expect.objectContaining({ protocol: 'imap', ip: '127.0.0.1' })]));
    expect(e.parseRate).toBe(1);
    const text = await runCli(['logs', syslog, '--user', u.user, '--no-history']);
    expect(text.stdout).toContain('downloads and deletions not logged (Courier; 1 session ended with QUIT and may have deleted mail)');
    expect(text.stdout).toContain("POP3 logout lines read as Courier's LOGOUT lines");
    expect(text.stdout).not.toMatch(/0 deleted in/);
  });

  it('check --log: pop-deletes-mail is "not checked" with the reason, and the check stays read-only', async () => {
    const before = await server.state(u);
    await sleep(1100); // check reads the log up to the second its probe starts
    const r = await runCli(['check', ...accountArgs(server.endpoints, u), '--log', syslog, '--no-history', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: u.password } });
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const skipped = new Map(report.skipped.map((s) => [s.rule, s.reason]));
    expect(report.findings.map((f) => f.id)).not.toContain('pop-deletes-mail');
    expect(skipped.get('pop-deletes-mail'), r.stdout).toMatch(/^the server log is Courier's, whose POP3 logout lines count no deletions: a POP3 session of this account ended with QUIT/);
    expect(await server.state(u)).toEqual(before);
  });
});
