// The analyzer's vocabulary: finding ids with their typed evidence, rules, and the result of a run.
// Every finding id is a key of FindingEvidenceMap, so a wording table `Record<FindingId, …>` that lacks an
// entry does not compile (the arethetypeswrong pattern).
import type { VanishedMail } from '../snapshot/compare.js';
import type { ProbeErrorKind, Snapshot, Transport } from '../snapshot/schema.js';
import type { DiscoverySource } from '../snapshot/discovery.js';

/** Hosted mail services with behaviour of their own (protocol-facts.md, "Hosted providers"; see server-identity.ts). */
export type HostedProvider = 'gmail' | 'microsoft' | 'icloud' | 'yahoo';

export type Severity = 'info' | 'warning' | 'critical';
export type Status = 'ok' | 'warning' | 'critical' | 'unknown';
export type Confidence = 'low' | 'medium' | 'high';
export type Protocol = 'imap' | 'pop3';

/** Severity order, most severe first (findings sort this way). */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** One folder's size facts (sizeBytes null when the server has no STATUS=SIZE). */
export interface FolderFact {
  folder: string;
  specialUse: string | null;
  messages: number;
  sizeBytes: number | null;
}

/** A probe error, with where it happened, as evidence. Never contains secrets (the connector scrubs). */
export interface ProbeFailure {
  protocol: Protocol;
  host: string | null;
  port: number | null;
  tls: Transport | null;
  kind: ProbeErrorKind;
  step: string | null;
  code: string | null;
  message: string;
  serverText: string | null;
  /** Only on a refused OAuth2 login: the mechanism, and the server's decoded error challenge (status, scope, schemes). */
  oauth2?: { mechanism: 'OAUTHBEARER' | 'XOAUTH2'; status?: string; scope?: string; schemes?: string };
}

/** Traces of how the account is read. See signs.ts for what each one means and how strong it is. */
export type PopSignKind =
  | 'removed-without-trace'
  | 'pop-session-active'
  | 'pop-login-delay'
  | 'read-without-imap-traces'
  | 'vanished-between-probes'
  | 'log-pop-deletes'
  | 'pop-folder-recent';
export type ImapSignKind =
  | 'sent-recent'
  | 'drafts-recent'
  | 'trash-recent'
  | 'archive-recent'
  | 'folders-filed-recent'
  | 'inbox-answered'
  | 'inbox-flagged'
  | 'inbox-deleted-flag'
  | 'inbox-client-keyword'
  | 'log-imap-logins';
export type SignKind = PopSignKind | ImapSignKind;

export interface Sign<K extends SignKind = SignKind> {
  kind: K;
  strength: 'strong' | 'weak';
  /** How many messages show it (null when it is not a count, e.g. a POP lock). */
  count: number | null;
  /** Folders it was seen in, most telling first. */
  folders: string[];
  keyword: string | null;
  /** Client IPs, for signs read from the server log (log-pop-deletes, log-imap-logins). */
  ips?: string[];
}

/** INBOX messages a POP client "deleted" that the server only hides from POP (Dovecot's pop3_deleted_flag). */
export interface PopHiddenMail {
  /** The keyword as the server spells it. */
  keyword: string;
  messages: number;
}

/**
 * Vanished messages that were about the same age when they went: a POP client set to "remove from server after
 * N days". Ages are INTERNALDATE against the window in which the message went (between the two probes).
 */
export interface VanishAgeCluster {
  /** The age, in whole days, most of them went at (±toleranceDays). */
  days: number;
  toleranceDays: number;
  /** Vanished messages whose age at vanishing lies in days ± toleranceDays, of `ofVanished`. */
  messages: number;
  ofVanished: number;
  /** The youngest and oldest age at vanishing among them, in days (one decimal). */
  minAgeDays: number;
  maxAgeDays: number;
  /** INBOX messages younger than the cluster (days − toleranceDays) still there: the client keeps young mail. */
  youngerKept: number;
}

/** What the server log proves about a POP client deleting mail (check --log). */
export interface PopLogProof {
  popSessions: number;
  sessionsWithDeletes: number;
  retrMessages: number;
  deletedMessages: number;
  deletedBytes: number | null;
  /** Median gap between POP3 logins: how often the device polls. */
  pollIntervalSeconds: number | null;
  popIps: string[];
  firstSession: string | null;
  lastDelete: string | null;
}

export type TlsProblemKind =
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'certificate-self-signed'
  | 'certificate-untrusted'
  | 'certificate-wrong-host'
  | 'handshake-failed'
  | 'certificate-expiring'
  | 'no-tls-offered'
  | 'tls-not-chosen'
  | 'plaintext-login'
  | 'plaintext-login-offered'
  | 'insecure-unneeded';

export interface TlsProblem {
  protocol: Protocol;
  host: string | null;
  port: number | null;
  problem: TlsProblemKind;
  severity: Severity;
  /** Node's verification error code when verification failed. */
  verifyError: string | null;
  /** Certificate end of validity (ISO), when a certificate was seen. */
  validTo: string | null;
  /** Seconds from the snapshot time to validTo (negative once expired). */
  expiresInSeconds: number | null;
  /** --insecure was used for this connection. */
  insecure: boolean;
}

export type DisagreeReason = 'pop-listing-inconsistent' | 'different-mailbox' | 'pop-hides-deleted' | 'pop-deleted-flag' | 'changed-between-probes' | 'size-accounting';

/** The evidence each finding carries. Units are in the key names; ratios are 0..1; nothing is pre-formatted. */
export interface FindingEvidenceMap {
  'quota-near-limit': {
    source: string;
    quotaRoot: string;
    /** The resource with the highest ratio, which sets the severity. */
    resource: 'STORAGE' | 'MESSAGE';
    ratio: number;
    usedBytes: number | null;
    limitBytes: number | null;
    storageRatio: number | null;
    usedMessages: number | null;
    limitMessages: number | null;
    messagesRatio: number | null;
    warnRatio: number;
    critRatio: number;
    /** Trash, Junk and Sent first (the usual cleanup), then the rest by size. */
    largestFolders: FolderFact[];
    /** A POP client was seen, so "leave a copy on the server" may be what fills it. */
    popUseSeen: boolean;
    /** The server leaves Trash out of its quota (Courier): Trash is then not among largestFolders. */
    trashOutsideQuota?: true;
  };
  'quota-unknown': {
    quotaSupported: boolean;
    totalMessages: number;
    /** Sum of STATUS SIZE over the folders that report it; null when none does. */
    totalSizeBytes: number | null;
    foldersWithoutSize: number;
    largestFolders: FolderFact[];
  };
  'pop-deletes-mail': {
    inboxUidValidity: string;
    /** UIDNEXT-1: messages INBOX has taken in under this UIDVALIDITY (approximately; UIDs are never reused). */
    inboxReceived: number;
    inboxMessages: number;
    /** inboxReceived - inboxMessages: messages that are no longer in INBOX. */
    leftInbox: number;
    /** Sum of UIDNEXT-1 over every other folder: the most that can have been moved out of INBOX. */
    otherFoldersReceived: number;
    /** leftInbox - otherFoldersReceived: at least this many were deleted outright, not moved. */
    removedWithoutTrace: number;
    removedRatio: number;
    oldestAgeSeconds: number | null;
    imapClientSeen: boolean;
    /** Present with --log: POP3 logout lines that show the deletions (direct proof). */
    fromLog?: PopLogProof;
    /** The hosted provider the servers showed (server-identity.ts), when it changes the steps; absent otherwise. */
    provider?: HostedProvider;
    /** Present when INBOX messages carry a pop3_deleted_flag keyword: what POP "deleted" there is only hidden. */
    popHidden?: PopHiddenMail;
    /** Present when the server is Cyrus IMAP (its greeting or POP3 IMPLEMENTATION): deleted mail may be recoverable. */
    server?: 'cyrus';
  };
  'mixed-protocol-use': {
    popSigns: Sign<PopSignKind>[];
    imapSigns: Sign<ImapSignKind>[];
    /** The hosted provider the servers showed (server-identity.ts), when it changes the steps; absent otherwise. */
    provider?: HostedProvider;
  };
  'mail-hidden-from-pop': {
    last7Days: number;
    folders: { folder: string; specialUse: string | null; last7Days: number; last1Day: number }[];
    popUseSeen: boolean;
    popSigns: PopSignKind[];
    /** gmail: only Spam counts (Gmail's POP serves All Mail, labels included, but not Spam or Trash). */
    provider?: HostedProvider;
  };
  'pop-imap-disagree': {
    popMessages: number;
    imapMessages: number;
    /** popMessages - imapMessages. */
    messageDiff: number;
    popSizeBytes: number;
    imapSizeBytes: number | null;
    sizeDiffBytes: number | null;
    popUidValidity: string | null;
    /** null: INBOX's UIDVALIDITY is unknown (the server sent none). */
    imapUidValidity: string | null;
    /** POP messages whose UIDL maps to a UID at or above IMAP's UIDNEXT (null when the UIDL format is opaque). */
    popUidsBeyondImapUidNext: number | null;
    imapDeletedMessages: number;
    /** The POP3 session's listings against themselves (STAT vs UIDL/LIST counts, repeated UIDLs): snapshot anomalies. */
    popListingProblems: string[];
    likelyReasons: DisagreeReason[];
    /** Present when INBOX messages carry a pop3_deleted_flag keyword (IMAP shows them, POP3 hides them). */
    popHidden?: PopHiddenMail;
  };
  'pop-mailbox-locked': {
    code: string | null;
    step: string | null;
    message: string;
    serverText: string | null;
    imapClientSeen: boolean;
  };
  'pop-server-expires-mail': {
    /** CAPA EXPIRE in days (0 = removed as soon as downloaded); null when not announced or NEVER. */
    expireDays: number | null;
    loginDelaySeconds: number | null;
    /** The probe's own login was refused with [LOGIN-DELAY]. */
    loginDelayRefused: boolean;
    imapClientSeen: boolean;
  };
  'deleted-not-expunged': {
    deletedMessages: number;
    inboxMessages: number;
    deletedRatio: number;
    /** Only with per-message history; else null. */
    deletedBytes: number | null;
    /** POP3 lists them too (its count includes them); null when POP was not observed. */
    servedToPop: boolean | null;
    quotaRatio: number | null;
    popUseSeen: boolean;
  };
  'login-failed': {
    failures: ProbeFailure[];
    otherProtocolWorks: boolean;
    /** The hosted provider the servers showed (server-identity.ts), when it changes the steps; absent otherwise. */
    provider?: HostedProvider;
  };
  'connect-failed': {
    failures: ProbeFailure[];
    otherProtocolWorks: boolean;
    /** The hosted provider the servers showed (server-identity.ts), when it changes the steps; absent otherwise. */
    provider?: HostedProvider;
  };
  'tls-problem': {
    problems: TlsProblem[];
  };
  'no-recent-mail': {
    newestAgeSeconds: number;
    newestFolder: string;
    quietDays: number;
    inboxMessages: number;
  };
  'mail-vanished': {
    /** Gone from INBOX since the earlier probe and in no folder (with atLeast: a lower bound). */
    vanishedMessages: number;
    vanishedBytes: number;
    atLeast: boolean;
    /** 'message-id': looked up by Message-ID hash in every folder; 'uidnext-bound': bounded by UIDNEXT growth. */
    method: 'message-id' | 'uidnext-bound';
    /** Of the vanished ones, how many were already read (\Seen) at the earlier probe. */
    seenBefore: number;
    goneFromInbox: number;
    movedMessages: number;
    /** Gone messages that an IMAP client had flagged \Deleted at the earlier probe (not counted as vanished). */
    expungedAfterDeleteFlag: number;
    fromTakenAt: string;
    toTakenAt: string;
    windowSeconds: number;
    oldestInternalDate: string | null;
    newestInternalDate: string | null;
    imapUseSeen: boolean;
    /** Present when INBOX messages carry a pop3_deleted_flag keyword: what POP "deletes" there stays in INBOX. */
    popHidden?: PopHiddenMail;
    /** Present when the server is Cyrus IMAP (its greeting or POP3 IMPLEMENTATION): deleted mail may be recoverable. */
    server?: 'cyrus';
    /** Present when most vanished messages were about the same age when they went (see vanishAgeCluster). */
    ageCluster?: VanishAgeCluster;
  };
  'uidvalidity-changed': {
    folder: string;
    previousUidValidity: string;
    uidValidity: string;
    previousTakenAt: string;
    previousMessages: number;
    messages: number;
    popUseSeen: boolean;
  };
  'quota-filling': {
    usedBytes: number;
    limitBytes: number;
    /** Least-squares slope over the stored probes and this one. */
    growthBytesPerDay: number;
    daysToFull: number;
    projectedFullAt: string;
    points: number;
    spanSeconds: number;
    warnDays: number;
  };
}

export interface FindingEvidenceMap {
  'quota-rejected-mail': {
    /** Deliveries refused for quota in the log (bounced and deferred). */
    refused: number;
    /** Of those, deferred with 452 4.2.2 (the sender retries for a while). */
    deferred: number;
    firstRefused: string | null;
    lastRefused: string | null;
    /** Seconds from the last refusal to the analysis time. */
    lastRefusedAgeSeconds: number | null;
    /** Storage use now, from IMAP GETQUOTAROOT, when known. */
    quotaRatio: number | null;
    logFiles: string[];
  };
}

/** A published (or guessed) setting as the discovery rules name it. */
export interface PublishedSetting {
  source: DiscoverySource;
  protocol: Protocol;
  host: string;
  port: number;
  tls: Transport;
}

export interface FindingEvidenceMap {
  'published-settings-delete-mail': {
    source: DiscoverySource;
    /** The document that says it. */
    url: string;
    /** POP3 is the first incoming server the document offers: what automatic setup picks. */
    popFirst: boolean;
    pop: PublishedSetting;
    /** As published; null when the document does not say (clients then keep their default). */
    leaveMessagesOnServer: boolean | null;
    daysToLeaveMessagesOnServer: number | null;
    /** Fewer days than this count as short (option shortDays). */
    shortDays: number;
  };
  'discovery-sources-disagree': {
    /** Per protocol, the first setting of each published source, where they are not all the same. */
    disagreements: { protocol: Protocol; settings: PublishedSetting[] }[];
    /** Published settings whose port did not answer as the protocol, and why. */
    notAnswering: (PublishedSetting & { error: string })[];
    /** The setting each protocol uses (the first source in priority order); null when none. */
    chosen: { imap: PublishedSetting | null; pop3: PublishedSetting | null };
  };
  'nothing-published': {
    domain: string;
    /** What guessing found: what a client that guesses the way Thunderbird does would use. */
    guessed: PublishedSetting[];
    /** Each published source and what became of it. */
    sources: { source: DiscoverySource; status: 'nothing' | 'failed' | 'timed-out'; reason: string | null }[];
  };
  'published-without-tls': {
    /** no-tls: published without TLS; starttls-not-offered: published with STARTTLS, which the server does not offer. */
    problems: (PublishedSetting & { problem: 'no-tls' | 'starttls-not-offered' | 'certificate-not-verified'; tlsError: string | null })[];
  };
}

export type FindingId = keyof FindingEvidenceMap;

const ID_TABLE: Record<FindingId, true> = {
  'quota-near-limit': true,
  'quota-unknown': true,
  'pop-deletes-mail': true,
  'mixed-protocol-use': true,
  'mail-hidden-from-pop': true,
  'pop-imap-disagree': true,
  'pop-mailbox-locked': true,
  'pop-server-expires-mail': true,
  'deleted-not-expunged': true,
  'login-failed': true,
  'connect-failed': true,
  'tls-problem': true,
  'no-recent-mail': true,
  'quota-rejected-mail': true,
  'mail-vanished': true,
  'uidvalidity-changed': true,
  'quota-filling': true,
  'published-settings-delete-mail': true,
  'discovery-sources-disagree': true,
  'nothing-published': true,
  'published-without-tls': true,
};
/** Every finding id, derived from a table the compiler checks against FindingEvidenceMap. */
export const FINDING_IDS = Object.keys(ID_TABLE) as FindingId[];

/** A finding as data: no words. The report layer renders its title, explanation and steps (src/report/findings/, steps.ts). */
export interface FindingOf<K extends FindingId> {
  id: K;
  severity: Severity;
  evidence: FindingEvidenceMap[K];
  /** What to do, in order: step keys with their numbers. */
  steps: StepRef[];
  confidence?: Confidence;
}

/** Any finding; `switch (f.id)` narrows `f.evidence`. */
export type Finding = { [K in FindingId]: FindingOf<K> }[FindingId];

/** Evidence a rule reads; the runner skips the rule (with a reason) when it is absent. */
/**
 * 'imap' / 'pop': the probe succeeded. 'imap.quota': it also found a quota limit. 'imap.probed' /
 * 'pop.probed': the protocol was probed at all (rules that read the probe error itself need only that).
 * 'previous.imap': an earlier probe of the account (from history) with IMAP evidence, for rules that compare two.
 * 'logs': the server's logs were read (check --log). 'discovery': the servers were found from the address.
 * 'imap.inboxUids' / 'previous.inboxUids': INBOX's UIDNEXT and UIDVALIDITY are known (in this / the earlier probe).
 * 'pop.inbox': POP3 serves the INBOX that IMAP shows (not so on Gmail, whose POP serves All Mail).
 */
export type EvidencePath = 'imap' | 'imap.quota' | 'imap.quotaRead' | 'imap.probed' | 'imap.inboxUids' | 'pop' | 'pop.probed' | 'pop.inbox' | 'previous.imap' | 'previous.inboxList' | 'previous.inboxUids' | 'logs' | 'discovery';

export type RuleOptionValue = number | boolean | string;
export type RuleOptions = Record<string, RuleOptionValue>;

/** What a rule hands to report(); the runner adds id, title, explanation and the step texts. */
export interface FindingDraft<K extends FindingId> {
  severity: Severity;
  evidence: FindingEvidenceMap[K];
  steps: StepRef[];
  confidence?: Confidence;
}

/** Signs of POP and IMAP use, computed once per run and shared by the rules (see signs.ts). */
export interface UsageSigns {
  pop: Sign<PopSignKind>[];
  imap: Sign<ImapSignKind>[];
}

export interface RuleContext<K extends FindingId, O extends RuleOptions> {
  snapshot: Snapshot;
  previous: Snapshot | null;
  /** Earlier probes of the account from history, oldest first (previous is the last); [] without history. */
  history: Snapshot[];
  options: O;
  /** The analysis time (normally snapshot.takenAt). */
  now: Date;
  signs: UsageSigns;
  /** Mail gone from INBOX since `previous` and in no folder, computed once per analysis (null: nothing to compare). */
  vanished: VanishedMail | null;
  report: (draft: FindingDraft<K>) => void;
}

/**
 * Evidence a rule can work from in part, but must have whole for "nothing found" to count as a pass:
 * 'imap.folders' every selectable folder examined; 'imap.inboxUids' INBOX's UIDNEXT and UIDVALIDITY known; with a server log, 'logs.pop3' every POP3 session's logout
 * counters read, 'logs.deliveries' every delivery's result read (without a log there is nothing to miss).
 */
export type CompletePath = 'imap.folders' | 'imap.inboxUids' | 'logs.pop3' | 'logs.deliveries';

export interface Rule<K extends FindingId = FindingId, O extends RuleOptions = RuleOptions> {
  id: K;
  needs: readonly EvidencePath[];
  /** When one of these is incomplete, a finding still stands, but a pass becomes a skip with the reason. */
  complete?: readonly CompletePath[];
  defaults: O;
  docs: { summary: string };
  // Method syntax on purpose: a Rule<'x', {a: number}> then fits in the registry's Rule[].
  check(ctx: RuleContext<K, O>): void;
}

/**
 * Why a rule did not run, as data: waits-for-earlier-probe / waits-for-log are optional inputs not given (a first
 * check, no --log: expected, not a gap); missing-evidence a probe or history that could not give what the rule
 * reads; incomplete-evidence nothing found in evidence with holes (never a pass); rule-error a maildoctor bug;
 * login-only a check that only logged in (check --just-login), so no mailbox evidence was read.
 * not-discovered a discovery rule on a check whose servers were given (--host): listed in notApplicable only.
 */
export type SkipKind = 'waits-for-earlier-probe' | 'waits-for-log' | 'missing-evidence' | 'incomplete-evidence' | 'rule-error' | 'login-only' | 'not-discovered';

export interface SkippedRule {
  rule: FindingId;
  reason: string;
  kind: SkipKind;
}

export interface Analysis {
  status: Status;
  /** Sorted by severity (critical first), then id. */
  findings: Finding[];
  skipped: SkippedRule[];
  /** Ids of the rules that ran. */
  checked: FindingId[];
  /**
   * Rules about a question the check did not ask (the discovery rules when the servers were given with --host),
   * with the reason: kept out of `skipped`, so a check with --host reports exactly as before discovery existed.
   */
  notApplicable?: SkippedRule[];
  /** Rules that threw (a maildoctor bug); they are also listed in skipped. */
  errors: { rule: FindingId; message: string }[];
  /** The options each rule ran with (defaults merged with what was passed). */
  options: Record<FindingId, RuleOptions>;
  /** The time the analysis used, ISO. */
  now: string;
  /** The earlier probe the comparing rules read, and the newer probes passed over for lack of evidence. */
  comparedWith: ComparedWith | null;
}

export interface ComparedWith {
  takenAt: string;
  /** takenAt of newer probes that were passed over (they had no IMAP evidence), newest first. */
  passedOver: string[];
}

// What to do, as data: a rule picks steps by key with the numbers they need; their words are in src/report/steps.ts.
export interface StepParamsMap {
  'check-protocol-on-every-device': Record<string, never>;
  'where-to-see-protocol': Record<string, never>;
  'imap-on-every-device': Record<string, never>;
  'move-pop-device-to-imap': Record<string, never>;
  'pop-only-on-one-device': Record<string, never>;
  'pop-single-device-is-fine': Record<string, never>;
  'pop-leave-copy': { oldestAgeDays: number | null };
  'find-pop-collector': { removed: number; onlyIfUnknown: boolean };
  'quota-refuses-mail': { ratio: number; usedBytes: number | null; limitBytes: number | null; usedMessages: number | null; limitMessages: number | null };
  /** Outlook's folder of what POP clients deleted (microsoftPopFolder): where that mail is. */
  'microsoft-pop-folder': { folder: string; messages: number; last7Days: number };
  /** trashOutsideQuota: emptying Trash frees nothing that counts (Courier leaves Trash out of the quota). */
  'quota-clean': { folders: FolderFact[]; trashOutsideQuota?: boolean };
  'quota-raise': Record<string, never>;
  'quota-pop-copies': Record<string, never>;
  'quota-ask-provider': { totalSizeBytes: number | null; totalMessages: number };
  'look-in-junk-and-filters': { folders: { folder: string; last7Days: number }[] };
  'pop-sees-inbox-only': Record<string, never>;
  'check-user-and-password': { protocols: Protocol[] };
  'check-oauth2-token': { protocols: Protocol[]; status: string | null; scope: string | null };
  /** The refused login was an admin's on behalf of the user (--auth-user): the customer's password was never sent. */
  'check-admin-login': { user: string; authUser: string; masterSeparator: string | null };
  'try-webmail-login': Record<string, never>;
  'update-password-everywhere': Record<string, never>;
  'protocol-disabled-for-account': { protocol: Protocol; other: Protocol };
  'check-host-and-port': { failures: ProbeFailure[] };
  'check-network-path': Record<string, never>;
  'protocol-not-offered': { protocol: Protocol; other: Protocol };
  'renew-certificate': { host: string; expiresInSeconds: number };
  'certificate-name': { host: string };
  'certificate-not-yet-valid': Record<string, never>;
  'certificate-trust': { insecureUsed: boolean };
  'tls-mode-and-port': Record<string, never>;
  'require-tls': { protocols: Protocol[] };
  'use-offered-starttls': { protocols: Protocol[] };
  'drop-insecure': Record<string, never>;
  'find-pop-session-holder': Record<string, never>;
  'stuck-pop-lock': Record<string, never>;
  'expunge-deleted': { deleted: number };
  /** INBOX messages a POP client "deleted" that Dovecot's pop3_deleted_flag only hides from POP. */
  'pop-deleted-still-in-inbox': { keyword: string; messages: number; user: string };
  /** Cyrus keeps expunged mail by default (expunge_mode: delayed) until cyr_expire purges it. */
  'cyrus-unexpunge': { user: string };
  /** A POP client that removes mail from the server when it is about `days` old. */
  'pop-remove-after-days': { days: number; messages: number; ofVanished: number };
  'deleted-come-back-over-pop': Record<string, never>;
  'server-expire-policy': { days: number };
  'login-delay-policy': { seconds: number };
  'rerun-check': Record<string, never>;
  'pop-listing-to-provider': Record<string, never>;
  'same-server-for-both': Record<string, never>;
  'test-delivery': { quietDays: number };
  'find-pop-device-by-ip': { ips: string[]; pollIntervalSeconds: number | null };
  'ask-senders-to-resend': { refused: number; firstRefused: string | null; lastRefused: string | null };
  'vanished-window': { count: number; fromTakenAt: string; toTakenAt: string };
  'pop-redownloads-all': Record<string, never>;
  'uidvalidity-ask-provider': Record<string, never>;
  'quota-trend': { daysToFull: number };
  'publish-imap-first': { url: string };
  'publish-leave-on-server': { url: string };
  'align-published-settings': { settings: PublishedSetting[] };
  'fix-published-port': { settings: PublishedSetting[] };
  'publish-settings': { domain: string };
  'publish-tls-settings': { settings: PublishedSetting[] };
  /**
   * Gmail: its POP setting, not the client, decides what happens to Gmail's copy; its effect in numbers (null: the
   * folder is not shown over IMAP).
   */
  'gmail-pop-setting': { inboxMessages: number; allMailMessages: number | null; trashMessages: number | null; trashLast7Days: number | null };
  /** Gmail: a message goes to one POP client only, and POP serves All Mail; `user` for the recent: login. */
  'gmail-pop-once': { user: string };
  /** Microsoft 365 / Outlook.com: passwords are refused over IMAP and POP; OAuth2 only. */
  'microsoft-oauth2-only': { protocols: Protocol[] };
  /** iCloud Mail: no POP3 at all. */
  'icloud-no-pop': Record<string, never>;
}

export type StepKey = keyof StepParamsMap;

/** A step chosen by a rule: its key and the numbers it needs. */
export type StepRef = { [K in StepKey]: { key: K; params: StepParamsMap[K] } }[StepKey];

