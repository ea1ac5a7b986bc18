// Customer scenarios on the real Dovecot, played by real clients: Debian's fetchmail as the POP3 device (with
// and without keep), imapflow acting like a desktop mail client over IMAP, LMTP for new mail and Maildir seeding
// for older history. Each scenario then runs `maildoctor check --format json` as a child process and asserts
// the status, the exit code and the finding ids (issue 3, "Proof").
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema, type ReportJson } from '../../src/report/schema.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { accountArgs, runCli } from '../support/cli.js';
import { holdPopSession, imapClientSession, popDevice, runFetchmail } from '../support/clients.js';
import {
  daysAgo,
  deliverLmtp,
  mailboxState,
  newUser,
  seedMaildir,
  testbed,
  type SeedMessage,
  type TestUser,
} from '../support/testbed.js';
import { closedPort } from '../support/fake-server.js';
import { NO_EARLIER_PROBE, NO_SERVER_LOG } from '../../src/analyzer/evidence.js';

// Saved snapshots of every check (kept with MAILDOCTOR_KEEP_TESTBED=1, to replay with `maildoctor analyze`).
// MAILDOCTOR_SCENARIO_TIMINGS=1 prints each check's duration and exit code on stderr.
const DIR = mkdtempSync(join(tmpdir(), 'md-scenarios-'));
afterAll(() => {
  if (process.env.MAILDOCTOR_KEEP_TESTBED !== '1') rmSync(DIR, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------

/** `count` messages with INTERNALDATEs spread evenly from `fromDays` to `toDays` days ago (oldest first). */
function history(count: number, fromDays: number, toDays: number, extra: (i: number) => Partial<SeedMessage> = () => ({})): SeedMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    date: daysAgo(fromDays - ((fromDays - toDays) * i) / Math.max(1, count - 1)),
    ...extra(i),
  }));
}

/** Real delivery of `n` messages through LMTP; each must be accepted. */
async function deliver(user: TestUser, n: number, msg: SeedMessage = {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await deliverLmtp(testbed(), user, { subject: `New mail ${i}`, ...msg });
    expect(r.code, `LMTP delivery ${i} to ${user.user}: ${r.code} ${r.text}`).toBe(250);
  }
}

/** Messages in a Maildir folder (cur + new), straight from the disk. */
function maildirCount(user: TestUser, folder = 'INBOX'): number {
  const dir = folder === 'INBOX' ? user.maildir : join(user.maildir, `.${folder}`);
  return ['cur', 'new'].reduce((n, sub) => n + readdirSync(join(dir, sub)).length, 0);
}

interface Checked {
  code: number;
  report: ReportJson;
  snapshot: Snapshot;
  stderr: string;
  ms: number;
  /** Finding ids, sorted. */
  ids: string[];
  severity(id: string): string | undefined;
  evidence(id: string): Record<string, unknown>;
  /** What the probe saw and what the rules concluded, for assertion messages. */
  digest: string;
}

/** Everything a reviewer needs to judge a rule's verdict: the snapshot's numbers and the findings. */
function digestOf(snapshot: Snapshot, report: ReportJson): string {
  const imap = snapshot.imap?.ok ? snapshot.imap.evidence : null;
  const pop = snapshot.pop?.ok ? snapshot.pop.evidence : null;
  return JSON.stringify(
    {
      takenAt: snapshot.takenAt,
      imap: imap
        ? {
            inbox: {
              messages: imap.inbox.messages,
              uidNext: imap.inbox.uidNext,
              ages: imap.inbox.ages,
              oldest: imap.inbox.oldestInternalDate,
              newest: imap.inbox.newestInternalDate,
              flags: imap.inbox.flags,
              keywords: imap.inbox.keywords,
            },
            folders: imap.folders.map((f) => ({
              path: f.path,
              use: f.specialUse,
              messages: f.status?.messages,
              uidNext: f.status?.uidNext,
              ages: f.activity?.ages,
            })),
            quota: imap.quota.roots,
          }
        : snapshot.imap,
      pop: pop ? { stat: pop.stat } : snapshot.pop,
      status: report.status,
      findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, title: f.title, evidence: f.evidence })),
      skipped: report.skipped,
    },
    null,
    1,
  );
}

/** `maildoctor check --format json` for a testbed user, through the built CLI, saving the snapshot too. */
async function check(
  name: string,
  user: TestUser,
  opts: { password?: string; imapPort?: number; popPort?: number; defaultTimeout?: boolean; timeoutMs?: number } = {},
): Promise<Checked> {
  const saved = join(DIR, `${name}.snapshot.json`);
  let account = accountArgs(testbed(), user, { imapPort: opts.imapPort, popPort: opts.popPort });
  if (opts.defaultTimeout) {
    const i = account.indexOf('--timeout');
    account = [...account.slice(0, i), ...account.slice(i + 2)];
  }
  const t0 = performance.now();
  const r = await runCli(
    ['check', ...account, '--format', 'json', '--save', saved, '--quiet'],
    { env: { MAILDOCTOR_PASSWORD: opts.password ?? user.password }, timeoutMs: opts.timeoutMs ?? 60_000 },
  );
  const ms = performance.now() - t0;
  if (process.env.MAILDOCTOR_SCENARIO_TIMINGS) process.stderr.write(`check ${name}: ${Math.round(ms)} ms, exit ${r.code}\n`);
  let report: ReportJson;
  try {
    report = ReportSchema.parse(JSON.parse(r.stdout));
  } catch (e) {
    throw new Error(`check ${name}: no report@1 on stdout (exit ${r.code}): ${(e as Error).message}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`, { cause: e });
  }
  const snapshot = parseSnapshot(readFileSync(saved, 'utf8'), saved);
  const find = (id: string) => report.findings.find((f) => f.id === id);
  return {
    code: r.code,
    report,
    snapshot,
    stderr: r.stderr,
    ms,
    ids: report.findings.map((f) => f.id).sort(),
    severity: (id) => find(id)?.severity,
    evidence: (id) => {
      const f = find(id);
      if (!f) throw new Error(`no finding ${id}`);
      return f.evidence;
    },
    digest: digestOf(snapshot, report),
  };
}

/** Status and exit code belong together (DESIGN.md: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
const EXIT: Record<string, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

function expectVerdict(c: Checked, status: 'ok' | 'warning' | 'critical', ids: string[]) {
  expect(c.ids, c.digest).toEqual([...ids].sort());
  expect(c.report.status, c.digest).toBe(status);
  expect(c.code, c.digest).toBe(EXIT[status]);
  expect(c.report.errors, c.digest).toEqual([]);
}

// Rules that compare with an earlier probe, in registry order: on a first check they wait for the next one.
// (quota-rejected-mail likewise waits for a server log: these checks give no --log.)
const HISTORY_RULES = ['mail-vanished', 'uidvalidity-changed', 'quota-filling'];

// Rules that read IMAP evidence: skipped (with a reason) when IMAP could not be observed.
const IMAP_RULES = [
  'deleted-not-expunged',
  'mail-hidden-from-pop',
  'mail-vanished',
  'mixed-protocol-use',
  'no-recent-mail',
  'pop-deletes-mail',
  'pop-imap-disagree',
  'quota-filling',
  'quota-near-limit',
  'quota-unknown',
  'uidvalidity-changed',
];
const POP_ONLY_RULES = ['pop-mailbox-locked', 'pop-server-expires-mail'];

// ---------------------------------------------------------------------------------------------------------
// The clients themselves: proof that the devices really do what the scenarios claim
// ---------------------------------------------------------------------------------------------------------

describe.concurrent('test clients against the real Dovecot', () => {
  it('fetchmail without keep downloads every message and deletes it on the server', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(5, 10, 1));
    await deliver(u, 2);
    expect(maildirCount(u)).toBe(7);
    const r = await runFetchmail(tb, u, { keep: false });
    expect(r).toMatchObject({ code: 0, onServer: 7, downloaded: 7, flushed: 7 });
    expect(maildirCount(u)).toBe(0);
    const again = await runFetchmail(tb, u, { keep: false });
    expect(again).toMatchObject({ code: 1, downloaded: 0 });
  });

  it('fetchmail with keep leaves every message, and a device downloads only what is new', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(4, 10, 1));
    const before = await mailboxState(tb, u);
    const device = popDevice(tb, u, { keep: true });
    try {
      expect(await device.poll()).toMatchObject({ code: 0, onServer: 4, downloaded: 4, flushed: 0 });
      const after = await mailboxState(tb, u);
      // Same messages, same UIDs; only \Seen was added by RETR (so unseen and the modseq moved).
      const ids = (status: string) => status.replace(/ (highestmodseq|unseen)=\d+/g, '');
      expect(ids(after.status)).toBe(ids(before.status));
      expect(after.status).toMatch(/unseen=0/);
      expect(maildirCount(u)).toBe(4);
      expect(await device.poll()).toMatchObject({ code: 1, downloaded: 0 });
      await deliver(u, 1);
      expect(await device.poll()).toMatchObject({ code: 0, onServer: 5, downloaded: 1, flushed: 0 });
      expect(maildirCount(u)).toBe(5);
    } finally {
      device.dispose();
    }
  });

  it('fetchmail works over STLS too, verifying the certificate', async () => {
    const tb = testbed();
    const u = await newUser();
    await deliver(u, 2);
    const r = await runFetchmail(tb, u, { keep: false, tls: 'starttls' });
    expect(r).toMatchObject({ code: 0, downloaded: 2, flushed: 2 });
    expect(maildirCount(u)).toBe(0);
  });

  it('the IMAP client reads, replies, forwards, files, drafts and marks as deleted', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(6, 5, 1));
    await imapClientSession(tb, u, async (c) => {
      const uids = await c.inboxUids();
      expect(uids).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await c.readInbox()).toBe(6);
      await c.reply([uids[5]!]);
      await c.forward([uids[4]!]);
      await c.moveFromInbox([uids[0]!, uids[1]!], 'Archive');
      await c.saveDraft();
      await c.markDeleted([uids[2]!]);
      const lock = await c.imap.getMailboxLock('INBOX');
      try {
        const msgs = await c.imap.fetchAll('1:*', { uid: true, flags: true });
        const flags = Object.fromEntries(msgs.map((m) => [m.uid, [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort()]));
        expect(flags).toEqual({
          3: ['\\Deleted', '\\Seen'],
          4: ['\\Seen'],
          5: ['$Forwarded', '\\Seen'],
          6: ['\\Answered', '\\Seen'],
        });
      } finally {
        lock.release();
      }
      const sent = await c.imap.status('Sent', { messages: true });
      expect(sent && sent.messages).toBe(2);
      const archive = await c.imap.status('Archive', { messages: true });
      expect(archive && archive.messages).toBe(2);
      const drafts = await c.imap.status('Drafts', { messages: true });
      expect(drafts && drafts.messages).toBe(1);
    });
    // \Deleted without expunge: still on disk, and POP3 still serves it.
    expect(maildirCount(u)).toBe(4);
    expect(await runFetchmail(tb, u, { keep: true })).toMatchObject({ onServer: 4 });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Scenarios (issue 3, "Proof")
// ---------------------------------------------------------------------------------------------------------

describe.concurrent('maildoctor check on customer scenarios (real Dovecot, real clients)', () => {
  it('a. healthy IMAP-only account: OK, exit 0, no POP findings', async () => {
    const tb = testbed();
    const u = await newUser();
    // Two months of history on a laptop mail client: read, some answered, some filed, replies in Sent.
    seedMaildir(tb, u, 'INBOX', history(45, 60, 2, (i) => ({ flags: i % 7 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    seedMaildir(tb, u, 'Archive', history(25, 90, 10, () => ({ flags: ['\\Seen'] })));
    seedMaildir(tb, u, 'Sent', history(12, 60, 3, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 6);
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply(uids.slice(-2));
      await c.moveFromInbox(uids.slice(-4, -2), 'Archive');
    });
    const r = await check('a-healthy-imap', u);
    expectVerdict(r, 'ok', []);
    // A first check: only the rules that compare with an earlier probe wait for the next one.
    expect(r.report.skipped, r.digest).toEqual([
      { rule: 'quota-rejected-mail', reason: NO_SERVER_LOG, kind: 'waits-for-log' },
      ...HISTORY_RULES.map((rule) => ({ rule, reason: NO_EARLIER_PROBE, kind: 'waits-for-earlier-probe' })),
    ]);
  });

  it('b. POP-only on one device (fetchmail deletes): pop-deletes-mail as info, exit 0', async () => {
    const tb = testbed();
    const u = await newUser();
    // Three weeks of mail, each downloaded and deleted by the one POP device (fetchmail's default: no keep).
    seedMaildir(tb, u, 'INBOX', history(30, 21, 1));
    const device = popDevice(tb, u, { keep: false });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 30, flushed: 30 });
      await deliver(u, 3);
      expect(await device.poll()).toMatchObject({ downloaded: 3, flushed: 3 });
      await deliver(u, 4);
      expect(await device.poll()).toMatchObject({ downloaded: 4, flushed: 4 });
    } finally {
      device.dispose();
    }
    await deliver(u, 2); // arrived since the last poll
    const r = await check('b-pop-only', u);
    expectVerdict(r, 'ok', ['pop-deletes-mail']);
    expect(r.severity('pop-deletes-mail')).toBe('info');
    expect(r.evidence('pop-deletes-mail'), r.digest).toMatchObject({
      inboxReceived: 39,
      inboxMessages: 2,
      otherFoldersReceived: 0,
      removedWithoutTrace: 37,
      imapClientSeen: false,
    });
  });

  it('c. POP device deleting + IMAP laptop: mixed-protocol-use critical, exit 2; check changes nothing', async () => {
    const tb = testbed();
    const u = await newUser();
    // A month on the laptop over IMAP: INBOX read (some answered), a few filed, replies in Sent.
    seedMaildir(tb, u, 'INBOX', history(80, 28, 5, (i) => ({ flags: i % 9 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    seedMaildir(tb, u, 'Archive', history(12, 60, 10, () => ({ flags: ['\\Seen'] })));
    seedMaildir(tb, u, 'Sent', history(10, 30, 8, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 5);
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply([uids.at(-1)!]);
      await c.forward([uids.at(-2)!]);
      await c.moveFromInbox([uids.at(-3)!], 'Archive');
    });
    // The old desktop gets set up with POP3 (no "leave a copy"): it takes the whole INBOX.
    const pop = await runFetchmail(tb, u, { keep: false });
    expect(pop).toMatchObject({ downloaded: 84, flushed: 84 });
    expect(maildirCount(u)).toBe(0);
    // New mail; the laptop sees it before the desktop polls again.
    await deliver(u, 4);
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply([uids[0]!]);
      await c.moveFromInbox([uids[1]!], 'Receipts');
      await c.saveDraft({ subject: 'Where did my mail go?' });
    });

    // Dovecot rewrites dovecot-uidlist lazily: the first open of a folder after the laptop's MOVE drops the
    // moved message's record and refreshes the next-UID header, whoever opens it. Settle that with a read-only
    // pass first, so the comparison below catches anything the check itself changes (files, flags, UIDs, modseq).
    await imapClientSession(tb, u, async (c) => {
      for (const f of await c.imap.list()) {
        if (f.flags.has('\\Noselect')) continue;
        await c.imap.mailboxOpen(f.path, { readOnly: true });
        await c.imap.mailboxClose();
      }
    });
    const before = await mailboxState(tb, u);
    const r = await check('c-mixed', u);
    const after = await mailboxState(tb, u);
    expect(after, 'check must not change the mailbox').toEqual(before);

    // mail-hidden-from-pop: Receipts holds mail from today that the POP desktop never sees (POP use is shown).
    expectVerdict(r, 'critical', ['mail-hidden-from-pop', 'mixed-protocol-use', 'pop-deletes-mail']);
    expect(r.severity('mixed-protocol-use')).toBe('critical');
    expect(r.report.findings.find((f) => f.id === 'mixed-protocol-use')?.confidence, r.digest).toBe('high');
    expect(r.severity('pop-deletes-mail')).toBe('warning');
    expect(r.severity('mail-hidden-from-pop')).toBe('warning');
    const mixed = r.evidence('mixed-protocol-use') as { popSigns: { kind: string }[]; imapSigns: { kind: string }[] };
    expect(mixed.popSigns.map((s) => s.kind)).toEqual(['removed-without-trace']);
    expect(mixed.imapSigns.map((s) => s.kind).sort(), r.digest).toEqual(
      expect.arrayContaining(['sent-recent', 'drafts-recent', 'archive-recent', 'inbox-answered']),
    );
    // 89 came in; 2 are still there; Sent 10+3, Archive 12+1, Receipts 1, Drafts 1 bound what was moved.
    expect(r.evidence('pop-deletes-mail'), r.digest).toMatchObject({
      inboxReceived: 89,
      inboxMessages: 3,
      otherFoldersReceived: 28,
      removedWithoutTrace: 58,
      imapClientSeen: true,
    });
  });

  it('d. POP leave-on-server filling the quota: quota-near-limit warning, exit 1', async () => {
    const tb = testbed();
    const limit = 2 * 1024 * 1024;
    const u = await newUser({ quotaStorageBytes: limit });
    // Three months of ~20 KB mail the POP device has kept on the server (~87% of 2 MiB with what follows).
    const seeded = seedMaildir(tb, u, 'INBOX', history(76, 90, 2, () => ({ bodyBytes: 20_000 })));
    const device = popDevice(tb, u, { keep: true });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 76, flushed: 0 });
      for (const n of [4, 4, 4]) {
        await deliver(u, n, { bodyBytes: 20_000 });
        expect(await device.poll()).toMatchObject({ downloaded: n, flushed: 0 });
      }
    } finally {
      device.dispose();
    }
    expect(maildirCount(u)).toBe(88);
    const r = await check('d-pop-keep-quota', u);
    expectVerdict(r, 'warning', ['quota-near-limit']);
    const ev = r.evidence('quota-near-limit') as { ratio: number; usedBytes: number; limitBytes: number; popUseSeen: boolean };
    expect(ev.limitBytes).toBe(limit);
    expect(ev.usedBytes, r.digest).toBeGreaterThan(seeded.sizes.reduce((a, b) => a + b, 0));
    expect(ev.ratio, r.digest).toBeGreaterThanOrEqual(0.8);
    expect(ev.ratio, r.digest).toBeLessThan(0.95);
    expect(ev.popUseSeen, r.digest).toBe(true);
  });

  it('e. quota over 95%: quota-near-limit critical, exit 2, and LMTP refuses new mail', async () => {
    const tb = testbed();
    const limit = 1024 * 1024;
    const u = await newUser({ quotaStorageBytes: limit });
    // A laptop IMAP user who never empties Trash: INBOX, Trash, Sent and Archive fill the quota.
    const parts = [
      seedMaildir(tb, u, 'INBOX', history(20, 120, 2, () => ({ bodyBytes: 20_000, flags: ['\\Seen'] }))),
      seedMaildir(tb, u, 'Trash', history(20, 100, 3, () => ({ bodyBytes: 20_000, flags: ['\\Seen'] }))),
      seedMaildir(tb, u, 'Sent', history(5, 60, 4, () => ({ bodyBytes: 10_000, flags: ['\\Seen'] }))),
    ];
    await imapClientSession(tb, u, async (c) => {
      const uids = await c.inboxUids();
      await c.reply([uids.at(-1)!]);
      await c.moveFromInbox(uids.slice(0, 2), 'Archive');
    });
    const seededBytes = parts.flatMap((p) => p.sizes).reduce((a, b) => a + b, 0);
    // Top up with real deliveries to just below the limit (~97%). Dovecot still takes one message that ends
    // above the limit (quota_grace, 10% by default), so the photos that no longer fit are larger than that.
    const target = Math.floor(limit * 0.97);
    const perMessage = 8_000;
    const missing = target - seededBytes;
    expect(missing).toBeGreaterThan(0);
    await deliver(u, Math.floor(missing / (perMessage + 600)), { bodyBytes: perMessage });
    const refused = await deliverLmtp(tb, u, { bodyBytes: 300_000, subject: 'Holiday photos' });
    expect([552, 452], `${refused.code} ${refused.text}`).toContain(refused.code);
    expect(refused.text).toMatch(/quota/i);

    const r = await check('e-quota-full', u);
    expectVerdict(r, 'critical', ['quota-near-limit']);
    const ev = r.evidence('quota-near-limit') as { ratio: number; largestFolders: { folder: string }[] };
    expect(ev.ratio, r.digest).toBeGreaterThanOrEqual(0.95);
    expect(ev.ratio, r.digest).toBeLessThan(1);
    // Trash first: the usual cleanup.
    expect(ev.largestFolders[0]?.folder, r.digest).toBe('Trash');
  });

  it('f. recent mail in Junk with a POP user: mail-hidden-from-pop warning, exit 1', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(40, 21, 1));
    // The server's spam filter filed mail into Junk at delivery: some older, some from the last days.
    seedMaildir(tb, u, 'Junk', [...history(6, 20, 8), ...history(4, 3, 0.2)]);
    const device = popDevice(tb, u, { keep: false });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 40, flushed: 40 });
      await deliver(u, 3);
      expect(await device.poll()).toMatchObject({ downloaded: 3, flushed: 3 });
    } finally {
      device.dispose();
    }
    await deliver(u, 2);
    const r = await check('f-junk-pop', u);
    expect(r.ids, r.digest).toContain('mail-hidden-from-pop');
    expect(r.ids, r.digest).not.toContain('mixed-protocol-use');
    // The POP device deleting mail is itself a (single-device, info) finding and may accompany it.
    expect(r.ids.filter((id) => id !== 'mail-hidden-from-pop' && id !== 'pop-deletes-mail'), r.digest).toEqual([]);
    expect(r.severity('mail-hidden-from-pop')).toBe('warning');
    expect(r.report.status).toBe('warning');
    expect(r.code).toBe(1);
    expect(r.evidence('mail-hidden-from-pop'), r.digest).toMatchObject({
      last7Days: 4,
      folders: [{ folder: 'Junk', specialUse: '\\Junk', last7Days: 4 }],
      popUseSeen: true,
    });
  });

  it('g. POP mailbox locked by another POP session: check finishes with pop-mailbox-locked, IMAP still judged', async () => {
    const tb = testbed();
    const u = await newUser({ popLockSession: true });
    // Desktop: POP3, leave on server, busy downloading right now. Laptop: IMAP, reads and replies.
    seedMaildir(tb, u, 'INBOX', history(20, 12, 1));
    await imapClientSession(tb, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply(uids.slice(-2));
      await c.forward([uids[0]!]);
    });
    await deliver(u, 3);
    const held = await holdPopSession(tb, u, { keep: true });
    let r: Checked;
    try {
      // The CLI's default step deadline (20 s) must outlast Dovecot's answer to a blocked login (~12 s here).
      r = await check('g-pop-locked', u, { defaultTimeout: true });
    } finally {
      const desktop = await held.release();
      expect(desktop).toMatchObject({ code: 0, downloaded: 23, flushed: 0 });
    }
    expect(r.snapshot.pop, r.digest).toMatchObject({ ok: false, error: { kind: 'in-use' } });
    expect(r.snapshot.imap?.ok, r.digest).toBe(true);
    expectVerdict(r, 'critical', ['mixed-protocol-use', 'pop-mailbox-locked']);
    expect(r.severity('pop-mailbox-locked')).toBe('warning');
    expect(r.evidence('pop-mailbox-locked')).toMatchObject({ imapClientSeen: true });
    const mixed = r.evidence('mixed-protocol-use') as { popSigns: { kind: string }[] };
    expect(mixed.popSigns.map((s) => s.kind)).toEqual(['pop-session-active']);
    // Only the rule that needs a POP3 listing is skipped (and, on a first check, those that compare two probes).
    expect(r.report.skipped.map((s) => s.rule), r.digest).toEqual(['quota-rejected-mail', 'pop-imap-disagree', ...HISTORY_RULES]);
    expect(r.snapshot.pop?.durationMs, r.digest).toBeGreaterThan(9_000); // it waited for Dovecot's lock timeout
    expect(r.ms).toBeLessThan(25_000);
  });

  it('h. wrong password: login-failed critical, exit 2, every evidence rule skipped', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(5, 10, 1));
    const r = await check('h-wrong-password', u, { password: `${u.password}-old` });
    expectVerdict(r, 'critical', ['login-failed']);
    const ev = r.evidence('login-failed') as { failures: { protocol: string; kind: string }[]; otherProtocolWorks: boolean };
    expect(ev.failures.map((f) => [f.protocol, f.kind]).sort()).toEqual([
      ['imap', 'auth'],
      ['pop3', 'auth'],
    ]);
    expect(ev.otherProtocolWorks).toBe(false);
    expect(r.report.skipped.map((s) => s.rule).sort()).toEqual([...IMAP_RULES, 'quota-rejected-mail'].sort());
    for (const text of [JSON.stringify(r.report), r.stderr]) expect(text).not.toContain(u.password);
  });

  it('i. IMAP port closed: connect-failed, POP still probed, IMAP rules skipped with the reason', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', history(5, 10, 1));
    const port = await closedPort();
    const r = await check('i-imap-closed', u, { imapPort: port });
    expectVerdict(r, 'critical', ['connect-failed']);
    expect(r.evidence('connect-failed')).toMatchObject({
      failures: [{ protocol: 'imap', port, kind: 'refused' }],
      otherProtocolWorks: true,
    });
    expect(r.snapshot.pop?.ok).toBe(true);
    expect(r.report.probes.pop.state).toBe('ok');
    expect(r.report.metrics.popMessages).toBe(5);
    const skipped = new Map(r.report.skipped.filter((s) => s.reason !== NO_SERVER_LOG).map((s) => [s.rule, s.reason]));
    expect([...skipped.keys()].sort()).toEqual([...IMAP_RULES].sort());
    for (const reason of skipped.values()) expect(reason).toMatch(/IMAP probe failed: refused/);
    for (const rule of POP_ONLY_RULES) expect(r.report.checked).toContain(rule);
  });
});
