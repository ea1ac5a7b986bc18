import { defineRule } from '../define-rule.js';
import { imapOf, largestFolders, worstResource } from '../facts.js';
import { step } from '../steps.js';
import { runs } from '../server-identity.js';
import type { FolderFact } from '../types.js';

function worthCleaning(folders: FolderFact[], usedBytes: number | null): FolderFact[] {
  if (usedBytes === null || folders.some((f) => f.sizeBytes === null)) return folders.slice(0, 4);
  return folders.filter((f) => (f.sizeBytes ?? 0) >= usedBytes * 0.05).slice(0, 4);
}

/**
 * Reads every quota root and resource from GETQUOTAROOT INBOX (STORAGE already converted from KiB to bytes,
 * MESSAGE a count). The resource with the highest ratio sets the severity: warning from warnRatio, critical
 * from critRatio. Evidence lists the folders that free the most space: Trash, Junk and Sent first; on Courier,
 * whose maildir quota leaves Trash out (deliverquota recounts every folder but Trash), without Trash, and the
 * cleaning step says emptying it frees nothing that counts.
 */
export default defineRule({
  id: 'quota-near-limit',
  needs: ['imap.quota'],
  defaults: { warnRatio: 0.8, critRatio: 0.95 },
  docs: { summary: 'Storage or message quota at or above the warning (80%) or critical (95%) ratio.' },
  check({ snapshot, options, signs, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    const worst = worstResource(imap.quota);
    const storage = worstResource(imap.quota, 'STORAGE');
    const messages = worstResource(imap.quota, 'MESSAGE');
    if (!worst || worst.ratio < options.warnRatio) return;
    const trashOutsideQuota = runs(snapshot, 'courier');
    const folders = largestFolders(imap, 6, { trashOutsideQuota });
    const popUseSeen = signs.pop.length > 0;
    const evidence = {
      source: imap.quota.source,
      quotaRoot: worst.root,
      resource: worst.name,
      ratio: worst.ratio,
      usedBytes: storage?.usage ?? null,
      limitBytes: storage?.limit ?? null,
      storageRatio: storage?.ratio ?? null,
      usedMessages: messages?.usage ?? null,
      limitMessages: messages?.limit ?? null,
      messagesRatio: messages?.ratio ?? null,
      warnRatio: options.warnRatio,
      critRatio: options.critRatio,
      largestFolders: folders,
      popUseSeen,
      ...(trashOutsideQuota ? { trashOutsideQuota: true as const } : {}),
    };
    const useStorage = worst.name === 'STORAGE';
    report({
      severity: worst.ratio >= options.critRatio ? 'critical' : 'warning',
      evidence,
      steps: [
        step('quota-refuses-mail', {
          ratio: worst.ratio,
          usedBytes: useStorage ? evidence.usedBytes : null,
          limitBytes: useStorage ? evidence.limitBytes : null,
          usedMessages: useStorage ? null : evidence.usedMessages,
          limitMessages: useStorage ? null : evidence.limitMessages,
        }),
        // The step names only folders worth emptying: 5% or more of what is used (all of them when sizes are unknown).
        step('quota-clean', { folders: worthCleaning(folders, storage?.usage ?? null), ...(trashOutsideQuota ? { trashOutsideQuota } : {}) }),
        ...(popUseSeen ? [step('quota-pop-copies')] : []),
        step('quota-raise'),
      ],
    });
  },
});
