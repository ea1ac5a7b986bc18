// Server logs as another admin configured them: a Dovecot of its own with a pop3_logout_format without commas and
// with extra fields (uidl_change, in/out bytes), an imap_logout_format in another order, and ISO timestamps. Real
// clients act on it (fetchmail deleting after download, an imapflow mail app replying), Dovecot logs it, and
// `check --log` / `logs` read what it wrote: every line about the account read, mixed use proven by the log alone.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, startTestbed, type Testbed } from '../../src/testbed/dovecot.js';
import { deliverLmtp, seedMaildir } from '../../src/testbed/seed.js';
import type { LogEvidence } from '../../src/snapshot/schema.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';

/** The non-default formats; fixtures/logs/dovecot-2.3-custom-format.log was captured under the same. */
const CUSTOM_LOG_FORMAT = {
  pop3LogoutFormat: 'retr=%r/%b del=%d/%m top=%t/%p size=%s uidl=%u in=%i out=%o',
  imapLogoutFormat: 'expunged=%{expunged} deleted=%{deleted} trashed=%{trashed} in=%i out=%o body_count=%{fetch_body_count} body_bytes=%{fetch_body_bytes}',
  logTimestamp: '%Y-%m-%dT%H:%M:%S%z ',
};

interface JsonReport {
  findings: { id: string; severity: string; confidence?: string; evidence: Record<string, unknown> }[];
  skipped: { rule: string; kind: string }[];
}

let tb: Testbed;
beforeAll(async () => {
  tb = await startTestbed({ logFormat: CUSTOM_LOG_FORMAT });
});
afterAll(async () => {
  await tb?.stop();
});

const env = (password: string) => ({ MAILDOCTOR_PASSWORD: password, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'md-logfmt-state-')) });

describe('a Dovecot with its own logout formats and ISO timestamps (real clients)', () => {
  it('fetchmail deleting beside an IMAP app: mixed use found from the log alone, every line read', async () => {
    const u = await addUser(tb);
    seedMaildir(tb, u, 'INBOX', [{ subject: 'one' }, { subject: 'two' }, { subject: 'three' }]);
    // The IMAP app on the laptop reads and answers (a copy in Sent); then mail arrives and the POP device takes it all.
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      await c.reply((await c.inboxUids()).slice(0, 1));
    });
    // The POP device first left mail on the server (it asks UIDL: uidl_change is logged), then was set to delete.
    const kept = await runFetchmail(tb, u, { keep: true });
    expect(kept.downloaded, kept.stderr).toBe(3);
    await deliverLmtp(tb, u, { subject: 'four' });
    await deliverLmtp(tb, u, { subject: 'five' });
    const poll = await runFetchmail(tb, u, { keep: false });
    expect(poll.flushed, poll.stderr).toBe(5);
    await sleep(1100); // check leaves out log lines from the second its probe started in (its own logins)

    const log = readFileSync(tb.logFile, 'utf8');
    // The formats took effect: ISO stamps, no commas, the extra fields.
    expect(log).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} pop3\(\S+\)<\d+><[^>]+>: Info: Disconnected: Logged out retr=5\/\d+ del=5\/5 top=0\/0 size=\d+ uidl=\S* .*in=\d+ out=\d+$/m);
    expect(log).toMatch(/ pop3\(\S+\)<\d+><[^>]+>: Info: Disconnected: Logged out retr=3\/\d+ del=0\/3 top=0\/0 size=\d+ uidl=\d+\/[0-9a-f]{8}(?: -> 3\/[0-9a-f]{8})? in=\d+ out=\d+$/m);
    expect(log).toMatch(/ imap\(\S+\)<\d+><[^>]+>: Info: Disconnected: Logged out expunged=0 deleted=0 trashed=0 in=\d+ out=\d+ body_count=\d+ body_bytes=\d+$/m);

    // Without the log the probe sees an IMAP client but no POP device (5 gone is under the ledger's threshold).
    const state = env(u.password);
    const plain = await runCli(['check', ...accountArgs(tb, u), '--format', 'json'], { env: state });
    expect((JSON.parse(plain.stdout) as JsonReport).findings.map((f) => f.id)).not.toContain('mixed-protocol-use');
    await sleep(1100); // its sessions, a second before the next check starts, stay in that check's log

    const r = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'json'], { env: env(u.password) });
    expect(r.stderr).not.toMatch(/could not be read|internal error/);
    const report = JSON.parse(r.stdout) as JsonReport;
    const mixed = report.findings.find((f) => f.id === 'mixed-protocol-use');
    expect(mixed, r.stdout).toBeDefined();
    expect(mixed!.severity).toBe('critical');
    const popSigns = mixed!.evidence.popSigns as { kind: string; count: number }[];
    expect(popSigns).toEqual([expect.objectContaining({ kind: 'log-pop-deletes', count: 5 })]);
    expect(report.findings.find((f) => f.id === 'pop-deletes-mail')?.evidence.fromLog).toMatchObject({ popSessions: 3, deletedMessages: 5, retrMessages: 8 }) // two polls, and the check without --log;
    expect(report.skipped.filter((s) => s.kind === 'incomplete-evidence')).toEqual([]);

    const json = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history', '--format', 'json']);
    const e = JSON.parse(json.stdout) as LogEvidence;
    expect(e.parseRate).toBe(1);
    expect(e.unread).toEqual({ lines: 0, pop3Sessions: 0, imapSessions: 0, deliveries: 0, example: null });
    expect(e.lines.unparseable).toBe(0);
    expect(e.popLogoutFormat).toBe('2.3');
    // fetchmail's two polls, then both checks' own read-only POP3 sessions; the IMAP app and the checks over IMAP.
    expect(e.pop).toMatchObject({ sessions: 4, retrMessages: 8, deletedMessages: 5, sessionsWithDeletes: 1 });
    expect(e.imap.sessions).toBe(3);
    expect(e.deliveries.saved).toBe(2);
    expect(Date.parse(e.pop.first!)).toBeGreaterThan(Date.now() - 120_000);
    const text = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history']);
    expect(text.stdout).toMatch(/^Parse rate: 100% \(\d+ of \d+ lines about this account read\)$/m);
    expect(text.stdout).toMatch(/^POP3: 4 sessions, 8 messages downloaded .*, 5 deleted in 1 session/m);
    // The device timeline under these formats: fetchmail's poll deleted all 5, the IMAP app deleted nothing.
    const tl = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history', '--timeline', '--format', 'json']);
    const t = (JSON.parse(tl.stdout) as LogEvidence).timeline!;
    expect(t.sessionsWithoutLogin).toBe(0);
    expect(t.topDeleter).toMatchObject({ kind: 'pop3', ip: '127.0.0.1', deleted: 5 });
    expect(t.devices.find((d) => d.kind === 'pop3')!.totals).toMatchObject({ popSessions: 4, retrMessages: 8, popDeleted: 5 });
    expect(t.devices.find((d) => d.kind === 'imap')!.totals).toMatchObject({ imapSessions: 3, expunged: 0, trashed: 0 });
    expect(t.devices.find((d) => d.kind === 'delivery')!.totals).toMatchObject({ delivered: 2, quotaRefused: 0 });
    // A sample of real lines for the parser's unit tests (fixtures/logs/dovecot-2.3-custom-format.log).
    if (process.env.MAILDOCTOR_CAPTURE_LOG) copyFileSync(tb.logFile, process.env.MAILDOCTOR_CAPTURE_LOG);
  });
});
