import { ruleTester } from './rule-tester.js';
import { buildSnapshot, GiB, healthyImapOnlySpec, kibAligned, scenario, type ImapSpec } from '../support/snapshot-builder.js';

function healthyWithDeleted(deleted: number) {
  const spec = healthyImapOnlySpec();
  (spec.imap as ImapSpec).inbox.flags = { seen: 1150, answered: 140, flagged: 12, deleted };
  return buildSnapshot(spec);
}

ruleTester('deleted-not-expunged', {
  valid: [
    { name: '9 marked deleted: below the minimum of 10', snapshot: healthyWithDeleted(9) },
    { name: 'minMessages raised by options', snapshot: scenario('deleted-not-expunged'), options: { 'deleted-not-expunged': { minMessages: 100 } } },
  ],
  invalid: [
    {
      name: '60 marked deleted, mailbox 85% full → warning',
      snapshot: scenario('deleted-not-expunged'),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['60 messages', '5%'],
          evidence: {
            deletedMessages: 60,
            inboxMessages: 1200,
            deletedRatio: 0.05,
            deletedBytes: null,
            servedToPop: true,
            quotaRatio: kibAligned(0.85 * 2 * GiB) / (2 * GiB),
            popUseSeen: false,
          },
        },
      ],
    },
    {
      name: '60 marked deleted, plenty of space, no POP client → info',
      snapshot: healthyWithDeleted(60),
      findings: [
        {
          severity: 'info',
          evidence: { deletedMessages: 60, inboxMessages: 1200, deletedRatio: 0.05, deletedBytes: null, servedToPop: true, quotaRatio: 324 / 2048, popUseSeen: false },
        },
      ],
    },
  ],
});
