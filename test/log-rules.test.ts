// The server log feeding pop-deletes-mail and mixed-protocol-use (RuleTester cases; quota-rejected-mail has its
// own file under test/rules). Log evidence comes from the fixtures in fixtures/logs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleTester } from './rules/rule-tester.js';
import { analyze } from '../src/analyzer/index.js';
import { parseSnapshot } from '../src/snapshot/io.js';
import { parseLogs } from '../src/connectors/log/index.js';
import type { Snapshot } from '../src/snapshot/schema.js';
import { POP_SINGLE_DEVICE_LEDGER, scenario, TAKEN_AT } from './support/snapshot-builder.js';

const FIX = (name: string) => new URL(`../fixtures/logs/${name}`, import.meta.url).pathname;
const now = new Date(TAKEN_AT);
// POP3 from 198.51.100.7 deleting 3 messages in 2 sessions, IMAP from 203.0.113.20 (another device).
const v24 = await parseLogs([FIX('dovecot-2.4-handwritten.log')], { user: 'alice@example.com', now });
// fetchmail deleting 4 messages; the IMAP client logged in from the same address (127.0.0.1).
const v23 = await parseLogs([FIX('dovecot-2.3.log')], { user: 'alice', now });
// The same account before any POP3 session deleted anything.
const noDeletes = await parseLogs([FIX('dovecot-2.4-handwritten.log')], { user: 'alice@example.com', now, until: new Date(2024, 10, 26, 13, 50, 0) });

// A POP3 device whose logout lines are in a shape the reader does not know (pop3_logout_format = r=%r/%b d=%d/%m),
// and an IMAP app on another address: what the POP3 device deleted is unknown.
const unreadDir = mkdtempSync(join(tmpdir(), 'md-log-rules-'));
const unreadLog = join(unreadDir, 'unread.log');
writeFileSync(
  unreadLog,
  [
    ...[0, 1, 2].flatMap((i) => [
      `Nov 26 14:0${i}:01 mx1 dovecot[812]: pop3-login: Login: user=<alice@example.com>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.10, mpid=${i}, TLS, session=<s${i}>`,
      `Nov 26 14:0${i}:02 mx1 dovecot[812]: pop3(alice@example.com)<${i}><s${i}>: Disconnected: Logged out r=1/500 d=1/9`,
    ]),
    'Nov 26 14:05:00 mx1 dovecot[812]: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=203.0.113.20, lip=192.0.2.10, mpid=9, TLS, session=<i9>',
  ].join('\n') + '\n',
);
const unread = await parseLogs([unreadLog], { user: 'alice@example.com', now });
// The 2.4 log with one more POP3 login whose logout line is cut: its deletions are unknown, the others proven.
const partly = await parseLogs([FIX('dovecot-2.4-handwritten.log'), unreadLog], { user: 'alice@example.com', now });
const UNREAD_POP = /^the server log has 3 POP3 sessions of this account whose logout counters could not be read \(what they downloaded and deleted is unknown\)/;

const withLogs = (name: Parameters<typeof scenario>[0], logs: Snapshot['logs']): Snapshot => ({ ...scenario(name), logs });
const at = (mon: number, d: number, h: number, mi: number, s: number) => new Date(2024, mon, d, h, mi, s).toISOString();
const DAY = 86_400;

ruleTester('pop-deletes-mail', {
  valid: [
    { name: 'a log without POP deletions adds nothing', snapshot: withLogs('healthy-pop-only', noDeletes) },
    { name: 'logs: null', snapshot: withLogs('healthy-pop-only', null) },
  ],
  skipped: [{ name: 'POP3 logouts the log has but cannot read: incomplete, never "no deletions"', snapshot: withLogs('healthy-pop-only', unread), reason: UNREAD_POP }],
  invalid: [
    {
      name: 'log proof on an account whose ledger shows nothing: fires, confidence high, names the device',
      snapshot: withLogs('healthy-pop-only', v24),
      findings: [
        {
          severity: 'warning', // the log also shows an IMAP login from another address
          confidence: 'high',
          titleIncludes: ['server log', '3 messages in 2 sessions'],
          evidence: {
            inboxUidValidity: '1717000000',
            inboxReceived: 800,
            inboxMessages: 800,
            leftInbox: 0,
            otherFoldersReceived: 14,
            removedWithoutTrace: 0,
            removedRatio: 0,
            oldestAgeSeconds: 400 * DAY,
            imapClientSeen: true,
            fromLog: {
              popSessions: 4,
              sessionsWithDeletes: 2,
              retrMessages: 4,
              deletedMessages: 3,
              deletedBytes: 35161 + 5021,
              pollIntervalSeconds: 300,
              popIps: ['198.51.100.7'],
              firstSession: at(10, 26, 13, 50, 2),
              lastDelete: at(10, 26, 14, 0, 2),
            },
          },
        },
      ],
    },
    {
      name: 'log proof on top of the ledger pattern (one POP device): info, confidence high',
      snapshot: withLogs('pop-single-device-deletes', v23),
      findings: [
        {
          severity: 'info', // IMAP logins only from the POP client's own address: a weak sign
          confidence: 'high',
          evidence: {
            ...POP_SINGLE_DEVICE_LEDGER,
            fromLog: {
              popSessions: 4,
              sessionsWithDeletes: 2,
              retrMessages: 7,
              deletedMessages: 4,
              deletedBytes: null,
              pollIntervalSeconds: v23.pop.pollIntervalSeconds,
              popIps: ['127.0.0.1'],
              firstSession: v23.pop.first,
              lastDelete: v23.pop.lastDelete,
            },
          },
        },
      ],
    },
  ],
});

ruleTester('mixed-protocol-use', {
  skipped: [{ name: 'IMAP from another address, POP3 logouts unreadable: incomplete, never healthy', snapshot: withLogs('healthy-pop-only', unread), reason: UNREAD_POP }],
  valid: [
    { name: 'POP deletions in the log, IMAP logins only from the same address (weak)', snapshot: withLogs('healthy-pop-only', v23) },
    { name: 'IMAP login from another address but no POP deletion', snapshot: withLogs('healthy-pop-only', { ...v24, pop: { ...v24.pop, deletedMessages: 0, sessionsWithDeletes: 0 } }) },
  ],
  invalid: [
    {
      name: 'the log shows both: POP3 deleting from one address, IMAP from another → high',
      snapshot: withLogs('healthy-pop-only', v24),
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          titleIncludes: ['deleting 3 messages', '203.0.113.20'],
          evidence: {
            popSigns: [{ kind: 'log-pop-deletes', strength: 'strong', count: 3, folders: ['INBOX'], keyword: null, ips: ['198.51.100.7'] }],
            imapSigns: [{ kind: 'log-imap-logins', strength: 'strong', count: 1, folders: [], keyword: null, ips: ['203.0.113.20'] }],
          },
        },
      ],
    },
  ],
});

describe('log evidence with lines that could not be read', () => {
  it('the rules that conclude from POP3 counters are skipped as incomplete evidence, the others run', () => {
    expect(unread.unread).toMatchObject({ pop3Sessions: 3, lines: 3 });
    const a = analyze(withLogs('healthy-pop-only', unread));
    const skipped = (id: string) => a.skipped.find((x) => x.rule === id);
    expect(skipped('pop-deletes-mail')?.kind).toBe('incomplete-evidence');
    expect(skipped('pop-deletes-mail')?.reason).toMatch(UNREAD_POP);
    expect(skipped('mixed-protocol-use')).toMatchObject({ kind: 'incomplete-evidence' });
    expect(a.checked).toContain('quota-rejected-mail'); // every delivery line (none) was read
  });

  it('what was read still proves what it shows: deletions read beside unreadable sessions are a finding', () => {
    expect(partly.unread!.pop3Sessions).toBe(3);
    const a = analyze(withLogs('healthy-pop-only', partly));
    expect(a.findings.find((f) => f.id === 'pop-deletes-mail')).toMatchObject({ confidence: 'high', evidence: { fromLog: { deletedMessages: 3 } } });
    expect(a.findings.find((f) => f.id === 'mixed-protocol-use')).toBeDefined();
  });
});

describe('a saved snapshot replays its log evidence', () => {
  it('parseSnapshot keeps logs, and analyze gives the same log-based findings', () => {
    const snap = withLogs('healthy-pop-only', v24);
    const loaded = parseSnapshot(JSON.stringify(snap), 'test');
    expect(loaded.logs).toEqual(v24);
    const ids = (s: Snapshot) => analyze(s).findings.map((f) => [f.id, f.confidence]);
    expect(ids(loaded)).toEqual(ids(snap));
    expect(ids(loaded)).toContainEqual(['pop-deletes-mail', 'high']);
  });

  it('an older snapshot without the field still loads', () => {
    const { logs: _, ...old } = withLogs('healthy-pop-only', null);
    expect(parseSnapshot(JSON.stringify(old), 'old').logs).toBeUndefined();
  });
});
