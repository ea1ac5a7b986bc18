// Cyrus's log lines (connectors/log/cyrus.ts): on a log captured from the testbed's Cyrus 3.6
// (fixtures/logs/cyrus-3.6.log: an IMAP app moving and expunging, fetchmail downloading and deleting, LMTP
// deliveries, a wrong password over both protocols), and on the cases a capture does not show.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLine, parseLogs } from '../src/connectors/log/index.js';
import { cyrusMailbox, cyrusService } from '../src/connectors/log/cyrus.js';
import type { LineContext } from '../src/connectors/log/line.js';

const FIXTURE = new URL('../fixtures/logs/cyrus-3.6.log', import.meta.url).pathname;
const NOW = new Date(2026, 11, 6, 23, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'md-cyrus-log-'));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, `${lines.join('\n')}\n`);
  return p;
};
const LOGIN = (proc: string, user: string, mech = 'plaintext+TLS') => `Dec  6 10:00:00 mx ${proc}: login: phone.example [203.0.113.9] ${user} ${mech} User logged in SESSIONID=<cyrus-1-2-3-${proc.length}>`;

describe('Cyrus lines', () => {
  it('the captured log: every line understood, POP3 and IMAP sessions with what they deleted, deliveries, failed logins', async () => {
    const e = await parseLogs([FIXTURE], { user: 'alice', now: NOW });
    expect(e.lines.unparseable).toBe(0);
    expect(e.parseRate).toBe(1);
    expect(e.popLogoutFormat).toBe('cyrus');
    expect(e.pop).toMatchObject({ sessions: 1, retrMessages: 2, deletedMessages: 2, sessionsWithDeletes: 1, closedWithoutQuit: 0 });
    expect(e.imap).toMatchObject({ sessions: 2, expunged: 2, notLogged: ['deleted', 'trashed'] }); // Cyrus logs expunges only
    expect(e.deliveries).toMatchObject({ saved: 5, quotaRefused: 0, refusalsUnlogged: 'cyrus' });
    expect(e.authFailures.map((f) => `${f.protocol} ${f.ip} ${f.count}`).sort()).toEqual(['imap 127.0.0.1 1', 'pop3 127.0.0.1 1']);
    // The administrator's logins are another account's, and lines of Cyrus's own housekeeping no account's.
    expect(e.namesSeen).toEqual(['alice']);
  });

  it('DELE without QUIT: counts shows the DELEs, no Expunged line follows, so nothing was deleted', async () => {
    const p = file('dropped.log', [
      LOGIN('cyrus/pop3s[900]', 'bob'),
      'Dec  6 10:00:01 mx cyrus/pop3s[900]: USAGE bob user: 0.01 sys: 0.00',
      'Dec  6 10:00:01 mx cyrus/pop3s[900]: counts: retr=<0> top=<0> dele=<4>',
    ]);
    const e = await parseLogs([p], { user: 'bob', now: NOW });
    expect(e.pop).toMatchObject({ sessions: 1, closedWithoutQuit: 1, deletedMessages: 0 });
  });

  it('two processes at once keep their sessions apart; a session continues into the next file', async () => {
    const a = file('a.log', [LOGIN('cyrus/pop3[1]', 'bob'), LOGIN('cyrus/pop3[2]', 'carol'), 'Dec  6 10:00:02 mx cyrus/pop3[2]: Expunged 5 messages from user.carol']);
    const b = file('b.log', ['Dec  6 10:00:03 mx cyrus/pop3[1]: Expunged 2 messages from user.bob', 'Dec  6 10:00:03 mx cyrus/pop3[1]: counts: retr=<2> top=<0> dele=<2>', 'Dec  6 10:00:04 mx cyrus/pop3[2]: counts: retr=<5> top=<1> dele=<5>']);
    const bob = await parseLogs([a, b], { user: 'bob', now: NOW });
    const carol = await parseLogs([a, b], { user: 'carol', now: NOW });
    expect(bob.pop).toMatchObject({ sessions: 1, deletedMessages: 2, retrMessages: 2 });
    expect(carol.pop).toMatchObject({ sessions: 1, deletedMessages: 5, retrMessages: 5 });
  });

  it('a log that starts inside a session: the Expunged line alone is counted for the mailbox it names', async () => {
    const p = file('mid.log', ['Dec  6 10:00:03 mx cyrus/imaps[7]: Expunged 3 messages from example.com!user.dave^smith']);
    const e = await parseLogs([p], { user: 'dave.smith@example.com', now: NOW });
    expect(e.imap.expungeEvents).toBe(3);
    expect(e.namesSeen).toEqual(['dave.smith@example.com']);
  });

  it('an unreadable counter is an unread session of the account, never a zero', async () => {
    const p = file('bad.log', [LOGIN('cyrus/pop3[3]', 'erin'), 'Dec  6 10:00:03 mx cyrus/pop3[3]: counts: retr=<99999999999999999999> top=<0> dele=<0>']);
    const e = await parseLogs([p], { user: 'erin', now: NOW });
    expect(e.unread).toMatchObject({ pop3Sessions: 1 });
    expect(e.parseRate).toBeLessThan(1);
  });

  it('journalctl -o json records of Cyrus (SYSLOG_IDENTIFIER, _PID)', () => {
    const ctx: LineContext = { year: 2026 };
    const rec = (msg: string) => JSON.stringify({ __REALTIME_TIMESTAMP: '1796562417000000', SYSLOG_IDENTIFIER: 'cyrus/pop3', _PID: '44', MESSAGE: msg });
    expect(parseLine(rec('login: phone [198.51.100.7] frank plaintext User logged in SESSIONID=<s-1>'), ctx)).toMatchObject({ kind: 'event', session: 's-1', event: { type: 'login', protocol: 'pop3', user: 'frank', ip: '198.51.100.7' } });
    expect(parseLine(rec('Expunged 1 messages from user.frank'), ctx).kind).toBe('other');
    expect(parseLine(rec('counts: retr=<1> top=<0> dele=<1>'), ctx)).toMatchObject({ kind: 'event', session: 's-1', event: { type: 'pop3-logout', user: 'frank', quit: true, deleted: 1, retr: [1, null] } });
  });

  it('older badlogin form, and the services and mailbox names Cyrus setups use', () => {
    const ctx: LineContext = { year: 2026 };
    expect(parseLine('Dec  6 10:00:00 mx cyrus/imap[5]: badlogin: laptop [192.0.2.1] plaintext gina SASL(-13): authentication failure', ctx)).toMatchObject({
      event: { type: 'auth-failed', user: 'gina', protocol: 'imap', ip: '192.0.2.1' },
    });
    expect(['imaps', 'cyrus/imaps', 'cyrus/pop3s', 'pop3d', 'lmtpunix', 'cyrus/lmtpunix', 'cron', 'postfix/lmtp', 'dovecot'].map(cyrusService)).toEqual(['imap', 'imap', 'pop3', 'pop3', 'lmtp', 'lmtp', null, null, null]);
    expect(cyrusMailbox('user.alice')).toEqual({ user: 'alice', box: 'INBOX' });
    expect(cyrusMailbox('user.alice.Junk')).toEqual({ user: 'alice', box: 'Junk' });
    expect(cyrusMailbox('user/alice/Junk')).toEqual({ user: 'alice', box: 'Junk' });
    expect(cyrusMailbox('example.com!user.bob^smith.Sent')).toEqual({ user: 'bob.smith@example.com', box: 'Sent' });
    expect(cyrusMailbox('shared.news')).toBeNull();
  });
});
