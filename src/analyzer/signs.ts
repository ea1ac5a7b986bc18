// Signs of how an account is read, from one probe. Several rules weigh the same signs (pop-deletes-mail,
// mixed-protocol-use, mail-hidden-from-pop, ...), so the runner computes them once.
//
// IMAP clients leave traces only they can leave: a POP3 client cannot set flags other than (on Dovecot)
// \Seen by downloading, cannot save into server folders, cannot move mail out of INBOX. So:
//   strong IMAP signs  mail from the last 7 days in Sent, Drafts, Trash or Archive (an IMAP client or webmail
//                      saved or moved it there); \Answered, \Flagged or \Deleted in INBOX; keywords clients
//                      set ($Forwarded, $MDNSent, $Junk/$NotJunk, Thunderbird's $label1..5).
//   weak IMAP sign     mail from the last 7 days in user folders: an IMAP client filed it, or a server filter
//                      did at delivery; one probe cannot tell which.
// POP3 clients leave these:
//   strong POP signs   the INBOX ledger shows mail deleted outright (see removalPattern); the probe's own POP3
//                      login was refused with [IN-USE] (another POP3 session is open right now).
//   weak POP signs     our login was refused with [LOGIN-DELAY] (someone logged in shortly before, or our own
//                      previous run did); INBOX mail was read while no strong IMAP trace exists (Dovecot marks
//                      downloaded mail \Seen, but so does a webmail reader who never replies or files). This one
//                      only ever stands alone, so it never makes mixed-protocol-use fire.
import type { ImapEvidence, LogEvidence, Snapshot } from '../snapshot/schema.js';
import { ageSeconds, imapOf, inboxLedger, isInbox, last7Days, popError, role } from './facts.js';
import type { FindingEvidenceMap, ImapSignKind, PopSignKind, Sign, UsageSigns } from './types.js';
import { microsoftPopFolder } from './server-identity.js';
import { DAY_SECONDS } from './facts.js';
import type { VanishedMail } from '../snapshot/compare.js';

export interface RemovalOptions {
  /** At least this many messages must have been deleted outright. */
  minRemoved: number;
  /** ... and they must be at least this share of what INBOX ever received. */
  minRemovedRatio: number;
  /** INBOX holds nothing older than this (a POP client empties it, at once or after N days). */
  maxOldestAgeDays: number;
}

export const REMOVAL_DEFAULTS: RemovalOptions = { minRemoved: 20, minRemovedRatio: 0.5, maxOldestAgeDays: 31 };

export type RemovalPattern = Omit<FindingEvidenceMap['pop-deletes-mail'], 'imapClientSeen'>;

/**
 * How many INBOX messages something has removed, at least: one number for every finding that asks a reader to
 * find the POP client (pop-deletes-mail, mail-vanished), so two findings never state the same loss differently.
 * The highest of three lower bounds: the ledger of this probe (removed without trace, under the default
 * thresholds unless a rule passes its own pattern), the POP3 deletions in the server log, and the messages that
 * vanished since the earlier probe.
 */
export function removedAtLeast(
  imap: ImapEvidence,
  now: Date,
  logs: LogEvidence | null | undefined,
  vanished: VanishedMail | null | undefined,
  pattern: RemovalPattern | null = removalPattern(imap, now, REMOVAL_DEFAULTS),
): number {
  return Math.max(pattern?.removedWithoutTrace ?? 0, logs?.pop.deletedMessages ?? 0, vanished?.vanished.length ?? 0);
}

/**
 * Mail deleted from INBOX after download, from one probe: INBOX took in far more than it holds, the other
 * folders together cannot have received what left (so it was deleted, not moved), and INBOX holds only young
 * mail. null when the pattern is absent or cannot be judged (a folder without STATUS leaves the bound open, an
 * INBOX without a known UIDNEXT or UIDVALIDITY counts nothing).
 */
export function removalPattern(imap: ImapEvidence, now: Date, opts: RemovalOptions): RemovalPattern | null {
  const ledger = inboxLedger(imap);
  if (!ledger || imap.inbox.uidValidity === null) return null; // INBOX's UIDNEXT or UIDVALIDITY unknown: nothing to judge
  if (ledger.received === 0 || ledger.otherFoldersReceived === null || ledger.removedWithoutTrace === null) return null;
  const removed = ledger.removedWithoutTrace;
  const ratio = removed / ledger.received;
  const oldest = imap.inbox.oldestInternalDate;
  const oldestAgeSeconds = oldest ? ageSeconds(oldest, now) : null;
  const young = oldestAgeSeconds === null || oldestAgeSeconds <= opts.maxOldestAgeDays * DAY_SECONDS;
  if (removed < opts.minRemoved || ratio < opts.minRemovedRatio || !young) return null;
  return {
    inboxUidValidity: imap.inbox.uidValidity,
    inboxReceived: ledger.received,
    inboxMessages: ledger.held,
    leftInbox: ledger.leftInbox,
    otherFoldersReceived: ledger.otherFoldersReceived,
    removedWithoutTrace: removed,
    removedRatio: ratio,
    oldestAgeSeconds,
  };
}

/** Keywords that mail clients set and servers do not (compared without case). */
const CLIENT_KEYWORDS = ['$forwarded', 'forwarded', '$mdnsent', '$junk', '$notjunk', 'junk', 'nonjunk', 'notjunk', '$label1', '$label2', '$label3', '$label4', '$label5'];

function sign<K extends ImapSignKind | PopSignKind>(kind: K, strength: 'strong' | 'weak', count: number | null, folders: string[] = [], keyword: string | null = null): Sign<K> {
  return { kind, strength, count, folders, keyword };
}

/** `notFiled`: a folder that is not a client's or a filter's filing (Outlook's POP folder). */
export function imapClientSigns(imap: ImapEvidence, notFiled: string | null = null): Sign<ImapSignKind>[] {
  const signs: Sign<ImapSignKind>[] = [];
  const recentIn = (r: string) => imap.folders.filter((f) => f.selectable && !isInbox(f.path) && role(f) === r && last7Days(f) > 0);
  const folderSign = (kind: ImapSignKind, r: string) => {
    const fs = recentIn(r);
    const n = fs.reduce((a, f) => a + last7Days(f), 0);
    if (n > 0) signs.push(sign(kind, 'strong', n, fs.map((f) => f.path)));
  };
  folderSign('sent-recent', 'sent');
  folderSign('drafts-recent', 'drafts');
  folderSign('trash-recent', 'trash');
  folderSign('archive-recent', 'archive');
  const filed = imap.folders
    .filter((f) => f.selectable && !isInbox(f.path) && role(f) === null && f.path !== notFiled && last7Days(f) > 0)
    .sort((a, b) => last7Days(b) - last7Days(a) || a.path.localeCompare(b.path));
  if (filed.length) signs.push(sign('folders-filed-recent', 'weak', filed.reduce((a, f) => a + last7Days(f), 0), filed.map((f) => f.path)));
  const { answered, flagged, deleted } = imap.inbox.flags;
  if (answered > 0) signs.push(sign('inbox-answered', 'strong', answered, ['INBOX']));
  if (flagged > 0) signs.push(sign('inbox-flagged', 'strong', flagged, ['INBOX']));
  if (deleted > 0) signs.push(sign('inbox-deleted-flag', 'strong', deleted, ['INBOX']));
  const keywords = Object.entries(imap.inbox.keywords)
    .filter(([k, n]) => n > 0 && CLIENT_KEYWORDS.includes(k.toLowerCase()))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [k, n] of keywords) signs.push(sign('inbox-client-keyword', 'strong', n, ['INBOX'], k));
  return signs;
}

export function popUseSigns(snapshot: Snapshot, removal: RemovalPattern | null, imapSigns: Sign<ImapSignKind>[]): Sign<PopSignKind>[] {
  const signs: Sign<PopSignKind>[] = [];
  if (removal) signs.push(sign('removed-without-trace', 'strong', removal.removedWithoutTrace, ['INBOX']));
  // Outlook moved what a POP client "deleted" in the last 7 days to its POP folder: a POP client at work.
  const popFolder = microsoftPopFolder(snapshot);
  if (popFolder && popFolder.last7Days > 0) signs.push(sign('pop-folder-recent', 'strong', popFolder.last7Days, [popFolder.folder]));
  const err = popError(snapshot);
  if (err?.kind === 'in-use') signs.push(sign('pop-session-active', 'strong', null));
  if (err?.kind === 'login-delay') signs.push(sign('pop-login-delay', 'weak', null));
  const imap = imapOf(snapshot);
  // Weak IMAP signs (recently filed folders) do not count against it: a server filter files mail too.
  const strongImap = imapSigns.some((s) => s.strength === 'strong');
  if (imap && signs.length === 0 && !strongImap && imap.inbox.flags.seen > 0) {
    signs.push(sign('read-without-imap-traces', 'weak', imap.inbox.flags.seen, ['INBOX']));
  }
  return signs;
}

/** An IMAP client is shown by a strong sign; recently filed folders alone may be a server filter's work. */
export function imapClientSeen(signs: { imap: Sign<ImapSignKind>[] }): boolean {
  return signs.imap.some((s) => s.strength === 'strong');
}

export function usageSigns(snapshot: Snapshot, now: Date, removalOpts: RemovalOptions): UsageSigns & { removal: RemovalPattern | null } {
  const imap = imapOf(snapshot);
  const removal = imap ? removalPattern(imap, now, removalOpts) : null;
  const imapSigns = imap ? imapClientSigns(imap, microsoftPopFolder(snapshot)?.folder ?? null) : [];
  const logs = snapshot.logs ?? null;
  if (logs) imapSigns.push(...logImapSigns(logs));
  const pop = popUseSigns(snapshot, removal, imapSigns);
  if (logs) pop.unshift(...logPopSigns(logs));
  return { removal, imap: imapSigns, pop };
}

function popIps(logs: LogEvidence): string[] {
  return logs.logins.filter((l) => l.protocol === 'pop3').map((l) => l.ip);
}

/** The server log (check --log): POP3 logouts with del>0 are the deletions themselves, a strong sign. */
export function logPopSigns(logs: LogEvidence): Sign<PopSignKind>[] {
  if (logs.pop.deletedMessages === 0) return [];
  return [{ ...sign('log-pop-deletes', 'strong', logs.pop.deletedMessages, ['INBOX']), ips: popIps(logs) }];
}

/**
 * IMAP logins in the server log: strong from addresses the POP3 client does not use (another device), weak from
 * the same ones (a second program on that device, or a shared office address).
 */
export function logImapSigns(logs: LogEvidence): Sign<ImapSignKind>[] {
  const pops = new Set(popIps(logs));
  const imap = logs.logins.filter((l) => l.protocol === 'imap');
  const other = imap.filter((l) => !pops.has(l.ip));
  const same = imap.filter((l) => pops.has(l.ip));
  const out: Sign<ImapSignKind>[] = [];
  const total = (ls: typeof imap) => ls.reduce((a, l) => a + l.count, 0);
  if (other.length) out.push({ ...sign('log-imap-logins', 'strong', total(other)), ips: other.map((l) => l.ip) });
  if (same.length) out.push({ ...sign('log-imap-logins', 'weak', total(same)), ips: same.map((l) => l.ip) });
  return out;
}
