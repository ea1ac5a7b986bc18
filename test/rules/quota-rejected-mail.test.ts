// quota-rejected-mail reads the server log: snapshots here carry LogEvidence parsed from the fixtures in
// fixtures/logs (the 2.3 one captured from the test Dovecot, the 2.4 one hand-written).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ruleTester } from './rule-tester.js';
import { parseLogs } from '../../src/connectors/log/index.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { quotaOver95Spec, buildSnapshot, scenario, TAKEN_AT } from '../support/snapshot-builder.js';
import { NO_SERVER_LOG } from '../../src/analyzer/evidence.js';

const FIX = (name: string) => new URL(`../../fixtures/logs/${name}`, import.meta.url).pathname;
const V23 = FIX('dovecot-2.3.log');
const V24 = FIX('dovecot-2.4-handwritten.log');
// Read the year-less fixture timestamps against the snapshot time: November lies after June 2 2025, so 2024.
const now = new Date(TAKEN_AT);
const refused24 = await parseLogs([V24], { user: 'alice@example.com', now });
const bob23 = await parseLogs([V23], { user: 'bob', now });
const alice23 = await parseLogs([V23], { user: 'alice', now });
// A delivery line in a deliver_log_format the reader does not know: saved or refused is unknown.
const oddDir = mkdtempSync(join(tmpdir(), 'md-quota-log-'));
writeFileSync(join(oddDir, 'odd.log'), 'Nov 26 14:04:00 mx1 dovecot[812]: lmtp(bob)<9><l1>: msgid=<a1@example.org>: result=4\n');
const oddDelivery = await parseLogs([join(oddDir, 'odd.log')], { user: 'bob', now });
// Logins name the account carol, LMTP its address: the one full address with that local part is the account's.
writeFileSync(
  join(oddDir, 'domain.log'),
  [
    'Nov 26 14:01:01 mx1 dovecot[812]: imap-login: Login: user=<carol>, method=PLAIN, rip=203.0.113.20, lip=192.0.2.10, mpid=5, TLS, session=<c1>',
    'Nov 26 14:02:30 mx1 dovecot[812]: lmtp(carol@example.com)<91><l1>: msgid=<m1@example.org>: save failed to INBOX: Quota exceeded (mailbox for user is full)',
  ].join('\n') + '\n',
);
const carolLog = await parseLogs([join(oddDir, 'domain.log')], { user: 'carol', now, autoAddress: true });

const withLogs = (s: Snapshot, logs: Snapshot['logs']): Snapshot => ({ ...s, logs });
const at = (mon: number, d: number, h: number, mi: number, s: number) => new Date(2024, mon, d, h, mi, s);
const ageOf = (t: Date) => Math.floor((Date.parse(TAKEN_AT) - t.getTime()) / 1000);
const over95 = buildSnapshot(quotaOver95Spec());
const over95Ratio = (() => {
  const imap = over95.imap!.ok ? over95.imap!.evidence : null;
  const r = imap!.quota.roots[0]!.resources.find((x) => x.name === 'STORAGE')!;
  return r.usage / r.limit;
})();

ruleTester('quota-rejected-mail', {
  valid: [
    { name: 'a log with deliveries but no refusal', snapshot: withLogs(scenario('healthy-imap-only'), alice23) },
  ],
  invalid: [
    {
      name: 'hand-written 2.4 log: two LMTP refusals and a Postfix 452 deferral, quota known from IMAP',
      snapshot: withLogs(over95, refused24),
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          titleIncludes: ['refused 3 deliveries', 'mailbox was full'],
          evidence: {
            refused: 3,
            deferred: 1,
            firstRefused: at(10, 26, 13, 57, 1).toISOString(),
            lastRefused: at(10, 26, 14, 3, 5).toISOString(),
            lastRefusedAgeSeconds: ageOf(at(10, 26, 14, 3, 5)),
            quotaRatio: over95Ratio,
            logFiles: [V24],
          },
        },
      ],
    },
    {
      name: 'login name without a domain, refusals logged for its full address (taken automatically)',
      snapshot: withLogs(scenario('imap-port-closed'), carolLog),
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          titleIncludes: ['refused 1 delivery'],
          steps: ['ask-senders-to-resend', 'quota-raise'],
          evidence: {
            refused: 1,
            deferred: 0,
            firstRefused: at(10, 26, 14, 2, 30).toISOString(),
            lastRefused: at(10, 26, 14, 2, 30).toISOString(),
            lastRefusedAgeSeconds: ageOf(at(10, 26, 14, 2, 30)),
            quotaRatio: null,
            logFiles: [join(oddDir, 'domain.log')],
          },
        },
      ],
    },
    {
      name: 'captured 2.3 log: LMTP 552 for bob, with IMAP failed (quota unknown)',
      snapshot: withLogs(scenario('imap-port-closed'), bob23),
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          titleIncludes: ['refused 2 deliveries'],
          evidence: {
            refused: 2,
            deferred: 0,
            firstRefused: bob23.deliveries.firstRefused,
            lastRefused: bob23.deliveries.lastRefused,
            lastRefusedAgeSeconds: ageOf(new Date(bob23.deliveries.lastRefused!)),
            quotaRatio: null,
            logFiles: [V23],
          },
        },
      ],
    },
  ],
  skipped: [
    { name: 'no log given (logs absent)', snapshot: scenario('quota-over-95'), reason: NO_SERVER_LOG },
    { name: 'no log given (logs null)', snapshot: withLogs(scenario('healthy-imap-only'), null), reason: NO_SERVER_LOG },
    {
      name: 'a delivery whose result could not be read: incomplete, never "no refusal"',
      snapshot: withLogs(scenario('healthy-imap-only'), oddDelivery),
      reason: 'the server log has a delivery to this account whose result could not be read (saved or refused is unknown): no refusal found in the rest, but that is no proof',
    },
  ],
});
