// pop-imap-disagree keeps its accuracy with the sampled POP3 listing: on the real Dovecot testbed, each case is
// checked with the default (a sample, the full listing read again only when it differs from IMAP) and with
// --full-pop-listing, and must give the same verdict. Cases: a healthy INBOX with a \Deleted message Dovecot still
// serves, a \Deleted message POP hides (pop3_deleted_flag set on it too), a pop3_deleted_flag message alone (hidden, not lost), UIDL
// formats changed between probes (%g carries no IMAP identity: counts and sizes only), and a message delivered
// over LMTP between the IMAP and the POP3 reads.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { probeImap } from '../../src/connectors/imap/index.js';
import { probePop3 } from '../../src/connectors/pop3/index.js';
import { fullPopListingIfNeeded, probeAccount, type AccountOptions } from '../../src/probe.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';
import { SNAPSHOT_SCHEMA } from '../../src/snapshot/schema-id.js';
import { SnapshotSchema, type Anomaly, type Snapshot } from '../../src/snapshot/schema.js';
import { daysAgo, deliverLmtp, imapOptions, newUser, pop3Options, seedMaildir, testbed, type TestUser } from '../support/testbed.js';
import type { AddUserOptions, SeedMessage } from '../../src/testbed/types.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSnapshot } from '../../src/snapshot/io.js';
import { accountArgs, runCli } from '../support/cli.js';

const COUNT = 60;

function account(u: TestUser, full: boolean): AccountOptions {
  const tb = testbed();
  return {
    credentials: passwordCredentials(u.user, u.password),
    imap: { host: tb.host, port: tb.ports.imaps, tls: 'implicit' },
    pop: { host: tb.host, port: tb.ports.pop3s, tls: 'implicit' },
    ca: tb.caPem,
    timeoutMs: 10_000,
    ...(full ? { fullPopListing: true } : {}),
  };
}

function messages(over: (i: number) => Partial<SeedMessage> = () => ({})): SeedMessage[] {
  return Array.from({ length: COUNT }, (_, i) => ({ date: daysAgo(i / 10), bodyBytes: 100 + i * 13, ...over(i) }));
}

async function seededUser(seed: SeedMessage[], opts: AddUserOptions = {}): Promise<TestUser> {
  const u = await newUser(opts);
  seedMaildir(testbed(), u, 'INBOX', seed);
  return u;
}

/** The verdict of pop-imap-disagree (null: no finding), and the POP3 evidence it came from. */
function verdictOf(s: Snapshot) {
  SnapshotSchema.parse(s);
  if (!s.pop?.ok) throw new Error(`POP3 probe failed: ${JSON.stringify(s.pop)}`);
  const f = analyze(s).findings.find((x) => x.id === 'pop-imap-disagree');
  const e = f?.evidence as Record<string, unknown> | undefined;
  const verdict = f
    ? { severity: f.severity, likelyReasons: e!.likelyReasons, messageDiff: e!.messageDiff, sizeDiffBytes: e!.sizeDiffBytes, beyond: e!.popUidsBeyondImapUidNext }
    : null;
  return { verdict, pop: s.pop.evidence };
}

async function bothWays(u: TestUser) {
  const sample = verdictOf(await probeAccount(account(u, false)));
  const full = verdictOf(await probeAccount(account(u, true)));
  expect(full.pop.listing).toBe('full');
  expect(full.pop.fullListingReason).toBe('asked');
  expect(sample.verdict).toEqual(full.verdict);
  return { sample, full };
}

describe('pop-imap-disagree: the same verdict from the sampled POP3 listing as from the full one (Dovecot)', () => {
  it('a healthy INBOX, one message \\Deleted (Dovecot still serves it): no finding, and the sample alone suffices', async () => {
    const u = await seededUser(messages((i) => (i === 7 ? { flags: ['\\Deleted'] } : {})));
    const { sample } = await bothWays(u);
    expect(sample.verdict).toBeNull();
    expect(sample.pop.listing).toBe('sample');
    expect(sample.pop.stat.messages).toBe(COUNT);
    expect(sample.pop.messages.length).toBeLessThan(COUNT);
  });

  it('a \\Deleted message POP hides (pop3_deleted_flag on it too): pop-hides-deleted, the full listing read because the counts differ', async () => {
    const u = await seededUser(
      messages((i) => (i === 30 ? { flags: ['\\Deleted'], keywords: ['$POP3Deleted'] } : {})),
      { settings: { pop3_deleted_flag: '$POP3Deleted' } },
    );
    const { sample } = await bothWays(u);
    expect(sample.verdict).toMatchObject({ severity: 'warning', likelyReasons: ['pop-hides-deleted'], messageDiff: -1 });
    expect(sample.pop).toMatchObject({ listing: 'full', fullListingReason: 'counts-disagree' });
    expect(sample.pop.stat.messages).toBe(COUNT - 1);
  });

  it('a pop3_deleted_flag message alone (not \\Deleted): pop-deleted-flag (hidden from POP, still in INBOX) both ways', async () => {
    const u = await seededUser(messages((i) => (i === 12 ? { keywords: ['$POP3Deleted'] } : {})), { settings: { pop3_deleted_flag: '$POP3Deleted' } });
    const { sample } = await bothWays(u);
    expect(sample.verdict).toMatchObject({ severity: 'info', likelyReasons: ['pop-deleted-flag'], messageDiff: -1 });
    expect(sample.pop).toMatchObject({ listing: 'full', fullListingReason: 'counts-disagree' });
  });

  it('pop3_uidl_format changed between probes (%08Xu%08Xv, %g, %08Xv%08Xu): each maps or is unknown, never a false verdict', async () => {
    const seed = messages();
    const u = await seededUser(seed);
    const first = await bothWays(u);
    expect(first.sample.pop.uidlFormat).toBe('dovecot');
    expect(first.sample.verdict).toBeNull();
    // The same user (same password, same home) with another format: the passwd-file line is rewritten.
    const again = async (settings: Record<string, string>) => {
      // Dovecot reads a passwd-file again when its mtime changes: a rewrite in the same second may pass unseen.
      await new Promise((r) => setTimeout(r, 1100));
      await newUser({ user: u.user, password: u.password, settings });
    };
    await again({ pop3_uidl_format: '%g' });
    const guid = await bothWays(u);
    expect(guid.sample.pop.uidlFormat).toBe('unknown');
    expect(guid.sample.pop.uidlMap).toBeNull();
    expect(guid.sample.verdict).toBeNull();
    expect(guid.sample.pop.listing).toBe('sample'); // counts and sizes agree: nothing to explain
    await again({ pop3_uidl_format: '%08Xv%08Xu' });
    const uw = await bothWays(u);
    expect(uw.sample.pop.uidlFormat).toBe('uw');
    expect(uw.sample.verdict).toBeNull();
    expect(uw.sample.pop.listing).toBe('sample');
  });

  it('a message delivered between the IMAP and the POP3 reads: changed-between-probes both ways, the sample then read in full', async () => {
    const race = async (full: boolean) => {
      const u = await seededUser(messages());
      const tb = testbed();
      const imap = await probeImap({ ...imapOptions(u), history: false, now: new Date(), ...(full ? {} : { popSample: true }) });
      expect((await deliverLmtp(tb, u, { subject: 'arrived in between', bodyBytes: 500 })).code).toBe(250);
      const anomalies: Anomaly[] = [];
      const first = await probePop3({ ...pop3Options(u), anomalies, ...(full ? { fullListing: 'asked' as const } : {}) });
      const reasons: string[] = [];
      const pop = await fullPopListingIfNeeded(imap, first, anomalies, (why, into) => {
        reasons.push(why);
        return probePop3({ ...pop3Options(u), anomalies: into, fullListing: why });
      });
      const a = account(u, full);
      const snapshot: Snapshot = {
        schema: SNAPSHOT_SCHEMA,
        tool: { name: 'maildoctor', version: 'test' },
        takenAt: new Date().toISOString(),
        account: { user: u.user, imap: a.imap, pop: a.pop },
        imap,
        pop,
        ...(anomalies.length ? { anomalies } : {}),
      };
      return { ...verdictOf(snapshot), reasons };
    };
    const sample = await race(false);
    const full = await race(true);
    expect(sample.reasons).toEqual(['counts-disagree']);
    expect(full.reasons).toEqual([]);
    expect(sample.pop.listing).toBe('full');
    expect(sample.verdict).toEqual(full.verdict);
    expect(sample.verdict).toMatchObject({ severity: 'info', likelyReasons: ['changed-between-probes'], messageDiff: 1, beyond: 1 });
  });

  it('the CLI: probe samples by default, --full-pop-listing reads every message', async () => {
    const u = await seededUser(messages());
    const dir = mkdtempSync(join(tmpdir(), 'md-popsample-'));
    const env = { MAILDOCTOR_PASSWORD: u.password };
    const listingOf = async (extra: string[]) => {
      const out = join(dir, `${extra.length}.json`);
      const r = await runCli(['probe', ...accountArgs(testbed(), u), '--out', out, ...extra], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const snap = parseSnapshot(readFileSync(out, 'utf8'), out);
      if (!snap.pop?.ok || !snap.imap?.ok) throw new Error('a protocol failed');
      return { pop: snap.pop.evidence, imap: snap.imap.evidence };
    };
    const sampled = await listingOf([]);
    expect(sampled.pop.listing).toBe('sample');
    expect(sampled.pop.messages.map((m) => m.n)).toEqual(sampled.imap.inbox.popSample!.map((m) => m.seq));
    const full = await listingOf(['--full-pop-listing']);
    expect(full.pop).toMatchObject({ listing: 'full', fullListingReason: 'asked' });
    expect(full.pop.messages).toHaveLength(COUNT);
    expect(full.imap.inbox.popSample).toBeUndefined();
  });
});
