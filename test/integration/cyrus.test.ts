// Cyrus IMAP 3.6 beside Dovecot (issue 13): the Cyrus testbed itself (listeners, TLS, passwords, admin, quota,
// special-use folders, seeding through the server, stop). The customer scenarios run on Cyrus in the one table
// for every server, test/integration/server-table.test.ts. This file starts its own Cyrus in beforeAll.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { imapClientSession, runFetchmail } from '../support/clients.js';
import { connectLines } from '../support/lines.js';
import { daysAgo } from '../support/testbed.js';

const KEEP = process.env.MAILDOCTOR_KEEP_TESTBED === '1';
let cy: CyrusTestbed;

beforeAll(async () => {
  cy = await startCyrus();
}, 180_000);

afterAll(async () => {
  await cy?.stop({ keep: KEEP });
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

// maildoctor check against Cyrus: the scenario table of test/integration/server-table.test.ts runs on Cyrus too.
