import { defineRule } from '../define-rule.js';
import { imapOf } from '../facts.js';
import { imapClientSeen, REMOVAL_DEFAULTS, removalPattern } from '../signs.js';
import { step } from '../../report/steps.js';
import { DAY_SECONDS } from '../../report/format.js';

/**
 * One-probe evidence that a client deletes INBOX mail after download (see removalPattern in signs.ts):
 *  - INBOX UIDNEXT-1 (what it ever took in under this UIDVALIDITY) is far above what it holds;
 *  - the other folders' UIDNEXT-1 summed bounds what can have been moved out (a move takes a UID in the
 *    target folder, and that UIDNEXT never goes back even after the target is emptied), so what left beyond
 *    that bound was deleted outright: at least minRemoved messages and minRemovedRatio of the intake;
 *  - INBOX holds nothing older than maxOldestAgeDays (a POP client empties it, at once or after N days;
 *    an IMAP user who deletes permanently still keeps older mail).
 * Info when no IMAP client shows (one POP device is fine); warning when IMAP clients are seen as well
 * (mixed-protocol-use then says the critical part).
 */
export default defineRule({
  id: 'pop-deletes-mail',
  needs: ['imap'],
  defaults: { ...REMOVAL_DEFAULTS },
  docs: { summary: 'INBOX took in far more mail than it holds, and the rest went to no folder: something deletes mail after download.' },
  check({ snapshot, options, now, signs, report }) {
    const imap = imapOf(snapshot);
    if (!imap) return;
    const pattern = removalPattern(imap, now, options);
    if (!pattern) return;
    const imapSeen = imapClientSeen(signs);
    const oldestAgeDays = pattern.oldestAgeSeconds === null ? null : Math.floor(pattern.oldestAgeSeconds / DAY_SECONDS);
    report({
      severity: imapSeen ? 'warning' : 'info',
      confidence: 'medium',
      evidence: { ...pattern, imapClientSeen: imapSeen },
      steps: imapSeen
        ? [step('find-pop-collector', { removed: pattern.removedWithoutTrace, onlyIfUnknown: false }), step('pop-leave-copy', { oldestAgeDays })]
        : [
            step('pop-single-device-is-fine'),
            step('pop-leave-copy', { oldestAgeDays }),
            step('find-pop-collector', { removed: pattern.removedWithoutTrace, onlyIfUnknown: true }),
          ],
    });
  },
});
