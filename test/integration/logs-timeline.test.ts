// The device timeline on the real Dovecot: an IMAP app on the laptop moves a message to Trash and expunges
// another, a POP3 device (fetchmail) drains the rest, and LMTP delivers over quota. `logs --timeline` must name
// the POP3 device as the one that deleted most, with fetchmail's own counts, in the hours the test ran in.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LogEvidence } from '../../src/snapshot/schema.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';
import { deliverLmtp, newUser, seedMaildir, testbed } from '../support/testbed.js';

const hourOf = (ms: number) => new Date(Math.floor(ms / 3_600_000) * 3_600_000).toISOString();

describe('device timeline (real Dovecot, real clients)', () => {
  it('names the POP3 device as the deleter with its counts and hours; the IMAP app and refused deliveries on rows of their own', async () => {
    const tb = testbed();
    const started = Date.now();
    const u = await newUser({ quotaStorageBytes: 20_000 });
    seedMaildir(tb, u, 'INBOX', [{ subject: 'one' }, { subject: 'two' }, { subject: 'three' }, { subject: 'four' }]);
    // The IMAP app: one message moved to Trash, one deleted and expunged (STORE \Deleted + UID EXPUNGE).
    await imapClientSession(tb, u, async (c) => {
      const uids = await c.inboxUids();
      await c.moveFromInbox([uids[0]!], 'Trash');
      const lock = await c.imap.getMailboxLock('INBOX');
      try {
        expect(await c.imap.messageDelete([uids[1]!], { uid: true })).toBe(true);
      } finally {
        lock.release();
      }
    });
    // The POP3 device downloads and deletes what is left, twice.
    const first = await runFetchmail(tb, u, { keep: false });
    expect(first.flushed, first.stderr).toBe(2);
    await deliverLmtp(tb, u, { subject: 'five' });
    const second = await runFetchmail(tb, u, { keep: false });
    expect(second.flushed, second.stderr).toBe(1);
    // Then mail arrives beyond the quota: some saved, the rest refused (552 5.2.2).
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await deliverLmtp(tb, u, { subject: `big ${i}`, bodyBytes: 8000 })).code);
    const refused = codes.filter((c) => c === 552).length;
    expect(refused).toBeGreaterThan(0);
    const saved = 1 + codes.filter((c) => c === 250).length;
    const hours = new Set([hourOf(started), hourOf(Date.now())]);

    const r = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history', '--timeline', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.stdout) as LogEvidence).timeline!;
    expect(t).toMatchObject({ bucket: 'hour', bucketChosen: 'auto', devicesSeen: 2, devicesShown: 2, others: null, sessionsWithoutLogin: 0 });
    expect(t.topDeleter).toMatchObject({ kind: 'pop3', ip: '127.0.0.1', deleted: 3 });
    const [pop, imap, delivery] = t.devices;
    expect(pop).toMatchObject({ kind: 'pop3', ip: '127.0.0.1', totals: { logins: 2, popSessions: 2, retrMessages: 3, popDeleted: 3, expunged: 0 } });
    expect(imap).toMatchObject({ kind: 'imap', ip: '127.0.0.1', totals: { logins: 1, imapSessions: 1, expunged: 1, trashed: 1 } });
    expect(delivery).toMatchObject({ kind: 'delivery', ip: null, totals: { delivered: saved, quotaRefused: refused } });
    for (const d of t.devices) for (const b of d.buckets) expect(hours, b.start).toContain(b.start);
    expect(pop!.buckets.reduce((a, b) => a + b.popDeleted, 0)).toBe(3);
    const deletedAt = Date.parse(t.topDeleter!.lastDelete!);
    expect(deletedAt).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(deletedAt).toBeLessThanOrEqual(Date.now());

    const text = await runCli(['logs', tb.logFile, '--user', u.user, '--no-history', '--timeline']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Deleted most: POP3 127\.0\.0\.1, 3 messages \(POP3 DELE\), \d{4}-\d\d-\d\d \d\d:\d\d:\d\d (→ \d\d:\d\d:\d\d )?UTC$/m);
    expect(text.stdout).toMatch(/^ {2}! \d{4}-\d\d-\d\d \d\d:00 +2 +2 +3 +3$/m); // the POP3 device's hour, marked
    expect(text.stdout).toMatch(/^IMAP 127\.0\.0\.1: 1 login, 1 session, 1 expunged, 1 moved to Trash; /m);
    expect(text.stdout).toMatch(new RegExp(`^Deliveries \\(LMTP/LDA, MTA\\): ${saved} delivered, ${refused} refused for quota; `, 'm'));
    if (process.env.MAILDOCTOR_SHOW_TIMELINE) process.stderr.write(text.stdout);

    const bad = await runCli(['logs', tb.logFile, '--user', u.user, '--timeline-bucket', 'day']);
    expect(bad).toMatchObject({ code: 3, stdout: '' });
    expect(bad.stderr).toBe('maildoctor: --timeline-bucket needs --timeline\n');
    const week = await runCli(['logs', tb.logFile, '--user', u.user, '--timeline', '--timeline-bucket', 'week']);
    expect(week.code).toBe(3);
  });

  it('check --log: the timeline is in the JSON report, and the probe itself is no device', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', [{ subject: 'one' }, { subject: 'two' }]);
    expect((await runFetchmail(tb, u, { keep: false })).flushed).toBe(2);
    await sleep(1100); // check leaves out log lines from the second its probe started in (its own logins)
    const env = { MAILDOCTOR_PASSWORD: u.password, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'md-timeline-state-')) };
    const r = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'json'], { env });
    expect(r.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(r.stdout) as { timeline?: LogEvidence['timeline'] };
    expect(report.timeline).toMatchObject({ devicesSeen: 1, topDeleter: { kind: 'pop3', ip: '127.0.0.1', deleted: 2 } });
    expect(report.timeline!.devices.map((d) => d.kind)).toEqual(['pop3']);
    // The same section in the words of each report format.
    const text = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile], { env });
    expect(text.stdout).toMatch(/^Device timeline \(by hour, UTC, chosen from the span\): 1 device$/m);
    expect(text.stdout).toMatch(/^Deleted most: POP3 127\.0\.0\.1, 2 messages \(POP3 DELE\), /m);
    expect(text.stdout).toMatch(/^ {2}! \d{4}-\d\d-\d\d \d\d:00 +1 +1 +2 +2$/m);
    const md = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'markdown'], { env });
    expect(md.stdout).toMatch(/^\| ! \| \d{4}-\d\d-\d\d \d\d:00 \| 1 \| 1 \| 2 \| 2 \|$/m);
    const html = await runCli(['check', ...accountArgs(tb, u), '--log', tb.logFile, '--format', 'html'], { env });
    expect(html.stdout).toMatch(/<section class="timeline"><h2>Device timeline/);
    expect(html.stdout).toMatch(/<tr class="deleted" style="font-weight:700"><td>!<\/td><td>\d{4}-\d\d-\d\d \d\d:00<\/td><td>1<\/td><td>1<\/td><td>2<\/td><td>2<\/td><\/tr>/);
  });
});
