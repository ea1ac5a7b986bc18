import { ruleTester } from './rule-tester.js';
import { buildSnapshot, deletedNotExpungedSpec, healthyImapOnlySpec, MiB, scenario, type ImapSpec, type PopSpec } from '../support/snapshot-builder.js';

function healthyWithPop(pop: PopSpec, base = healthyImapOnlySpec()) {
  base.pop = pop;
  return buildSnapshot(base);
}

/** POP3 lists 5 fewer (and 5,000 bytes less) than IMAP's INBOX, whose messages carry these keywords. */
function fiveFewerOverPop(keywords: Record<string, number>) {
  const spec = healthyImapOnlySpec();
  (spec.imap as ImapSpec).inbox.keywords = keywords;
  spec.pop = { messages: 1195, sizeBytes: 180 * MiB - 5000, uids: Array.from({ length: 1195 }, (_, i) => 306 + i) };
  return buildSnapshot(spec);
}
const fiveFewer = {
  popMessages: 1195,
  messageDiff: -5,
  popSizeBytes: 180 * MiB - 5000,
  imapSizeBytes: 180 * MiB,
  sizeDiffBytes: -5000,
  popUidValidity: '1717000000',
  popUidsBeyondImapUidNext: 0,
};

const base = {
  imapMessages: 1200,
  imapUidValidity: '1717000000',
  imapDeletedMessages: 0,
  popListingProblems: [],
};

ruleTester('pop-imap-disagree', {
  valid: [{ name: 'same counts, sizes, UIDVALIDITY (mixed scenario)', snapshot: scenario('mixed') }],

  invalid: [
    // A POP3 listing that contradicts itself is a finding where it matters to mail (issue 9, item 9).
    {
      name: 'UIDL repeats a unique-id → listing inconsistent, warning, even with equal counts',
      snapshot: { ...scenario('mixed'), anomalies: [{ protocol: 'pop3', step: 'uidl', kind: 'duplicate', detail: '1 UIDL line repeats a unique-id already given (first: aaa)' }] },
      findings: [
        {
          severity: 'warning',
          titleIncludes: ["The POP3 server's message list contradicts itself (1 UIDL line repeats a unique-id already given (first: aaa))"],
          evidence: {
            popMessages: 12,
            imapMessages: 12,
            messageDiff: 0,
            popSizeBytes: 240000,
            imapSizeBytes: 240000,
            sizeDiffBytes: 0,
            popUidValidity: '1717000000',
            imapUidValidity: '1717000000',
            popUidsBeyondImapUidNext: 0,
            imapDeletedMessages: 0,
            popListingProblems: ['1 UIDL line repeats a unique-id already given (first: aaa)'],
            likelyReasons: ['pop-listing-inconsistent'],
          },
        },
      ],
    },
    {
      name: 'POP3 UIDLs carry another UIDVALIDITY and 38 messages → different mailbox, warning',
      snapshot: scenario('pop-imap-disagree'),
      findings: [
        {
          severity: 'warning',
          titleIncludes: ['different mailboxes', '38 messages', '1,200'],
          evidence: {
            ...base,
            popMessages: 38,
            messageDiff: -1162,
            popSizeBytes: 2 * MiB,
            imapSizeBytes: 180 * MiB,
            sizeDiffBytes: 2 * MiB - 180 * MiB,
            popUidValidity: '1600000000',
            popUidsBeyondImapUidNext: 0,
            likelyReasons: ['different-mailbox'],
          },
        },
      ],
    },
    {
      name: 'POP3 shows 60 fewer, exactly the \\Deleted ones → server hides them, warning',
      snapshot: (() => {
        const spec = deletedNotExpungedSpec();
        spec.pop = { messages: 1140, sizeBytes: 1425 * MiB, uids: Array.from({ length: 1140 }, (_, i) => 361 + i) };
        return buildSnapshot(spec);
      })(),
      findings: [
        {
          severity: 'warning',
          evidence: {
            ...base,
            imapDeletedMessages: 60,
            popMessages: 1140,
            messageDiff: -60,
            popSizeBytes: 1425 * MiB,
            imapSizeBytes: 1500 * MiB,
            sizeDiffBytes: -75 * MiB,
            popUidValidity: '1717000000',
            popUidsBeyondImapUidNext: 0,
            likelyReasons: ['pop-hides-deleted'],
          },
        },
      ],
    },
    {
      name: 'POP3 shows 5 fewer, exactly the messages with $POP3Deleted (Dovecot pop3_deleted_flag) → hidden, not lost, info',
      snapshot: fiveFewerOverPop({ $Forwarded: 20, $POP3Deleted: 5 }),
      findings: [
        {
          severity: 'info',
          titleIncludes: ['5 deleted over POP are only hidden from POP, not lost'],
          steps: ['pop-deleted-still-in-inbox', 'check-protocol-on-every-device'],
          evidence: {
            ...base,
            ...fiveFewer,
            likelyReasons: ['pop-deleted-flag'],
            popHidden: { keyword: '$POP3Deleted', messages: 5 },
          },
        },
      ],
    },
    {
      name: 'POP3 shows 5 fewer but only 2 carry $POPDeleted → not explained by it: changed-between-probes, the keyword still reported',
      snapshot: fiveFewerOverPop({ $POPDeleted: 2 }),
      findings: [
        {
          severity: 'info',
          steps: ['rerun-check'],
          evidence: {
            ...base,
            ...fiveFewer,
            likelyReasons: ['changed-between-probes'],
            popHidden: { keyword: '$POPDeleted', messages: 2 },
          },
        },
      ],
    },
    {
      name: 'one message arrived between the probes (its UID is IMAP’s UIDNEXT) → info',
      snapshot: healthyWithPop({ messages: 1201, sizeBytes: 180 * MiB + 5000, uids: Array.from({ length: 1201 }, (_, i) => 301 + i) }),
      findings: [
        {
          severity: 'info',
          evidence: {
            ...base,
            popMessages: 1201,
            messageDiff: 1,
            popSizeBytes: 180 * MiB + 5000,
            imapSizeBytes: 180 * MiB,
            sizeDiffBytes: 5000,
            popUidValidity: '1717000000',
            popUidsBeyondImapUidNext: 1,
            likelyReasons: ['changed-between-probes'],
          },
        },
      ],
    },
    {
      name: 'same count, 1,200 bytes more over POP3 → size accounting, info',
      snapshot: healthyWithPop({ messages: 1200, sizeBytes: 180 * MiB + 1200 }),
      findings: [
        {
          severity: 'info',
          evidence: {
            ...base,
            popMessages: 1200,
            messageDiff: 0,
            popSizeBytes: 180 * MiB + 1200,
            imapSizeBytes: 180 * MiB,
            sizeDiffBytes: 1200,
            popUidValidity: '1717000000',
            popUidsBeyondImapUidNext: 0,
            likelyReasons: ['size-accounting'],
          },
        },
      ],
    },
  ],
  skipped: [
    { name: 'POP3 locked', snapshot: scenario('pop-locked'), reason: /^POP3 probe failed: in-use/ },
    { name: 'POP3 not probed', snapshot: buildSnapshot({ ...healthyImapOnlySpec(), pop: null }), reason: 'POP3 not probed (--only imap)' },
    // Gmail's POP serves All Mail's not-yet-downloaded messages: POP showing more than INBOX is no disagreement.
    {
      name: 'Gmail: its POP view is not INBOX, so the two are not compared',
      snapshot: (() => {
        const s = scenario('junk-with-pop-user');
        if (!s.imap?.ok || !s.pop?.ok) throw new Error('fixture without both protocols');
        s.imap.evidence.serverId = { name: 'GImap', vendor: 'Google, Inc.' };
        s.imap.evidence.greeting = '* OK Gimap ready for requests from 203.0.113.9 a1b2c3';
        s.pop.evidence.stat.messages += 250;
        return s;
      })(),
      reason: /^the server is Gmail, whose POP3 serves the messages of All Mail/,
    },
  ],
});
