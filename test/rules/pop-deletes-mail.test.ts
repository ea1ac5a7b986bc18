import { ruleTester } from './rule-tester.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { buildSnapshot, mixedSpec, POP_SINGLE_DEVICE_LEDGER, popSingleDeviceDeletesSpec, scenario, type ImapSpec } from '../support/snapshot-builder.js';

const DAY = 86_400;

function mixedWith(mutate: (i: ImapSpec) => void) {
  const spec = mixedSpec();
  mutate(spec.imap as ImapSpec);
  return buildSnapshot(spec);
}

/** The one-POP-device scenario, edited: INBOX keywords, the servers' greetings. */
function popDevice(edit: (s: Snapshot & { imap: { ok: true } }) => void): Snapshot {
  const s = structuredClone(scenario('pop-single-device-deletes'));
  if (!s.imap?.ok) throw new Error('fixture without IMAP');
  edit(s as Snapshot & { imap: { ok: true } });
  return s;
}

const singleDevice = POP_SINGLE_DEVICE_LEDGER;
const SINGLE_DEVICE_STEPS = ['pop-single-device-is-fine', 'pop-leave-copy', 'find-pop-collector'] as const;

ruleTester('pop-deletes-mail', {
  valid: [
    { name: 'the gap is explained by an Archive that took in more than left INBOX', snapshot: mixedWith((i) => i.folders!.push({ path: 'Archive', specialUse: '\\Archive', uidNext: 2500, ages: { older: 2400 } })) },
    { name: 'INBOX keeps old mail (an IMAP user who deletes permanently)', snapshot: mixedWith((i) => (i.inbox.oldestDaysAgo = 200)) },
    { name: 'too few removed for the default minimum', snapshot: mixedWith((i) => (i.inbox.uidNext = 430)) },
    { name: 'minRemoved raised by options', snapshot: scenario('mixed'), options: { 'pop-deletes-mail': { minRemoved: 5000 } } },
  ],
  invalid: [
    {
      name: 'one POP device deleting, no IMAP client → info',
      snapshot: scenario('pop-single-device-deletes'),
      findings: [
        {
          severity: 'info',
          confidence: 'medium',
          titleIncludes: ['about 2,400 messages', 'holds 3'],
          evidence: singleDevice,
        },
      ],
    },
    {
      name: 'POP deleting while IMAP clients work on the account → warning',
      snapshot: scenario('mixed'),
      findings: [
        {
          severity: 'warning',
          confidence: 'medium',
          evidence: {
            inboxUidValidity: '1717000000',
            inboxReceived: 2400,
            inboxMessages: 12,
            leftInbox: 2388,
            otherFoldersReceived: 400,
            removedWithoutTrace: 1988,
            removedRatio: 1988 / 2400,
            oldestAgeSeconds: 5 * DAY,
            imapClientSeen: true,
          },
        },
      ],
    },
    {
      name: 'INBOX messages carry $POPDeleted (pop3_deleted_flag): where that mail is comes first, and the title says it is only hidden',
      snapshot: popDevice((s) => (s.imap.evidence.inbox.keywords = { $POPDeleted: 2 })),
      findings: [
        {
          severity: 'info',
          confidence: 'medium',
          titleIncludes: ['2 deleted over POP are still in INBOX, only hidden from POP'],
          steps: ['pop-deleted-still-in-inbox', ...SINGLE_DEVICE_STEPS],
          evidence: { ...singleDevice, popHidden: { keyword: '$POPDeleted', messages: 2 } },
        },
      ],
    },
    {
      name: 'a keyword that is not a POP-deleted one ($Deleted by some client) is not read as hidden mail',
      snapshot: popDevice((s) => (s.imap.evidence.inbox.keywords = { $Deleted: 2, DeletedByUser: 1 })),
      findings: [{ severity: 'info', confidence: 'medium', steps: [...SINGLE_DEVICE_STEPS], evidence: singleDevice }],
    },
    {
      name: 'Cyrus IMAP by its IMAP greeting: the unexpunge step comes last',
      snapshot: popDevice((s) => {
        s.imap.evidence.greeting = '* OK [CAPABILITY IMAP4rev1] mail.example.com Cyrus IMAP 3.6.1-Debian-3.6.1-4 server ready';
        s.imap.evidence.serverId = null; // the builder's default ID names Dovecot, which ID would say first
      }),
      findings: [{ severity: 'info', confidence: 'medium', steps: [...SINGLE_DEVICE_STEPS, 'cyrus-unexpunge'], evidence: { ...singleDevice, server: 'cyrus' } }],
    },
    {
      name: 'Cyrus by the POP3 CAPA IMPLEMENTATION alone (the IMAP greeting says nothing)',
      snapshot: popDevice((s) => {
        s.imap.evidence.greeting = '* OK ready';
        if (s.pop?.ok) s.pop.evidence.implementation = 'Cyrus POP3 3.6.1-Debian-3.6.1-4';
      }),
      findings: [{ severity: 'info', confidence: 'medium', steps: [...SINGLE_DEVICE_STEPS, 'cyrus-unexpunge'], evidence: { ...singleDevice, server: 'cyrus' } }],
    },
    {
      name: 'an empty INBOX counts as young',
      snapshot: buildSnapshot({ ...popSingleDeviceDeletesSpec(), imap: { ...(popSingleDeviceDeletesSpec().imap as ImapSpec), inbox: { uidNext: 61 } } }),
      findings: [
        {
          severity: 'info',
          confidence: 'medium',
          evidence: {
            inboxUidValidity: '1717000000',
            inboxReceived: 60,
            inboxMessages: 0,
            leftInbox: 60,
            otherFoldersReceived: 39,
            removedWithoutTrace: 21,
            removedRatio: 21 / 60,
            oldestAgeSeconds: null,
            imapClientSeen: false,
          },
        },
      ],
      options: { 'pop-deletes-mail': { minRemovedRatio: 0.3 } },
    },
    {
      name: "a UIDVALIDITY of the probe's time in Courier's form but UIDNEXT above the count: a kept UID list, counted",
      snapshot: popDevice((s) => {
        s.imap.evidence.inbox.uidValidity = String(Math.floor(Date.parse(s.takenAt) / 1000) - 1e9 + 1);
      }),
      findings: [{ severity: 'info', confidence: 'medium', steps: [...SINGLE_DEVICE_STEPS], evidence: { ...singleDevice, inboxUidValidity: String(Math.floor(Date.parse(scenario('pop-single-device-deletes').takenAt) / 1000) - 1e9 + 1) } }],
    },
  ],
  skipped: [
    { name: 'IMAP refused', snapshot: scenario('imap-port-closed'), reason: /^IMAP probe failed: refused/ },
    // A folder without STATUS leaves the bound open: nothing found is not a pass (issue 9, item 10).
    { name: 'a folder without STATUS', snapshot: mixedWith((i) => i.folders!.push({ path: 'Old', status: false })), reason: /^folder Old could not be examined/ },
    // Courier, INBOX never selected by an IMAP client: UIDs numbered afresh for the probe's own session, so
    // UIDNEXT is the message count plus one and the ledger counts nothing; nothing found is not a pass.
    {
      name: "INBOX's UIDVALIDITY minted for this probe's session (Courier form)",
      snapshot: popDevice((s) => {
        const inbox = s.imap.evidence.inbox;
        inbox.uidNext = inbox.messages + 1;
        inbox.uidValidity = String(Math.floor(Date.parse(s.takenAt) / 1000) - 1e9 + 1);
      }),
      reason: /is the time of this probe's own session in Courier's form.*cannot be counted.*no proof$/,
    },
  ],
});
