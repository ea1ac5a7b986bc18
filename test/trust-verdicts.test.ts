// Issue 9 items played offline: a failed probe never becomes the baseline (6), retention keeps the lists that
// compare (5), a partial check says so first (8), server text is scrubbed of the password (3), and our own
// probe sessions are not a customer's device in a server log (7).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/analyzer/index.js';
import { accountKey, openHistory } from '../src/history/store.js';
import { parseLogs } from '../src/connectors/log/index.js';
import { buildReport } from '../src/report/build.js';
import { render } from '../src/report/render.js';
import { scrubSnapshot } from '../src/snapshot/scrub.js';
import type { Snapshot } from '../src/snapshot/schema.js';
import { cloneSnapshot } from '../src/snapshot/io.js';
import { MessageList } from '../src/snapshot/message-list.js';
import { buildSnapshot, fail, healthyImapOnlySpec, scenario, wrongPasswordSpec } from './support/snapshot-builder.js';
import { withList } from './rules/rule-tester.js';

const at = (s: Snapshot, takenAt: string): Snapshot => ({ ...cloneSnapshot(s), takenAt });

describe('a failed probe does not hide the next deletion (item 6)', () => {
  it('compares with the newest probe that has IMAP evidence and names the ones passed over', () => {
    const h = openHistory(join(mkdtempSync(join(tmpdir(), 'md-trust-')), 'h.db'), { keepMessageLists: 1 });
    const good = at(withList(scenario('healthy-imap-only')), '2025-06-02T10:00:00.000Z');
    const bad = at(buildSnapshot(wrongPasswordSpec()), '2025-06-02T11:00:00.000Z');
    bad.account = good.account;
    h.recordProbe(good, { status: 'ok' });
    h.recordProbe(bad, { status: 'critical' });
    h.recordProbe(at(bad, '2025-06-02T11:30:00.000Z'), { status: 'critical' });
    const { previous, passedOver } = h.latestComparableProbe(accountKey(good));
    expect(previous?.takenAt).toBe(good.takenAt);
    expect(passedOver).toEqual(['2025-06-02T11:30:00.000Z', '2025-06-02T11:00:00.000Z']);
    // keepMessageLists 1 and two failed probes after it: the good probe's list is still there to compare.
    const list = previous?.imap?.ok ? previous.imap.evidence.inbox.messageList : null;
    expect(list?.length).toBeGreaterThan(0);
    // The next good probe has lost three messages: mail-vanished runs against the good probe and finds them.
    const now = at(withList(scenario('healthy-imap-only')), '2025-06-02T12:00:00.000Z');
    if (now.imap?.ok) {
      const l = MessageList.from(now.imap.evidence.inbox.messageList!.toArray().slice(3));
      now.imap.evidence.inbox.messageList = l;
      now.imap.evidence.inbox.messages = l.length;
    }
    const a = analyze(now, { previous, passedOver });
    expect(a.findings.map((f) => f.id)).toContain('mail-vanished');
    const text = render(buildReport(now, a), 'text');
    expect(text).toContain('Compared with the check at 2025-06-02 10:00:00 UTC: the 2 newer probes after it had no IMAP evidence');
    h.close();
  });
});

describe('a partial check says so in its first line (item 8)', () => {
  const snap = buildSnapshot({ ...healthyImapOnlySpec(), imap: null });
  const report = buildReport(snap, analyze(snap));
  it('in every format', () => {
    expect(report.coverage).toMatchObject({ partial: true, observed: ['pop'], notProbed: ['imap'] });
    expect(report.verdict).toMatch(/^Partial check \(POP3 only; IMAP not probed; \d+ checks not run\): /);
    for (const format of ['text', 'markdown', 'nagios'] as const) {
      const first = render(report, format).split('\n')[0]!;
      expect(first, format).toMatch(/partial/i);
    }
    expect(render(report, 'junit')).toContain('<property name="partial" value="true"/>');
  });
  it('a failed protocol makes a partial check too', () => {
    const s = buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('refused', 'connection refused') });
    expect(buildReport(s, analyze(s)).verdict).toMatch(/^Partial check \(IMAP only; POP3 probe failed/);
  });
});

describe('server text is scrubbed of the password (item 3)', () => {
  it('folder names, ID fields and UIDLs lose the password and its base64 form; the account is kept', () => {
    const pw = 'hunter2secret';
    const s = structuredClone(scenario('mixed'));
    if (!s.imap?.ok || !s.pop?.ok) throw new Error('fixture');
    s.imap.evidence.folders[0]!.path = `Archive/${pw}`;
    (s.imap.evidence as unknown as Record<string, unknown>).serverId = { name: `x ${Buffer.from(pw).toString('base64')} y` };
    if (s.pop.evidence.messages[0]) s.pop.evidence.messages[0].uidl = `u-${pw}`;
    scrubSnapshot(s, pw);
    const json = JSON.stringify(s);
    expect(json).not.toContain(pw);
    expect(json).not.toContain(Buffer.from(pw).toString('base64'));
    expect(json).toContain(s.account.user);
  });
});

describe('our own probe sessions are not a device (item 7)', () => {
  it('logins inside a stored probe window are left out and counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-trust-log-'));
    const file = join(dir, 'dovecot.log');
    const line = (t: string, ip: string) => `2025-06-02 ${t} pop3-login: Info: Login: user=<alice>, method=PLAIN, rip=${ip}, lip=127.0.0.1, mpid=1, TLS, session=<x>`;
    writeFileSync(file, [line('10:00:00', '127.0.0.1'), line('10:15:00', '127.0.0.1'), line('10:07:00', '203.0.113.9')].join('\n') + '\n');
    const base = { user: 'alice', now: new Date('2025-06-03T00:00:00Z') };
    const all = await parseLogs([file], base);
    const win = (t: string): [number, number] => [Date.parse(`2025-06-02T${t}`), Date.parse(`2025-06-02T${t}`) + 800];
    const ours = await parseLogs([file], { ...base, ownSessions: [win('10:00:00'), win('10:15:00')] });
    const count = (e: typeof all) => e.logins.reduce((n, l) => n + l.count, 0);
    expect(count(all) - count(ours)).toBe(ours.lines.ownSessions ?? -1);
    expect(ours.lines.ownSessions).toBe(2);
    expect(ours.logins.map((l) => l.ip)).toEqual(['203.0.113.9']);
  });
});
