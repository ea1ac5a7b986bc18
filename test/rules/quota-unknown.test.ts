import { ruleTester } from './rule-tester.js';
import { buildSnapshot, healthyImapOnlySpec, MiB, scenario, type ImapSpec } from '../support/snapshot-builder.js';

function healthyWithQuota(quota: ImapSpec['quota'], mutate: (i: ImapSpec) => void = () => {}) {
  const spec = healthyImapOnlySpec();
  (spec.imap as ImapSpec).quota = quota;
  mutate(spec.imap as ImapSpec);
  return buildSnapshot(spec);
}

const folders = [
  { folder: 'Sent', specialUse: '\\Sent', messages: 780, sizeBytes: 60 * MiB },
  { folder: 'Trash', specialUse: '\\Trash', messages: 40, sizeBytes: 3 * MiB },
  { folder: 'Junk', specialUse: '\\Junk', messages: 20, sizeBytes: 1 * MiB },
  { folder: 'INBOX', specialUse: null, messages: 1200, sizeBytes: 180 * MiB },
  { folder: 'Archive', specialUse: '\\Archive', messages: 400, sizeBytes: 80 * MiB },
  { folder: 'Drafts', specialUse: '\\Drafts', messages: 2, sizeBytes: 40_000 },
];

ruleTester('quota-unknown', {
  valid: [{ name: 'quota published (97% full is another rule)', snapshot: scenario('quota-over-95') }],
  invalid: [
    {
      name: 'no QUOTA capability: sizes of all folders instead',
      snapshot: healthyWithQuota(null),
      findings: [
        {
          severity: 'info',
          titleIncludes: ['324 MB', '2,442 messages'],
          evidence: { quotaSupported: false, totalMessages: 2442, totalSizeBytes: 324 * MiB + 40_000, foldersWithoutSize: 0, largestFolders: folders },
        },
      ],
    },
    {
      name: 'QUOTA offered but no limit; a folder without STATUS SIZE is counted apart',
      snapshot: healthyWithQuota({}, (i) => {
        i.folders![0]!.sizeBytes = null;
      }),
      findings: [
        {
          severity: 'info',
          evidence: {
            quotaSupported: true,
            totalMessages: 2442,
            totalSizeBytes: 264 * MiB + 40_000,
            foldersWithoutSize: 1,
            largestFolders: [
              { folder: 'Trash', specialUse: '\\Trash', messages: 40, sizeBytes: 3 * MiB },
              { folder: 'Junk', specialUse: '\\Junk', messages: 20, sizeBytes: 1 * MiB },
              { folder: 'Sent', specialUse: '\\Sent', messages: 780, sizeBytes: null },
              { folder: 'INBOX', specialUse: null, messages: 1200, sizeBytes: 180 * MiB },
              { folder: 'Archive', specialUse: '\\Archive', messages: 400, sizeBytes: 80 * MiB },
              { folder: 'Drafts', specialUse: '\\Drafts', messages: 2, sizeBytes: 40_000 },
            ],
          },
        },
      ],
    },
  ],
  skipped: [{ name: 'IMAP failed', snapshot: scenario('wrong-password'), reason: /^IMAP probe failed: auth/ }],
});
