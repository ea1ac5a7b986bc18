// The IMAP probe against the real Dovecot testbed (and scripted fake servers for failures).
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeImap, type ImapProbeOptions } from '../../src/connectors/imap/index.js';
import { ImapResultSchema, type AgeBuckets, type ImapEvidence, type ImapResult } from '../../src/snapshot/schema.js';
import { closedPort, fakeServer } from '../support/fake-server.js';
import {
  createFolder,
  deliverLmtp,
  imapOptions,
  mailboxState,
  newUser,
  seedMaildir,
  testbed,
  type SeedMessage,
  type TestUser,
} from '../support/testbed.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function probe(user: TestUser, over: Partial<ImapProbeOptions> = {}): Promise<ImapResult> {
  return probeImap({ ...imapOptions(user), history: false, now: new Date(), ...over });
}

function ok(r: ImapResult): ImapEvidence {
  if (!r.ok) throw new Error(`probe failed: ${JSON.stringify(r.error)}`);
  expect(ImapResultSchema.parse(r)).toEqual(r);
  return r.evidence;
}

function bucket(ageMs: number): keyof AgeBuckets {
  if (ageMs < DAY) return 'lt1d';
  if (ageMs < 7 * DAY) return 'lt7d';
  if (ageMs < 30 * DAY) return 'lt30d';
  return 'older';
}

/** Whole seconds: INTERNALDATE has no sub-second part. */
const sec = (t: number) => new Date(Math.floor(t / 1000) * 1000);

interface Expected {
  count: number;
  ages: AgeBuckets;
  oldest: Date | null;
  newest: Date | null;
}

function expectedOf(msgs: SeedMessage[], now: number): Expected {
  const ages: AgeBuckets = { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 };
  let oldest: Date | null = null;
  let newest: Date | null = null;
  for (const m of msgs) {
    const d = m.date!;
    ages[bucket(now - d.getTime())]++;
    if (!oldest || d < oldest) oldest = d;
    if (!newest || d > newest) newest = d;
  }
  return { count: msgs.length, ages, oldest, newest };
}

/** Ages far from bucket boundaries (≥ 1 h away), in a pattern over i; arrival order is NOT date order. */
function ageFor(i: number): number {
  switch (i % 10) {
    case 0:
    case 1:
      return 2 * HOUR + (i % 600) * 60_000; // < 12 h
    case 2:
    case 3:
      return 2 * DAY + (i % 48) * HOUR; // 2–4 days
    case 4:
    case 5:
    case 6:
      return 10 * DAY + (i % 240) * HOUR; // 10–20 days
    default:
      return 40 * DAY + (i % 500) * HOUR; // 40–61 days
  }
}

describe('probeImap against Dovecot', () => {
  const seedNow = Date.now();
  let big: TestUser;
  const expected: Record<string, Expected> = {};
  let inboxMsgs: SeedMessage[] = [];
  let inboxIds: string[] = [];
  const inboxFlags = { seen: 0, answered: 0, flagged: 0, deleted: 0, draft: 0 };
  const inboxKeywords: Record<string, number> = {};

  beforeAll(async () => {
    const tb = testbed();
    big = await newUser({ quotaStorageBytes: 200 * 1024 * 1024, quotaMessages: 100_000 });
    inboxMsgs = Array.from({ length: 4000 }, (_, i) => {
      const flags: string[] = [];
      if (i % 3 === 0) flags.push('\\Seen');
      if (i % 7 === 0) flags.push('\\Answered');
      if (i % 11 === 0) flags.push('\\Flagged');
      if (i % 97 === 0) flags.push('\\Deleted');
      if (i % 200 === 0) flags.push('\\Draft');
      const keywords: string[] = [];
      if (i % 13 === 0) keywords.push('$Forwarded');
      if (i % 17 === 0) keywords.push('$Junk');
      if (i % 19 === 0) keywords.push('NonJunk');
      if (i % 23 === 0) keywords.push('Project-X');
      return { date: sec(seedNow - ageFor(i)), flags, keywords, bodyBytes: 100 + (i % 50) * 20 };
    });
    for (const m of inboxMsgs) {
      for (const f of m.flags!) inboxFlags[f.slice(1).toLowerCase() as keyof typeof inboxFlags]++;
      for (const k of m.keywords!) inboxKeywords[k] = (inboxKeywords[k] ?? 0) + 1;
    }
    inboxIds = seedMaildir(tb, big, 'INBOX', inboxMsgs).messageIds;
    const folderSpec: Array<[string, number, (i: number) => number]> = [
      ['Sent', 300, (i) => ageFor(i * 7 + 3)],
      ['Junk', 200, (i) => 3 * HOUR + i * 40 * 60_000], // 3 h … ~5.5 days
      ['Trash', 250, (i) => ageFor(i + 4)],
      ['Archive', 200, (i) => 100 * DAY + i * DAY], // all older
      ['Lists/Newsletters', 50, (i) => 20 * DAY + i * HOUR], // custom filter folder
    ];
    for (const [folder, n, age] of folderSpec) {
      const msgs = Array.from({ length: n }, (_, i) => ({ date: sec(seedNow - age(i)) }));
      seedMaildir(tb, big, folder, msgs);
      expected[folder] = expectedOf(msgs, seedNow);
    }
    createFolder(tb, big, 'Drafts');
    expected['Drafts'] = { count: 0, ages: { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 }, oldest: null, newest: null };
    expected['INBOX'] = expectedOf(inboxMsgs, seedNow);
  });

  function checkBig(ev: ImapEvidence, now: number) {
    // The seeded dates sit ≥ 1 h from the bucket boundaries, so a probe a little later sees the same buckets.
    expect(Math.abs(now - seedNow)).toBeLessThan(HOUR);
    const byPath = new Map(ev.folders.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Lists', 'Lists/Newsletters', 'Sent', 'Trash']);
    for (const [path, exp] of Object.entries(expected)) {
      const f = byPath.get(path)!;
      expect(f.selectable, path).toBe(true);
      expect(f.subscribed, path).toBe(true);
      expect(f.status?.messages, path).toBe(exp.count);
      expect(f.activity?.ages, path).toEqual(exp.ages);
      expect(f.activity?.oldestInternalDate ?? null, path).toBe(exp.oldest?.toISOString() ?? null);
      expect(f.activity?.newestInternalDate ?? null, path).toBe(exp.newest?.toISOString() ?? null);
    }
    expect(byPath.get('Sent')).toMatchObject({ specialUse: '\\Sent', specialUseSource: 'server' });
    expect(byPath.get('Junk')).toMatchObject({ specialUse: '\\Junk', specialUseSource: 'server' });
    expect(byPath.get('Trash')).toMatchObject({ specialUse: '\\Trash', specialUseSource: 'server' });
    expect(byPath.get('Archive')).toMatchObject({ specialUse: '\\Archive', specialUseSource: 'server' });
    expect(byPath.get('Drafts')).toMatchObject({ specialUse: '\\Drafts', specialUseSource: 'server' });
    expect(byPath.get('Lists/Newsletters')).toMatchObject({ specialUse: null, specialUseSource: null, delimiter: '/' });
    expect(byPath.get('INBOX')!.specialUse).toBeNull();
    // The parent of a nested folder that was never created itself: listed, not selectable, no status.
    expect(byPath.get('Lists')).toMatchObject({ selectable: false, status: null, activity: null });
    expect(byPath.get('Lists')!.flags).toEqual(expect.arrayContaining(['\\HasChildren']));
    const inboxStatus = byPath.get('INBOX')!.status!;
    expect(inboxStatus.unseen).toBe(4000 - inboxFlags.seen);
    expect(inboxStatus.uidNext).toBe(4001);
    expect(inboxStatus.uidValidity).toMatch(/^\d+$/);
    expect(inboxStatus.highestModseq).toMatch(/^\d+$/);
    expect(inboxStatus.sizeBytes).toBeGreaterThan(4000 * 300);

    const inbox = ev.inbox;
    expect(inbox.messages).toBe(4000);
    expect(inbox.uidNext).toBe(4001);
    expect(inbox.uidValidity).toBe(inboxStatus.uidValidity);
    expect(inbox.ages).toEqual(expected['INBOX']!.ages);
    expect(inbox.oldestInternalDate).toBe(expected['INBOX']!.oldest!.toISOString());
    expect(inbox.newestInternalDate).toBe(expected['INBOX']!.newest!.toISOString());
    expect(inbox.flags).toEqual(inboxFlags);
    expect(inbox.keywords).toEqual(inboxKeywords);
  }

  it('records everything over implicit TLS (5,000 messages, folders, flags, keywords, ages)', async () => {
    const now = Date.now();
    const progress: string[] = [];
    const r = await probe(big, { now: new Date(now), onProgress: (m) => progress.push(m) });
    const ev = ok(r);
    checkBig(ev, now);
    expect(ev.inbox.method).toBe('ESEARCH');
    expect(ev.inbox.agesMethod).toBe('WITHIN; oldest/newest by ESORT ARRIVAL');
    expect(ev.inbox.messageList).toBeNull();
    expect(ev.transport).toBe('implicit');
    expect(ev.greeting).toMatch(/^\* OK .*Dovecot/);
    expect(ev.capabilitiesPreLogin).toEqual(expect.arrayContaining(['IMAP4rev1', 'AUTH=PLAIN', 'AUTH=LOGIN']));
    expect(ev.capabilitiesPreLogin).not.toContain('STARTTLS');
    expect(ev.capabilitiesBeforeTls).toBeNull();
    expect(ev.capabilities).toEqual(
      expect.arrayContaining(['QUOTA', 'LIST-STATUS', 'STATUS=SIZE', 'ESEARCH', 'ESORT', 'WITHIN', 'SPECIAL-USE', 'CONDSTORE', 'ID']),
    );
    expect(ev.serverId).toEqual({ name: 'Dovecot' });
    expect(ev.loginMethod).toBe('AUTHENTICATE PLAIN');
    expect(ev.tls).toMatchObject({
      mode: 'implicit',
      protocol: 'TLSv1.3',
      verified: true,
      verifyError: null,
      insecure: false,
      certificate: { subject: 'CN=localhost', issuer: 'CN=localhost', selfSigned: true },
    });
    expect(ev.tls!.certificate!.subjectAltNames).toEqual(['IP Address:127.0.0.1', 'IP Address:127.0.0.2', 'DNS:localhost']);
    expect(Date.parse(ev.tls!.certificate!.validTo) - now).toBeGreaterThan(700 * DAY);
    expect(ev.tls!.certificate!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(ev.quota.supported).toBe(true);
    expect(ev.quota.source).toBe('IMAP GETQUOTAROOT INBOX');
    expect(ev.quota.roots).toHaveLength(1);
    expect(ev.quota.roots[0]!.root).toBe('User quota');
    expect(ev.quota.roots[0]!.resources.map((x) => [x.name, x.limit, x.unit])).toEqual([
      ['STORAGE', 200 * 1024 * 1024, 'bytes'],
      ['MESSAGE', 100_000, 'messages'],
    ]);
    expect(ev.quota.roots[0]!.resources[1]!.usage).toBe(5000);
    expect(progress[0]).toMatch(/^IMAP connecting/);
    expect(JSON.stringify(r)).not.toContain(big.password);
  });

  it('records the same over STARTTLS, with history', async () => {
    const now = Date.now();
    const r = await probe(big, { tls: 'starttls', port: testbed().ports.imap, history: true, now: new Date(now) });
    const ev = ok(r);
    checkBig(ev, now);
    expect(ev.transport).toBe('starttls');
    expect(ev.tls).toMatchObject({ mode: 'starttls', verified: true, insecure: false });
    expect(ev.capabilitiesBeforeTls).toEqual(expect.arrayContaining(['STARTTLS']));
    expect(ev.capabilitiesPreLogin).not.toContain('STARTTLS');
    expect(ev.capabilitiesPreLogin).toContain('AUTH=PLAIN');
    const list = ev.inbox.messageList!.toArray();
    expect(list).toHaveLength(4000);
    expect(list.map((m) => m.uid)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
    for (const i of [0, 1, 2, 97, 1234, 3999]) {
      const m = list[i]!;
      const seeded = inboxMsgs[i]!;
      expect(m.internalDate).toBe(seeded.date!.toISOString());
      expect(m.messageIdHash).toBe(createHash('sha256').update(inboxIds[i]!).digest('hex'));
      expect(m.seen).toBe(seeded.flags!.includes('\\Seen'));
      expect(m.deleted).toBe(seeded.flags!.includes('\\Deleted'));
      expect(m.sizeBytes).toBeGreaterThan(300);
    }
    expect(list.filter((m) => m.seen)).toHaveLength(inboxFlags.seen);
    expect(list.filter((m) => m.deleted)).toHaveLength(inboxFlags.deleted);
    const s = JSON.stringify(r);
    expect(s).not.toContain('Test message'); // subjects never stored
    expect(s).not.toContain('sender@example.com');
  });

  it('reads a big history list on a second session of its own, the same list imapflow reads', async () => {
    const { readFileSync } = await import('node:fs');
    const logins = () => readFileSync(testbed().logFile, 'utf8').split('\n').filter((l) => l.includes('imap-login: Info: Login: user=<' + big.user + '>')).length;
    const before = logins();
    // Without the folder sweep, whose session is a login of its own too (tested below).
    const viaBulk = ok(await probe(big, { history: true, sweep: false }));
    const afterBulk = logins();
    const viaImapflow = ok(await probe(big, { history: true, bulkMinMessages: Infinity, sweep: false }));
    // One more IMAP login for the bulk session; none for the imapflow path.
    expect(afterBulk - before).toBe(2);
    expect(logins() - afterBulk).toBe(1);
    expect(viaBulk.inbox.messageList).toHaveLength(4000);
    // Either way the identities went straight into the history store's packed bytes (no identity objects).
    expect(viaBulk.inbox.messageList!.packed).not.toBeNull();
    expect(viaImapflow.inbox.messageList!.packed).not.toBeNull();
    expect(viaBulk.inbox.messageList!.toArray()).toEqual(viaImapflow.inbox.messageList!.toArray());
    expect(viaBulk.inbox.messageList!.toArray().filter((m) => m.messageIdHash === null)).toHaveLength(0);
  });

  it('gets the same counts without ESEARCH, WITHIN, ESORT and LIST-STATUS (fallback paths)', async () => {
    const now = Date.now();
    const r = await probe(big, { now: new Date(now), ignoreCapabilities: ['ESEARCH', 'WITHIN', 'ESORT', 'LIST-STATUS'] });
    const ev = ok(r);
    expect(ev.capabilities).toContain('ESEARCH'); // recorded as the server said
    expect(ev.inbox.method).toBe('SEARCH');
    expect(ev.inbox.agesMethod).toBe('SINCE+FETCH INTERNALDATE; oldest/newest from first/last message (approximate)');
    expect(ev.inbox.ages).toEqual(expected['INBOX']!.ages);
    expect(ev.inbox.flags).toEqual(inboxFlags);
    expect(ev.inbox.keywords).toEqual(inboxKeywords);
    const byPath = new Map(ev.folders.map((f) => [f.path, f]));
    for (const [path, exp] of Object.entries(expected)) {
      expect(byPath.get(path)!.status?.messages, path).toBe(exp.count);
      expect(byPath.get(path)!.activity?.ages, path).toEqual(exp.ages);
    }
    // Archive's dates fall with arrival order, so first/last is exact there.
    expect(byPath.get('Archive')!.activity!.oldestInternalDate).toBe(expected['Archive']!.oldest!.toISOString());
    expect(byPath.get('Archive')!.activity!.newestInternalDate).toBe(expected['Archive']!.newest!.toISOString());
  });


  it('the folder sweep (two pipelined flights on a session of its own) records what one command at a time does', async () => {
    const now = new Date();
    for (const ignore of [[], ['ESEARCH', 'WITHIN', 'ESORT', 'LIST-STATUS'], ['ESORT']]) {
      const { readFileSync } = await import('node:fs');
      const logins = () => readFileSync(testbed().logFile, 'utf8').split('\n').filter((l) => l.includes('imap-login: Info: Login: user=<' + big.user + '>')).length;
      const before = logins();
      // When each event reaches the log: a step's start is that minus its duration.
      const logged: { step: string; at: number; ms: number | null }[] = [];
      const swept = ok(await probe(big, { now, ignoreCapabilities: ignore, trace: (e) => logged.push({ step: e.step, at: performance.now(), ms: e.ms }) }));
      // Without ESEARCH the INBOX searches share the sweep's session: one login more either way.
      expect(logins() - before, ignore.join(',')).toBe(2);
      const oneByOne = ok(await probe(big, { now, ignoreCapabilities: ignore, sweep: false }));
      expect(swept.folders.length, ignore.join(',')).toBeGreaterThanOrEqual(3);
      // The facts each folder's examination gives (LIST's \Marked / \UnMarked are Dovecot's note of new mail since
      // a folder was last opened, which the other tests' sessions move).
      const facts = (fs: typeof swept.folders) => fs.map((f) => ({ path: f.path, status: f.status, activity: f.activity }));
      expect(facts(swept.folders), ignore.join(',')).toEqual(facts(oneByOne.folders));
      // The main session reads the quota while the sweep runs: the same roots and numbers as when it comes last.
      expect(swept.quota.roots.length, ignore.join(',')).toBeGreaterThan(0);
      expect(swept.quota, ignore.join(',')).toEqual(oneByOne.quota);
      // ...and it did start before the sweep ended (one command at a time, it would start after).
      const sweepDone = logged.find((e) => e.step === 'sweep')!;
      const quotaRead = logged.find((e) => e.step.startsWith('GETQUOTAROOT'))!;
      expect(quotaRead.at - (quotaRead.ms ?? 0), ignore.join(',')).toBeLessThan(sweepDone.at - 2);
    }
  });

  it("with history's repeat check the sweep also reads each folder's arrivals, as one command at a time does", async () => {
    const now = new Date();
    const first = ok(await probe(big, { now, history: true, sweep: false }));
    // What the earlier probe knew: some folders' UIDNEXT a few messages back (mail arrived since), one under
    // another UIDVALIDITY (read from 1), one not known at all.
    const folders: Record<string, { uidValidity: string; uidNext: number }> = {};
    first.folders.forEach((f, i) => {
      if (!f.status || f.status.uidNext === null || f.status.uidValidity === null || i === 2) return;
      folders[f.path] = { uidValidity: i === 1 ? '1' : f.status.uidValidity, uidNext: Math.max(1, f.status.uidNext - 3 * i) };
    });
    const known = { inbox: null, folders };
    for (const ignore of [[], ['ESEARCH', 'WITHIN', 'ESORT', 'LIST-STATUS']]) {
      const progress: string[] = [];
      const swept = ok(await probe(big, { now, history: true, known, ignoreCapabilities: ignore, onProgress: (m) => progress.push(m) }));
      // The sweep read them all: no folder was examined on its own afterwards.
      expect(progress.filter((m) => /^IMAP examining (?!INBOX|\d+ folders)/.test(m)), ignore.join(',')).toEqual([]);
      expect(progress.some((m) => /^IMAP examining \d+ folders$/.test(m)), ignore.join(',')).toBe(true);
      const oneByOne = ok(await probe(big, { now, history: true, known, ignoreCapabilities: ignore, sweep: false }));
      const facts = (fs: typeof swept.folders) => fs.map((f) => ({ path: f.path, activity: f.activity, arrivals: f.arrivals }));
      expect(facts(swept.folders), ignore.join(',')).toEqual(facts(oneByOne.folders));
      expect(swept.folders.filter((f) => f.arrivals && f.arrivals.count > 0).length, ignore.join(',')).toBeGreaterThanOrEqual(2);
    }
  });

  it('a mailbox whose arrival order breaks date order is searched in full, not sampled', async () => {
    const now = Date.now();
    // INBOX's dates jump back and forth with arrival (ageFor): sampling must notice and fall back.
    const ev = ok(await probe(big, { now: new Date(now), sampleMinMessages: 100 }));
    checkBig(ev, now);
    expect(ev.inbox.agesMethod).toBe('WITHIN; arrival order does not follow dates: searched the whole mailbox; oldest/newest by ESORT ARRIVAL');
  });

  it('samples the 30-day boundary of a mailbox in arrival order and counts the same as full searches', async () => {
    const tb = testbed();
    const u = await newUser({ quotaStorageBytes: 200 * 1024 * 1024 });
    const seedNow = Date.now();
    // 6,000 messages over 90 days in arrival order, plus a few delivered out of order within minutes.
    const msgs: SeedMessage[] = Array.from({ length: 6000 }, (_, i) => {
      let age = 90 * DAY - i * ((90 * DAY) / 6000) - 30 * 60_000;
      if (i % 500 === 7) age += 20 * 60_000; // a little older than the message before it
      return { date: sec(seedNow - age), flags: i % 4 === 0 ? [] : ['\\Seen'] };
    });
    seedMaildir(tb, u, 'INBOX', msgs);
    // Folders too: a small one (recent dates fetched and bucketed) and one above the sampling threshold.
    const few = [3 * HOUR, 2 * DAY + HOUR, 12 * DAY].map((a) => ({ date: sec(seedNow - a) }));
    seedMaildir(tb, u, 'Few', few);
    const exp = expectedOf(msgs, seedNow);
    const now = Date.now();
    expect(now - seedNow).toBeLessThan(10 * 60_000);
    const sampled = ok(await probe(u, { now: new Date(now), sampleMinMessages: 1000 }));
    const searched = ok(await probe(u, { now: new Date(now) }));
    // Without WITHIN (Courier): the boundary sampled the same way, then the tail's dates fetched, no SINCE.
    const noWithin = { now: new Date(now), ignoreCapabilities: ['ESEARCH', 'WITHIN', 'ESORT', 'LIST-STATUS'] };
    const sampledSince = ok(await probe(u, { ...noWithin, sampleMinMessages: 1000 }));
    const searchedSince = ok(await probe(u, noWithin));
    for (const ev of [sampledSince, searchedSince]) {
      expect(ev.inbox.ages).toEqual(exp.ages);
      expect(ev.inbox.flags.seen).toBe(4500);
    }
    expect(sampledSince.inbox.oldestInternalDate).toBe(exp.oldest!.toISOString());
    expect(sampledSince.inbox.newestInternalDate).toBe(exp.newest!.toISOString());
    expect(sampledSince.inbox.agesMethod).toMatch(/^FETCH INTERNALDATE; 30-day boundary sampled in arrival order \(\d+ dates in \d+ FETCHes\); oldest\/newest from the sampled first\/last message$/);
    expect(searchedSince.inbox.agesMethod).toBe('SINCE+FETCH INTERNALDATE; oldest/newest from first/last message (approximate)');
    for (const ev of [sampled, searched]) {
      expect(ev.inbox.ages).toEqual(exp.ages);
      expect(ev.inbox.oldestInternalDate).toBe(exp.oldest!.toISOString());
      expect(ev.inbox.newestInternalDate).toBe(exp.newest!.toISOString());
      expect(ev.inbox.flags.seen).toBe(4500);
      const f = ev.folders.find((x) => x.path === 'Few')!;
      expect(f.activity).toMatchObject({ ages: expectedOf(few, seedNow).ages, newestInternalDate: few[0]!.date.toISOString(), oldestInternalDate: few[2]!.date.toISOString() });
      expect(f.activity!.agesMethod).toBe('WITHIN + INTERNALDATE of the last 30 days; oldest/newest by ESORT ARRIVAL');
    }
    expect(sampled.inbox.agesMethod).toMatch(/^WITHIN; 30-day boundary sampled in arrival order \(\d+ dates in \d+ FETCHes\); oldest\/newest from the sampled first\/last message$/);
    expect(searched.inbox.agesMethod).toBe('WITHIN; oldest/newest by ESORT ARRIVAL');
  });
  it('records an empty mailbox', async () => {
    const u = await newUser();
    const ev = ok(await probe(u));
    expect(ev.folders.map((f) => f.path)).toEqual(['INBOX']);
    expect(ev.folders[0]!.status).toMatchObject({ messages: 0, uidNext: 1, unseen: 0, sizeBytes: 0 });
    expect(ev.folders[0]!.activity).toMatchObject({ ages: { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 }, oldestInternalDate: null, newestInternalDate: null });
    expect(ev.inbox).toMatchObject({
      messages: 0,
      uidNext: 1,
      ages: { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 },
      oldestInternalDate: null,
      newestInternalDate: null,
      flags: { seen: 0, answered: 0, flagged: 0, deleted: 0, draft: 0 },
      keywords: {},
      messageList: null,
    });
    const withHistory = ok(await probe(u, { history: true }));
    expect(withHistory.inbox.messageList?.toArray()).toEqual([]);
  });

  it('records quota usage and limits', async () => {
    const u = await newUser({ quotaStorageBytes: 1024 * 1024, quotaMessages: 30 });
    const seeded = seedMaildir(testbed(), u, 'INBOX', Array.from({ length: 10 }, () => ({ bodyBytes: 20_000 })));
    const trash = seedMaildir(testbed(), u, 'Trash', Array.from({ length: 5 }, () => ({ bodyBytes: 50_000 })));
    const ev = ok(await probe(u));
    const [storage, messages] = ev.quota.roots[0]!.resources;
    expect(storage).toMatchObject({ name: 'STORAGE', limit: 1024 * 1024, unit: 'bytes' });
    // Dovecot counts virtual sizes (quota_vsizes) of every folder and reports whole KiB.
    const vbytes = [...seeded.sizes, ...trash.sizes].reduce((a, b) => a + b, 0);
    expect(storage!.usage).toBeLessThanOrEqual(vbytes + 1024);
    expect(storage!.usage).toBeGreaterThan(vbytes - 1024);
    expect(storage!.usage % 1024).toBe(0);
    expect(messages).toEqual({ name: 'MESSAGE', usage: 15, limit: 30, unit: 'messages' });
  });

  it('probes are read-only (3 probes with history leave the mailbox as it was)', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', Array.from({ length: 30 }, (_, i) => ({ date: sec(Date.now() - i * DAY), flags: i % 2 ? ['\\Seen'] : [] })));
    seedMaildir(tb, u, 'Junk', Array.from({ length: 5 }, () => ({})));
    expect((await deliverLmtp(tb, u, { subject: 'delivered' })).code).toBe(250);
    const before = await mailboxState(tb, u);
    expect(before.files['INBOX']).toHaveLength(31);
    for (let i = 0; i < 3; i++) {
      const ev = ok(await probe(u, { history: true, tls: i === 1 ? 'starttls' : 'implicit', port: i === 1 ? tb.ports.imap : tb.ports.imaps }));
      expect(ev.inbox.flags.seen).toBe(15);
      expect(ev.inbox.messageList).toHaveLength(31);
    }
    const after = await mailboxState(tb, u);
    expect(after).toEqual(before);
  });

  describe('failures', () => {
    it('wrong password → auth', async () => {
      const u = await newUser();
      const r = await probe({ ...u, password: 'wrong-password' });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toMatchObject({ kind: 'auth', step: 'login', code: 'AUTHENTICATIONFAILED' });
      expect(JSON.stringify(r)).not.toContain('wrong-password');
      expect(ImapResultSchema.parse(r)).toEqual(r);
    });

    it('self-signed certificate without --ca → tls (implicit and STARTTLS), no password sent', async () => {
      const u = await newUser();
      const r1 = await probe(u, { ca: undefined });
      expect(r1.ok).toBe(false);
      if (!r1.ok) expect(r1.error).toMatchObject({ kind: 'tls', step: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      const r2 = await probe(u, { ca: undefined, tls: 'starttls', port: testbed().ports.imap });
      expect(r2.ok).toBe(false);
      if (!r2.ok) expect(r2.error).toMatchObject({ kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    });

    it('--insecure → ok, recorded as unverified and insecure', async () => {
      const u = await newUser();
      const ev = ok(await probe(u, { ca: undefined, insecure: true }));
      expect(ev.tls).toMatchObject({ verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', insecure: true });
    });

    it('closed port → refused', async () => {
      const u = await newUser();
      const r = await probe(u, { port: await closedPort() });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'refused', step: 'connect' });
    });

    it('tls none on the STARTTLS port without allowPlaintext → plaintext-refused (no password sent)', async () => {
      const u = await newUser();
      const r = await probe(u, { tls: 'none', port: testbed().ports.imap });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('plaintext-refused');
        expect(r.error.message).toMatch(/STARTTLS/);
      }
    });

    it('tls none with allowPlaintext where the server says LOGINDISABLED → plaintext-refused', async () => {
      const u = await newUser();
      const r = await probe(u, { tls: 'none', host: testbed().untrustedHost, port: testbed().ports.imap, allowPlaintext: true });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'plaintext-refused', code: 'LOGINDISABLED' });
    });

    it('tls none with allowPlaintext where the server allows it → ok, tls null', async () => {
      const u = await newUser();
      const ev = ok(await probe(u, { tls: 'none', port: testbed().ports.imap, allowPlaintext: true }));
      expect(ev.tls).toBeNull();
      expect(ev.transport).toBe('none');
      expect(ev.capabilitiesPreLogin).toContain('STARTTLS');
    });

    it('implicit TLS against the STARTTLS port → tls', async () => {
      const u = await newUser();
      const r = await probe(u, { port: testbed().ports.imap });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('tls');
    });
  });
});

describe('probeImap against scripted servers', () => {
  const user: TestUser = { user: 'someone', password: 'secret-pw-123', home: '', maildir: '' };
  const opts = (port: number, over: Partial<ImapProbeOptions> = {}): ImapProbeOptions => ({
    host: '127.0.0.1',
    port,
    tls: 'none',
    credentials: passwordCredentials(user.user, user.password),
    allowPlaintext: true,
    timeoutMs: 800,
    history: false,
    now: new Date(),
    ...over,
  });

  it('a server that stalls after the greeting → timeout within the deadline', async () => {
    const srv = await fakeServer({ onConnect: (s) => s.write('* OK fake IMAP ready\r\n') });
    try {
      const t0 = Date.now();
      const r = await probeImap(opts(srv.port));
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'timeout', step: 'capability' });
    } finally {
      await srv.close();
    }
  });

  it('a server that never greets → timeout with a hint about implicit TLS', async () => {
    const srv = await fakeServer({});
    try {
      const r = await probeImap(opts(srv.port));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'timeout', step: 'greeting' });
      if (!r.ok) expect(r.error.message).toMatch(/implicit/);
    } finally {
      await srv.close();
    }
  });

  it('a server that stalls on the login → timeout, and the password never shows', async () => {
    const srv = await fakeServer({
      onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n'),
      onLine: (line, s) => {
        const [tag, cmd] = line.split(' ');
        if (cmd?.toUpperCase() === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
        else if (cmd?.toUpperCase() === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
        // AUTHENTICATE / LOGIN: silence
      },
    });
    try {
      const t0 = Date.now();
      const r = await probeImap(opts(srv.port));
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe('timeout');
        expect(r.error.step).toBe('login');
      }
      expect(JSON.stringify(r)).not.toContain('secret-pw-123');
    } finally {
      await srv.close();
    }
  });

  it('garbage instead of a greeting → protocol error, no crash', async () => {
    const srv = await fakeServer({ onConnect: (s) => s.write('SSH-2.0-OpenSSH_9.2\r\n') });
    try {
      const r = await probeImap(opts(srv.port));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'protocol', step: 'greeting', serverText: 'SSH-2.0-OpenSSH_9.2' });
    } finally {
      await srv.close();
    }
  });

  it('binary noise and a dropped connection → protocol or unreachable, no crash', async () => {
    const srv = await fakeServer({
      onConnect: (s) => {
        s.write(Buffer.from([0, 1, 2, 255, 254, 13, 10]));
        s.end();
      },
    });
    try {
      const r = await probeImap(opts(srv.port));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['protocol', 'unreachable']).toContain(r.error.kind);
    } finally {
      await srv.close();
    }
  });

  it('a BYE greeting → sys-temp with the server text', async () => {
    const srv = await fakeServer({ onConnect: (s) => s.end('* BYE Too many connections, try later\r\n') });
    try {
      const r = await probeImap(opts(srv.port));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'sys-temp', step: 'greeting' });
    } finally {
      await srv.close();
    }
  });

  it('STARTTLS asked for but not offered → starttls-missing', async () => {
    const srv = await fakeServer({
      onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n'),
    });
    try {
      const r = await probeImap(opts(srv.port, { tls: 'starttls' }));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'starttls-missing', step: 'starttls' });
    } finally {
      await srv.close();
    }
  });

  it('an unresolvable host → dns', async () => {
    const r = await probeImap(opts(143, { host: 'no-such-host.invalid' }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('dns');
  });
});

describe('a small INBOX: the flag and keyword counts from one FETCH of FLAGS', () => {
  it('gives what the searches give, without a search per flag or keyword', async () => {
    const tb = testbed();
    const user = await newUser();
    const now = Date.now();
    const msgs: SeedMessage[] = Array.from({ length: 60 }, (_, i) => ({
      date: sec(now - (i + 1) * 5 * HOUR),
      flags: [...(i % 3 ? ['\\Seen'] : []), ...(i % 7 === 0 ? ['\\Answered'] : []), ...(i % 11 === 0 ? ['\\Flagged'] : []), ...(i % 13 === 0 ? ['\\Deleted'] : []), ...(i % 17 === 0 ? ['\\Draft'] : [])],
      keywords: [...(i % 4 === 0 ? ['$Forwarded'] : []), ...(i % 5 === 0 ? ['$Junk'] : []), ...(i % 9 === 0 ? ['Project-X'] : [])],
    }));
    seedMaildir(tb, user, 'INBOX', msgs);
    const count = (pred: (m: SeedMessage) => boolean) => msgs.filter(pred).length;
    const has = (f: string) => (m: SeedMessage) => m.flags!.includes(f);
    const kw = (k: string) => (m: SeedMessage) => m.keywords!.includes(k);
    const steps: { step: string; detail: string | null }[] = [];
    const fetched = ok(await probe(user, { trace: (e) => steps.push({ step: e.step, detail: e.detail ?? null }) }));
    const searched = ok(await probe(user, { flagsFetchMax: 0 }));
    expect(fetched.inbox.flags).toEqual({ seen: count(has('\\Seen')), answered: count(has('\\Answered')), flagged: count(has('\\Flagged')), deleted: count(has('\\Deleted')), draft: count(has('\\Draft')) });
    expect(fetched.inbox.keywords).toEqual({ $Forwarded: count(kw('$Forwarded')), $Junk: count(kw('$Junk')), 'Project-X': count(kw('Project-X')) });
    expect(fetched.inbox.flags).toEqual(searched.inbox.flags);
    expect(fetched.inbox.keywords).toEqual(searched.inbox.keywords);
    // No search per flag or keyword on the FETCH path (the date questions still search).
    expect(steps.filter((s) => /^search (unseen|answered|flagged|deleted|draft|keyword)/.test(s.detail ?? ''))).toEqual([]);
    expect(steps.filter((s) => /SEARCH/.test(s.step) && /^search INBOX younger/.test(s.detail ?? '')).length).toBeGreaterThan(0);
    // Nothing changed: FETCH FLAGS sets no flag.
    expect(ok(await probe(user)).inbox.flags).toEqual(fetched.inbox.flags);
  });
});
