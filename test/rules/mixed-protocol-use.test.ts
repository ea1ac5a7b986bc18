import { ruleTester } from './rule-tester.js';
import { imapClientSigns } from '../../src/analyzer/signs.js';
import { buildSnapshot, fail, healthyImapOnlySpec, mixedSpec, popSingleDeviceDeletesSpec, scenario, type ImapSpec } from '../support/snapshot-builder.js';

const popDeletesWithFiledFolder = (() => {
  const spec = popSingleDeviceDeletesSpec();
  (spec.imap as ImapSpec).folders!.push({ path: 'Lists', uidNext: 30, ages: { lt7d: 3, older: 26 } });
  return buildSnapshot(spec);
})();

const imapUserWithPopLoginDelay = (() => {
  const spec = healthyImapOnlySpec();
  spec.pop = fail('login-delay', 'login refused: [LOGIN-DELAY] too soon', { step: 'login', code: 'LOGIN-DELAY' });
  return buildSnapshot(spec);
})();

const imapUserWithPopLock = (() => {
  const spec = healthyImapOnlySpec();
  spec.pop = fail('in-use', 'Mailbox is locked by another POP3 session.', { step: 'login', code: 'IN-USE' });
  return buildSnapshot(spec);
})();

const popDeletesOneImapSign = (() => {
  const spec = popSingleDeviceDeletesSpec();
  (spec.imap as ImapSpec).inbox.flags = { answered: 1 };
  return buildSnapshot(spec);
})();

const outlookPopFolder = scenario('outlook-pop-folder');

/** The POP sign is the point; the IMAP signs are the healthy account's own (asserted in signs tests). */
const EVIDENCE_OUTLOOK = {
  popSigns: [{ kind: 'pop-folder-recent' as const, strength: 'strong' as const, count: 12, folders: ['POP'], keyword: null }],
  imapSigns: outlookPopFolder.imap?.ok ? imapClientSigns(outlookPopFolder.imap.evidence, 'POP') : [],
};

ruleTester('mixed-protocol-use', {
  valid: [
    { name: 'POP deleting on one device, nothing else', snapshot: scenario('pop-single-device-deletes') },
    { name: 'POP deleting + recently filed folder (a server filter can do that alone)', snapshot: popDeletesWithFiledFolder },
    { name: 'IMAP user + a POP3 LOGIN-DELAY refusal (weak: may be our own previous run)', snapshot: imapUserWithPopLoginDelay },
    { name: 'POP leave-on-server with Junk mail (no IMAP client)', snapshot: scenario('junk-with-pop-user') },
  ],
  invalid: [
    {
      name: "Outlook: recent mail in its POP folder (what a POP client deleted) while IMAP clients answer → critical, the folder named first",
      snapshot: outlookPopFolder,
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          steps: ['microsoft-pop-folder', 'check-protocol-on-every-device', 'where-to-see-protocol', 'imap-on-every-device', 'move-pop-device-to-imap', 'pop-only-on-one-device'],
          evidence: EVIDENCE_OUTLOOK,
        },
      ],
    },
    {
      name: 'POP deletes while a phone sends, drafts, trashes, answers and forwards over IMAP → critical, high',
      snapshot: scenario('mixed'),
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          titleIncludes: ['1,988', '5 messages saved to Sent'],
          evidence: {
            popSigns: [{ kind: 'removed-without-trace', strength: 'strong', count: 1988, folders: ['INBOX'], keyword: null }],
            imapSigns: [
              { kind: 'sent-recent', strength: 'strong', count: 5, folders: ['Sent'], keyword: null },
              { kind: 'drafts-recent', strength: 'strong', count: 1, folders: ['Drafts'], keyword: null },
              { kind: 'trash-recent', strength: 'strong', count: 2, folders: ['Trash'], keyword: null },
              { kind: 'inbox-answered', strength: 'strong', count: 2, folders: ['INBOX'], keyword: null },
              { kind: 'inbox-client-keyword', strength: 'strong', count: 1, folders: ['INBOX'], keyword: '$Forwarded' },
              { kind: 'folders-filed-recent', strength: 'weak', count: 2, folders: ['Receipts'], keyword: null },
            ],
          },
        },
      ],
    },
    {
      name: 'a POP3 session holds the mailbox of an active IMAP user → critical, high',
      snapshot: imapUserWithPopLock,
      findings: [
        {
          severity: 'critical',
          confidence: 'high',
          evidence: {
            popSigns: [{ kind: 'pop-session-active', strength: 'strong', count: null, folders: [], keyword: null }],
            imapSigns: [
              { kind: 'sent-recent', strength: 'strong', count: 12, folders: ['Sent'], keyword: null },
              { kind: 'drafts-recent', strength: 'strong', count: 1, folders: ['Drafts'], keyword: null },
              { kind: 'trash-recent', strength: 'strong', count: 5, folders: ['Trash'], keyword: null },
              { kind: 'archive-recent', strength: 'strong', count: 3, folders: ['Archive'], keyword: null },
              { kind: 'inbox-answered', strength: 'strong', count: 140, folders: ['INBOX'], keyword: null },
              { kind: 'inbox-flagged', strength: 'strong', count: 12, folders: ['INBOX'], keyword: null },
              { kind: 'inbox-client-keyword', strength: 'strong', count: 20, folders: ['INBOX'], keyword: '$Forwarded' },
            ],
          },
        },
      ],
    },
    {
      name: 'POP deletes and a single kind of IMAP trace → critical, medium',
      snapshot: popDeletesOneImapSign,
      findings: [
        {
          severity: 'critical',
          confidence: 'medium',
          evidence: {
            popSigns: [{ kind: 'removed-without-trace', strength: 'strong', count: 2358, folders: ['INBOX'], keyword: null }],
            imapSigns: [{ kind: 'inbox-answered', strength: 'strong', count: 1, folders: ['INBOX'], keyword: null }],
          },
        },
      ],
    },
  ],
  skipped: [{ name: 'IMAP not reachable', snapshot: buildSnapshot({ ...mixedSpec(), imap: fail('timeout', 'no answer', { step: 'greeting' }) }), reason: /^IMAP probe failed: timeout/ }],
});
