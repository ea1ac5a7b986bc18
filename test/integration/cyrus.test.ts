// Cyrus IMAP 3.6 beside Dovecot (issue 13): the Cyrus testbed itself (listeners, TLS, passwords, admin, quota,
// special-use folders, seeding through the server, stop), then `maildoctor check` against it over IMAPS and
// POP3S on customer scenarios played by the same real clients as on Dovecot (fetchmail, imapflow as a mail
// app, LMTP delivery). This file starts its own Cyrus in beforeAll; the Dovecot of globalSetup is not used.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema, type ReportJson } from '../../src/report/schema.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import {
  addCyrusUser,
  adminSession,
  appendCyrusMessages,
  createCyrusFolder,
  cyrusMailboxState,
  startCyrus,
  type CyrusTestbed,
} from '../../src/testbed/cyrus.js';
import { deliverLmtp } from '../../src/testbed/seed.js';
import type { AddUserOptions, SeedMessage, TestAccount } from '../../src/testbed/types.js';
import { accountArgs, runCli } from '../support/cli.js';
import { imapClientSession, popDevice, runFetchmail } from '../support/clients.js';
import { connectLines } from '../support/lines.js';
import { daysAgo } from '../support/testbed.js';

const KEEP = process.env.MAILDOCTOR_KEEP_TESTBED === '1';
let cy: CyrusTestbed;
const DIR = mkdtempSync(join(tmpdir(), 'md-cyrus-'));

beforeAll(async () => {
  cy = await startCyrus();
}, 180_000);

afterAll(async () => {
  await cy?.stop({ keep: KEEP });
  if (!KEEP) rmSync(DIR, { recursive: true, force: true });
});

const newUser = (opts: AddUserOptions = {}) => addCyrusUser(cy, opts);

/** `count` messages dated evenly from `fromDays` to `toDays` days ago, oldest first. */
function history(count: number, fromDays: number, toDays: number, extra: (i: number) => Partial<SeedMessage> = () => ({})): SeedMessage[] {
  return Array.from({ length: count }, (_, i) => ({ date: daysAgo(fromDays - ((fromDays - toDays) * i) / Math.max(1, count - 1)), ...extra(i) }));
}

async function deliver(user: TestAccount, n: number, msg: SeedMessage = {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await deliverLmtp(cy, user, { subject: `New mail ${i}`, ...msg });
    expect(r.code, `LMTP delivery ${i} to ${user.user}: ${r.code} ${r.text}`).toBe(250);
  }
}

/** Messages in a folder, from Cyrus's own index (read as the user). */
async function count(user: TestAccount, folder = 'INBOX'): Promise<number> {
  const state = await cyrusMailboxState(cy, user);
  return state[folder]?.messages.length ?? 0;
}

// ---------------------------------------------------------------------------------------------------------
// The Cyrus testbed
// ---------------------------------------------------------------------------------------------------------

describe('Cyrus testbed', () => {
  it('greets with TLS verified by the testbed CA, and offers STARTTLS / STLS on the plain ports', async () => {
    expect(cy.software).toMatch(/^Cyrus IMAP 3\.6\./);
    const imaps = await connectLines(cy.ports.imaps, { tls: true, ca: cy.caPem });
    expect(await imaps.line()).toMatch(/^\* OK .*Cyrus IMAP/);
    imaps.close();
    const imap = await connectLines(cy.ports.imap);
    expect(await imap.line()).toMatch(/^\* OK/);
    imap.send('a CAPABILITY');
    const caps = (await imap.until(/^a /)).join('\n');
    expect(caps).toMatch(/STARTTLS/);
    expect(caps).toMatch(/LOGINDISABLED/); // no plaintext password before TLS
    imap.send('b STARTTLS');
    expect(await imap.line()).toMatch(/^b OK/);
    await imap.startTls(cy.caPem);
    imap.send('c CAPABILITY');
    expect((await imap.until(/^c /)).join('\n')).toMatch(/AUTH=PLAIN/);
    imap.close();

    const pop3 = await connectLines(cy.ports.pop3);
    expect(await pop3.line()).toMatch(/^\+OK .*Cyrus POP3/);
    pop3.send('CAPA');
    const capa = await pop3.until(/^\.$/);
    expect(capa).toContain('STLS');
    pop3.send('USER nobody');
    expect(await pop3.line()).toMatch(/^-ERR/); // USER only under TLS
    pop3.send('STLS');
    expect(await pop3.line()).toMatch(/^\+OK/);
    await pop3.startTls(cy.caPem);
    pop3.send('CAPA');
    expect(await pop3.until(/^\.$/)).toContain('USER');
    pop3.close();

    const pop3s = await connectLines(cy.ports.pop3s, { tls: true, ca: cy.caPem });
    expect(await pop3s.line()).toMatch(/^\+OK/);
    pop3s.close();
    const lmtp = await connectLines(cy.ports.lmtp);
    expect(await lmtp.line()).toMatch(/^220 .*LMTP/);
    lmtp.close();
  });

  it('checks passwords: the right one logs in over IMAP and POP3, a wrong one fails on both', async () => {
    const u = await newUser();
    for (const [password, imapReply, popReply] of [
      [u.password, /^a OK/, /^\+OK/],
      [`${u.password}x`, /^a NO/, /^-ERR/],
    ] as const) {
      const imap = await connectLines(cy.ports.imaps, { tls: true, ca: cy.caPem });
      await imap.line();
      imap.send(`a LOGIN ${u.user} ${password}`);
      expect((await imap.until(/^a /)).at(-1)).toMatch(imapReply);
      imap.close();
      const pop = await connectLines(cy.ports.pop3s, { tls: true, ca: cy.caPem });
      await pop.line();
      pop.send(`USER ${u.user}`);
      expect(await pop.line()).toMatch(/^\+OK/);
      pop.send(`PASS ${password}`);
      expect(await pop.line()).toMatch(popReply);
      pop.close();
    }
  });

  it('gives each user the special-use folders and the quota the administrator set', async () => {
    const u = await newUser({ quotaStorageBytes: 2 * 1024 * 1024, quotaMessages: 300 });
    await imapClientSession(cy, u, async (c) => {
      const uses = Object.fromEntries((await c.imap.list()).map((f) => [f.path, f.specialUse ?? null]));
      expect(uses).toEqual({ INBOX: '\\Inbox', Sent: '\\Sent', Drafts: '\\Drafts', Junk: '\\Junk', Trash: '\\Trash', Archive: '\\Archive' });
      const quota = await c.imap.getQuota('INBOX');
      expect(quota).toMatchObject({ storage: { limit: 2 * 1024 * 1024 }, message: { limit: 300 } }); // imapflow names it after the resource
    });
  });

  it('seeds through the server: APPEND keeps the past INTERNALDATE, flags and order; LMTP delivers', async () => {
    const u = await newUser();
    const dates = [daysAgo(40), daysAgo(10), daysAgo(1)];
    const seeded = await appendCyrusMessages(cy, u, 'INBOX', [
      { date: dates[0], flags: ['\\Seen'] },
      { date: dates[1], flags: ['\\Seen', '\\Answered'], keywords: ['$Forwarded'] },
      { date: dates[2] },
    ]);
    await createCyrusFolder(cy, u, 'Receipts');
    await appendCyrusMessages(cy, u, 'Receipts', history(2, 5, 4));
    await deliver(u, 1);
    const state = await cyrusMailboxState(cy, u);
    expect(state.INBOX!.messages).toHaveLength(4);
    expect(state.INBOX!.messages.slice(0, 3).map((m) => m.replace(/ INTERNALDATE .*$/, ''))).toEqual([
      '1 FLAGS (\\Seen)',
      '2 FLAGS ($Forwarded \\Answered \\Seen)',
      '3 FLAGS ()',
    ]);
    expect(state.INBOX!.messages[0]).toContain(`RFC822.SIZE ${seeded.sizes[0]}`);
    await imapClientSession(cy, u, async (c) => {
      const lock = await c.imap.getMailboxLock('INBOX', { readOnly: true });
      try {
        const got = await c.imap.fetchAll('1:3', { uid: true, internalDate: true, envelope: true });
        expect(got.map((m) => new Date(m.internalDate!).getTime())).toEqual(dates.map((d) => Math.floor(d.getTime() / 1000) * 1000));
        expect(got.map((m) => m.envelope?.messageId)).toEqual(seeded.messageIds);
      } finally {
        lock.release();
      }
    });
    expect(state.Receipts!.messages).toHaveLength(2);
  });

  it('the mailbox fingerprint is stable on its own and sees a flag change and an expunge', async () => {
    const u = await newUser();
    await appendCyrusMessages(cy, u, 'INBOX', history(3, 5, 1));
    const first = await cyrusMailboxState(cy, u);
    expect(await cyrusMailboxState(cy, u)).toEqual(first);
    await imapClientSession(cy, u, (c) => c.readInbox());
    const read = await cyrusMailboxState(cy, u);
    expect(read.INBOX).not.toEqual(first.INBOX);
    expect(read.INBOX!.messages.every((m) => m.includes('\\Seen'))).toBe(true);
    expect(await runFetchmail(cy, u, { keep: false })).toMatchObject({ downloaded: 3, flushed: 3 });
    expect((await cyrusMailboxState(cy, u)).INBOX!.messages).toEqual([]);
  });

  it('leaves no \\Seen after a POP download, but records the POP login in the lastpop metadata', async () => {
    const u = await newUser();
    await appendCyrusMessages(cy, u, 'INBOX', history(2, 3, 1));
    const lastPop = async () => {
      const s = await adminSession(cy, u.user);
      try {
        const r = await s.ok('GETMETADATA INBOX /shared/vendor/cmu/cyrus-imapd/lastpop');
        return /"\/shared\/vendor\/cmu\/cyrus-imapd\/lastpop" (NIL|"[^"]*")/.exec(r.untagged.join('\n'))?.[1];
      } finally {
        await s.logout();
      }
    };
    expect(await lastPop()).toBe('NIL');
    expect(await runFetchmail(cy, u, { keep: true })).toMatchObject({ downloaded: 2, flushed: 0 });
    expect((await cyrusMailboxState(cy, u)).INBOX!.messages.map((m) => m.replace(/ INTERNALDATE .*$/, ''))).toEqual(['1 FLAGS ()', '2 FLAGS ()']);
    // An IMAP-style date: the time of that POP login (every POP login moves it, a probe's own too).
    expect(await lastPop()).toMatch(/^" ?\d{1,2}-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"$/);
  });

  it('stop ends every Cyrus process and removes the instance directory', async () => {
    const other = await startCyrus();
    const pid = other.pid;
    await other.stop();
    expect(existsSync(other.root)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    const greeting = await connectLines(other.ports.imaps, { tls: true, ca: other.caPem }).then(
      () => 'connected',
      (e: Error) => e.message,
    );
    expect(greeting).toMatch(/ECONNREFUSED/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// maildoctor check against Cyrus
// ---------------------------------------------------------------------------------------------------------

interface Checked {
  code: number;
  report: ReportJson;
  snapshot: Snapshot;
  ids: string[];
  severity(id: string): string | undefined;
  evidence(id: string): Record<string, unknown>;
  /** The findings, skipped rules and INBOX numbers, for assertion messages. */
  digest: string;
}

async function check(name: string, user: TestAccount, password = user.password): Promise<Checked> {
  const saved = join(DIR, `${name}.snapshot.json`);
  const r = await runCli(['check', ...accountArgs(cy, user), '--format', 'json', '--save', saved, '--quiet'], {
    env: { MAILDOCTOR_PASSWORD: password },
  });
  let report: ReportJson;
  try {
    report = ReportSchema.parse(JSON.parse(r.stdout));
  } catch (e) {
    throw new Error(`check ${name}: no report@1 (exit ${r.code}): ${(e as Error).message}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`, { cause: e });
  }
  const snapshot = parseSnapshot(readFileSync(saved, 'utf8'), saved);
  const find = (id: string) => report.findings.find((f) => f.id === id);
  const imap = snapshot.imap?.ok ? snapshot.imap.evidence : null;
  const digest = JSON.stringify(
    {
      inbox: imap && { messages: imap.inbox.messages, uidNext: imap.inbox.uidNext, flags: imap.inbox.flags },
      folders: imap?.folders.map((f) => [f.path, f.specialUse, f.status?.messages]),
      quota: imap?.quota.roots,
      pop: snapshot.pop?.ok ? snapshot.pop.evidence.stat : snapshot.pop,
      findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, title: f.title })),
      skipped: report.skipped.map((s) => s.rule),
      errors: report.errors,
    },
    null,
    1,
  );
  return {
    code: r.code,
    report,
    snapshot,
    ids: report.findings.map((f) => f.id).sort(),
    severity: (id) => find(id)?.severity,
    evidence: (id) => find(id)?.evidence ?? {},
    digest,
  };
}

const EXIT: Record<string, number> = { ok: 0, warning: 1, critical: 2 };
function expectVerdict(c: Checked, status: 'ok' | 'warning' | 'critical', ids: string[]): void {
  expect(c.ids, c.digest).toEqual([...ids].sort());
  expect(c.report.status, c.digest).toBe(status);
  expect(c.code, c.digest).toBe(EXIT[status]);
  expect(c.report.errors, c.digest).toEqual([]);
}

describe.concurrent('maildoctor check against Cyrus (IMAPS + POP3S, real clients)', () => {
  it('a. healthy IMAP-only account: OK, exit 0', async () => {
    const u = await newUser();
    await appendCyrusMessages(cy, u, 'INBOX', history(45, 60, 2, (i) => ({ flags: i % 7 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    await appendCyrusMessages(cy, u, 'Archive', history(25, 90, 10, () => ({ flags: ['\\Seen'] })));
    await appendCyrusMessages(cy, u, 'Sent', history(12, 60, 3, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 6);
    await imapClientSession(cy, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply(uids.slice(-2));
      await c.moveFromInbox(uids.slice(-4, -2), 'Archive');
    });
    const r = await check('a-healthy-imap', u);
    expectVerdict(r, 'ok', []);
    expect(r.snapshot.imap?.ok && r.snapshot.imap.evidence.folders.map((f) => [f.path, f.specialUse ?? null]), r.digest).toEqual(
      expect.arrayContaining([
        ['Sent', '\\Sent'],
        ['Archive', '\\Archive'],
      ]),
    );
  });

  it('b. POP device draining INBOX + IMAP Sent/Drafts: mixed-protocol-use critical; two checks change nothing', async () => {
    const u = await newUser();
    await appendCyrusMessages(cy, u, 'INBOX', history(60, 28, 5, (i) => ({ flags: i % 9 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    await appendCyrusMessages(cy, u, 'Sent', history(10, 30, 8, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 5);
    // The old desktop set up with POP3 without "leave a copy" takes the whole INBOX.
    expect(await runFetchmail(cy, u, { keep: false })).toMatchObject({ downloaded: 65, flushed: 65 });
    expect(await count(u)).toBe(0);
    await deliver(u, 4);
    // The laptop over IMAP: reads what is new, replies (copy in Sent) and saves a draft.
    await imapClientSession(cy, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply([uids[0]!]);
      await c.saveDraft({ subject: 'Where did my mail go?' });
    });
    const before = await cyrusMailboxState(cy, u);
    const first = await check('b-mixed', u);
    const second = await check('b-mixed-again', u);
    const after = await cyrusMailboxState(cy, u);
    expect(after, 'two checks must not change the mailbox').toEqual(before);

    for (const r of [first, second]) {
      expect(r.ids, r.digest).toEqual(expect.arrayContaining(['mixed-protocol-use', 'pop-deletes-mail']));
      expect(r.severity('mixed-protocol-use'), r.digest).toBe('critical');
      expect(r.report.status, r.digest).toBe('critical');
      expect(r.code).toBe(2);
    }
    expect(first.ids, first.digest).toEqual(['mixed-protocol-use', 'pop-deletes-mail']);
    expect(first.severity('pop-deletes-mail')).toBe('warning');
    // 69 came in, 4 are there, Sent 10+1 and Drafts 1 bound what an IMAP client may have moved: 53 gone.
    expect(first.evidence('pop-deletes-mail'), first.digest).toMatchObject({
      inboxReceived: 69,
      inboxMessages: 4,
      removedWithoutTrace: 53,
      imapClientSeen: true,
      // Told from the greeting: Cyrus keeps expunged mail (expunge_mode: delayed), so the admin may restore it.
      server: 'cyrus',
    });
    const deletes = first.report.findings.find((f) => f.id === 'pop-deletes-mail')!;
    expect(deletes.steps.at(-1), first.digest).toContain(`unexpunge -l user/${u.user}`);
    const mixed = first.evidence('mixed-protocol-use') as { imapSigns: { kind: string }[] };
    expect(mixed.imapSigns.map((s) => s.kind), first.digest).toEqual(expect.arrayContaining(['sent-recent', 'drafts-recent']));
  });

  it('c. POP leave-on-server filling the quota: quota-near-limit warning, exit 1', async () => {
    const limit = 2 * 1024 * 1024;
    const u = await newUser({ quotaStorageBytes: limit });
    const seeded = await appendCyrusMessages(cy, u, 'INBOX', history(76, 90, 2, () => ({ bodyBytes: 20_000 })));
    const device = popDevice(cy, u, { keep: true });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 76, flushed: 0 });
      for (const n of [4, 4, 4]) {
        await deliver(u, n, { bodyBytes: 20_000 });
        expect(await device.poll()).toMatchObject({ downloaded: n, flushed: 0 });
      }
    } finally {
      device.dispose();
    }
    const r = await check('c-pop-keep-quota', u);
    expectVerdict(r, 'warning', ['quota-near-limit']);
    const ev = r.evidence('quota-near-limit') as { ratio: number; usedBytes: number; limitBytes: number; popUseSeen: boolean };
    expect(ev.limitBytes).toBe(limit);
    expect(ev.usedBytes, r.digest).toBeGreaterThan(seeded.sizes.reduce((a, b) => a + b, 0));
    expect(ev.ratio, r.digest).toBeGreaterThanOrEqual(0.8);
    expect(ev.ratio, r.digest).toBeLessThan(0.95);
    // Unlike Dovecot, Cyrus's RETR sets no \Seen (popuseimapflags is off by default), so a POP device that
    // keeps mail leaves no sign over IMAP: the finding stands, without the POP-specific step.
    expect(r.snapshot.imap?.ok && r.snapshot.imap.evidence.inbox.flags.seen, r.digest).toBe(0);
    expect(ev.popUseSeen, r.digest).toBe(false);
  });

  it('d. wrong password: login-failed critical over IMAP and POP3, exit 2, the password nowhere', async () => {
    const u = await newUser();
    await appendCyrusMessages(cy, u, 'INBOX', history(5, 10, 1));
    const r = await check('d-wrong-password', u, `${u.password}-old`);
    expectVerdict(r, 'critical', ['login-failed']);
    const ev = r.evidence('login-failed') as { failures: { protocol: string; kind: string }[]; otherProtocolWorks: boolean };
    expect(ev.failures.map((f) => [f.protocol, f.kind]).sort(), r.digest).toEqual([
      ['imap', 'auth'],
      ['pop3', 'auth'],
    ]);
    expect(ev.otherProtocolWorks).toBe(false);
    expect(JSON.stringify(r.report)).not.toContain(u.password);
  });
});
