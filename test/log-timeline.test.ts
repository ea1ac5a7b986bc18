// The device timeline (connectors/log/timeline.ts through parseLogs) on the captured 2.3 log and on lines in the
// shapes Dovecot writes: sessions tied to their login by the session id, counters preferred over mail_log lines,
// buckets by hour or day, devices capped, memory-bounding caps said.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLogs } from '../src/connectors/log/index.js';
import { LogEvidenceSchema } from '../src/snapshot/schema.js';
import { renderTimelineText } from '../src/report/render-timeline.js';
import type { LogTimeline } from '../src/snapshot/timeline-schema.js';

const V23 = new URL('../fixtures/logs/dovecot-2.3.log', import.meta.url).pathname;
const NOW = new Date(2025, 10, 27, 12, 0, 0);

function logFile(lines: string[]): string {
  const f = join(mkdtempSync(join(tmpdir(), 'md-timeline-')), 'dovecot.log');
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

async function timeline(lines: string[], opts: { bucket?: 'hour' | 'day'; top?: number } = {}, user = 'alice'): Promise<LogTimeline> {
  const e = await parseLogs([logFile(lines)], { user, timeline: opts, autoAddress: true });
  expect(LogEvidenceSchema.safeParse(e).success).toBe(true);
  return e.timeline!;
}

const at = (day: number, h: number, m = 0, s = 0) => `2026-12-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}Z`;
const popLogin = (t: string, ip: string, sess: string, user = 'alice') => `${t} pop3-login: Info: Login: user=<${user}>, method=PLAIN, rip=${ip}, lip=10.0.0.1, mpid=1, TLS, session=<${sess}>`;
const popOut = (t: string, sess: string, retr: number, del: number, user = 'alice') =>
  `${t} pop3(${user})<11><${sess}>: Info: Disconnected: Logged out top=0/0, retr=${retr}/${retr * 1000}, del=${del}/${retr}, size=${retr * 1000}`;
const imapLogin = (t: string, ip: string, sess: string) => `${t} imap-login: Info: Login: user=<alice>, method=PLAIN, rip=${ip}, lip=10.0.0.1, mpid=2, TLS, session=<${sess}>`;
const imapLine = (t: string, sess: string, msg: string) => `${t} imap(alice)<22><${sess}>: Info: ${msg}`;

describe('device timeline', () => {
  it('the captured 2.3 log: the POP3 device deleted 4 at 14:29:23, IMAP counters win over mail_log moves', async () => {
    const e = await parseLogs([V23], { user: 'alice', now: NOW, autoAddress: true, timeline: {} });
    const t = e.timeline!;
    expect(t).toMatchObject({ bucket: 'hour', bucketChosen: 'auto', coarsened: false, devicesSeen: 2, devicesShown: 2, others: null, sessionsWithoutLogin: 0 });
    const stamp = new Date(2025, 10, 26, 14, 29, 23).toISOString();
    expect(t.topDeleter).toEqual({ kind: 'pop3', ip: '127.0.0.1', deleted: 4, firstDelete: stamp, lastDelete: stamp });
    const [pop, imap, delivery] = t.devices;
    expect(pop).toMatchObject({ kind: 'pop3', ip: '127.0.0.1', totals: { logins: 4, popSessions: 4, retrMessages: 7, popDeleted: 4, failedLogins: 1 } });
    expect(pop!.totals.popDeleted).toBe(e.pop.deletedMessages);
    // The session moved one message to Archive and one to Trash and expunged one \Deleted: its counters say 1 and 1.
    expect(imap).toMatchObject({ kind: 'imap', totals: { imapSessions: 2, expunged: e.imap.expunged, trashed: e.imap.trashed } });
    expect(delivery).toMatchObject({ kind: 'delivery', ip: null, totals: { delivered: e.deliveries.saved } });
    expect(pop!.buckets).toHaveLength(1);
  });

  it('ties logouts to their device by session id, interleaved, and marks the hours that deleted', async () => {
    const t = await timeline([
      popLogin(at(5, 8, 0), '192.0.2.10', 'A'),
      imapLogin(at(5, 8, 0, 1), '198.51.100.4', 'B'),
      popLogin(at(5, 8, 0, 2), '192.0.2.11', 'C'),
      popOut(at(5, 8, 0, 3), 'C', 2, 0),
      popOut(at(5, 8, 0, 4), 'A', 3, 3),
      popLogin(at(5, 9, 30), '192.0.2.10', 'D'),
      popOut(at(5, 9, 30, 5), 'D', 1, 1),
      imapLine(at(5, 9, 40), 'B', 'Disconnected: Logged out in=10 out=20 deleted=2 expunged=2 trashed=1'),
    ]);
    expect(t.devices.map((d) => `${d.kind} ${d.ip}`)).toEqual(['pop3 192.0.2.10', 'imap 198.51.100.4', 'pop3 192.0.2.11']);
    expect(t.topDeleter).toEqual({ kind: 'pop3', ip: '192.0.2.10', deleted: 4, firstDelete: '2026-12-05T08:00:04.000Z', lastDelete: '2026-12-05T09:30:05.000Z' });
    expect(t.devices[0]!.buckets.map((b) => [b.start, b.logins, b.retrMessages, b.popDeleted])).toEqual([
      ['2026-12-05T08:00:00.000Z', 1, 3, 3],
      ['2026-12-05T09:00:00.000Z', 1, 1, 1],
    ]);
    // The IMAP session's counters go to the hour it logged out in.
    expect(t.devices[1]!.buckets.map((b) => [b.start, b.logins, b.imapSessions, b.expunged, b.trashed])).toEqual([
      ['2026-12-05T08:00:00.000Z', 1, 0, 0, 0],
      ['2026-12-05T09:00:00.000Z', 0, 1, 2, 1],
    ]);
    expect(t.devices[2]!.totals).toMatchObject({ retrMessages: 2, popDeleted: 0 });
    const text = renderTimelineText(t);
    expect(text[1]).toBe('Deleted most: POP3 192.0.2.10, 4 messages (POP3 DELE), 2026-12-05 08:00:04 → 09:30:05 UTC');
    expect(text).toContain('  ! 2026-12-05 08:00       1         1           3        3');
    expect(text.some((l) => /^ {4}2026-12-05 08:00 /.test(l))).toBe(true); // a row without deletions has no mark
  });

  it('a logout format without IMAP counters: mail_log expunges and copies to Trash count, at their own hour', async () => {
    const t = await timeline([
      imapLogin(at(5, 7, 59), '198.51.100.4', 'B'),
      imapLine(at(5, 7, 59, 30), 'B', 'copy from INBOX: box=Trash, uid=1, msgid=<a@x>, size=100'),
      imapLine(at(5, 8, 1), 'B', 'expunge: box=INBOX, uid=1, msgid=<a@x>, size=100'),
      imapLine(at(5, 8, 2), 'B', 'expunge: box=INBOX, uid=2, msgid=<b@x>, size=100'),
      imapLine(at(5, 8, 3), 'B', 'Disconnected: Logged out in=10 out=20'),
    ]);
    const [imap] = t.devices;
    expect(imap!.totals).toMatchObject({ imapSessions: 1, expunged: 2, trashed: 1 });
    expect(imap!.buckets.map((b) => [b.start.slice(11, 13), b.trashed, b.expunged])).toEqual([
      ['07', 1, 0],
      ['08', 0, 2],
    ]);
    expect(imap).toMatchObject({ firstDelete: '2026-12-05T08:01:00.000Z', lastDelete: '2026-12-05T08:02:00.000Z' });
  });

  it('a session still open at the end of the log (IDLE) counts its mail_log lines; a logout without its login is "unknown"', async () => {
    const t = await timeline([
      imapLogin(at(5, 8), '198.51.100.4', 'B'),
      imapLine(at(5, 8, 1), 'B', 'expunge: box=INBOX, uid=1, msgid=<a@x>, size=100'),
      popOut(at(5, 8, 2), 'Z', 2, 2),
    ]);
    expect(t.sessionsWithoutLogin).toBe(1);
    expect(t.devices.find((d) => d.kind === 'pop3')).toMatchObject({ ip: 'unknown', totals: { popDeleted: 2 } });
    expect(t.devices.find((d) => d.kind === 'imap')!.totals.expunged).toBe(1);
    expect(renderTimelineText(t)).toContain('1 line of sessions whose login line is not in the log: their device is "unknown"');
  });

  it('a session that ends without QUIT deleted nothing; failed logins are counted', async () => {
    const t = await timeline([
      popLogin(at(5, 8), '192.0.2.10', 'A'),
      `${at(5, 8, 1)} pop3(alice)<11><A>: Info: Disconnected: Connection closed top=0/0, retr=2/2000, del=2/2, size=2000`,
      `${at(5, 8, 2)} pop3-login: Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<alice>, method=PLAIN, rip=192.0.2.10, lip=10.0.0.1, TLS, session=<Q>`,
    ]);
    expect(t.devices[0]!.totals).toMatchObject({ logins: 1, failedLogins: 1, popSessions: 1, retrMessages: 2, popDeleted: 0 });
    expect(t.topDeleter).toBeNull();
    expect(renderTimelineText(t)[1]).toBe('No device deleted mail in this log.');
  });

  it('by day when the log spans more than three days, or when asked; hours when asked', async () => {
    const lines = [popLogin(at(1, 8), '192.0.2.10', 'A'), popOut(at(1, 8, 1), 'A', 1, 1), popLogin(at(5, 20), '192.0.2.10', 'B'), popOut(at(5, 20, 1), 'B', 1, 1)];
    const auto = await timeline(lines);
    expect(auto).toMatchObject({ bucket: 'day', bucketChosen: 'auto' });
    expect(auto.devices[0]!.buckets.map((b) => b.start)).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-05T00:00:00.000Z']);
    expect((await timeline(lines, { bucket: 'hour' })).devices[0]!.buckets.map((b) => b.start)).toEqual(['2026-12-01T08:00:00.000Z', '2026-12-05T20:00:00.000Z']);
    const short = lines.slice(0, 2);
    const day = await timeline(short, { bucket: 'day' });
    expect(day).toMatchObject({ bucket: 'day', bucketChosen: 'given' });
    expect(renderTimelineText(day)).toContain('  ! 2026-12-01       1         1           1        1');
  });

  it('shows the top N devices, deleters first, and sums the rest', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 12; i++) {
      lines.push(popLogin(at(5, 8, i), `192.0.2.${i}`, `S${i}`), popOut(at(5, 8, i, 1), `S${i}`, i, i === 7 ? 5 : 0));
    }
    const t = await timeline(lines, { top: 3 });
    expect(t).toMatchObject({ devicesSeen: 12, devicesShown: 3 });
    expect(t.devices.map((d) => d.ip)).toEqual(['192.0.2.7', '192.0.2.12', '192.0.2.11']);
    expect(t.others?.devices).toBe(9);
    expect(t.others?.totals).toMatchObject({ logins: 9, popSessions: 9, retrMessages: 1 + 2 + 3 + 4 + 5 + 6 + 8 + 9 + 10 });
    expect(renderTimelineText(t)).toContain('9 other devices not shown (the 3 devices above did most), together: 9 logins, 0 deleted over POP3, 0 expunged over IMAP');
  });

  it('deliveries and quota refusals are a row of their own, also for the full address LMTP names', async () => {
    const t = await timeline([
      `${at(5, 8)} lmtp(alice@example.com)<9><L1>: Info: msgid=<a@x>: saved mail to INBOX`,
      `${at(5, 9)} lmtp(alice@example.com)<9><L2>: Error: msgid=<b@x>: save failed to INBOX: Quota exceeded (mailbox for user is full)`,
      popLogin(at(5, 9, 5), '192.0.2.10', 'A'),
      popOut(at(5, 9, 6), 'A', 1, 1),
    ]);
    expect(t.devices.at(-1)).toMatchObject({ kind: 'delivery', totals: { delivered: 1, quotaRefused: 1 } });
    expect(t.devices.at(-1)!.buckets.map((b) => [b.start.slice(11, 13), b.delivered, b.quotaRefused])).toEqual([
      ['08', 1, 0],
      ['09', 0, 1],
    ]);
  });

  it('keeps memory bounded: 1200 devices over many hours, open sessions never closed', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 12_500; i++) lines.push(popLogin(at(1 + (i % 5), i % 24, i % 60), `10.0.${Math.floor((i % 1200) / 250)}.${(i % 1200) % 250}`, `X${i}`));
    const t = await timeline(lines);
    expect(t.devicesSeen).toBe(1200);
    expect(t.devicesShown).toBe(10);
    expect(t.others!.devices).toBe(1190);
    expect(t.devices.reduce((a, d) => a + d.totals.logins, 0) + t.others!.totals.logins).toBe(12_500);
  });
});

describe('device timeline in markdown and html', () => {
  it('escapes what came from the log (a client address is the server\'s text)', async () => {
    const { renderTimelineHtml, renderTimelineMarkdown } = await import('../src/report/render-timeline.js');
    const { esc } = await import('../src/report/svg/escape.js');
    const { md } = await import('../src/report/render-markdown.js');
    const t = await timeline([popLogin(at(5, 8), '<b>|x', 'A'), popOut(at(5, 8, 1), 'A', 1, 1)]);
    const html = renderTimelineHtml(t, esc);
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;b&gt;|x');
    expect(html).toContain('<tr class="deleted" style="font-weight:700"><td>!</td><td>2026-12-05 08:00</td><td>1</td><td>1</td><td>1</td><td>1</td></tr>');
    const mdLines = renderTimelineMarkdown(t, md);
    expect(mdLines).toContain('**Deleted most: POP3 \\<b\\>\\|x, 1 message (POP3 DELE), 2026-12-05 08:01:00 UTC**');
    expect(mdLines).toContain('| ! | 2026-12-05 08:00 | 1 | 1 | 1 | 1 |');
  });
});
