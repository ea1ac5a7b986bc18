// What the server's own behaviour does to mail, on the real Dovecot with real clients (issue 13): with
// pop3_deleted_flag a POP client's delete only hides mail, and `check` says it is still in INBOX, not lost; mail
// removed when it is 14 days old while younger mail stays is named as a "remove after 14 days" client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportJson } from '../../src/report/schema.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';
import { daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-behaviour-it-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

async function check(u: TestUser, db: string): Promise<ReportJson> {
  const r = await runCli(['check', ...accountArgs(testbed(), u), '--history', db, '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: u.password } });
  expect(r.stderr).not.toMatch(/internal error|not saved/);
  return JSON.parse(r.stdout) as ReportJson;
}
const finding = (r: ReportJson, id: string) => r.findings.find((f) => f.id === id);
const ids = (r: ReportJson) => JSON.stringify(r.findings.map((f) => f.id));

describe('server behaviour on Dovecot', () => {
  it('pop3_deleted_flag: fetchmail deletes all 8, check says they are hidden from POP and still in INBOX, not lost', async () => {
    const tb = testbed();
    const u = await newUser({ settings: { pop3_deleted_flag: '$POPDeleted' } });
    seedMaildir(tb, u, 'INBOX', Array.from({ length: 8 }, (_, i) => ({ date: daysAgo(3 - i * 0.2), bodyBytes: 400 + 10 * i })));
    const db = join(DIR, 'hidden.db');
    await check(u, db);
    expect(await runFetchmail(tb, u, { keep: false })).toMatchObject({ downloaded: 8, flushed: 8 });
    // A second poll sees nothing: POP no longer lists them.
    expect(await runFetchmail(tb, u, { keep: false })).toMatchObject({ onServer: 0 });
    const r = await check(u, db);
    const f = finding(r, 'pop-imap-disagree');
    expect(f, ids(r)).toBeDefined();
    expect(f!.severity).toBe('info');
    expect(f!.evidence).toMatchObject({ popMessages: 0, imapMessages: 8, likelyReasons: ['pop-deleted-flag'], popHidden: { keyword: '$POPDeleted', messages: 8 } });
    expect(f!.title).toContain('only hidden from POP, not lost');
    expect(f!.steps[0]).toContain('not lost: still in INBOX');
    expect(f!.steps[0]).toContain(`doveadm flags remove -u ${u.user} '$POPDeleted'`);
    // Nothing vanished between the two checks: the mail is all still there.
    expect(finding(r, 'mail-vanished'), ids(r)).toBeUndefined();
  });

  it('mail removed at 14 days old while younger mail stays: mail-vanished names a "remove after 14 days" client', async () => {
    const tb = testbed();
    const u = await newUser();
    const old = [14.05, 14.1, 14.2, 14.3].map((d) => ({ date: daysAgo(d), bodyBytes: 700 }));
    const young = Array.from({ length: 6 }, (_, i) => ({ date: daysAgo(1 + i), bodyBytes: 500 }));
    seedMaildir(tb, u, 'INBOX', [...old, ...young]);
    const db = join(DIR, 'aged.db');
    await check(u, db);
    // The four 14-day-old messages go for good (deleted and expunged: in no folder), the younger ones stay.
    await imapClientSession(tb, u, async (c) => {
      const uids = (await c.inboxUids()).slice(0, 4);
      await c.imap.mailboxOpen('INBOX');
      expect(await c.imap.messageDelete(uids.join(','), { uid: true })).toBe(true);
    });
    const r = await check(u, db);
    const f = finding(r, 'mail-vanished');
    expect(f, ids(r)).toBeDefined();
    expect(f!.evidence).toMatchObject({ vanishedMessages: 4, ageCluster: { days: 14, toleranceDays: 1, messages: 4, ofVanished: 4, youngerKept: 6 } });
    expect(f!.explanation).toContain('remove from server after 14 days');
    expect(f!.steps.some((s) => s.includes('4 of the 4 messages that disappeared were about 14 days old'))).toBe(true);
  });
});
