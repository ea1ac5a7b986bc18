// The scenario table on every server of the testbed (issue 13): Dovecot 2.3, Cyrus 3.6 and Courier 5.0 (the
// minimal one: no ESEARCH, LIST-STATUS, SPECIAL-USE, CONDSTORE, MOVE, ID; folders under `INBOX.`; no UIDNEXT
// from EXAMINE), each started fresh through the one interface of src/testbed/servers.ts and played by the same
// real clients: fetchmail as the POP3 device, mbsync as a laptop keeping an offline copy, imapflow as a mail
// app, delivery through the server's own agent (LMTP; Courier's deliverquota). Each story is checked with the
// built CLI and its finding ids, severities, exit code and read-only proof asserted per server. Where a server's
// own behaviour changes the verdict, the test says so where it happens (the Courier branches below), not hidden.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema, type ReportJson } from '../../src/report/schema.js';
import { parseSnapshot } from '../../src/snapshot/io.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { SERVER_KINDS, startServer, type MailServer, type ServerKind } from '../../src/testbed/servers.js';
import type { AddUserOptions, SeedMessage, TestAccount } from '../../src/testbed/types.js';
import { accountArgs, runCli } from '../support/cli.js';
import { holdPopSession, imapClientSession, popDevice, runFetchmail, runMbsync } from '../support/clients.js';
import { closedPort } from '../support/fake-server.js';
import { daysAgo } from '../support/testbed.js';

const KEEP = process.env.MAILDOCTOR_KEEP_TESTBED === '1';
const DIR = mkdtempSync(join(tmpdir(), 'md-server-table-'));
afterAll(() => {
  if (!KEEP) rmSync(DIR, { recursive: true, force: true });
});

/**
 * Findings a server adds to every verdict by what it announces, whatever the story: Courier's POP3 CAPA says
 * LOGIN-DELAY 10 (an info note, pop-server-expires-mail; the status is unchanged).
 */
const ALWAYS: Record<ServerKind, string[]> = { dovecot: [], cyrus: [], courier: ['pop-server-expires-mail'] };

function history(count: number, fromDays: number, toDays: number, extra: (i: number) => Partial<SeedMessage> = () => ({})): SeedMessage[] {
  return Array.from({ length: count }, (_, i) => ({ date: daysAgo(fromDays - ((fromDays - toDays) * i) / Math.max(1, count - 1)), ...extra(i) }));
}

interface Checked {
  code: number;
  report: ReportJson;
  snapshot: Snapshot;
  stderr: string;
  ids: string[];
  severity(id: string): string | undefined;
  evidence(id: string): Record<string, unknown>;
  digest: string;
}

const EXIT: Record<string, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

describe.each(SERVER_KINDS)('the scenario table on %s', (kind) => {
  let server: MailServer;
  beforeAll(async () => {
    server = await startServer(kind, { keep: KEEP });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  const newUser = (o: AddUserOptions = {}) => server.addUser(o);
  async function deliver(u: TestAccount, n: number, msg: SeedMessage = {}): Promise<void> {
    for (let i = 0; i < n; i++) {
      const r = await server.deliver(u, { subject: `New mail ${i}`, ...msg });
      expect(r.code, `delivery ${i} to ${u.user} on ${kind}: ${r.code} ${r.text}`).toBe(250);
    }
  }

  async function check(name: string, u: TestAccount, o: { password?: string; imapPort?: number; history?: string; timeoutSeconds?: number } = {}): Promise<Checked> {
    const saved = join(DIR, `${kind}-${name}.snapshot.json`);
    const account = accountArgs(server.endpoints, u, { imapPort: o.imapPort });
    if (o.timeoutSeconds) account[account.indexOf('--timeout') + 1] = String(o.timeoutSeconds);
    const args = ['check', ...account, '--format', 'json', '--save', saved, '--quiet'];
    args.push(...(o.history ? ['--history', o.history] : ['--no-history']));
    const r = await runCli(args, { env: { MAILDOCTOR_PASSWORD: o.password ?? u.password }, timeoutMs: 60_000 });
    let report: ReportJson;
    try {
      report = ReportSchema.parse(JSON.parse(r.stdout));
    } catch (e) {
      throw new Error(`check ${kind}/${name}: no report (exit ${r.code}): ${(e as Error).message}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`, { cause: e });
    }
    const snapshot = parseSnapshot(readFileSync(saved, 'utf8'), saved);
    const find = (id: string) => report.findings.find((f) => f.id === id);
    const imap = snapshot.imap?.ok ? snapshot.imap.evidence : null;
    const digest = JSON.stringify(
      {
        server: kind,
        inbox: imap && { messages: imap.inbox.messages, uidNext: imap.inbox.uidNext, flags: imap.inbox.flags },
        paths: imap?.paths,
        folders: imap?.folders.map((f) => [f.path, f.specialUse, f.status?.messages]),
        quota: imap?.quota.roots,
        pop: snapshot.pop?.ok ? snapshot.pop.evidence.stat : snapshot.pop,
        findings: report.findings.map((f) => ({ id: f.id, severity: f.severity, evidence: f.evidence })),
        skipped: report.skipped.map((s) => `${s.rule}: ${s.reason}`),
        errors: report.errors,
      },
      null,
      1,
    );
    return {
      code: r.code,
      report,
      snapshot,
      stderr: r.stderr,
      ids: report.findings.map((f) => f.id).sort(),
      severity: (id) => find(id)?.severity,
      evidence: (id) => find(id)?.evidence ?? {},
      digest,
    };
  }

  /** `popLoggedIn`: false when the story's POP3 login fails (no CAPA after login, so no ALWAYS findings). */
  function expectVerdict(c: Checked, status: 'ok' | 'warning' | 'critical', ids: string[], popLoggedIn = true): void {
    expect(c.ids, c.digest).toEqual([...new Set([...ids, ...(popLoggedIn ? ALWAYS[kind] : [])])].sort());
    expect(c.report.status, c.digest).toBe(status);
    expect(c.code, c.digest).toBe(EXIT[status]);
    expect(c.report.errors, c.digest).toEqual([]);
  }

  it('a. healthy IMAP-only account: OK; two checks leave the mailbox as it was; every recorded fact is a number', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(45, 60, 2, (i) => ({ flags: i % 7 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    await server.seed(u, 'Archive', history(25, 90, 10, () => ({ flags: ['\\Seen'] })));
    await server.seed(u, 'Sent', history(12, 60, 3, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 6);
    await imapClientSession(server.endpoints, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply(uids.slice(-2));
      await c.moveFromInbox(uids.slice(-4, -2), 'Archive');
    });
    // The laptop keeps an offline copy of every folder with mbsync (IMAP, mail stays on the server).
    const laptop = await runMbsync(server.endpoints, u);
    // mbsync names folders without the server's namespace prefix (Courier's INBOX.Sent is its Sent).
    expect(laptop.local, laptop.stdout).toMatchObject({ INBOX: 49, Sent: 14, Archive: 27 });
    await server.state(u);
    const before = await server.state(u);
    const first = await check('a-healthy', u);
    const second = await check('a-healthy-again', u);
    expect(await server.state(u), `two checks must not change the mailbox on ${kind}`).toEqual(before);
    for (const r of [first, second]) expectVerdict(r, 'ok', []);
    const imap = first.snapshot.imap?.ok ? first.snapshot.imap.evidence : null;
    expect(imap, first.digest).not.toBeNull();
    expect(imap!.inbox.messages, first.digest).toBe(49);
    expect(Number.isInteger(imap!.inbox.uidNext), first.digest).toBe(true);
    expect(imap!.inbox.uidValidity, first.digest).toMatch(/^[1-9]\d*$/);
    const sent = imap!.folders.find((f) => f.path === server.folder('Sent'));
    expect(sent?.status?.messages, first.digest).toBe(14);
    // From SPECIAL-USE on Dovecot and Cyrus, from the name on Courier (paths.specialUse says which).
    expect(sent?.specialUse, first.digest).toBe('\\Sent');
    expect(imap!.paths?.specialUse, first.digest).toBe(kind === 'courier' ? 'names' : 'special-use');
    expect(imap!.paths?.search, first.digest).toBe(kind === 'courier' ? 'search' : 'esearch');
    expect(imap!.paths?.uids, first.digest).toBe(kind === 'courier' ? 'status' : 'examine');
    expect(imap!.quota.roots.length, first.digest).toBeGreaterThan(0);
    // POP3 and IMAP agree about INBOX (same count, the sample's UIDs and sizes match).
    expect(first.report.metrics.popMessages, first.digest).toBe(49);
    expect(first.report.checked, first.digest).toContain('pop-imap-disagree');
  });

  it('b. POP-only on one device (fetchmail deletes): pop-deletes-mail as info, exit 0', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(30, 21, 1));
    const device = popDevice(server.endpoints, u, { keep: false });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 30, flushed: 30 });
      await deliver(u, 3);
      expect(await device.poll()).toMatchObject({ downloaded: 3, flushed: 3 });
    } finally {
      device.dispose();
    }
    await deliver(u, 2);
    const r = await check('b-pop-only', u);
    if (kind === 'courier') {
      // Courier keeps IMAP UIDs only once an IMAP client has selected the folder: on a POP-only account each
      // read-only session numbers INBOX afresh from 1, so UIDNEXT counts only what is there now and the 33
      // messages the device took leave no trace an IMAP probe can see.
      // The tool says so: the rules that count what INBOX took in are not checked, never passed.
      expectVerdict(r, 'ok', []);
      const inbox = r.snapshot.imap?.ok ? r.snapshot.imap.evidence.inbox : null;
      expect(inbox && [inbox.messages, inbox.uidNext], r.digest).toEqual([2, 3]);
      const skipped = new Map(r.report.skipped.map((x) => [x.rule, x.reason]));
      for (const rule of ['pop-deletes-mail', 'mixed-protocol-use']) {
        expect(skipped.get(rule), r.digest).toMatch(/this probe's own session in Courier's form.*cannot be counted/);
      }
      expect(r.report.checked, r.digest).not.toContain('pop-deletes-mail');
      return;
    }
    expectVerdict(r, 'ok', ['pop-deletes-mail']);
    expect(r.severity('pop-deletes-mail')).toBe('info');
    expect(r.evidence('pop-deletes-mail'), r.digest).toMatchObject({ inboxMessages: 2, imapClientSeen: false });
  });

  it('c. POP device deleting + IMAP laptop: mixed-protocol-use critical; the checks change nothing', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(60, 28, 5, (i) => ({ flags: i % 9 === 0 ? ['\\Seen', '\\Answered'] : ['\\Seen'] })));
    await server.seed(u, 'Sent', history(10, 30, 8, () => ({ flags: ['\\Seen'], from: `${u.user}@example.com` })));
    await deliver(u, 5);
    // The laptop has been reading INBOX over IMAP all month (a mail app selects the folder).
    await imapClientSession(server.endpoints, u, (c) => c.readInbox());
    expect(await runFetchmail(server.endpoints, u, { keep: false })).toMatchObject({ downloaded: 65, flushed: 65 });
    await deliver(u, 4);
    await imapClientSession(server.endpoints, u, async (c) => {
      await c.readInbox();
      const uids = await c.inboxUids();
      await c.reply([uids[0]!]);
      await c.saveDraft({ subject: 'Where did my mail go?' });
    });
    // A read-only pass first: Dovecot settles its uidlist lazily after a client's change, whoever opens it.
    await server.state(u);
    const before = await server.state(u);
    const r = await check('c-mixed', u);
    expect(await server.state(u), `check must not change the mailbox on ${kind}`).toEqual(before);
    expect(r.ids, r.digest).toEqual(expect.arrayContaining(['mixed-protocol-use', 'pop-deletes-mail']));
    expect(r.severity('mixed-protocol-use'), r.digest).toBe('critical');
    expect(r.report.status).toBe('critical');
    expect(r.code).toBe(2);
    expect(r.evidence('pop-deletes-mail'), r.digest).toMatchObject({ inboxMessages: 4, imapClientSeen: true });
    if (kind === 'cyrus') {
      // Told from the greeting: Cyrus keeps expunged mail (expunge_mode: delayed), so the admin may restore it.
      expect(r.evidence('pop-deletes-mail'), r.digest).toMatchObject({ server: 'cyrus' });
      const deletes = r.report.findings.find((f) => f.id === 'pop-deletes-mail')!;
      expect(deletes.steps.at(-1), r.digest).toContain(`unexpunge -l user/${u.user}`);
    } else {
      expect(r.evidence('pop-deletes-mail').server, r.digest).toBeUndefined();
    }
  });

  it('d. POP leave-on-server filling the quota: quota-near-limit warning, exit 1', async () => {
    const limit = 2 * 1024 * 1024;
    const u = await newUser({ quotaStorageBytes: limit });
    await server.seed(u, 'INBOX', history(76, 90, 2, () => ({ bodyBytes: 20_000 })));
    const device = popDevice(server.endpoints, u, { keep: true });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 76, flushed: 0 });
      await deliver(u, 12, { bodyBytes: 20_000 });
      expect(await device.poll()).toMatchObject({ downloaded: 12, flushed: 0 });
    } finally {
      device.dispose();
    }
    const r = await check('d-pop-keep-quota', u);
    expectVerdict(r, 'warning', ['quota-near-limit']);
    const ev = r.evidence('quota-near-limit') as { ratio: number; limitBytes: number };
    expect(ev.limitBytes, r.digest).toBe(limit);
    expect(ev.ratio, r.digest).toBeGreaterThanOrEqual(0.8);
    expect(ev.ratio, r.digest).toBeLessThan(0.95);
  });

  it('e. quota over 95%: quota-near-limit critical, exit 2, and the delivery agent refuses new mail', async () => {
    const limit = 1024 * 1024;
    const u = await newUser({ quotaStorageBytes: limit });
    await server.seed(u, 'INBOX', history(20, 120, 2, () => ({ bodyBytes: 20_000, flags: ['\\Seen'] })));
    await server.seed(u, 'Trash', history(20, 100, 3, () => ({ bodyBytes: 20_000, flags: ['\\Seen'] })));
    await server.seed(u, 'Sent', history(5, 60, 4, () => ({ bodyBytes: 10_000, flags: ['\\Seen'] })));
    // Top up with real deliveries of ~8 KB until the server's delivery agent refuses one: Dovecot refuses the
    // first that would pass the limit (plus its grace), Cyrus takes one more while under the limit and refuses
    // the next, Courier's deliverquota refuses what does not fit, once it has recounted the Maildir without
    // Trash (Courier's quota leaves Trash out: the 20 messages there do not count).
    let refused: { code: number; text: string } | null = null;
    for (let i = 0; i < 100 && !refused; i++) {
      const r = await server.deliver(u, { bodyBytes: 8_000, subject: `Top-up ${i}` });
      if (r.code !== 250) refused = r;
    }
    expect(refused, `${kind}: no delivery refused`).not.toBeNull();
    expect([552, 452], `${kind}: ${refused!.code} ${refused!.text}`).toContain(refused!.code);
    const r = await check('e-quota-full', u);
    expectVerdict(r, 'critical', ['quota-near-limit']);
    const ev = r.evidence('quota-near-limit') as { ratio: number; largestFolders: { folder: string }[] };
    expect(ev.ratio, r.digest).toBeGreaterThanOrEqual(0.95);
  });

  it('f. recent mail in Junk with a POP user: mail-hidden-from-pop warning, exit 1', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(40, 21, 1));
    await server.seed(u, 'Junk', [...history(6, 20, 8), ...history(4, 3, 0.2)]);
    const device = popDevice(server.endpoints, u, { keep: false });
    try {
      expect(await device.poll()).toMatchObject({ downloaded: 40, flushed: 40 });
    } finally {
      device.dispose();
    }
    await deliver(u, 2);
    const r = await check('f-junk-pop', u);
    expect(r.ids, r.digest).toContain('mail-hidden-from-pop');
    expect(r.ids, r.digest).not.toContain('mixed-protocol-use');
    expect(r.evidence('mail-hidden-from-pop'), r.digest).toMatchObject({ last7Days: 4, folders: [{ folder: server.folder('Junk'), last7Days: 4 }] });
    if (kind === 'courier') {
      // As in b: the POP device's downloads and deletions leave no UID trace on Courier, so POP use is not
      // shown and the finding stays a note (it still names the Junk mail a POP-only device never gets).
      expect(r.severity('mail-hidden-from-pop'), r.digest).toBe('info');
      expect(r.evidence('mail-hidden-from-pop'), r.digest).toMatchObject({ popUseSeen: false });
      return;
    }
    expect(r.severity('mail-hidden-from-pop'), r.digest).toBe('warning');
    expect(r.code, r.digest).toBe(1);
  });

  it('g. a POP device in the middle of a download: pop-mailbox-locked where the server locks the mailbox (Dovecot), a normal read where it does not', async () => {
    // Dovecot locks only with pop3_lock_session (a per-user setting here); Cyrus and Courier have no such option.
    const u = await newUser(kind === 'dovecot' ? { popLockSession: true } : {});
    await server.seed(u, 'INBOX', history(12, 12, 1, () => ({ flags: ['\\Seen'] })));
    const held = await holdPopSession(server.endpoints, u, { keep: true });
    let r: Checked;
    try {
      // Dovecot answers a blocked POP3 login after its lock timeout (~12 s): the step deadline must outlast it.
      r = await check('g-pop-held', u, { timeoutSeconds: 25 });
    } finally {
      expect(await held.release()).toMatchObject({ code: 0, downloaded: 12, flushed: 0 });
    }
    if (server.hasPopLock) {
      expect(r.snapshot.pop, r.digest).toMatchObject({ ok: false, error: { kind: 'in-use' } });
      expect(r.ids, r.digest).toContain('pop-mailbox-locked');
      expect(r.severity('pop-mailbox-locked'), r.digest).toBe('warning');
      expect(r.code, r.digest).toBe(1);
      return;
    }
    // Cyrus and Courier let a second POP3 session in while the first downloads: nothing is locked, the probe
    // reads POP as usual and the account is healthy (a device leaving mail on the server).
    expect(r.snapshot.pop?.ok, r.digest).toBe(true);
    expect(r.report.metrics.popMessages, r.digest).toBe(12);
    expectVerdict(r, 'ok', []);
  });

  it('h. wrong password: login-failed critical on both protocols, no password in the output', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(5, 10, 1));
    const r = await check('h-wrong-password', u, { password: `${u.password}-old` });
    expectVerdict(r, 'critical', ['login-failed'], false);
    const ev = r.evidence('login-failed') as { failures: { protocol: string; kind: string }[] };
    expect(ev.failures.map((f) => [f.protocol, f.kind]).sort(), r.digest).toEqual([
      ['imap', 'auth'],
      ['pop3', 'auth'],
    ]);
    for (const text of [JSON.stringify(r.report), r.stderr]) expect(text).not.toContain(u.password);
  });

  it('i. IMAP port closed: connect-failed, POP still probed', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(5, 10, 1));
    const port = await closedPort();
    const r = await check('i-imap-closed', u, { imapPort: port });
    expectVerdict(r, 'critical', ['connect-failed']);
    expect(r.snapshot.pop?.ok, r.digest).toBe(true);
    expect(r.report.metrics.popMessages).toBe(5);
  });

  it('j. mail vanishing between two probes: mail-vanished on the second check, read from the history', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(30, 20, 1, () => ({ flags: ['\\Seen'] })));
    // The phone's mail app reads INBOX over IMAP (it selects the folder: Courier keeps UIDs from then on).
    await imapClientSession(server.endpoints, u, (c) => c.readInbox());
    const db = join(DIR, `${kind}-j.db`);
    const first = await check('j-first', u, { history: db });
    expect(first.ids, first.digest).not.toContain('mail-vanished');
    // A POP device set up in between takes everything.
    expect(await runFetchmail(server.endpoints, u, { keep: false })).toMatchObject({ downloaded: 30, flushed: 30 });
    const second = await check('j-second', u, { history: db });
    expect(second.ids, second.digest).toContain('mail-vanished');
    expect(second.evidence('mail-vanished'), second.digest).toMatchObject({ vanishedMessages: 30 });
    expect(second.ids, second.digest).not.toContain('uidvalidity-changed');
  });

  it('k. a POP-only account read twice: no UIDVALIDITY alarm where the server mints one per session', async () => {
    const u = await newUser();
    await server.seed(u, 'INBOX', history(10, 20, 1));
    const db = join(DIR, `${kind}-k.db`);
    await check('k-first', u, { history: db });
    await new Promise((r) => setTimeout(r, 1100)); // the next session in another second
    const second = await check('k-second', u, { history: db });
    expect(second.ids, second.digest).not.toContain('uidvalidity-changed');
    const skipped = new Map(second.report.skipped.map((x) => [x.rule, x.reason]));
    if (kind === 'courier') {
      // Courier: INBOX never selected, each EXAMINE numbers it afresh; the comparison says why it cannot run.
      expect(skipped.get('uidvalidity-changed'), second.digest).toMatch(/made for each probe's own session/);
      expect(skipped.get('mail-vanished'), second.digest).toMatch(/made for each probe's own session/);
    } else {
      expect(second.report.checked, second.digest).toEqual(expect.arrayContaining(['uidvalidity-changed', 'mail-vanished']));
    }
  });
});
