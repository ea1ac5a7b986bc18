// Measurements (run with MAILDOCTOR_HISTORY_TIMINGS=1; N via MAILDOCTOR_HISTORY_N, default 5000): a check
// without history, the first check with history (full identity FETCH), and repeat checks (ESEARCH sets plus
// the new mail only), with the history database size. Without the variable only a small run asserts that the
// repeat path gives the same message list as a full probe.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openHistory } from '../../src/history/store.js';
import { accountArgs, runCli } from '../support/cli.js';
import { createFolder, daysAgo, newUser, seedMaildir, testbed } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-history-timing-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
const measure = process.env.MAILDOCTOR_HISTORY_TIMINGS === '1';
const N = measure ? Number(process.env.MAILDOCTOR_HISTORY_N ?? 5000) : 300;

it(`repeat probes read only what changed (${N} messages)`, async () => {
  const tb = testbed();
  const u = await newUser({ quotaStorageBytes: 10 * 1024 ** 3 });
  createFolder(tb, u, 'Archive');
  seedMaildir(tb, u, 'INBOX', Array.from({ length: N }, (_, i) => ({ date: daysAgo(300 - (300 * i) / N), bodyBytes: 400 })));
  const db = join(DIR, 'h.db');
  const run = async (label: string, extra: string[]) => {
    const t = performance.now();
    const r = await runCli(['check', ...accountArgs(tb, u), '--format', 'json', '--only', 'imap', ...extra], {
      env: { MAILDOCTOR_PASSWORD: u.password },
      timeoutMs: 300_000,
    });
    const ms = Math.round(performance.now() - t);
    const size = ['', '-wal'].reduce((a, s) => a + (statSync(db + s, { throwIfNoEntry: false })?.size ?? 0), 0);
    if (measure) process.stderr.write(`[history timing] N=${N} ${label}: ${ms} ms, exit ${r.code}, db ${size} bytes\n`);
    expect(r.stderr).not.toMatch(/internal error|not saved/);
  };
  await run('no history', ['--no-history']);
  await run('first with history', ['--history', db]);
  await run('repeat', ['--history', db]);
  seedMaildir(tb, u, 'INBOX', Array.from({ length: 20 }, () => ({ date: daysAgo(0), bodyBytes: 400 })));
  await run('repeat (+20 new)', ['--history', db]);
  const h = openHistory(db);
  const rows = h.listProbes();
  expect(rows.map((r) => r.inboxMessages)).toEqual([N + 20, N, N]);
  const latest = h.latestProbe(rows[0]!.account);
  const list = latest?.imap?.ok ? latest.imap.evidence.inbox.messageList!.toArray() : [];
  expect(list.map((m) => m.uid)).toEqual(Array.from({ length: N + 20 }, (_, i) => i + 1));
  expect(list.every((m) => m.messageIdHash !== null && m.sizeBytes > 0)).toBe(true);
  h.close();
}, 600_000);
