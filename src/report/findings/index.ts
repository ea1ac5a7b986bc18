// Every finding's words, listed by hand like the rule registry: an id without its words does not compile. The
// renderers and buildReport read a finding's words only through this module.
import type { Finding, FindingEvidenceMap, FindingId, FindingOf } from '../../analyzer/types.js';
import { zonedTime } from '../format.js';
import { renderStep } from '../steps.js';
import type { FindingWords, RenderedFinding } from '../types.js';
import connectFailed from './connect-failed.js';
import deletedNotExpunged from './deleted-not-expunged.js';
import loginFailed from './login-failed.js';
import mailHiddenFromPop from './mail-hidden-from-pop.js';
import mailVanished from './mail-vanished.js';
import mixedProtocolUse from './mixed-protocol-use.js';
import noRecentMail from './no-recent-mail.js';
import popDeletesMail from './pop-deletes-mail.js';
import popImapDisagree from './pop-imap-disagree.js';
import popMailboxLocked from './pop-mailbox-locked.js';
import popServerExpiresMail from './pop-server-expires-mail.js';
import quotaFilling from './quota-filling.js';
import quotaNearLimit from './quota-near-limit.js';
import quotaRejectedMail from './quota-rejected-mail.js';
import quotaUnknown from './quota-unknown.js';
import tlsProblem from './tls-problem.js';
import uidvalidityChanged from './uidvalidity-changed.js';
import publishedSettingsDeleteMail from './published-settings-delete-mail.js';
import discoverySourcesDisagree from './discovery-sources-disagree.js';
import nothingPublished from './nothing-published.js';
import publishedWithoutTls from './published-without-tls.js';

export const FINDING_WORDS: { [K in FindingId]: FindingWords<K> } = {
  'connect-failed': connectFailed,
  'login-failed': loginFailed,
  'tls-problem': tlsProblem,
  'quota-near-limit': quotaNearLimit,
  'quota-unknown': quotaUnknown,
  'quota-rejected-mail': quotaRejectedMail,
  'pop-deletes-mail': popDeletesMail,
  'mixed-protocol-use': mixedProtocolUse,
  'mail-hidden-from-pop': mailHiddenFromPop,
  'pop-imap-disagree': popImapDisagree,
  'pop-mailbox-locked': popMailboxLocked,
  'pop-server-expires-mail': popServerExpiresMail,
  'deleted-not-expunged': deletedNotExpunged,
  'no-recent-mail': noRecentMail,
  'mail-vanished': mailVanished,
  'uidvalidity-changed': uidvalidityChanged,
  'quota-filling': quotaFilling,
  'published-settings-delete-mail': publishedSettingsDeleteMail,
  'discovery-sources-disagree': discoverySourcesDisagree,
  'nothing-published': nothingPublished,
  'published-without-tls': publishedWithoutTls,
};

function wordsOf<K extends FindingId>(id: K): FindingWords<K> {
  return FINDING_WORDS[id];
}

/** The words of a finding: its title, explanation and steps, rendered from the analyzer's data. */
export function renderFinding(f: Finding, zone = 'UTC'): RenderedFinding {
  const words = wordsOf(f.id);
  // The key order of report@1's findings, the step keys after the steps they name.
  return {
    id: f.id,
    severity: f.severity,
    title: words.title(f.evidence),
    explanation: words.explanation(f.evidence),
    evidence: f.evidence,
    steps: f.steps.map((s) => renderStep(s, zone)),
    stepKeys: f.steps,
    ...(f.confidence ? { confidence: f.confidence } : {}),
  } as RenderedFinding;
}

/** The evidence as lines a person reads, times in `zone`: text, markdown, JUnit and HTML show these. */
export function evidenceLines<K extends FindingId>(f: { id: K; evidence: FindingEvidenceMap[K] }, zone = 'UTC'): string[] {
  return wordsOf(f.id).evidence(f.evidence, (iso) => zonedTime(iso, zone));
}

/** The verdict's one sentence for a finding. */
export function headline<K extends FindingId>(f: FindingOf<K>): string {
  return wordsOf(f.id).headline(f);
}
