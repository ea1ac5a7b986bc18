import { ruleTester } from './rule-tester.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { scenario, TAKEN_AT } from '../support/snapshot-builder.js';
import { NO_EARLIER_PROBE } from '../../src/analyzer/evidence.js';

const EARLIER = '2025-06-01T12:00:00.000Z';
function snap(name: 'healthy-imap-only' | 'healthy-pop-only', takenAt: string, uidValidity?: string): Snapshot {
  const s = structuredClone(scenario(name));
  s.takenAt = takenAt;
  if (s.imap?.ok && uidValidity) s.imap.evidence.inbox.uidValidity = uidValidity;
  return s;
}
/** A UIDVALIDITY as Courier mints it for a session at `iso`: Unix seconds minus 10^9. */
const courierMinted = (iso: string, offsetSeconds = 0) => String(Math.floor(Date.parse(iso) / 1000) - 1e9 + offsetSeconds);
const uv = (name: 'healthy-imap-only' | 'healthy-pop-only') => {
  const s = scenario(name);
  return (s.imap?.ok ? s.imap.evidence.inbox.uidValidity : null) ?? '';
};

ruleTester('uidvalidity-changed', {
  valid: [
    { name: 'same UIDVALIDITY', snapshot: snap('healthy-imap-only', TAKEN_AT), previous: snap('healthy-imap-only', EARLIER) },
  ],
  invalid: [
    {
      name: 'both in plain Unix seconds of their probes (a Dovecot mailbox made, then rebuilt, just before each): reported',
      snapshot: snap('healthy-pop-only', TAKEN_AT, String(Date.parse(TAKEN_AT) / 1000)),
      previous: snap('healthy-pop-only', EARLIER, String(Date.parse(EARLIER) / 1000 + 2)),
      findings: [
        {
          severity: 'warning',
          evidence: {
            folder: 'INBOX',
            previousUidValidity: String(Date.parse(EARLIER) / 1000 + 2),
            uidValidity: String(Date.parse(TAKEN_AT) / 1000),
            previousTakenAt: EARLIER,
            previousMessages: 800,
            messages: 800,
            popUseSeen: true,
          },
        },
      ],
    },
    {
      name: 'only the new UIDVALIDITY is the time of its probe: a rebuilt index, reported',
      snapshot: snap('healthy-pop-only', TAKEN_AT, courierMinted(TAKEN_AT)),
      previous: snap('healthy-pop-only', EARLIER, '1234567'),
      findings: [
        {
          severity: 'warning',
          evidence: {
            folder: 'INBOX',
            previousUidValidity: '1234567',
            uidValidity: courierMinted(TAKEN_AT),
            previousTakenAt: EARLIER,
            previousMessages: 800,
            messages: 800,
            popUseSeen: true,
          },
        },
      ],
    },
    {
      name: 'INBOX UIDVALIDITY changed, a POP client reads the account',
      snapshot: snap('healthy-pop-only', TAKEN_AT, '1750000000'),
      previous: snap('healthy-pop-only', EARLIER),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['a new identity since the previous check'],
          evidence: {
            folder: 'INBOX',
            previousUidValidity: uv('healthy-pop-only'),
            uidValidity: '1750000000',
            previousTakenAt: EARLIER,
            previousMessages: 800,
            messages: 800,
            popUseSeen: true,
          },
        },
      ],
    },
  ],
  skipped: [
    { name: 'no earlier probe', snapshot: snap('healthy-imap-only', TAKEN_AT, '42'), reason: NO_EARLIER_PROBE },
    {
      name: 'each UIDVALIDITY is the time of its own probe (Courier, INBOX never selected): not a change of the mailbox',
      snapshot: snap('healthy-pop-only', TAKEN_AT, courierMinted(TAKEN_AT, 1)),
      previous: snap('healthy-pop-only', EARLIER, courierMinted(EARLIER)),
      reason: /made for each probe's own session/,
    },
    {
      name: "only the earlier UIDVALIDITY was its probe's session (INBOX selected by an IMAP client since): not compared",
      snapshot: snap('healthy-pop-only', TAKEN_AT, '1234567'),
      previous: snap('healthy-pop-only', EARLIER, courierMinted(EARLIER, 2)),
      reason: /earlier probe .* was made for that probe's own session .* cannot be compared/,
    },
  ],
});
