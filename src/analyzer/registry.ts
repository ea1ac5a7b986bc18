// Every rule, listed by hand (no directory scanning): a meta test checks this list against rules/.
import connectFailed from './rules/connect-failed.js';
import deletedNotExpunged from './rules/deleted-not-expunged.js';
import loginFailed from './rules/login-failed.js';
import mailHiddenFromPop from './rules/mail-hidden-from-pop.js';
import mixedProtocolUse from './rules/mixed-protocol-use.js';
import noRecentMail from './rules/no-recent-mail.js';
import popDeletesMail from './rules/pop-deletes-mail.js';
import popImapDisagree from './rules/pop-imap-disagree.js';
import popMailboxLocked from './rules/pop-mailbox-locked.js';
import popServerExpiresMail from './rules/pop-server-expires-mail.js';
import quotaNearLimit from './rules/quota-near-limit.js';
import quotaUnknown from './rules/quota-unknown.js';
import quotaRejectedMail from './rules/quota-rejected-mail.js';
import tlsProblem from './rules/tls-problem.js';
import mailVanished from './rules/mail-vanished.js';
import uidvalidityChanged from './rules/uidvalidity-changed.js';
import quotaFilling from './rules/quota-filling.js';
import publishedSettingsDeleteMail from './rules/published-settings-delete-mail.js';
import discoverySourcesDisagree from './rules/discovery-sources-disagree.js';
import nothingPublished from './rules/nothing-published.js';
import publishedWithoutTls from './rules/published-without-tls.js';

export const RULES = [
  connectFailed,
  loginFailed,
  tlsProblem,
  quotaNearLimit,
  quotaUnknown,
  quotaRejectedMail,
  popDeletesMail,
  mixedProtocolUse,
  mailHiddenFromPop,
  popImapDisagree,
  popMailboxLocked,
  popServerExpiresMail,
  deletedNotExpunged,
  noRecentMail,
  mailVanished,
  uidvalidityChanged,
  quotaFilling,
  publishedSettingsDeleteMail,
  discoverySourcesDisagree,
  nothingPublished,
  publishedWithoutTls,
] as const;

export type RegisteredRule = (typeof RULES)[number];
export type RuleId = RegisteredRule['id'];

/** Per-rule option overrides, typed from each rule's defaults: { 'quota-near-limit': { warnRatio: 0.7 } }. */
export type RuleOptionOverrides = { [R in RegisteredRule as R['id']]?: Partial<R['defaults']> };
