import { ruleTester } from './rule-tester.js';
import type { FindingEvidenceMap } from '../../src/analyzer/types.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import {
  buildSnapshot,
  fail,
  GiB,
  healthyImapOnlySpec,
  kibAligned,
  MiB,
  scenario,
  type ImapSpec,
  type SnapshotSpec,
} from '../support/snapshot-builder.js';

function imapWith(mutate: (imap: ImapSpec) => void, spec: SnapshotSpec = healthyImapOnlySpec()) {
  mutate(spec.imap as ImapSpec);
  return buildSnapshot(spec);
}

/** The snapshot as Courier IMAP shows itself (its greeting, no ID). */
function courier(snapshot: Snapshot): Snapshot {
  const s = structuredClone(snapshot);
  if (!s.imap?.ok) return s;
  s.imap.evidence.serverId = null; // Courier answers no ID
  s.imap.evidence.greeting = '* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT QUOTA IDLE ACL] Courier-IMAP ready. Copyright 1998-2022 Double Precision, Inc.  See COPYING for distribution information.';
  return s;
}

const healthyFolders = [
  { folder: 'Sent', specialUse: '\\Sent', messages: 780, sizeBytes: 60 * MiB },
  { folder: 'Trash', specialUse: '\\Trash', messages: 40, sizeBytes: 3 * MiB },
  { folder: 'Junk', specialUse: '\\Junk', messages: 20, sizeBytes: 1 * MiB },
  { folder: 'INBOX', specialUse: null, messages: 1200, sizeBytes: 180 * MiB },
  { folder: 'Archive', specialUse: '\\Archive', messages: 400, sizeBytes: 80 * MiB },
  { folder: 'Drafts', specialUse: '\\Drafts', messages: 2, sizeBytes: 40_000 },
];

/** The evidence of scenario quota-over-95 (97% of 1 GiB), Trash, Sent and Junk first. */
const OVER_95: FindingEvidenceMap['quota-near-limit'] = {
  source: 'IMAP GETQUOTAROOT INBOX',
  quotaRoot: 'User quota',
  resource: 'STORAGE',
  ratio: kibAligned(0.97 * GiB) / GiB,
  usedBytes: kibAligned(0.97 * GiB),
  limitBytes: GiB,
  storageRatio: kibAligned(0.97 * GiB) / GiB,
  usedMessages: null,
  limitMessages: null,
  messagesRatio: null,
  warnRatio: 0.8,
  critRatio: 0.95,
  largestFolders: [
    { folder: 'Trash', specialUse: '\\Trash', messages: 3040, sizeBytes: 420 * MiB },
    { folder: 'Sent', specialUse: '\\Sent', messages: 2800, sizeBytes: 310 * MiB },
    { folder: 'Junk', specialUse: '\\Junk', messages: 548, sizeBytes: 45 * MiB },
    { folder: 'INBOX', specialUse: null, messages: 1200, sizeBytes: 180 * MiB },
    { folder: 'Archive', specialUse: '\\Archive', messages: 400, sizeBytes: 41 * MiB },
    { folder: 'Drafts', specialUse: '\\Drafts', messages: 2, sizeBytes: 40_000 },
  ],
  popUseSeen: false,
};

ruleTester('quota-near-limit', {
  valid: [
    { name: 'just under the warning ratio', snapshot: imapWith((i) => (i.quota = { storage: [Math.floor(0.7999 * GiB), GiB] })) },
    { name: 'message quota well below its limit', snapshot: imapWith((i) => (i.quota = { storage: [1 * MiB, GiB], messages: [2442, 10_000] })) },
    { name: 'thresholds raised by options', snapshot: scenario('pop-leave-on-server-near-quota'), options: { 'quota-near-limit': { warnRatio: 0.9, critRatio: 0.99 } } },
  ],
  invalid: [
    {
      name: 'POP leave-on-server fills the mailbox: 87.9% → warning, Junk listed before INBOX',
      snapshot: scenario('pop-leave-on-server-near-quota'),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['87.9%', '901 MB of 1 GB'],
          evidence: {
            source: 'IMAP GETQUOTAROOT INBOX',
            quotaRoot: 'User quota',
            resource: 'STORAGE',
            ratio: (900 * MiB + 600_000) / GiB,
            usedBytes: 900 * MiB + 600_000,
            limitBytes: GiB,
            storageRatio: (900 * MiB + 600_000) / GiB,
            usedMessages: null,
            limitMessages: null,
            messagesRatio: null,
            warnRatio: 0.8,
            critRatio: 0.95,
            largestFolders: [
              { folder: 'Junk', specialUse: '\\Junk', messages: 29, sizeBytes: 600_000 },
              { folder: 'INBOX', specialUse: null, messages: 9000, sizeBytes: 900 * MiB },
            ],
            popUseSeen: true,
          },
        },
      ],
    },
    {
      name: 'IMAP user at 97% → critical, Trash/Junk/Sent first (largest first), then the rest',
      snapshot: scenario('quota-over-95'),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['97%'],
          evidence: {
            ...OVER_95,
          },
        },
      ],
    },
    {
      name: 'Courier (its greeting) at 97%: Trash left out of the folders to empty, as Courier leaves it out of the quota',
      snapshot: courier(scenario('quota-over-95')),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['97%'],
          steps: ['quota-refuses-mail', 'quota-clean', 'quota-raise'],
          evidence: {
            ...OVER_95,
            largestFolders: OVER_95.largestFolders.filter((f) => f.folder !== 'Trash'),
            trashOutsideQuota: true,
          },
        },
      ],
    },
    {
      name: 'message quota is the worse resource: 96% of messages → critical, resource MESSAGE',
      snapshot: imapWith((i) => (i.quota = { storage: [324 * MiB, 2 * GiB], messages: [2442, 2544] })),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['2,442 of 2,544'],
          evidence: {
            source: 'IMAP GETQUOTAROOT INBOX',
            quotaRoot: 'User quota',
            resource: 'MESSAGE',
            ratio: 2442 / 2544,
            usedBytes: 324 * MiB,
            limitBytes: 2 * GiB,
            storageRatio: (324 * MiB) / (2 * GiB),
            usedMessages: 2442,
            limitMessages: 2544,
            messagesRatio: 2442 / 2544,
            warnRatio: 0.8,
            critRatio: 0.95,
            largestFolders: healthyFolders,
            popUseSeen: false,
          },
        },
      ],
    },
    {
      name: 'over 100% (server counted past the limit) → critical, title says full',
      snapshot: imapWith((i) => (i.quota = { storage: [GiB + 4096, GiB] })),
      findings: [
        {
          severity: 'critical',
          titleIncludes: ['The mailbox is full'],
          evidence: {
            source: 'IMAP GETQUOTAROOT INBOX',
            quotaRoot: 'User quota',
            resource: 'STORAGE',
            ratio: (GiB + 4096) / GiB,
            usedBytes: GiB + 4096,
            limitBytes: GiB,
            storageRatio: (GiB + 4096) / GiB,
            usedMessages: null,
            limitMessages: null,
            messagesRatio: null,
            warnRatio: 0.8,
            critRatio: 0.95,
            largestFolders: healthyFolders,
            popUseSeen: false,
          },
        },
      ],
    },
    {
      name: 'resource names compared without case ("storage" from a lax server)',
      snapshot: (() => {
        const s = scenario('quota-over-95');
        if (s.imap?.ok) s.imap.evidence.quota.roots[0]!.resources[0]!.name = 'storage';
        return s;
      })(),
      findings: [
        {
          severity: 'critical',
          evidence: OVER_95,
        },
      ],
    },
    {
      name: 'thresholds lowered by options: 15.8% with warnRatio 0.1 → warning',
      snapshot: scenario('healthy-imap-only'),
      options: { 'quota-near-limit': { warnRatio: 0.1, critRatio: 0.5 } },
      findings: [
        {
          severity: 'warning',
          evidence: {
            source: 'IMAP GETQUOTAROOT INBOX',
            quotaRoot: 'User quota',
            resource: 'STORAGE',
            ratio: (324 * MiB) / (2 * GiB),
            usedBytes: 324 * MiB,
            limitBytes: 2 * GiB,
            storageRatio: (324 * MiB) / (2 * GiB),
            usedMessages: null,
            limitMessages: null,
            messagesRatio: null,
            warnRatio: 0.1,
            critRatio: 0.5,
            largestFolders: healthyFolders,
            popUseSeen: false,
          },
        },
      ],
    },
  ],
  skipped: [
    { name: 'server without QUOTA', snapshot: imapWith((i) => (i.quota = null)), reason: 'the server does not offer IMAP QUOTA (see quota-unknown)' },
    { name: 'QUOTA without a limit', snapshot: imapWith((i) => (i.quota = {})), reason: 'the server publishes no storage or message limit (see quota-unknown)' },
    { name: 'IMAP login failed', snapshot: scenario('wrong-password'), reason: /^IMAP probe failed: auth \(/ },
    {
      name: 'IMAP not probed',
      snapshot: buildSnapshot({ imap: null, pop: { messages: 3 } }),
      reason: 'IMAP not probed (--only pop)',
    },
    { name: 'IMAP connection refused', snapshot: buildSnapshot({ imap: fail('refused', 'refused'), pop: { messages: 3 } }), reason: 'IMAP probe failed: refused (refused)' },
  ],
});
