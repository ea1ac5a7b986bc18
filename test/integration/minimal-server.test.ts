// Issue 13, "the probe adapts": a Dovecot that advertises only what Courier IMAP 5.0 has (no ESEARCH, ESORT,
// WITHIN, LIST-STATUS, SPECIAL-USE, CONDSTORE; folders under `INBOX.` with `.`) gives the probe the SAME facts as
// the full testbed Dovecot, on the same seeded mailbox: counts, flags, ages, UIDNEXT, folder roles (from names),
// and the same findings. The snapshot records which path ran on each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { probeImap } from '../../src/connectors/imap/index.js';
import type { ImapProbeOptions } from '../../src/connectors/imap/probe.js';
import type { TraceEvent } from '../../src/snapshot/trace.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';
import { addUser, COURIER_CAPABILITIES, startTestbed, type Testbed } from '../../src/testbed/dovecot.js';
import { seedMaildir } from '../../src/testbed/seed.js';
import type { SeedMessage, TestbedInfo, TestUser } from '../../src/testbed/types.js';
import type { Folder, ImapEvidence, Snapshot } from '../../src/snapshot/schema.js';
import { testbed } from '../support/testbed.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const sec = (t: number) => new Date(Math.floor(t / 1000) * 1000);

/** Ages far from bucket boundaries, oldest first (arrival order is date order). */
function messages(n: number, now: number, spread: number, flagged = false): SeedMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const age = spread - (i * (spread - 2 * HOUR)) / n;
    const flags = [...(i % 3 === 0 ? ['\\Seen'] : []), ...(flagged && i % 7 === 0 ? ['\\Answered'] : []), ...(flagged && i % 31 === 0 ? ['\\Deleted'] : [])];
    return { date: sec(now - age), flags, keywords: flagged && i % 11 === 0 ? ['$Forwarded'] : [] };
  });
}

/** The same mailbox on a server: INBOX, the usual role folders (English and localized), and a user folder. */
const FOLDERS: [string, number, number][] = [
  ['Sent', 40, 20 * DAY],
  ['Junk', 12, 5 * DAY],
  ['Trash', 9, 50 * DAY],
  ['Drafts', 2, 3 * DAY],
  ['Papierkorb', 3, 10 * DAY],
  ['Elementos enviados', 4, 12 * DAY],
  ['Projects', 30, 90 * DAY],
];

async function seeded(tb: TestbedInfo, now: number): Promise<TestUser> {
  const u = await addUser(tb, { quotaStorageBytes: 200 * 1024 * 1024 });
  seedMaildir(tb, u, 'INBOX', messages(1500, now, 80 * DAY, true));
  for (const [name, n, spread] of FOLDERS) seedMaildir(tb, u, name, messages(n, now, spread));
  return u;
}

async function probeOn(tb: TestbedInfo, u: TestUser, now: number, extra: Partial<ImapProbeOptions> = {}): Promise<ImapEvidence> {
  const r = await probeImap({
    ...extra,
    host: tb.host,
    port: tb.ports.imaps,
    tls: 'implicit',
    ca: tb.caPem,
    credentials: passwordCredentials(u.user, u.password),
    timeoutMs: 15_000,
    history: false,
    now: new Date(now),
  });
  if (!r.ok) throw new Error(`probe failed: ${r.error.message}`);
  return r.evidence;
}

/** A folder's name under the server's personal prefix: "INBOX.Sent" (Courier's "INBOX.") and "Sent" (Dovecot's "") are one folder. */
const leaf = (e: ImapEvidence, f: Folder) => {
  const prefix = e.namespace?.personal[0]?.prefix ?? '';
  return prefix && f.path.startsWith(prefix) ? f.path.slice(prefix.length) : f.path;
};

/** The facts that must not depend on the path that read them. */
function facts(e: ImapEvidence) {
  const { messages, uidNext, ages, oldestInternalDate, newestInternalDate, flags, keywords } = e.inbox;
  const folders = Object.fromEntries(
    e.folders
      .map((f) => [leaf(e, f), { specialUse: f.specialUse, messages: f.status?.messages, uidNext: f.status?.uidNext, unseen: f.status?.unseen, ages: f.activity?.ages }] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return { inbox: { messages, uidNext, ages, oldestInternalDate, newestInternalDate, flags, keywords }, folders };
}

function snapshotOf(e: ImapEvidence, takenAt: number): Snapshot {
  return {
    schema: 'maildoctor/snapshot@1',
    tool: { name: 'maildoctor', version: 'test' },
    takenAt: new Date(takenAt).toISOString(),
    account: { user: 'u', imap: { host: '127.0.0.1', port: 1, tls: 'implicit' }, pop: null },
    imap: { ok: true, durationMs: 1, evidence: e },
    pop: null,
  };
}

describe('a Dovecot that advertises only what Courier has', () => {
  let minimal: Testbed;
  // Taken once the minimal server runs: its certificate is issued at its start, and a "now" before that would
  // read as a certificate not yet valid (a tls-problem the full server, started earlier, does not have).
  let now: number;
  let full: ImapEvidence;
  let bare: ImapEvidence;
  /** The minimal server again, every mailbox's plain SEARCHes streamed on a session of our own. */
  let streamed: ImapEvidence;
  const streamedTrace: TraceEvent[] = [];

  beforeAll(async () => {
    minimal = await startTestbed({ minimal: true });
    now = Date.now() + 1000;
    const [a, b] = await Promise.all([seeded(testbed(), now), seeded(minimal, now)]);
    [full, bare] = await Promise.all([probeOn(testbed(), a, now), probeOn(minimal, b, now)]);
    streamed = await probeOn(minimal, b, now, { streamSearchMinMessages: 0, trace: (e) => streamedTrace.push(e) });
  }, 120_000);
  afterAll(async () => {
    await minimal?.stop();
  });

  it('advertises none of the extensions, and folders come under INBOX. with "."', () => {
    const caps = new Set(bare.capabilities.map((c) => c.toUpperCase()));
    for (const c of COURIER_CAPABILITIES.split(' ')) expect(caps.has(c.toUpperCase()), c).toBe(true);
    for (const c of ['ESEARCH', 'ESORT', 'WITHIN', 'LIST-STATUS', 'SPECIAL-USE', 'CONDSTORE']) expect(caps.has(c), c).toBe(false);
    expect(bare.folders.map((f) => f.path)).toContain('INBOX.Sent');
    expect(bare.folders.find((f) => f.path === 'INBOX.Sent')?.delimiter).toBe('.');
  });

  it('records each server\'s NAMESPACE: INBOX. with "." on the minimal one, "" with "/" on the full one', () => {
    expect(bare.namespace).toEqual({ personal: [{ prefix: 'INBOX.', delimiter: '.' }], other: [], shared: [] });
    expect(full.namespace).toEqual({ personal: [{ prefix: '', delimiter: '/' }], other: [], shared: [] });
  });

  it('records which path ran on each server', () => {
    expect(full.paths).toEqual({ uids: 'examine', search: 'esearch', status: 'list-status', specialUse: 'special-use', ages: 'within' });
    expect(bare.paths).toEqual({ uids: 'examine', search: 'search', status: 'status', specialUse: 'names', ages: 'since' });
    expect(bare.inbox.method).toBe('SEARCH');
    expect(full.inbox.method).toBe('ESEARCH');
  });

  it('gives the same facts by the fallbacks as by the extensions: counts, flags, ages, UIDNEXT, folder roles', () => {
    const f = facts(full);
    const b = facts(bare);
    expect(b).toEqual(f);
    // And they are the seeded ones, not two equal mistakes.
    expect(b.inbox.messages).toBe(1500);
    expect(b.inbox.uidNext).toBe(1501);
    expect(b.inbox.flags.deleted).toBe(Math.ceil(1500 / 31));
    expect(b.folders['Sent']).toMatchObject({ specialUse: '\\Sent', messages: 40, uidNext: 41 });
    expect(b.folders['Junk']?.specialUse).toBe('\\Junk');
    expect(b.folders['Papierkorb']?.specialUse).toBe('\\Trash');
    expect(b.folders['Elementos enviados']?.specialUse).toBe('\\Sent');
    expect(b.folders['Projects']?.specialUse).toBeNull();
    expect(bare.folders.find((x) => x.path === 'INBOX.Sent')?.specialUseSource).toBe('name');
    expect(full.folders.find((x) => x.path === 'Sent')?.specialUseSource).toBe('server');
  });

  it('gives the same facts when the plain SEARCHes stream on a session of our own, and the main session sends none of them', () => {
    expect(facts(streamed)).toEqual(facts(full));
    expect(streamed.paths).toEqual(bare.paths);
    // The test log: every UID SEARCH went to our own session, none to imapflow's.
    const steps = streamedTrace.map((e) => e.step);
    expect(steps.some((x) => /^EXAMINE/i.test(x))).toBe(true);
    const searches = streamedTrace.filter((e) => /SEARCH/i.test(e.step));
    expect(searches.length).toBeGreaterThan(0);
    for (const e of searches) expect(e.detail).toMatch(/^on a session of our own/);
  });

  it('gives the same findings', () => {
    const ids = (e: ImapEvidence) => analyze(snapshotOf(e, now)).findings.map((x) => `${x.id}:${x.severity}`);
    expect(ids(bare)).toEqual(ids(full));
  });
});
