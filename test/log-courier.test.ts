// Courier's log lines (connectors/log/courier.ts): on a log captured from the testbed's Courier 5.0
// (fixtures/logs/courier-5.0.log), and on the cases a capture does not show.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLine, parseLogs } from '../src/connectors/log/index.js';
import { courierService } from '../src/connectors/log/courier.js';
import { incompleteEvidence } from '../src/analyzer/evidence.js';
import { scenario } from './support/snapshot-builder.js';

const FIXTURE = new URL('../fixtures/logs/courier-5.0.log', import.meta.url).pathname;
const NOW = new Date(2026, 11, 6, 23, 0, 0);
const ctx = () => ({ year: 2026, latest: NOW.getTime() });
const dir = mkdtempSync(join(tmpdir(), 'md-courier-log-'));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};

describe('Courier lines', () => {
  it('the captured log: every line understood; logins, failed logins, POP3 sessions whose deletions are not logged', async () => {
    const e = await parseLogs([FIXTURE], { user: 'alice', now: NOW });
    expect(e.lines.unparseable).toBe(0);
    expect(e.parseRate).toBe(1);
    expect(e.popLogoutFormat).toBe('courier');
    // fetchmail keep, the dropped session, fetchmail deleting: three sessions, one without QUIT.
    expect(e.pop).toMatchObject({ sessions: 3, closedWithoutQuit: 1, deletesUnlogged: 2, deletedMessages: 0, sessionsWithDeletes: 0 });
    expect(e.imap).toMatchObject({ sessions: 1, notLogged: ['deleted', 'expunged', 'trashed'] });
    // Courier writes IPv4 clients as ::ffff:a.b.c.d: read as the IPv4 address.
    expect(e.logins.map((l) => `${l.protocol} ${l.ip} ${l.count}`).sort()).toEqual(['imap 127.0.0.1 1', 'pop3 127.0.0.1 3']);
    // IMAP's AUTHENTICATE PLAIN failure names no user: only POP3's is this account's.
    expect(e.authFailures.map((f) => `${f.protocol} ${f.ip} ${f.count}`)).toEqual(['pop3 127.0.0.1 1']);
    expect(e.namesSeen).toEqual(['alice']);
  });

  it('check: a Courier log never passes pop-deletes-mail, it says the deletions are not logged', async () => {
    const logs = await parseLogs([FIXTURE], { user: 'alice', now: NOW });
    const s = { ...scenario('healthy-imap-only'), logs };
    expect(incompleteEvidence(s, ['logs.pop3'])).toMatch(/^the server log is Courier's, whose POP3 logout lines count no deletions: 2 POP3 sessions of this account ended with QUIT/);
    // Sessions that all dropped before QUIT deleted nothing: nothing unknown.
    const dropped = await parseLogs(
      [file('dropped.log', ['Dec  6 10:00:00 mx pop3d-ssl: LOGIN, user=bob, ip=[::ffff:203.0.113.9], port=[5]', 'Dec  6 10:00:09 mx pop3d-ssl: TIMEOUT, user=bob, ip=[::ffff:203.0.113.9], port=[5], top=0, retr=0, rcvd=8, sent=30, time=9'])],
      { user: 'bob', now: NOW },
    );
    expect(dropped.pop).toMatchObject({ sessions: 1, closedWithoutQuit: 1 });
    expect(dropped.pop.deletesUnlogged).toBeUndefined();
    expect(incompleteEvidence({ ...s, logs: dropped }, ['logs.pop3'])).toBeNull();
  });

  it('daemon names: Courier 5 and older ones; a Cyrus line under imapd stays Cyrus', () => {
    expect(['imapd', 'imapd-ssl', 'imaplogin'].map(courierService)).toEqual(['imap', 'imap', 'imap']);
    expect(['pop3d', 'pop3d-ssl', 'courierpop3login', 'courierpop3d'].map(courierService)).toEqual(['pop3', 'pop3', 'pop3', 'pop3']);
    expect(courierService('dovecot')).toBeNull();
    const cyrus = parseLine('Dec  6 10:00:00 mx imapd[812]: login: phone [203.0.113.9] alice PLAIN+TLS User logged in SESSIONID=<c-1>', ctx());
    expect(cyrus).toMatchObject({ kind: 'event', event: { type: 'login', user: 'alice', protocol: 'imap', method: 'PLAIN+TLS', ip: '203.0.113.9' } });
    const courier = parseLine('Dec  6 10:00:00 mx imapd[812]: LOGIN, user=alice, ip=[2001:db8::7], port=[4242], protocol=IMAP', ctx());
    expect(courier).toMatchObject({ kind: 'event', event: { type: 'login', user: 'alice', protocol: 'imap', ip: '2001:db8::7' } });
  });

  it('a journalctl record of pop3d-ssl is read the same', () => {
    const rec = JSON.stringify({ MESSAGE: 'LOGOUT, user=alice, ip=[::ffff:203.0.113.9], port=[5], top=0, retr=2425, rcvd=132, sent=2792, time=0, stls=1', SYSLOG_IDENTIFIER: 'pop3d-ssl', __REALTIME_TIMESTAMP: '1796000000000000' });
    expect(parseLine(rec, ctx())).toMatchObject({ kind: 'event', event: { type: 'pop3-logout', user: 'alice', quit: true, server: 'courier', retr: null } });
  });
});
