// Issue 13, "the probe adapts": a server whose EXAMINE sends no [UIDNEXT] (Courier IMAP 5.0) gets it from STATUS;
// one that sends no number anywhere leaves it unknown (null, an anomaly), the rules that count what INBOX took in
// are skipped with the reason, and no NaN reaches a snapshot, the history or a report. A history row that cannot
// be read back is said on stderr, not taken for "no earlier probe". Played by a scripted server (a real one always
// sends [UIDNEXT]).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../src/analyzer/index.js';
import { probeImap } from '../src/connectors/imap/index.js';
import { passwordCredentials } from '../src/connectors/credentials.js';
import { openHistory, HistoryError } from '../src/history/store.js';
import { buildReport } from '../src/report/build.js';
import { render } from '../src/report/render.js';
import { parseSnapshot, serializeSnapshot, SnapshotFileError } from '../src/snapshot/io.js';
import type { Anomaly, ImapResult, Snapshot } from '../src/snapshot/schema.js';
import type { TraceEvent } from '../src/snapshot/trace.js';
import { runCli } from './support/cli.js';
import { fakeImap } from './support/fake-imap.js';
import type { FakeServer } from './support/fake-server.js';

const open: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** EXAMINE as Courier answers it: no [UIDNEXT] (and, with `validity` false, no [UIDVALIDITY] either). */
const examine = (tag: string, exists: number, validity = true) =>
  `* FLAGS (\\Seen \\Deleted)\r\n* ${exists} EXISTS\r\n* 0 RECENT\r\n${validity ? '* OK [UIDVALIDITY 7] ok\r\n' : ''}${tag} OK [READ-ONLY] done\r\n`;

/** A server of `exists` messages whose EXAMINE sends no [UIDNEXT]; STATUS answers with `statusItems`. */
async function courierLike(exists: number, statusItems: string, validity = true): Promise<FakeServer> {
  const uids = Array.from({ length: exists }, (_, i) => i + 1).join(' ');
  const srv = await fakeImap({
    exists: String(exists),
    on: (verb, tag) => {
      if (verb === 'EXAMINE') return examine(tag, exists, validity);
      if (verb === 'STATUS') return `* STATUS INBOX (${statusItems})\r\n${tag} OK done\r\n`;
      if (verb === 'UID SEARCH') return `* SEARCH ${uids}\r\n${tag} OK done\r\n`;
      return undefined;
    },
  });
  open.push(srv);
  return srv;
}

const connect = (port: number) => ({
  host: '127.0.0.1',
  port,
  tls: 'none' as const,
  allowPlaintext: true,
  credentials: passwordCredentials('alice', 'hunter2-secret'),
  timeoutMs: 3000,
});

async function probe(srv: FakeServer) {
  const anomalies: Anomaly[] = [];
  const result = await probeImap({ ...connect(srv.port), history: false, now: new Date(), anomalies });
  return { result, anomalies };
}

function snapshotOf(imap: ImapResult, anomalies: Anomaly[], takenAt = new Date().toISOString()): Snapshot {
  return {
    schema: 'maildoctor/snapshot@1',
    tool: { name: 'maildoctor', version: 'test' },
    takenAt,
    account: { user: 'alice', imap: { host: '127.0.0.1', port: 1, tls: 'none' }, pop: null },
    imap,
    pop: null,
    ...(anomalies.length ? { anomalies } : {}),
  };
}

const texts = (snap: Snapshot, previous: Snapshot | null = null) => {
  const analysis = analyze(snap, { previous });
  const report = buildReport(snap, analysis);
  return { analysis, out: ['text', 'json', 'markdown', 'html'].map((f) => render(report, f as Parameters<typeof render>[1])).join('\n') };
};

describe('INBOX UIDNEXT when EXAMINE sends none', () => {
  it('comes from STATUS INBOX (UIDNEXT), and the snapshot says that path ran', async () => {
    const srv = await courierLike(3, 'UIDNEXT 42 MESSAGES 3');
    const { result, anomalies } = await probe(srv);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.evidence.inbox).toMatchObject({ messages: 3, uidNext: 42, uidValidity: '7' });
    expect(result.evidence.paths).toMatchObject({ uids: 'status' });
    expect(anomalies).toEqual([]);
    expect(srv.received.some((l) => /STATUS INBOX \(UIDNEXT\)/i.test(l))).toBe(true);
    const { out } = texts(snapshotOf(result, anomalies));
    expect(out).not.toMatch(/NaN/);
  });

  it('the test log and the report details name the path', async () => {
    const srv = await courierLike(3, 'UIDNEXT 42 MESSAGES 3');
    const log: TraceEvent[] = [];
    const result = await probeImap({ ...connect(srv.port), history: false, now: new Date(), trace: (e) => log.push(e) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const paths = log.find((e) => e.step === 'paths');
    expect(paths?.detail).toBe('INBOX UIDNEXT/UIDVALIDITY from STATUS (EXAMINE sent none); counts by plain SEARCH, counted here; folder STATUS one folder at a time; folder roles from their names; ages by SINCE dates');
    const snap = snapshotOf(result, []);
    const report = buildReport(snap, analyze(snap), { details: true });
    expect(report.details?.servers[0]?.probePaths).toBe(paths?.detail);
    expect(render(report, 'html')).toContain('IMAP probe paths:</b> INBOX UIDNEXT/UIDVALIDITY from STATUS');
  });

  it('a server that sends both on EXAMINE is asked no STATUS INBOX (path examine)', async () => {
    const srv = await fakeImap({ exists: '0' });
    open.push(srv);
    const { result } = await probe(srv);
    expect(result.ok && result.evidence.paths).toMatchObject({ uids: 'examine' });
    expect(srv.received.some((l) => /STATUS INBOX \(UIDNEXT/i.test(l))).toBe(false);
  });

  it.each([
    ['no UIDNEXT in STATUS either', 'MESSAGES 3', /INBOX UIDNEXT: EXAMINE sent none and STATUS none/],
    ['a UIDNEXT that is no number', 'UIDNEXT abc MESSAGES 3', /INBOX UIDNEXT: EXAMINE sent none and STATUS/],
  ])('%s: unknown (null), an anomaly, the counting rules skipped with the reason, no NaN anywhere', async (_name, items, detail) => {
    const srv = await courierLike(3, items);
    const { result, anomalies } = await probe(srv);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.evidence.inbox.uidNext).toBeNull();
    expect(result.evidence.inbox.uidValidity).toBe('7');
    expect(anomalies.map((a) => a.detail).join('\n')).toMatch(detail);

    const snap = snapshotOf(result, anomalies);
    const { analysis, out } = texts(snap);
    for (const id of ['pop-deletes-mail', 'mixed-protocol-use', 'no-recent-mail']) {
      const skip = analysis.skipped.find((s) => s.rule === id);
      expect(skip, id).toBeDefined();
      expect(skip!.reason).toMatch(/INBOX UIDNEXT unknown in this probe/);
    }
    expect(analysis.findings.map((f) => f.id)).not.toContain('mixed-protocol-use');
    expect(analysis.status).not.toBe('critical');
    expect(out).toMatch(/INBOX UIDNEXT unknown/);
    expect(out).not.toMatch(/NaN/);

    // Written and read back as it was: a file and the history.
    const text = serializeSnapshot(snap);
    expect(text).not.toMatch(/NaN/);
    expect(parseSnapshot(text, 'x').imap).toMatchObject({ ok: true, evidence: { inbox: { uidNext: null } } });
    const h = openHistory(join(mkdtempSync(join(tmpdir(), 'md-uids-')), 'h.db'));
    try {
      h.recordProbe(snap);
      const back = h.latestComparableProbe('alice@127.0.0.1');
      expect(back.unreadable).toBeUndefined();
      expect(back.previous?.imap).toMatchObject({ ok: true, evidence: { inbox: { uidNext: null, uidValidity: '7' } } });
    } finally {
      h.close();
    }
  });

  it('no UIDVALIDITY anywhere: unknown, and two probes are not compared (uidvalidity-changed skipped with the reason)', async () => {
    const srv = await courierLike(2, 'UIDNEXT 9 MESSAGES 2', false);
    const first = await probe(srv);
    const second = await probe(srv);
    expect(first.result.ok && second.result.ok).toBe(true);
    if (!first.result.ok || !second.result.ok) return;
    expect(second.result.evidence.inbox).toMatchObject({ uidNext: 9, uidValidity: null });
    const before = snapshotOf(first.result, first.anomalies, new Date(Date.now() - 3600_000).toISOString());
    const now = snapshotOf(second.result, second.anomalies);
    const { analysis, out } = texts(now, before);
    expect(analysis.skipped.find((s) => s.rule === 'uidvalidity-changed')?.reason).toMatch(/INBOX UIDVALIDITY unknown in this probe/);
    expect(analysis.findings.map((f) => f.id)).not.toContain('uidvalidity-changed');
    expect(out).not.toMatch(/NaN/);
  });
});

describe('a snapshot that would not read back', () => {
  it('is refused when written (file and history), with the field, never stored to fail on the next read', async () => {
    const srv = await courierLike(1, 'UIDNEXT 5 MESSAGES 1');
    const { result } = await probe(srv);
    if (!result.ok) throw new Error('probe failed');
    const snap = snapshotOf(result, []);
    (snap.imap as { evidence: { inbox: { uidNext: number } } }).evidence.inbox.uidNext = Number.NaN;
    expect(() => serializeSnapshot(snap)).toThrow(SnapshotFileError);
    expect(() => serializeSnapshot(snap)).toThrow(/imap\.evidence\.inbox\.uidNext: NaN/);
    const h = openHistory(join(mkdtempSync(join(tmpdir(), 'md-nan-')), 'h.db'));
    try {
      expect(() => h.recordProbe(snap)).toThrow(HistoryError);
      expect(() => h.recordProbe(snap)).toThrow(/imap\.evidence\.inbox\.uidNext: NaN/);
      expect(h.latestComparableProbe('alice@127.0.0.1')).toEqual({ previous: null, passedOver: [] });
    } finally {
      h.close();
    }
  });

  it('a stored probe that fails validation on read-back is named, not taken for "no earlier probe"', async () => {
    const srv = await courierLike(1, 'UIDNEXT 5 MESSAGES 1');
    const { result } = await probe(srv);
    if (!result.ok) throw new Error('probe failed');
    const path = join(mkdtempSync(join(tmpdir(), 'md-bad-')), 'h.db');
    const h = openHistory(path);
    h.recordProbe(snapshotOf(result, []));
    h.close();
    // What an older maildoctor wrote from a NaN: JSON null where a count belongs, under a field that needs one.
    const db = new Database(path);
    db.prepare(`UPDATE probes SET snapshot = json_set(snapshot, '$.imap.evidence.inbox.messages', json('null'))`).run();
    db.close();
    const again = openHistory(path);
    try {
      const r = again.latestComparableProbe('alice@127.0.0.1');
      expect(r.previous).toBeNull();
      expect(r.unreadable).toMatch(/^the earlier probe of \S+ is unreadable \(imap\.evidence\.inbox\.messages: /);
    } finally {
      again.close();
    }
  });
});

describe('check against a server without [UIDNEXT] (the CLI)', () => {
  const args = (port: number, history: string) => [
    'check', '--host', '127.0.0.1', '--imap-port', String(port), '--imap-tls', 'none', '--only', 'imap', '--allow-plaintext',
    '--user', 'alice', '--history', history, '--timeout', '5', '--format', 'json',
  ];
  const env = { env: { MAILDOCTOR_PASSWORD: 'hunter2-secret' } };

  it('stores the probe, compares the next check with it, and says so when the stored probe is unreadable', async () => {
    const srv = await courierLike(2, 'MESSAGES 2');
    const history = join(mkdtempSync(join(tmpdir(), 'md-cli-')), 'h.db');
    const first = await runCli(args(srv.port, history), env);
    expect(first.stderr).not.toMatch(/not saved|NaN/);
    expect(first.stdout).not.toMatch(/NaN/);
    const second = await runCli(args(srv.port, history), env);
    const report = JSON.parse(second.stdout) as { comparedWith: unknown; skipped: { rule: string; reason: string }[] };
    expect(report.comparedWith).not.toBeNull();
    expect(second.stdout).not.toMatch(/NaN|no earlier probe of this account/);
    expect(report.skipped.find((s) => s.rule === 'pop-deletes-mail')?.reason).toMatch(/INBOX UIDNEXT unknown/);

    const db = new Database(history);
    db.prepare(`UPDATE probes SET snapshot = json_set(snapshot, '$.imap.evidence.inbox.messages', json('null'))`).run();
    db.close();
    const third = await runCli(args(srv.port, history), env);
    expect(third.stderr).toMatch(/the earlier probe of \S+ is unreadable \(imap\.evidence\.inbox\.messages: .*\); this probe was not compared with earlier ones \(it is stored\)/);
    expect(third.stdout).toMatch(/no earlier probe could be read: the earlier probe of/);
    expect(third.code).not.toBe(0); // never OK: the comparison, the point of a history, did not happen
  });
});
