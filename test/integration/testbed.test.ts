// Proves the Dovecot testbed itself: listeners, logins, quota rules, seeding, LMTP, per-user POP3 lock.
import { describe, expect, it } from 'vitest';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { connectLines } from '../support/lines.js';
import { daysAgo, deliverLmtp, mailboxState, newMasterUser, newUser, seedMaildir, testbed, type TestUser } from '../support/testbed.js';

function imapClient(user: TestUser, secure = true): ImapFlow {
  const tb = testbed();
  const c = new ImapFlow({
    host: tb.host,
    port: secure ? tb.ports.imaps : tb.ports.imap,
    secure,
    doSTARTTLS: secure ? undefined : true,
    auth: { user: user.user, pass: user.password },
    tls: { ca: tb.caPem, servername: 'localhost' },
    logger: false,
    clientInfo: { name: 'maildoctor-tests' },
  });
  c.on('error', () => undefined);
  return c;
}

async function popLogin(user: TestUser, ms = 15_000): Promise<{ reply: string; quit: () => Promise<void> }> {
  const tb = testbed();
  const c = await connectLines(tb.ports.pop3s, { tls: true, ca: tb.caPem });
  expect(await c.line()).toMatch(/^\+OK/);
  c.send(`USER ${user.user}`);
  expect(await c.line()).toMatch(/^\+OK/);
  c.send(`PASS ${user.password}`);
  const reply = await c.line(ms);
  return {
    reply,
    quit: async () => {
      c.send('QUIT');
      await c.line().catch(() => undefined);
      c.close();
    },
  };
}

describe('testbed', () => {
  it('greets on every listener (TLS verified with the testbed CA)', async () => {
    const tb = testbed();
    const imaps = await connectLines(tb.ports.imaps, { tls: true, ca: tb.caPem });
    expect(await imaps.line()).toMatch(/^\* OK/);
    imaps.close();
    const pop3s = await connectLines(tb.ports.pop3s, { tls: true, ca: tb.caPem });
    expect(await pop3s.line()).toMatch(/^\+OK/);
    pop3s.close();
    // 127.0.0.1 → 127.0.0.1 counts as secured for Dovecot: plaintext login allowed there.
    const local = await connectLines(tb.ports.imap);
    expect(await local.line()).toMatch(/^\* OK .*STARTTLS.*AUTH=PLAIN/);
    local.close();
    const imap = await connectLines(tb.ports.imap, { host: tb.untrustedHost });
    expect(await imap.line()).toMatch(/^\* OK .*STARTTLS.*LOGINDISABLED/);
    imap.send('a STARTTLS');
    expect(await imap.line()).toMatch(/^a OK/);
    await imap.startTls(tb.caPem);
    imap.send('b CAPABILITY');
    const caps = await imap.until(/^b /);
    expect(caps[0]).toMatch(/AUTH=PLAIN/);
    imap.close();
    const pop3 = await connectLines(tb.ports.pop3, { host: tb.untrustedHost });
    expect(await pop3.line()).toMatch(/^\+OK/);
    pop3.send('CAPA');
    const capa = (await pop3.until(/^\.$/)).join(' ');
    expect(capa).toMatch(/STLS/);
    expect(capa).not.toMatch(/USER/);
    pop3.send('USER x');
    expect(await pop3.line()).toMatch(/^-ERR/);
    pop3.close();
  });

  it('logs a user in over IMAP (STARTTLS and implicit) and POP3', async () => {
    const u = await newUser();
    for (const secure of [true, false]) {
      const c = imapClient(u, secure);
      await c.connect();
      expect(c.authenticated).toBeTruthy();
      await c.logout();
    }
    const p = await popLogin(u);
    expect(p.reply).toMatch(/^\+OK/);
    await p.quit();
    const bad = await popLogin({ ...u, password: 'wrong' });
    expect(bad.reply).toMatch(/^-ERR \[AUTH\]/);
    await bad.quit();
  });

  it('lets a master user in on behalf of a user (PLAIN authzid, user*master), never as itself or for a non-master', async () => {
    const customer = await newUser();
    const other = await newUser();
    const admin = newMasterUser();
    const plain = (authzid: string, authcid: string, password: string) => Buffer.from(`${authzid}\0${authcid}\0${password}`).toString('base64');
    const imap = async (command: string) => {
      const c = await connectLines(testbed().ports.imaps, { tls: true, ca: testbed().caPem });
      await c.line();
      c.send(`a ${command}`);
      const reply = (await c.until(/^a /, 15_000)).at(-1)!;
      c.close();
      return reply;
    };
    expect(await imap(`AUTHENTICATE PLAIN ${plain(customer.user, admin.user, admin.password)}`)).toMatch(/^a OK/);
    expect(await imap(`LOGIN ${customer.user}*${admin.user} ${admin.password}`)).toMatch(/^a OK/);
    expect(await imap(`LOGIN ${admin.user} ${admin.password}`)).toMatch(/^a NO \[AUTHENTICATIONFAILED\]/);
    expect(await imap(`AUTHENTICATE PLAIN ${plain(customer.user, other.user, other.password)}`)).toMatch(/^a NO \[AUTHENTICATIONFAILED\]/);
    expect(await imap(`LOGIN ${customer.user}*${admin.user} wrong`)).toMatch(/^a NO \[AUTHENTICATIONFAILED\]/);
    const pop = await popLogin({ ...customer, user: `${customer.user}*${admin.user}`, password: admin.password });
    expect(pop.reply).toMatch(/^\+OK/);
    await pop.quit();
  }, 40_000);

  it('applies the per-user quota rule (storage in bytes, messages)', async () => {
    const u = await newUser({ quotaStorageBytes: 2 * 1024 * 1024, quotaMessages: 500 });
    seedMaildir(testbed(), u, 'INBOX', [{ bodyBytes: 10_000 }, { bodyBytes: 20_000 }]);
    const c = imapClient(u);
    await c.connect();
    const q = await c.getQuota('INBOX');
    await c.logout();
    expect(q).toBeTruthy();
    if (!q) return;
    expect(q.storage?.limit).toBe(2 * 1024 * 1024);
    const usage = (q.storage as unknown as { usage: number }).usage;
    expect(usage).toBeGreaterThan(30_000);
    expect(usage).toBeLessThan(40_000);
    // imapflow keys resources by lower-cased name: MESSAGE → message
    const message = (q as unknown as { message: { usage: number; limit: number } }).message;
    expect(message).toEqual({ usage: 2, limit: 500, status: '0%' });
  });

  it('seeds messages with INTERNALDATE, flags, keywords, folders, in arrival order', async () => {
    const tb = testbed();
    const u = await newUser();
    const now = new Date();
    const d1 = new Date(Math.floor(daysAgo(40, now).getTime() / 1000) * 1000);
    const d2 = new Date(Math.floor(daysAgo(2, now).getTime() / 1000) * 1000);
    const seeded = seedMaildir(tb, u, 'INBOX', [
      { date: d1, flags: ['\\Seen', '\\Answered'], keywords: ['$Forwarded'] },
      { date: d2, flags: ['\\Flagged'], keywords: ['$Junk', 'NonJunk'] },
      { date: now },
    ]);
    seedMaildir(tb, u, 'Junk', [{ date: d2 }]);
    seedMaildir(tb, u, 'Archive/2024', [{ date: d1 }, { date: d1 }]);
    // seeded later: higher UID
    seedMaildir(tb, u, 'INBOX', [{ date: d1, messageId: '<later@testbed.invalid>' }]);
    const c = imapClient(u);
    await c.connect();
    const list = await c.list({ statusQuery: { messages: true } });
    const byPath = new Map(list.map((f) => [f.path, f]));
    expect(byPath.get('Junk')?.status?.messages).toBe(1);
    expect(byPath.get('Junk')?.specialUse).toBe('\\Junk');
    expect(byPath.get('Junk')?.subscribed).toBe(true);
    expect(byPath.get('Archive/2024')?.status?.messages).toBe(2);
    expect(byPath.get('Archive/2024')?.subscribed).toBe(true);
    await c.mailboxOpen('INBOX', { readOnly: true });
    const msgs: FetchMessageObject[] = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true, internalDate: true, envelope: true, size: true })) msgs.push(m);
    await c.logout();
    expect(msgs.map((m) => m.uid)).toEqual([1, 2, 3, 4]);
    expect(msgs.map((m) => m.envelope?.messageId)).toEqual([...seeded.messageIds, '<later@testbed.invalid>']);
    expect(msgs.map((m) => m.size)).toEqual([...seeded.sizes, msgs[3]!.size]);
    expect((msgs[0]!.internalDate as Date).getTime()).toBe(d1.getTime());
    expect((msgs[1]!.internalDate as Date).getTime()).toBe(d2.getTime());
    const flags = (i: number) => [...msgs[i]!.flags!].filter((f) => f !== '\\Recent').sort();
    expect(flags(0)).toEqual(['$Forwarded', '\\Answered', '\\Seen']);
    expect(flags(1)).toEqual(['$Junk', 'NonJunk', '\\Flagged']);
    expect(flags(2)).toEqual([]);
  });

  it('seeds 5,000 messages quickly', async () => {
    const u = await newUser();
    const t0 = performance.now();
    seedMaildir(
      testbed(),
      u,
      'INBOX',
      Array.from({ length: 5000 }, (_, i) => ({ date: daysAgo(i / 100) })),
    );
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(2000);
    const st = await mailboxState(testbed(), u);
    expect(st.status).toMatch(/INBOX messages=5000 /);
  });

  it('delivers through LMTP and refuses delivery over quota', async () => {
    const tb = testbed();
    const u = await newUser({ quotaStorageBytes: 20 * 1024 });
    const ok = await deliverLmtp(tb, u, { bodyBytes: 1000, messageId: '<lmtp1@testbed.invalid>' });
    expect(ok.code).toBe(250);
    const full = await deliverLmtp(tb, u, { bodyBytes: 40_000 });
    expect([552, 452]).toContain(full.code);
    expect(full.text).toMatch(/quota/i);
    const c = imapClient(u);
    await c.connect();
    const st = await c.status('INBOX', { messages: true });
    await c.logout();
    expect(st && st.messages).toBe(1);
  });

  it('honours a per-user pop3_lock_session (second session gets [IN-USE])', async () => {
    const locked = await newUser({ popLockSession: true });
    const first = await popLogin(locked);
    expect(first.reply).toMatch(/^\+OK/);
    const t0 = Date.now();
    const second = await popLogin(locked, 30_000);
    expect(second.reply).toMatch(/^-ERR \[IN-USE\]/);
    expect(Date.now() - t0).toBeGreaterThan(5000);
    await second.quit();
    await first.quit();
    // Without the override (global default no), two sessions coexist.
    const free = await newUser();
    const a = await popLogin(free);
    const b = await popLogin(free);
    expect(a.reply).toMatch(/^\+OK/);
    expect(b.reply).toMatch(/^\+OK/);
    await a.quit();
    await b.quit();
  }, 40_000);
});
