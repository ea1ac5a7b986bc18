// `maildoctor watch` on the real Dovecot, run as users run it (the built CLI): a fetchmail device deleting
// mail during a canary watch, a canary left alone and removed again, a plain watch that never writes, and
// Ctrl-C in the middle. The four run side by side (own users) to keep the file near 25 s.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ReportJson } from '../../src/report/schema.js';
import { accountArgs, CLI, TEST_STATE_HOME } from '../support/cli.js';
import { runFetchmail } from '../support/clients.js';
import { createFolder, daysAgo, deliverLmtp, mailboxState, messagesAndFlags, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

interface Watch {
  /** Resolves once stderr matches (rejects after ms). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  done: Promise<{ code: number; stdout: string; stderr: string; endedAt: number }>;
}

function startWatch(u: TestUser, args: string[], timeoutMs = 60_000): Watch {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', XDG_STATE_HOME: TEST_STATE_HOME, MAILDOCTOR_PASSWORD: u.password };
  const child = spawn(process.execPath, [CLI, 'watch', ...accountArgs(testbed(), u), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of waiters) w();
  });
  const done = new Promise<{ code: number; stdout: string; stderr: string; endedAt: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`watch did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, endedAt: Date.now() });
    });
  });
  return {
    done,
    signal: (sig) => child.kill(sig),
    waitFor: (re, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!re.test(stderr)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stderr never matched ${re} within ${ms} ms:\n${stderr}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}

interface WatchReport extends ReportJson {
  watch: { probes: number; probesPlanned: number; vanishedMessages: number; interrupted: boolean; events: unknown[]; popPollIntervalSeconds: number | null };
  canary?: {
    id: string;
    written: boolean;
    uid: number;
    outcome: string;
    sameStore: string;
    sameStoreConfirmed: boolean;
    removedAfterSeconds: { atLeast: number; atMost: number } | null;
    removal: { state: string };
    observations: { imap: string | null; pop: string | null; seen: boolean | null }[];
  };
}

const seed = (n: number) => Array.from({ length: n }, (_, i) => ({ date: daysAgo(5 - i * 0.5), bodyBytes: 400 + 50 * i }));

/** Files anywhere in the Maildir that carry the canary header. */
function canaryFiles(u: TestUser): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if ((e.parentPath ?? dir).match(/\/(cur|new|tmp)$/) && readFileSync(p, 'latin1').includes('X-Maildoctor-Canary:')) hits.push(p);
    }
  };
  walk(u.maildir);
  return hits;
}

const ids = (r: ReportJson) => r.findings.map((f) => f.id);

describe.concurrent('watch on Dovecot', () => {
  it('--canary with a fetchmail (no keep) run in the window: downloaded-and-removed, mail-vanished over the whole window', async () => {
    const tb = testbed();
    const u = await newUser();
    const seeded = seedMaildir(tb, u, 'INBOX', seed(4));
    const w = startWatch(u, ['--every', '5s', '--for', '20s', '--canary', '--format', 'json', '--progress']);
    await w.waitFor(/probe 1\/5/);
    await sleep(1000);
    const fm = await runFetchmail(tb, u, { keep: false });
    expect(fm).toMatchObject({ code: 0, onServer: 5, flushed: 5 });
    const r = await w.done;
    expect(r.stderr.split('\n')[0]).toBe(`canary: this run writes one test message to INBOX of ${u.user} and removes it at the end`);
    expect(r.stderr).not.toMatch(/internal error|not removed/);
    const rep = JSON.parse(r.stdout) as WatchReport;
    expect(rep.schema).toBe('maildoctor/report@1');
    expect(rep.canary).toMatchObject({ written: true, outcome: 'downloaded-and-removed', sameStore: 'confirmed', sameStoreConfirmed: true, removal: { state: 'already-gone' } });
    expect(rep.canary!.removedAfterSeconds!.atMost).toBeLessThanOrEqual(10);
    expect(rep.canary!.observations[0]).toMatchObject({ imap: 'present', pop: 'listed', seen: false });
    const f = rep.findings.find((x) => x.id === 'mail-vanished');
    expect(f, JSON.stringify(ids(rep))).toBeDefined();
    // The four seeded messages and the canary, across the whole window (first probe → last probe).
    expect(f!.evidence).toMatchObject({ vanishedMessages: 5, atLeast: false, method: 'message-id' });
    expect(f!.evidence.vanishedBytes).toBeGreaterThan(seeded.sizes.reduce((a, b) => a + b, 0));
    expect(rep.watch).toMatchObject({ probes: 5, probesPlanned: 5, vanishedMessages: 5, interrupted: false, popPollIntervalSeconds: null });
    expect(rep.watch.events).toHaveLength(1);
    expect(r.code).toBe(rep.status === 'critical' ? 2 : rep.status === 'warning' ? 1 : 0);
    expect(canaryFiles(u)).toEqual([]);
  }, 60_000);

  it('--canary without any client: untouched, then removed; the rest of the mailbox unchanged', async () => {
    const tb = testbed();
    const u = await newUser();
    createFolder(tb, u, 'Archive');
    seedMaildir(tb, u, 'Archive', seed(2));
    seedMaildir(tb, u, 'INBOX', [...seed(3), { date: daysAgo(1), flags: ['\\Seen'] }]);
    const before = await mailboxState(tb, u);
    const w = startWatch(u, ['--every', '5s', '--for', '20s', '--canary', '--format', 'json', '--progress']);
    await w.waitFor(/probe 1\/5/);
    expect(canaryFiles(u)).toHaveLength(1);
    const r = await w.done;
    const rep = JSON.parse(r.stdout) as WatchReport;
    expect(rep.canary).toMatchObject({ written: true, outcome: 'untouched', sameStoreConfirmed: true, removal: { state: 'removed' } });
    expect(rep.canary!.observations).toHaveLength(5);
    expect(rep.canary!.observations.every((o) => o.imap === 'present' && o.pop === 'listed' && o.seen === false)).toBe(true);
    expect(ids(rep)).not.toContain('mail-vanished');
    expect(r.stderr).toMatch(/^canary: this run writes one test message/);
    const after = await mailboxState(tb, u);
    expect(canaryFiles(u)).toEqual([]);
    expect(messagesAndFlags(after.files)).toEqual(messagesAndFlags(before.files));
    // The canary took one UID (and changes bumped the modseq); messages and unseen counts are as before.
    const counts = (status: string) => status.replace(/ (uidnext|highestmodseq)=\d+/g, '');
    expect(counts(after.status)).toBe(counts(before.status));
  }, 60_000);

  it('without --canary it never writes: the mailbox is identical before and after (text report with the watch section)', async () => {
    const tb = testbed();
    const u = await newUser();
    createFolder(tb, u, 'Junk');
    seedMaildir(tb, u, 'Junk', seed(1));
    seedMaildir(tb, u, 'INBOX', [...seed(3), { date: daysAgo(2), flags: ['\\Flagged'] }]);
    for (let i = 0; i < 2; i++) expect((await deliverLmtp(tb, u, { subject: `fresh ${i}` })).code).toBe(250);
    const before = await mailboxState(tb, u);
    expect(before.files.INBOX!.filter((f) => f.startsWith('new/'))).toHaveLength(2);
    const r = await startWatch(u, ['--every', '5s', '--for', '10s']).done;
    expect(r.code).toBeLessThan(3);
    // No live lines without a terminal or --progress: stdout holds the report alone.
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\nWatch:\n {2}3 probes over 1\d s \(every 5 s\)\n {2}0 messages arrived in INBOX, 0 messages vanished/);
    const after = await mailboxState(tb, u);
    expect(messagesAndFlags(after.files)).toEqual(messagesAndFlags(before.files));
    expect(after.uidlists).toEqual(before.uidlists);
    expect(after.status).toEqual(before.status);
    // Dovecot's own housekeeping on the first login (docs/dovecot-notes.md): new/ → cur/, no flag changes.
    expect(after.files.INBOX!.filter((f) => f.startsWith('new/'))).toEqual([]);
  }, 60_000);

  it('a wrong password: the watch gives up after 3 failed probes with the reason in one line, exit as the report says', async () => {
    const u = await newUser();
    const w = startWatch({ ...u, password: `${u.password}-wrong` }, ['--every', '5s', '--for', '10m', '--format', 'json']);
    const r = await w.done; // a watch that kept going would run for 10 minutes and time out here
    const rep = JSON.parse(r.stdout) as WatchReport & { watch: { gaveUpAfter: number | null } };
    expect(rep.watch).toMatchObject({ probes: 3, probesPlanned: 121, gaveUpAfter: 3, interrupted: false });
    expect(ids(rep)).toContain('login-failed');
    expect(rep.status).toBe('critical');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^maildoctor: watch stopped after 3 probes in a row in which every protocol failed \(last: IMAP auth: [^\n]+; POP3 auth: [^\n]+\); the report is that of the last probe\n$/);
    expect(r.stderr).not.toContain(u.password);
  }, 60_000);

  it('SIGINT mid-watch stops promptly, still removes the canary and prints the report', async () => {
    const u = await newUser();
    seedMaildir(testbed(), u, 'INBOX', seed(2));
    const w = startWatch(u, ['--every', '5s', '--for', '5m', '--format', 'json', '--progress', '--canary']);
    await w.waitFor(/probe 2\/61/);
    const sent = Date.now();
    w.signal('SIGINT');
    const r = await w.done;
    expect(r.endedAt - sent).toBeLessThan(3000);
    expect(r.code).toBeLessThan(3);
    const rep = JSON.parse(r.stdout) as WatchReport;
    expect(rep.watch).toMatchObject({ probes: 2, probesPlanned: 61, interrupted: true });
    expect(rep.canary).toMatchObject({ outcome: 'untouched', removal: { state: 'removed' } });
    expect(canaryFiles(u)).toEqual([]);
    expect(r.stderr).toMatch(/SIGINT: stopping/);
  }, 60_000);
});
