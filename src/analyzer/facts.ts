// Small pure readers over a snapshot that several rules share: the evidence of a protocol that answered,
// folder roles, recent activity, folder sizes and the INBOX ledger (what came in versus what is still there).
import type { Folder, ImapEvidence, ImapLoginResult, Pop3Evidence, Pop3LoginResult, ProbeError, Quota, Snapshot } from '../snapshot/schema.js';
import type { FolderFact, PopHiddenMail, ProbeFailure, Protocol } from './types.js';

/** Seconds in a day: ages and certificate lifetimes are measured in seconds and judged in days. */
export const DAY_SECONDS = 86400;

export function imapOf(snapshot: Snapshot): ImapEvidence | null {
  return snapshot.imap?.ok ? snapshot.imap.evidence : null;
}

export function popOf(snapshot: Snapshot): Pop3Evidence | null {
  return snapshot.pop?.ok ? snapshot.pop.evidence : null;
}

/**
 * How a protocol's login went: the full probe's result, or a login-only check's (check --just-login); null when
 * it was not probed. What rules about connecting, TLS and the login read.
 */
export function loginOf(snapshot: Snapshot, protocol: 'imap'): ImapLoginResult | null;
export function loginOf(snapshot: Snapshot, protocol: 'pop' | 'pop3'): Pop3LoginResult | null;
export function loginOf(snapshot: Snapshot, protocol: 'imap' | 'pop' | 'pop3'): ImapLoginResult | Pop3LoginResult | null;
export function loginOf(snapshot: Snapshot, protocol: 'imap' | 'pop' | 'pop3'): ImapLoginResult | Pop3LoginResult | null {
  return protocol === 'imap' ? (snapshot.imap ?? snapshot.login?.imap ?? null) : (snapshot.pop ?? snapshot.login?.pop ?? null);
}

/** A protocol's login worked (in a full probe: the whole probe did). */
export function answered(snapshot: Snapshot, protocol: 'imap' | 'pop' | 'pop3'): boolean {
  return loginOf(snapshot, protocol)?.ok === true;
}

export function popError(snapshot: Snapshot): ProbeError | null {
  const pop = loginOf(snapshot, 'pop');
  return pop && !pop.ok ? pop.error : null;
}

export function failureOf(snapshot: Snapshot, protocol: Protocol): ProbeFailure | null {
  const result = loginOf(snapshot, protocol);
  if (!result || result.ok) return null;
  const endpoint = protocol === 'imap' ? snapshot.account.imap : snapshot.account.pop;
  const e = result.error;
  return {
    protocol,
    host: endpoint?.host ?? null,
    port: endpoint?.port ?? null,
    tls: endpoint?.tls ?? null,
    kind: e.kind,
    step: e.step ?? null,
    code: e.code ?? null,
    message: e.message,
    serverText: e.serverText ?? null,
    ...(e.oauth2 ? { oauth2: { ...e.oauth2 } } : {}),
  };
}

export function isInbox(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}

/** Special use compared without case and backslash: role(f) === 'sent'. */
export function role(folder: Folder): string | null {
  return folder.specialUse ? folder.specialUse.replace(/^\\/, '').toLowerCase() : null;
}

/** Messages whose INTERNALDATE is less than 7 days old (the lt1d and lt7d buckets). */
export function last7Days(folder: Folder): number {
  return folder.activity ? folder.activity.ages.lt1d + folder.activity.ages.lt7d : 0;
}

export function ageSeconds(iso: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(iso)) / 1000);
}

/** Folders that hold messages (selectable, not INBOX). */
export function otherFolders(imap: ImapEvidence): Folder[] {
  return imap.folders.filter((f) => f.selectable && !isInbox(f.path));
}

export function folderFact(f: Folder): FolderFact {
  return { folder: f.path, specialUse: f.specialUse, messages: f.status?.messages ?? 0, sizeBytes: f.status?.sizeBytes ?? null };
}

const CLEANUP_ROLES = ['trash', 'junk', 'sent'];

/**
 * The folders worth looking at to free space: non-empty Trash, Junk and Sent first (the usual cleanup),
 * then the others, each group largest first (by size when the server reports it, else by message count).
 * `trashOutsideQuota`: the server leaves Trash out of the quota (Courier's maildir quota does), so emptying it
 * frees nothing that counts and Trash is not named.
 */
export function largestFolders(imap: ImapEvidence, max = 6, opts: { trashOutsideQuota?: boolean } = {}): FolderFact[] {
  const facts = imap.folders.filter((f) => f.selectable && f.status && f.status.messages > 0 && !(opts.trashOutsideQuota && role(f) === 'trash'));
  const bySize = (a: Folder, b: Folder) =>
    (b.status?.sizeBytes ?? -1) - (a.status?.sizeBytes ?? -1) ||
    (b.status?.messages ?? 0) - (a.status?.messages ?? 0) ||
    a.path.localeCompare(b.path);
  const cleanup = facts.filter((f) => CLEANUP_ROLES.includes(role(f) ?? '')).sort(bySize);
  const rest = facts.filter((f) => !CLEANUP_ROLES.includes(role(f) ?? '')).sort(bySize);
  return [...cleanup, ...rest].slice(0, max).map(folderFact);
}

export interface InboxLedger {
  /** UIDNEXT-1. */
  received: number;
  held: number;
  leftInbox: number;
  /** Sum of UIDNEXT-1 of every other folder; null when a folder's STATUS or UIDNEXT is missing (then nothing is bounded). */
  otherFoldersReceived: number | null;
  /** leftInbox - otherFoldersReceived, floored at 0; null when the bound is unknown. */
  removedWithoutTrace: number | null;
}

/**
 * UIDs are handed out in ascending order and never reused under one UIDVALIDITY, so UIDNEXT-1 counts what a
 * folder has ever taken in (a server may skip UIDs, which only overstates it). A message moved out of INBOX
 * takes a new UID in the folder it lands in, and that folder's UIDNEXT keeps counting it even after it is
 * deleted there; so what left INBOX beyond the other folders' total intake was deleted outright. null when
 * INBOX's UIDNEXT is unknown.
 */
export function inboxLedger(imap: ImapEvidence): InboxLedger | null {
  // INBOX's UIDNEXT unknown (the server sent none): nothing is counted, never a NaN.
  if (imap.inbox.uidNext === null) return null;
  const received = Math.max(0, imap.inbox.uidNext - 1);
  const held = imap.inbox.messages;
  const leftInbox = Math.max(0, received - held);
  let other: number | null = 0;
  for (const f of otherFolders(imap)) {
    if (!f.status || f.status.uidNext === null) {
      other = null;
      break;
    }
    other += Math.max(0, f.status.uidNext - 1);
  }
  return {
    received,
    held,
    leftInbox,
    otherFoldersReceived: other,
    removedWithoutTrace: other === null ? null : Math.max(0, leftInbox - other),
  };
}

export interface LimitedResource {
  root: string;
  name: 'STORAGE' | 'MESSAGE';
  usage: number;
  limit: number;
  ratio: number;
}

/** Every STORAGE and MESSAGE resource that has a limit, over all quota roots (names compared without case). */
export function limitedResources(quota: Quota): LimitedResource[] {
  const out: LimitedResource[] = [];
  for (const root of quota.roots) {
    for (const r of root.resources) {
      const name = r.name.toUpperCase();
      if (r.limit > 0 && (name === 'STORAGE' || name === 'MESSAGE')) out.push({ root: root.root, name, usage: r.usage, limit: r.limit, ratio: r.usage / r.limit });
    }
  }
  return out;
}

/** The worst resource of a kind (highest ratio), or null. */
export function worstResource(quota: Quota, name?: 'STORAGE' | 'MESSAGE'): LimitedResource | null {
  let worst: LimitedResource | null = null;
  for (const r of limitedResources(quota)) if ((!name || r.name === name) && (!worst || r.ratio > worst.ratio)) worst = r;
  return worst;
}

/** The highest ratio over every quota root and resource with a limit, or null. */
export function quotaPressure(imap: ImapEvidence): number | null {
  return worstResource(imap.quota)?.ratio ?? null;
}

export function isLoopback(host: string | null | undefined): boolean {
  if (!host) return false;
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Keyword names Dovecot's pop3_deleted_flag is set to ($POP3Deleted in its documentation, $POPDeleted, with or
 * without the $): with it, a POP3 DELE only hides the message from POP and sets the keyword, and IMAP still
 * shows the message. No other server or client sets such a keyword.
 */
const POP_DELETED_KEYWORD = /^\$?pop3?[-_]?deleted$/i;

/** The pop3_deleted_flag keyword INBOX's messages carry (the one most carry), or null when none does. */
export function popHiddenMail(imap: ImapEvidence): PopHiddenMail | null {
  let best: PopHiddenMail | null = null;
  for (const [keyword, messages] of Object.entries(imap.inbox.keywords)) {
    if (messages > 0 && POP_DELETED_KEYWORD.test(keyword) && (!best || messages > best.messages)) best = { keyword, messages };
  }
  return best;
}
