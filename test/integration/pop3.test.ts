// The POP3 probe against the real Dovecot testbed: pop3s and STLS, an empty and a 5,000-message mailbox, the
// UIDL → IMAP UID/UIDVALIDITY mapping checked against IMAP's own view (EXAMINE), the probe errors Dovecot really
// produces, a mailbox left untouched, and node-pop3 as an independent second reader of the same UIDL and LIST.
import { ImapFlow } from 'imapflow';
import Pop3Command from 'node-pop3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pop3Client } from '../../src/connectors/pop3/client.js';
import { probePop3, type Pop3ProbeOptions } from '../../src/connectors/pop3/probe.js';
import { popSampleNumbers } from '../../src/connectors/pop-sample.js';
import { Pop3ResultSchema, type Pop3Evidence, type Pop3Result } from '../../src/snapshot/schema.js';
import {
  createFolder,
  daysAgo,
  deliverLmtp,
  mailboxState,
  newUser,
  pop3Options,
  seedMaildir,
  testbed,
  type TestUser,
  messagesAndFlags,
} from '../support/testbed.js';
import { closedPort } from '../support/fake-server.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';

const SEEDED = 5000;

function opts(u: TestUser, over: Partial<Pop3ProbeOptions> = {}): Pop3ProbeOptions {
  return { ...pop3Options(u, over), ...over };
}

async function probe(o: Pop3ProbeOptions): Promise<Pop3Result> {
  const r = await probePop3(o);
  Pop3ResultSchema.parse(r);
  const json = JSON.stringify(r);
  const password = o.credentials.kind === 'password' ? o.credentials.password : '';
  expect(json).not.toContain(password);
  expect(json).not.toContain(Buffer.from(password).toString('base64'));
  return r;
}

function ok(r: Pop3Result): Pop3Evidence {
  if (!r.ok) throw new Error(`POP3 probe failed: ${JSON.stringify(r.error)}`);
  return r.evidence;
}

function failed(r: Pop3Result) {
  if (r.ok) throw new Error('POP3 probe succeeded where it should have failed');
  return r.error;
}

/** INBOX as IMAP sees it, read-only (EXAMINE): UIDVALIDITY, and UID and RFC822.SIZE by sequence number. */
async function imapInbox(u: TestUser): Promise<{ uidValidity: string; uids: number[]; sizes: number[] }> {
  const tb = testbed();
  const c = new ImapFlow({
    host: tb.host,
    port: tb.ports.imaps,
    secure: true,
    auth: { user: u.user, pass: u.password },
    tls: { ca: tb.caPem, servername: 'localhost' },
    logger: false,
    clientInfo: { name: 'maildoctor-tests' },
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    const box = await c.mailboxOpen('INBOX', { readOnly: true });
    const rows: Array<{ seq: number; uid: number; size: number }> = [];
    if (box.exists > 0) {
      for await (const m of c.fetch('1:*', { uid: true, size: true })) rows.push({ seq: m.seq, uid: m.uid, size: m.size ?? -1 });
    }
    rows.sort((a, b) => a.seq - b.seq);
    return { uidValidity: String(box.uidValidity), uids: rows.map((r) => r.uid), sizes: rows.map((r) => r.size) };
  } finally {
    await c.logout().catch(() => undefined);
  }
}

describe('POP3 probe on Dovecot', () => {
  let empty: TestUser;
  let full: TestUser;
  let seededSizes: number[];

  beforeAll(async () => {
    const tb = testbed();
    [empty, full] = await Promise.all([newUser(), newUser()]);
    const seeded = seedMaildir(
      tb,
      full,
      'INBOX',
      Array.from({ length: SEEDED }, (_, i) => ({
        date: daysAgo(i / 200),
        flags: i % 3 === 0 ? ['\\Seen'] : i === 10 ? ['\\Deleted'] : i % 97 === 0 ? ['\\Flagged'] : [],
        bodyBytes: 100 + (i % 50) * 37,
      })),
    );
    seededSizes = seeded.sizes;
    // Mail filed elsewhere: invisible to POP3.
    createFolder(tb, full, 'Junk');
    seedMaildir(tb, full, 'Junk', [{ subject: 'spam 1' }, { subject: 'spam 2' }]);
  });

  it('reads an empty mailbox over pop3s', async () => {
    const e = ok(await probe(opts(empty)));
    expect(e).toMatchObject({
      greeting: expect.stringMatching(/^Dovecot( \(\w+\))? ready\.$/) as unknown,
      transport: 'implicit',
      loginMethod: 'SASL PLAIN',
      stat: { messages: 0, sizeBytes: 0 },
      messages: [],
      uidlFormat: 'dovecot',
      uidlMap: { uidValidity: null, uids: [] },
      implementation: null,
      expire: null,
      loginDelaySeconds: null,
    });
    expect(e.capaPreLogin).toEqual(expect.arrayContaining(['UIDL', 'RESP-CODES', 'USER', 'SASL PLAIN LOGIN']));
    expect(e.capaPreLogin).not.toContain('STLS'); // already TLS
    expect(e.capaPostLogin).toEqual(expect.arrayContaining(['UIDL', 'RESP-CODES']));
    expect(e.capaPostLogin).not.toContain('USER');
    expect(e.tls).toMatchObject({ mode: 'implicit', verified: true, verifyError: null, insecure: false });
    expect(e.tls!.certificate!.subjectAltNames).toEqual(expect.arrayContaining(['IP Address:127.0.0.1']));
  });

  it('reads 5,000 messages over pop3s: STAT, LIST and UIDL agree with IMAP (UID, UIDVALIDITY, size)', async () => {
    const imap = await imapInbox(full);
    expect(imap.uids).toHaveLength(SEEDED);
    const r = await probe(opts(full, { fullListing: 'asked' }));
    const e = ok(r);
    expect(e.stat.messages).toBe(SEEDED); // \Deleted but not expunged: POP3 still lists it
    expect(e.stat.sizeBytes).toBe(seededSizes.reduce((a, b) => a + b, 0));
    expect(e.messages.map((m) => m.n)).toEqual(imap.uids.map((_, i) => i + 1));
    expect(e.messages.map((m) => m.sizeBytes)).toEqual(imap.sizes);
    expect(e.messages.map((m) => m.sizeBytes)).toEqual(seededSizes);
    expect(e.uidlFormat).toBe('dovecot');
    expect(e.uidlMap).toEqual({ uidValidity: imap.uidValidity, uids: imap.uids });
    const hex = (x: number) => x.toString(16).padStart(8, '0');
    expect(e.messages.map((m) => m.uidl)).toEqual(imap.uids.map((uid) => `${hex(uid)}${hex(Number(imap.uidValidity))}`));
    console.log(`[measure] POP3 probe of ${SEEDED} messages over pop3s: durationMs=${r.durationMs} sessionMs=${e.sessionMs}`);
  });

  it('by default reads a sample (UIDL n, LIST n): first, last and evenly spaced, each as IMAP sees that sequence number', async () => {
    const imap = await imapInbox(full);
    const r = await probe(opts(full));
    const e = ok(r);
    expect(e.listing).toBe('sample');
    expect(e.fullListingReason).toBeUndefined();
    expect(e.stat.messages).toBe(SEEDED);
    const ns = e.messages.map((m) => m.n);
    expect(ns).toEqual(popSampleNumbers(SEEDED));
    expect(ns.length).toBeGreaterThanOrEqual(16);
    expect(ns.length).toBeLessThanOrEqual(32);
    expect(ns[0]).toBe(1);
    expect(ns[ns.length - 1]).toBe(SEEDED);
    expect(e.messages.map((m) => m.sizeBytes)).toEqual(ns.map((n) => imap.sizes[n - 1]));
    expect(e.uidlFormat).toBe('dovecot');
    expect(e.uidlMap).toEqual({ uidValidity: imap.uidValidity, uids: ns.map((n) => imap.uids[n - 1]) });
    const fullRun = ok(await probe(opts(full, { fullListing: 'asked' })));
    expect(fullRun.listing).toBe('full');
    expect(fullRun.fullListingReason).toBe('asked');
    console.log(`[measure] POP3 probe of ${SEEDED} messages: sample sessionMs=${e.sessionMs}, full sessionMs=${fullRun.sessionMs}`);
  });

  it('reads the same over STLS, with CAPA before and after the upgrade', async () => {
    const imap = await imapInbox(full);
    const r = await probe(opts(full, { tls: 'starttls', fullListing: 'asked' }));
    const e = ok(r);
    expect(e.transport).toBe('starttls');
    expect(e.tls).toMatchObject({ mode: 'starttls', verified: true });
    expect(e.capaBeforeStls).toEqual(expect.arrayContaining(['STLS']));
    expect(e.capaPreLogin).not.toContain('STLS');
    expect(e.uidlMap).toEqual({ uidValidity: imap.uidValidity, uids: imap.uids });
    expect(e.messages.map((m) => m.sizeBytes)).toEqual(imap.sizes);
    console.log(`[measure] POP3 probe of ${SEEDED} messages over STLS: durationMs=${r.durationMs} sessionMs=${e.sessionMs}`);
  });

  it('logs in with USER/PASS when asked to prefer it', async () => {
    const e = ok(await probe(opts(empty, { preferSasl: false })));
    expect(e.loginMethod).toBe('USER/PASS');
  });

  it('a wrong password is auth (after Dovecot’s delay)', async () => {
    const wrong = 'not-the-Password-42';
    const err = failed(await probe(opts(empty, { credentials: passwordCredentials(empty.user, wrong) })));
    expect(err).toMatchObject({ kind: 'auth', step: 'login', code: 'AUTH' });
    expect(err.message).not.toContain(wrong);
  });

  it('a self-signed certificate without the CA is tls (pop3s and STLS)', async () => {
    const implicit = failed(await probe(opts(empty, { ca: undefined })));
    expect(implicit).toMatchObject({ kind: 'tls', step: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const stls = failed(await probe(opts(empty, { tls: 'starttls', ca: undefined })));
    expect(stls).toMatchObject({ kind: 'tls', step: 'starttls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    // --insecure goes on and says why verification failed.
    const insecure = ok(await probe(opts(empty, { ca: undefined, insecure: true })));
    expect(insecure.tls).toMatchObject({ verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', insecure: true });
  });

  it('a closed port is refused', async () => {
    expect(failed(await probe(opts(empty, { port: await closedPort() })))).toMatchObject({ kind: 'refused', step: 'connect' });
  });

  it('plaintext: refused by us without allowPlaintext, and by Dovecot on a non-local connection', async () => {
    const tb = testbed();
    const ours = failed(await probe(opts(empty, { tls: 'none' })));
    expect(ours).toMatchObject({ kind: 'plaintext-refused', step: 'login' });
    expect(ours.message).toMatch(/offers STLS/);
    const theirs = failed(await probe(opts(empty, { tls: 'none', host: tb.untrustedHost, allowPlaintext: true })));
    expect(theirs).toMatchObject({ kind: 'plaintext-refused', step: 'login' });
    // 127.0.0.1 → 127.0.0.1 counts as secured for Dovecot: a plaintext session works there when allowed.
    const local = ok(await probe(opts(empty, { tls: 'none', allowPlaintext: true })));
    expect(local).toMatchObject({ transport: 'none', tls: null });
  });

  it('implicit TLS on the plain POP3 port is tls', async () => {
    const tb = testbed();
    const err = failed(await probe(opts(empty, { tls: 'implicit', port: tb.ports.pop3 })));
    expect(err).toMatchObject({ kind: 'tls', step: 'tls' });
  });

  it('starttls on the pop3s port is not a hang: the TLS greeting is not POP3', async () => {
    const tb = testbed();
    const err = failed(await probe(opts(empty, { tls: 'starttls', port: tb.ports.pop3s, timeoutMs: 1500 })));
    expect(['timeout', 'protocol', 'unreachable']).toContain(err.kind);
  });

  it('leaves the mailbox unchanged (messages, flags, UID list, status), including unseen and new mail', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', [{ flags: ['\\Seen'] }, {}, { flags: ['\\Flagged'] }, {}]);
    for (let i = 0; i < 2; i++) expect((await deliverLmtp(tb, u, { subject: `fresh ${i}` })).code).toBe(250);
    const before = await mailboxState(tb, u);
    expect(before.files.INBOX!.filter((f) => f.startsWith('new/'))).toHaveLength(2);
    for (const tls of ['implicit', 'starttls'] as const) {
      const e = ok(await probe(opts(u, { tls })));
      expect(e.stat.messages).toBe(6);
    }
    const after = await mailboxState(tb, u);
    // Same messages with the same flags, same UIDs, same counts (unseen) and modseq.
    expect(messagesAndFlags(after.files)).toEqual(messagesAndFlags(before.files));
    expect(after.uidlists).toEqual(before.uidlists);
    expect(after.status).toEqual(before.status);
    // The one thing a POP3 login does to a Maildir: Dovecot clears \Recent by moving new/ mail to cur/ with no
    // flags (as any IMAP SELECT would). Nothing a client can see as a flag, and nothing the protocol can avoid.
    expect(after.files.INBOX!.filter((f) => f.startsWith('new/'))).toEqual([]);
  });

  it('Dovecot’s [IN-USE] with pop3_lock_session is in-use', async () => {
    const tb = testbed();
    const u = await newUser({ popLockSession: true });
    const holder = new Pop3Client({ host: tb.host, port: tb.ports.pop3s, transport: 'implicit', ca: tb.caPem, timeoutMs: 10_000 });
    await holder.connect();
    await holder.login(u.user, u.password);
    try {
      const err = failed(await probe(opts(u, { timeoutMs: 25_000 })));
      expect(err).toMatchObject({ kind: 'in-use', step: 'login', code: 'IN-USE' });
    } finally {
      await holder.quit().catch(() => undefined);
    }
  }, 40_000);

  it('node-pop3 (an independent client) reads the same UIDL and LIST as ours', async () => {
    const tb = testbed();
    const ours = ok(await probe(opts(full, { fullListing: 'asked' })));
    const pop = new Pop3Command({
      host: tb.host,
      port: tb.ports.pop3s,
      tls: true,
      user: full.user,
      password: full.password,
      timeout: 30_000,
      tlsOptions: { ca: tb.caPem },
      servername: 'localhost',
    });
    pop.on('error', () => undefined);
    try {
      const uidl = (await pop.UIDL()) as string[][];
      const list = (await pop.LIST()) as string[][];
      expect(uidl.map(([n, id]) => ({ n: Number(n), uidl: id }))).toEqual(ours.messages.map((m) => ({ n: m.n, uidl: m.uidl })));
      expect(list.map(([n, size]) => ({ n: Number(n), sizeBytes: Number(size) }))).toEqual(
        ours.messages.map((m) => ({ n: m.n, sizeBytes: m.sizeBytes })),
      );
    } finally {
      await pop.QUIT().catch(() => undefined);
    }
  });
});
