import { defineRule } from '../define-rule.js';
import { imapOf, largestFolders, limitedResources } from '../facts.js';
import { step } from '../steps.js';

/**
 * Fires when IMAP worked but no quota root has a STORAGE or MESSAGE limit (QUOTA not advertised, or no
 * limit set). Gives what the folder sizes show instead (STATUS SIZE where the server offers it).
 */
export default defineRule({
  id: 'quota-unknown',
  needs: ['imap.quotaRead'],
  defaults: {},
  docs: { summary: 'The server publishes no quota; the folder sizes are given instead.' },
  check({ snapshot, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    if (imap.quota.supported && limitedResources(imap.quota).length > 0) return;
    const folders = imap.folders.filter((f) => f.selectable && f.status);
    const sized = folders.filter((f) => f.status?.sizeBytes !== null && f.status?.sizeBytes !== undefined);
    const totalMessages = folders.reduce((a, f) => a + (f.status?.messages ?? 0), 0);
    const totalSizeBytes = sized.length ? sized.reduce((a, f) => a + (f.status?.sizeBytes ?? 0), 0) : null;
    report({
      severity: 'info',
      evidence: {
        quotaSupported: imap.quota.supported,
        totalMessages,
        totalSizeBytes,
        foldersWithoutSize: folders.length - sized.length,
        largestFolders: largestFolders(imap),
      },
      steps: [step('quota-ask-provider', { totalSizeBytes, totalMessages })],
    });
  },
});
