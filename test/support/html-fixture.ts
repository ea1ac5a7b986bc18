// The mixed scenario (a POP3 device deleting, an IMAP phone) as the HTML report tests draw it: with six earlier
// probes in the history (INBOX up and down, storage growing towards the quota, three messages vanished since the
// last one) and a server log with three devices. Hostile server text rides along in a folder name and the
// greeting, so every test also proves it is shown as text.
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import type { Report } from '../../src/report/types.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { MessageList } from '../../src/snapshot/message-list.js';
import { withQuietLog } from '../rules/rule-tester.js';
import { MiB, scenario, TAKEN_AT } from './snapshot-builder.js';

export const HOSTILE_FOLDER = '<script>alert("folder")</script>&amp;';
export const HOSTILE_GREETING = '* OK <img src=x onerror=alert(1)> "ready"';
/** Put into the account given to buildReport: it must never reach the page. */
export const TEST_PASSWORD = 'hunter2-s3cret-pw';

const HOUR = 3_600_000;
const at = (hoursBefore: number) => new Date(Date.parse(TAKEN_AT) - hoursBefore * HOUR).toISOString();
const hash = (uid: number) => uid.toString(16).padStart(64, '0');
const list = (uids: number[]): MessageList =>
  MessageList.from(uids.map((uid) => ({ uid, sizeBytes: 20_000, internalDate: at(30 - (uid % 20)), messageIdHash: hash(uid), seen: uid % 2 === 0, deleted: false })));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

type ImapSnapshot = Snapshot & { imap: { ok: true } };

function probe(hoursBefore: number, uidNext: number, messages: number, usedMiB: number): ImapSnapshot {
  const s = structuredClone(scenario('mixed')) as ImapSnapshot;
  s.takenAt = at(hoursBefore);
  const e = s.imap.evidence;
  e.greeting = HOSTILE_GREETING;
  e.inbox.uidNext = uidNext;
  e.inbox.messages = messages;
  e.quota.roots[0]!.resources[0]!.usage = usedMiB * MiB;
  const receipts = e.folders.find((f) => f.path === 'Receipts')!;
  receipts.path = HOSTILE_FOLDER;
  return s;
}

export interface HtmlFixture {
  snapshot: Snapshot;
  history: Snapshot[];
  report: Report;
}

export function mixedWithHistory(): HtmlFixture {
  // Earlier probes every 4 hours: INBOX fills and a POP3 device empties it; storage grows about 60 MiB a day.
  const history: Snapshot[] = [
    probe(24, 2340, 20, 640),
    probe(20, 2352, 14, 650),
    probe(16, 2365, 18, 660),
    probe(12, 2377, 12, 670),
    probe(8, 2390, 16, 680),
  ];
  const previous = probe(4, 2401, 15, 690);
  previous.imap.evidence.inbox.messageList = list(range(2386, 2400));
  history.push(previous);
  // Now: three of the fifteen are in no folder (vanished), nothing new arrived.
  const now = withQuietLog(probe(0, 2401, 12, 700)) as ImapSnapshot;
  now.imap.evidence.inbox.messageList = list(range(2389, 2400));
  now.logs!.period = { first: at(30), last: at(0.1) };
  now.logs!.logins = [
    { protocol: 'pop3', ip: '192.0.2.10', methods: ['PLAIN'], count: 180, first: at(30), last: at(0.2) },
    { protocol: 'imap', ip: '198.51.100.7', methods: ['PLAIN'], count: 42, first: at(26), last: at(1) },
    { protocol: 'imap', ip: '203.0.113.25', methods: ['LOGIN'], count: 1, first: at(9), last: at(9) },
  ];
  const analysis = analyze(now, { previous, history });
  const account = { ...now.account, password: TEST_PASSWORD } as unknown as Snapshot['account'];
  const report = buildReport(now, analysis, { account, details: true, history, timeZone: 'Europe/Berlin' });
  return { snapshot: now, history, report };
}
