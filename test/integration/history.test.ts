// History on the real Dovecot, played by real clients: two `check` runs with a history database between which
// fetchmail deletes mail (mail-vanished, exact count and bytes), an IMAP client files mail into Archive (no
// vanish: found by Message-ID hash), or the mailbox's UIDVALIDITY is reset (uidvalidity-changed).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportJson } from '../../src/report/schema.js';
import Database from 'better-sqlite3';
import { openHistory } from '../../src/history/store.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, runFetchmail } from '../support/clients.js';
import { createFolder, daysAgo, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-history-it-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

async function check(u: TestUser, db: string, save?: string): Promise<ReportJson> {
  const r = await runCli(['check', ...accountArgs(testbed(), u), '--history', db, '--format', 'json', ...(save ? ['--save', save] : [])], {
    env: { MAILDOCTOR_PASSWORD: u.password },
  });
  expect(r.stderr).not.toMatch(/internal error|not saved/);
  return JSON.parse(r.stdout) as ReportJson;
}
const ids = (r: ReportJson) => r.findings.map((f) => f.id);
const seed = (n: number, from = 20) =>
  Array.from({ length: n }, (_, i) => ({ date: daysAgo(from - i * 0.5), bodyBytes: 500 + 37 * i, subject: `Secret subject ${i}` }));

describe('history on Dovecot', () => {
  it('fetchmail (no keep) deletes between two probes → mail-vanished with exact count and bytes', async () => {
    const tb = testbed();
    const u = await newUser();
    createFolder(tb, u, 'Archive');
    const seeded = seedMaildir(tb, u, 'INBOX', seed(12));
    const db = join(DIR, 'fetchmail.db');
    const first = await check(u, db);
    expect(ids(first)).not.toContain('mail-vanished');
    const fm = await runFetchmail(tb, u, { keep: false });
    expect(fm.code).toBe(0);
    const second = await check(u, db);
    const f = second.findings.find((x) => x.id === 'mail-vanished');
    expect(f, JSON.stringify(ids(second))).toBeDefined();
    expect(f!.evidence).toMatchObject({
      vanishedMessages: 12,
      vanishedBytes: seeded.sizes.reduce((a, b) => a + b, 0),
      atLeast: false,
      method: 'message-id',
      seenBefore: 0,
      goneFromInbox: 12,
      movedMessages: 0,
    });
    // The history command lists both probes; the database holds no subject and no password.
    const list = await runCli(['history', '--history', db, '--format', 'json']);
    expect(list.code).toBe(0);
    const probes = (JSON.parse(list.stdout) as { probes: { inboxMessages: number }[] }).probes;
    expect(probes.map((p) => p.inboxMessages)).toEqual([0, 12]);
    const text = await runCli(['history', '--history', db]);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    for (const f of readdirSync(DIR).filter((n) => n.startsWith('fetchmail.db'))) {
      const bytes = readFileSync(join(DIR, f));
      expect(bytes.includes(u.password)).toBe(false);
      expect(bytes.includes('Secret subject')).toBe(false);
    }
  }, 60_000);

  it('an IMAP client moving mail to Archive between probes gives no mail-vanished', async () => {
    const tb = testbed();
    const u = await newUser();
    createFolder(tb, u, 'Archive');
    seedMaildir(tb, u, 'Archive', seed(3, 40));
    seedMaildir(tb, u, 'INBOX', seed(10));
    const db = join(DIR, 'move.db');
    await check(u, db);
    await imapClientSession(tb, u, async (c) => {
      const uids = await c.inboxUids();
      await c.moveFromInbox(uids.slice(0, 5), 'Archive');
    });
    const saved = join(DIR, 'move-2.json');
    const second = await check(u, db, saved);
    expect(ids(second)).not.toContain('mail-vanished');
    const snap = parseSnapshot(readFileSync(saved, 'utf8'), saved);
    const archive = snap.imap?.ok ? snap.imap.evidence.folders.find((x) => x.path === 'Archive') : undefined;
    expect(archive?.arrivals).toMatchObject({ sinceUidNext: 4, count: 5 });
    expect(archive?.arrivals?.messageIdHashes).toHaveLength(5);
    expect(snap.imap?.ok && snap.imap.evidence.inbox.messageList?.toArray().map((m) => m.uid)).toEqual([6, 7, 8, 9, 10]);
  }, 60_000);

  it('a UIDVALIDITY reset between probes gives uidvalidity-changed', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', seed(5));
    const db = join(DIR, 'uidvalidity.db');
    const first = await check(u, db);
    expect(ids(first)).not.toContain('uidvalidity-changed');
    // What a restore or a rebuilt index does: Dovecot loses its uidlist and index and numbers everything anew.
    for (const f of readdirSync(u.maildir)) if (f.startsWith('dovecot')) rmSync(join(u.maildir, f), { force: true });
    await new Promise((r) => setTimeout(r, 1100)); // UIDVALIDITY is a timestamp: make sure it differs
    const second = await check(u, db);
    const f = second.findings.find((x) => x.id === 'uidvalidity-changed');
    expect(f, JSON.stringify(ids(second))).toBeDefined();
    expect(f!.severity).toBe('warning');
    expect(f!.evidence).toMatchObject({ folder: 'INBOX', previousMessages: 5, messages: 5 });
    expect(ids(second)).not.toContain('mail-vanished');
  }, 60_000);

  it('repeat probes keep the stored INBOX list exact through no change, flag changes, arrivals and expunges', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', seed(12));
    const db = join(DIR, 'repeat.db');
    const env = { MAILDOCTOR_PASSWORD: u.password };
    // What a full FETCH of every identity reads now (probe --message-list), and what the last check stored.
    const truth = async () => {
      const out = join(DIR, `truth-${Date.now()}.json`);
      const r = await runCli(['probe', ...accountArgs(tb, u), '--only', 'imap', '--message-list', '--out', out, '--quiet'], { env });
      expect(r.code, r.stderr).toBe(0);
      const s = parseSnapshot(readFileSync(out, 'utf8'), out);
      return s.imap?.ok ? (s.imap.evidence.inbox.messageList?.toArray() ?? null) : null;
    };
    const stored = () => {
      const h = openHistory(db);
      try {
        const s = h.latestProbe(h.listProbes()[0]!.account);
        return s?.imap?.ok ? (JSON.parse(JSON.stringify(s.imap.evidence.inbox.messageList)) as unknown) : null;
      } finally {
        h.close();
      }
    };
    const blobs = () => {
      const d = new Database(db, { readonly: true });
      try {
        return d.prepare('SELECT count(*) FROM blobs').pluck().get();
      } finally {
        d.close();
      }
    };
    const step = async () => {
      await check(u, db);
      expect(stored()).toEqual(await truth());
    };
    await step(); // first: full FETCH
    await step(); // unchanged: the stored list again, and the same blob
    expect(blobs()).toBe(1);
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      await c.markDeleted((await c.inboxUids()).slice(0, 2));
    });
    await step(); // flags only
    seedMaildir(tb, u, 'INBOX', seed(3, 1));
    await step(); // arrivals only
    await imapClientSession(tb, u, async (c) => {
      await c.moveFromInbox((await c.inboxUids()).slice(3, 6), 'Archive');
    });
    seedMaildir(tb, u, 'INBOX', seed(2, 1));
    await step(); // expunges and arrivals
    expect((stored() as unknown[]).length).toBe(14);
  }, 120_000);

  it('refuses a history database from a newer maildoctor with one line, exit 3', async () => {
    const u = await newUser();
    const db = join(DIR, 'newer.db');
    const { default: Database } = await import('better-sqlite3');
    const d = new Database(db);
    d.pragma('user_version = 99');
    d.close();
    const r = await runCli(['check', ...accountArgs(testbed(), u), '--history', db], { env: { MAILDOCTOR_PASSWORD: u.password } });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`maildoctor: history database ${db} was written by a newer maildoctor\n`);
  }, 30_000);
});
