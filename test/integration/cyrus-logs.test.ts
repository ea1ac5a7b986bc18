// Cyrus's own log lines (issue 12), caught from a real Cyrus 3.6: the testbed runs its master in a private mount
// namespace whose /dev/log is our syslog receiver (src/testbed/cyrus.ts, scripts/testbed-syslog.py), so the
// lines are the ones an admin's /var/log/mail.log holds. Real clients play the devices (fetchmail deleting,
// imapflow as a mail app, LMTP delivery), then `maildoctor logs` and `check --log` read what Cyrus wrote:
// with Cyrus's default logging and with auditlog on, whose per-message lines must not be counted twice.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.js';
import { LogEvidenceSchema } from '../../src/snapshot/schema.js';
import { addCyrusUser, cyrusMailboxState, setCyrusQuota, startCyrus, type CyrusTestbed } from '../../src/testbed/cyrus.js';
import { deliverLmtp } from '../../src/testbed/seed.js';
import type { TestAccount } from '../../src/testbed/types.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';
import { connectLines } from '../support/lines.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the syslog file holds `n` lines matching `re` (datagrams arrive a little after the act). */
async function logged(cy: CyrusTestbed, re: RegExp, n = 1): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = readFileSync(cy.syslogFile!, 'utf8');
    if (text.split('\n').filter((l) => re.test(l)).length >= n) return text;
    if (Date.now() > deadline) throw new Error(`no ${n} lines ${re} in ${cy.syslogFile}:\n${text.slice(-2000)}`);
    await sleep(50);
  }
}

/** A POP3 session that marks message 1 deleted and drops the connection without QUIT: nothing is deleted. */
async function dropAfterDele(cy: CyrusTestbed, u: TestAccount): Promise<void> {
  const pop = await connectLines(cy.ports.pop3s, { tls: true, ca: cy.caPem });
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send(`USER ${u.user}`);
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send(`PASS ${u.password}`);
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.send('DELE 1');
  expect(await pop.line()).toMatch(/^\+OK/);
  pop.close();
}

describe.each([
  { name: "Cyrus's default logging", extra: '' },
  { name: 'auditlog: yes', extra: 'auditlog: yes\n' },
])('Cyrus log lines ($name)', ({ extra }) => {
  let cy: CyrusTestbed;
  let mixed: TestAccount;
  let full: TestAccount;
  let log: string;

  beforeAll(async () => {
    cy = await startCyrus({ extraConfig: extra });
    if (!cy.syslogFile) throw new Error('the Cyrus testbed could not catch syslog here (root, unshare and python3 are needed)');
    // Mixed use: an IMAP app reads and cleans up, a POP3 device downloads and deletes, another one leaves mail.
    mixed = await addCyrusUser(cy);
    for (let i = 0; i < 4; i++) expect((await deliverLmtp(cy, mixed, { subject: `News ${i}` })).code).toBe(250);
    await imapClientSession(cy, mixed, async (c) => {
      const uids = await c.inboxUids();
      await c.readInbox();
      await c.moveFromInbox([uids[0]!], 'Archive');
    });
    expect(await runFetchmail(cy, mixed, { keep: true })).toMatchObject({ downloaded: 3, flushed: 0 });
    await dropAfterDele(cy, mixed);
    expect(await runFetchmail(cy, mixed, { keep: false })).toMatchObject({ downloaded: 3, flushed: 3 });
    // Deliveries Cyrus refuses for quota: LMTP says 452 4.2.2, the log says nothing.
    full = await addCyrusUser(cy);
    expect((await deliverLmtp(cy, full, { subject: 'fits' })).code).toBe(250);
    await setCyrusQuota(cy, full, { storageBytes: 1024 });
    expect((await deliverLmtp(cy, full, { subject: 'first over' })).code).toBe(250); // under quota before it: accepted
    const refused = await deliverLmtp(cy, full, { subject: 'refused' });
    expect(refused.code).toBe(452);
    log = await logged(cy, /\/pop3s\[\d+\]: counts: retr=<3> top=<0> dele=<3>/);
    await logged(cy, /USAGE \S+ user:/, 2);
  }, 180_000);
  afterAll(async () => {
    await cy?.stop();
  });

  it('the lines are Cyrus 3.6 syslog lines: login with SESSIONID, Expunged, counts, Delivered', () => {
    const u = mixed.user;
    expect(log).toMatch(new RegExp(`^\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d testbed maildoctor-testbed/pop3s\\[\\d+\\]: login: localhost \\[127\\.0\\.0\\.1\\] ${u} plaintext\\+TLS User logged in SESSIONID=<`, 'm'));
    expect(log).toMatch(new RegExp(`imaps\\[\\d+\\]: login: localhost \\[127\\.0\\.0\\.1\\] ${u} PLAIN\\+TLS User logged in`));
    expect(log).toMatch(new RegExp(`pop3s\\[\\d+\\]: Expunged 3 messages from user\\.${u}$`, 'm'));
    expect(log).toMatch(new RegExp(`lmtp\\[\\d+\\]: Delivered: <[^>]+> to mailbox: user\\.${u}$`, 'm'));
    if (extra) expect(log).toMatch(/auditlog: expunge sessionid=<[^>]+> mailbox=<user\./);
    else expect(log).not.toContain('auditlog:');
  });

  it('maildoctor logs: POP3 sessions, downloads and deletions, the dropped session, IMAP expunges, deliveries; every line read', async () => {
    const r = await runCli(['logs', cy.syslogFile!, '--user', mixed.user, '--format', 'json', '--no-history']);
    expect(r.code, r.stderr).toBe(0);
    const e = LogEvidenceSchema.parse(JSON.parse(r.stdout));
    expect(e.popLogoutFormat).toBe('cyrus');
    expect(e.pop).toMatchObject({ sessions: 3, closedWithoutQuit: 1, retrMessages: 6, deletedMessages: 3, sessionsWithDeletes: 1 });
    expect(e.pop.lastDelete).not.toBeNull();
    // The move to Archive is an expunge from INBOX (Cyrus logs no difference); imapflow logs in twice (list, then the work).
    expect(e.imap.sessions).toBeGreaterThanOrEqual(1);
    expect(e.imap.expunged).toBe(1);
    expect(e.logins).toEqual(
      expect.arrayContaining([expect.objectContaining({ protocol: 'pop3', ip: '127.0.0.1', count: 3 }), expect.objectContaining({ protocol: 'imap', ip: '127.0.0.1' })]),
    );
    expect(e.deliveries).toMatchObject({ saved: 4, quotaRefused: 0, refusalsUnlogged: 'cyrus' });
    expect(e.unread).toMatchObject({ lines: 0, pop3Sessions: 0 });
    expect(e.parseRate).toBe(1);
  });

  it('the device timeline names the POP3 device as the one that deleted mail', async () => {
    const r = await runCli(['logs', cy.syslogFile!, '--user', mixed.user, '--timeline', '--no-history']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Deleted most: POP3 127\.0\.0\.1, 3 messages/);
    expect(r.stdout).toContain('POP3 logout lines read as Cyrus');
    expect(r.stdout).toContain("Refusals unknown: Cyrus's LMTP logs no delivery it refuses for quota");
  });

  it('check --log on the Cyrus: the log proves the POP3 deletions; quota refusals are named as not in the log, not as none', async () => {
    const before = await cyrusMailboxState(cy, mixed);
    // check reads the log up to the second its probe starts (its own lines come after): let the scenario's
    // last second pass, or its deletions would be "after the probe" and left out.
    await sleep(1100);
    const r = await runCli(['check', ...accountArgs(cy, mixed), '--log', cy.syslogFile!, '--no-history', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: mixed.password } });
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const ids = report.findings.map((f) => f.id);
    expect(ids).toContain('pop-deletes-mail');
    expect(r.code).toBe(2);
    const skipped = JSON.stringify(report);
    expect(skipped).toContain("the server log is Cyrus's, whose LMTP logs no delivery it refuses for quota");
    // Read-only on Cyrus, as ever.
    expect(await cyrusMailboxState(cy, mixed)).toEqual(before);
  });

  it('the account whose delivery was refused: one delivery in the log, the refusal only as "unknown"', async () => {
    const r = await runCli(['logs', cy.syslogFile!, '--user', full.user, '--format', 'json', '--no-history']);
    const e = LogEvidenceSchema.parse(JSON.parse(r.stdout));
    expect(e.deliveries).toMatchObject({ saved: 2, quotaRefused: 0, refusalsUnlogged: 'cyrus' });
  });

  it('a wrong password over IMAP and POP3: Cyrus badlogin lines read as failed logins', async () => {
    await runCli(['check', ...accountArgs(cy, mixed), '--no-history'], { env: { MAILDOCTOR_PASSWORD: 'not-the-password' } });
    await logged(cy, /badlogin: .*\(\S+\)/, 2);
    const r = await runCli(['logs', cy.syslogFile!, '--user', mixed.user, '--format', 'json', '--no-history']);
    const e = LogEvidenceSchema.parse(JSON.parse(r.stdout));
    expect(e.authFailures).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: 'imap', count: 1 }), expect.objectContaining({ protocol: 'pop3', count: 1 })]));
    expect(r.stdout).not.toContain('not-the-password');
  });
});
