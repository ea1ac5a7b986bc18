// Whether the evidence a rule needs is in the snapshot, and if not, why: the reason a skipped rule shows.
import { unexaminedFolders } from '../snapshot/compare.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { CompletePath, EvidencePath, SkipKind } from './types.js';
import { limitedResources } from './facts.js';
import { serverIdentities } from './server-identity.js';

function protocolMissing(snapshot: Snapshot, which: 'imap' | 'pop', needOk: boolean): string | null {
  const name = which === 'imap' ? 'IMAP' : 'POP3';
  const result = snapshot[which];
  const other = which === 'imap' ? snapshot.pop : snapshot.imap;
  if (result === null) return other !== null ? `${name} not probed (--only ${which === 'imap' ? 'pop' : 'imap'})` : `${name} not probed`;
  if (needOk && !result.ok) return `${name} probe failed: ${result.error.kind} (${result.error.message})`;
  return null;
}

/** Why a rule that compares two probes did not run on a first check: expected, not a gap in the evidence. */
export const NO_EARLIER_PROBE = 'no earlier probe of this account to compare with (first check, or --no-history)';

/** Why a rule that reads the server's logs did not run: no --log was given. Expected, not a gap either. */
export const NO_SERVER_LOG = 'no server log given (check --log FILE)';

/** Why a rule that reads the mailbox did not run on a login-only check. Never a pass: nothing was read. */
export const LOGIN_ONLY = 'only the logins were checked (--just-login): the mailbox was not read';
/** Why a discovery rule did not run: the servers were given, not found from the address. */
export const NOT_DISCOVERED = 'the servers were given (--host), not discovered from the address (check ADDRESS without --host)';

/** Skip kinds that only mean an optional input was not given (reports keep a clean account to one line). */
/** Why INBOX's UIDNEXT / UIDVALIDITY of a probe are not known, or null when both are. */
export function unknownInboxUids(s: Snapshot | null, which: 'this' | 'the earlier'): string | null {
  if (!s?.imap?.ok) return null;
  const inbox = s.imap.evidence.inbox;
  const missing = [inbox.uidNext === null ? 'UIDNEXT' : null, inbox.uidValidity === null ? 'UIDVALIDITY' : null].filter((w) => w !== null);
  if (!missing.length) return null;
  return `INBOX ${missing.join(' and ')} unknown in ${which} probe${which === 'the earlier' ? ` (${s.takenAt})` : ''}: the server sent no number for ${missing.length > 1 ? 'them' : 'it'} (neither on EXAMINE nor in STATUS), so what INBOX took in cannot be counted`;
}

/** Courier IMAP's UIDVALIDITY is the Unix time of its making minus 10^9. */
const COURIER_UIDVALIDITY_OFFSET = 1e9;
/** Seconds of slack either side of the probe's own session. */
const MINTED_WINDOW_SECONDS = 10;

/**
 * Whether INBOX's UIDVALIDITY in this probe is the time of the probe's own IMAP session in Courier's form (Unix
 * seconds minus 10^9, from takenAt to the end of the IMAP probe, 10 s of slack either side). Courier IMAP keeps no
 * UID list for a folder that no client has ever selected, and numbers it afresh for every read-only session: its
 * UIDNEXT is then the message count plus one, whatever the folder took in. Plain Unix seconds are not taken as
 * such: Dovecot's UIDVALIDITY is the time a mailbox was made, and one rebuilt just before a probe keeps its UIDs
 * from then on.
 */
export function inboxUidsMintedForSession(s: Snapshot | null): boolean {
  if (!s?.imap?.ok) return false;
  const uv = s.imap.evidence.inbox.uidValidity;
  const start = Date.parse(s.takenAt) / 1000;
  if (uv === null || !/^\d+$/.test(uv) || !Number.isFinite(start)) return false;
  const at = Number(uv) + COURIER_UIDVALIDITY_OFFSET;
  return at >= start - MINTED_WINDOW_SECONDS && at <= start + s.imap.durationMs / 1000 + MINTED_WINDOW_SECONDS;
}

/**
 * Why this probe cannot count what INBOX took in although the server sent numbers: its UIDs were made for this
 * session only (inboxUidsMintedForSession) and run from 1 to the message count. Null otherwise.
 */
export function sessionMintedInbox(s: Snapshot): string | null {
  if (!inboxUidsMintedForSession(s) || !s.imap?.ok) return null;
  // Numbered afresh, UIDs run from 1 to the message count: a higher UIDNEXT is a UID list kept since before
  // (one an IMAP client made moments ago, and mail has gone since), and it counts what left.
  const inbox = s.imap.evidence.inbox;
  if (inbox.uidNext !== inbox.messages + 1) return null;
  return `INBOX's UIDVALIDITY ${s.imap.evidence.inbox.uidValidity} is the time of this probe's own session in Courier's form: the server keeps no UIDs for INBOX (Courier does so only once an IMAP client has selected it) and numbered it afresh from 1, so what INBOX took in cannot be counted, and mail a POP device downloaded and deleted leaves no trace an IMAP probe can see`;
}

/**
 * Why two probes' INBOX UIDs cannot be compared although both have numbers: the earlier probe's UIDVALIDITY was
 * made for that probe's own session (inboxUidsMintedForSession), and it differs from this one's. Then the
 * earlier UIDs were numbers of one session, and a change says nothing about the mailbox, whether this probe's
 * numbers are minted for it too (INBOX still never selected) or kept (an IMAP client has selected INBOX since).
 * Only this probe's UIDVALIDITY being minted is a real renumbering (the server lost its UID list), and is left to
 * uidvalidity-changed. Null otherwise.
 */
export function sessionMintedUidValidity(previous: Snapshot | null, snapshot: Snapshot): string | null {
  if (!previous?.imap?.ok || !snapshot.imap?.ok) return null;
  const before = previous.imap.evidence.inbox.uidValidity;
  const now = snapshot.imap.evidence.inbox.uidValidity;
  if (before === null || now === null || before === now || !inboxUidsMintedForSession(previous)) return null;
  const nowMinted = inboxUidsMintedForSession(snapshot);
  return nowMinted
    ? `INBOX's UIDVALIDITY was made for each probe's own session (${before} at ${previous.takenAt}, ${now} now, each the time of its probe in Courier's form): the server keeps no UIDs between sessions (Courier does so until an IMAP client has selected INBOX once), so the two probes' UIDs cannot be compared`
    : `INBOX's UIDVALIDITY of the earlier probe (${before} at ${previous.takenAt}) was made for that probe's own session in Courier's form, and INBOX has kept UIDs (${now}) since an IMAP client selected it: the earlier probe's UIDs were one session's numbers, so the two probes' UIDs cannot be compared`;
}

export const OPTIONAL_INPUT: ReadonlySet<SkipKind> = new Set<SkipKind>(['waits-for-earlier-probe', 'waits-for-log']);

/** Why evidence a rule needs is missing: the words and their kind. */
export interface Missing {
  reason: string;
  kind: SkipKind;
}

/**
 * The reason the first missing path is missing, or null when everything needed is there. `noPrevious` says why
 * there is no earlier probe when that is not the expected first check (a history that could not be read).
 */
export function missingEvidence(snapshot: Snapshot, needs: readonly EvidencePath[], previous: Snapshot | null = null, noPrevious: string = NO_EARLIER_PROBE): Missing | null {
  for (const path of needs) {
    let reason: string | null = null;
    let kind: SkipKind = 'missing-evidence';
    // Discovery is about the address, not the mailbox: a login-only check is discovered or not like any other.
    if (snapshot.login && path !== 'logs' && path !== 'discovery') {
      // A login-only check knows what each login showed: a refusal (its error) is evidence, the mailbox is not.
      const probed = path === 'imap.probed' ? 'imap' : path === 'pop.probed' ? 'pop' : null;
      const login = probed ? snapshot.login[probed] : null;
      if (probed && login === null) return { reason: `${probed === 'imap' ? 'IMAP' : 'POP3'} not probed`, kind: 'missing-evidence' };
      if (login && !login.ok) continue; // the refusal is what the rule reads
      return { reason: LOGIN_ONLY, kind: 'login-only' };
    }
    switch (path) {
      case 'imap':
      case 'imap.probed':
        reason = protocolMissing(snapshot, 'imap', path === 'imap');
        break;
      case 'pop':
      case 'pop.probed':
        reason = protocolMissing(snapshot, 'pop', path === 'pop');
        break;
      case 'previous.imap':
        if (!previous) {
          reason = noPrevious;
          if (noPrevious === NO_EARLIER_PROBE) kind = 'waits-for-earlier-probe';
        }
        else if (!previous.imap?.ok) reason = 'the earlier probe has no IMAP evidence';
        break;
      case 'previous.inboxList': {
        // Without both INBOX lists nothing can be compared: say so, never pass the rule.
        if (!previous?.imap?.ok || !snapshot.imap?.ok) break; // 'imap' / 'previous.imap' name those gaps
        const before = previous.imap.evidence.inbox;
        const now = snapshot.imap.evidence.inbox;
        if (before.messageList == null && before.messages > 0) {
          reason = `the INBOX message list of the earlier probe (${previous.takenAt}) is no longer stored: the history keeps the lists of its newest probes only`;
        } else if (now.messageList == null && now.messages > 0) {
          reason = 'this probe read no INBOX message list (it was taken without history)';
        }
        break;
      }
      case 'imap.inboxUids':
        reason = unknownInboxUids(snapshot, 'this');
        break;
      case 'pop.inbox':
        // Gmail's POP3 serves the messages of All Mail (labels included, not Spam or Trash) that POP has not
        // downloaded yet, per its POP setting: a view of its own, not INBOX's.
        if (serverIdentities(snapshot).provider === 'gmail') {
          reason = "the server is Gmail, whose POP3 serves the messages of All Mail that no POP client has downloaded yet, not INBOX: the two views are not the same mailbox, so they are not compared";
        }
        break;
      case 'previous.inboxUids':
        reason = unknownInboxUids(previous, 'the earlier') ?? sessionMintedUidValidity(previous, snapshot);
        break;
      case 'logs':
        if (!snapshot.logs) {
          reason = NO_SERVER_LOG;
          kind = 'waits-for-log';
        }
        break;
      case 'discovery':
        if (!snapshot.discovery) {
          reason = NOT_DISCOVERED;
          kind = 'not-discovered';
        }
        break;
      case 'imap.quotaRead':
      case 'imap.quota': {
        reason = protocolMissing(snapshot, 'imap', true);
        if (reason || !snapshot.imap?.ok) break;
        const quota = snapshot.imap.evidence.quota;
        // A quota that could not be read, or whose numbers made no sense, is unknown: never "not full".
        if (quota.error) reason = `the quota could not be read: ${quota.error.message}`;
        else if (path === 'imap.quotaRead') break;
        else if (!quota.supported) reason = 'the server does not offer IMAP QUOTA (see quota-unknown)';
        else if (limitedResources(quota).length === 0) {
          reason = 'the server publishes no storage or message limit (see quota-unknown)';
        }
        break;
      }
    }
    if (reason) return { reason, kind };
  }
  return null;
}

/**
 * Why evidence a rule read only in part keeps a pass from counting (the rule then shows as skipped), or null
 * when it is whole: folders that could not be examined.
 */
export function incompleteEvidence(snapshot: Snapshot, complete: readonly CompletePath[] = []): string | null {
  for (const path of complete) {
    const unread = snapshot.logs?.unread;
    const unlogged = snapshot.logs?.pop.deletesUnlogged;
    if (path === 'logs.pop3' && unlogged) {
      return `the server log is Courier's, whose POP3 logout lines count no deletions: ${unlogged === 1 ? 'a POP3 session' : `${unlogged} POP3 sessions`} of this account ended with QUIT, and what ${unlogged === 1 ? 'it' : 'they'} deleted is unknown: nothing found in the rest, but that is no proof`;
    }
    if (path === 'logs.pop3' && unread?.pop3Sessions) {
      const n = unread.pop3Sessions;
      return `the server log has ${n === 1 ? 'a POP3 session' : `${n} POP3 sessions`} of this account whose logout counters could not be read (what ${n === 1 ? 'it' : 'they'} downloaded and deleted is unknown): nothing found in the rest, but that is no proof`;
    }
    if (path === 'logs.deliveries' && snapshot.logs?.deliveries.refusalsUnlogged === 'cyrus') {
      return "the server log is Cyrus's, whose LMTP logs no delivery it refuses for quota, and it holds no MTA line: give the MTA's log too (Postfix or Exim, with another --log) to see refusals";
    }
    if (path === 'logs.deliveries' && unread?.deliveries) {
      const n = unread.deliveries;
      return `the server log has ${n === 1 ? 'a delivery' : `${n} deliveries`} to this account whose result could not be read (saved or refused is unknown): no refusal found in the rest, but that is no proof`;
    }
    if (path === 'imap.inboxUids') {
      const unknown = unknownInboxUids(snapshot, 'this') ?? sessionMintedInbox(snapshot);
      if (unknown) return `${unknown}: nothing found in the rest, but that is no proof`;
    }
    if (path === 'imap.folders' && snapshot.imap?.ok) {
      const e = snapshot.imap.evidence;
      const unexamined = unexaminedFolders(e.folders);
      const lost = e.stepErrors?.[0];
      if (unexamined.length || lost) {
        const names = unexamined.length ? `${unexamined.length === 1 ? 'folder' : `${unexamined.length} folders`} ${unexamined.slice(0, 3).join(', ')}${unexamined.length > 3 ? ', …' : ''} could not be examined` : 'not every folder could be examined';
        return `${names}${lost ? ` (${lost.message})` : ''}: nothing found in the rest, but mail there is unknown`;
      }
    }
  }
  return null;
}
