import { ruleTester } from './rule-tester.js';
import { buildSnapshot, healthyPopOnlySpec, mixedSpec, scenario, type ImapSpec } from '../support/snapshot-builder.js';

const mixedWithoutRecentFiling = (() => {
  const spec = mixedSpec();
  const imap = spec.imap as ImapSpec;
  imap.folders = imap.folders!.filter((f) => f.path !== 'Junk' && f.path !== 'Receipts');
  return buildSnapshot(spec);
})();

const nobodyReadsYet = (() => {
  const spec = healthyPopOnlySpec();
  const imap = spec.imap as ImapSpec;
  imap.inbox = { uidNext: 41, ages: { lt7d: 10, lt30d: 30 } };
  imap.folders = [{ path: 'Junk', specialUse: '\\Junk', uidNext: 9, ages: { lt1d: 1, lt7d: 2, older: 5 } }];
  spec.pop = { messages: 40 };
  return buildSnapshot(spec);
})();

ruleTester('mail-hidden-from-pop', {
  valid: [
    { name: 'POP deletes, but nothing recent outside INBOX', snapshot: mixedWithoutRecentFiling },
    { name: 'Sent/Drafts/Trash activity is the user’s own doing', snapshot: scenario('pop-single-device-deletes') },
  ],
  invalid: [
    {
      name: "Outlook: its POP folder (what the POP client already took) is not listed, only Junk",
      snapshot: scenario('outlook-pop-folder'),
      findings: [
        {
          severity: 'warning',
          evidence: { last7Days: 8, folders: [{ folder: 'Junk', specialUse: '\\Junk', last7Days: 8, last1Day: 1 }], popUseSeen: true, popSigns: ['pop-folder-recent'] },
        },
      ],
    },
    {
      name: 'POP user (leave on server) with recent Junk and a filter folder → warning, Junk first',
      snapshot: scenario('junk-with-pop-user'),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['10 messages', 'Junk: 6', 'Newsletters: 4'],
          evidence: {
            last7Days: 10,
            folders: [
              { folder: 'Junk', specialUse: '\\Junk', last7Days: 6, last1Day: 2 },
              { folder: 'Newsletters', specialUse: null, last7Days: 4, last1Day: 0 },
            ],
            popUseSeen: true,
            popSigns: ['read-without-imap-traces'],
          },
        },
      ],
    },
    {
      name: 'mixed use: POP deletes while Junk and Receipts get mail → warning',
      snapshot: scenario('mixed'),
      findings: [
        {
          severity: 'warning',
          evidence: {
            last7Days: 9,
            folders: [
              { folder: 'Junk', specialUse: '\\Junk', last7Days: 7, last1Day: 2 },
              { folder: 'Receipts', specialUse: null, last7Days: 2, last1Day: 0 },
            ],
            popUseSeen: true,
            popSigns: ['removed-without-trace'],
          },
        },
      ],
    },
    {
      name: 'nothing shows how the mailbox is read → info',
      snapshot: nobodyReadsYet,
      findings: [
        {
          severity: 'info',
          evidence: {
            last7Days: 3,
            folders: [{ folder: 'Junk', specialUse: '\\Junk', last7Days: 3, last1Day: 1 }],
            popUseSeen: false,
            popSigns: [],
          },
        },
      ],
    },
  ],
});
