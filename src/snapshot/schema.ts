// The snapshot: what one probe of one account saw, as JSON-serialisable data (plain data, but for INBOX's
// message list: a MessageList, which writes itself as the array a snapshot file holds).
// Connectors produce it, the analyzer reads it, `probe --out` saves it and `analyze` loads it again.
// Bump SNAPSHOT_SCHEMA_VERSION (schema-id.ts) when a change would make an older reader misread a newer file.
import * as z from 'zod';
import { SNAPSHOT_SCHEMA } from './schema-id.js';
import { isoDate, MessageIdentitySchema } from './identity.js';
import { MessageList } from './message-list.js';
import { DiscoverySchema } from './discovery.js';
import { LogTimelineSchema } from './timeline-schema.js';

export { SNAPSHOT_SCHEMA, SNAPSHOT_SCHEMA_NAME, SNAPSHOT_SCHEMA_VERSION } from './schema-id.js';
export type { MessageIdentity } from './identity.js';

export const TransportSchema = z.enum(['implicit', 'starttls', 'none']);
export type Transport = z.infer<typeof TransportSchema>;

/** Why a protocol could not be observed. Recorded, never thrown past the connector. */
export const ProbeErrorKindSchema = z.enum([
  'dns', // host name does not resolve
  'refused', // TCP connection refused
  'unreachable', // network unreachable / host down / reset before greeting
  'timeout', // a deadline fired
  'tls', // TLS handshake or certificate verification failed
  'starttls-missing', // STARTTLS/STLS asked for but not offered
  'plaintext-refused', // we would have to send a password without TLS and were not allowed to
  'auth', // the server rejected the credentials
  'in-use', // POP3 [IN-USE]: another session holds the mailbox
  'login-delay', // POP3 [LOGIN-DELAY]: logged in too soon after the last login
  'sys-temp', // [SYS/TEMP] or another temporary server failure
  'sys-perm', // [SYS/PERM] or another permanent server failure
  'protocol', // the server said something we could not understand
  'unsupported', // the server lacks something the probe needs (e.g. POP3 UIDL)
  'internal', // a bug in maildoctor (should not happen)
]);
export type ProbeErrorKind = z.infer<typeof ProbeErrorKindSchema>;

export const ProbeErrorSchema = z.object({
  kind: ProbeErrorKindSchema,
  /** One line for a human; never contains the password. */
  message: z.string(),
  /** Which step failed: 'connect', 'greeting', 'tls', 'starttls', 'login', 'quota', 'list', 'uidl', ... */
  step: z.string().optional(),
  /** Server response code when there was one: IN-USE, AUTH, SYS/TEMP, AUTHENTICATIONFAILED, ... */
  code: z.string().optional(),
  /** Last server line (sanitised, truncated), when it helps. */
  serverText: z.string().optional(),
  /**
   * On a connection without TLS (mode none): the server offered STARTTLS/STLS, so TLS was there to be used.
   * Absent when unknown or not offered.
   */
  starttlsOffered: z.boolean().optional(),
  /**
   * An OAuth2 login the server refused: the mechanism used, and what its error challenge said (RFC 7628
   * §3.2.2: status, scope, schemes), each absent when the server sent no such field.
   */
  oauth2: z
    .object({
      mechanism: z.enum(['OAUTHBEARER', 'XOAUTH2']),
      status: z.string().optional(),
      scope: z.string().optional(),
      schemes: z.string().optional(),
    })
    .optional(),
});
export type ProbeError = z.infer<typeof ProbeErrorSchema>;

/**
 * Server data that made no sense (a negative quota, a message count beyond what the protocol allows, a UIDL
 * listing longer than STAT, a repeated UIDL): recorded by the connector, and the value it concerned is treated
 * as unknown, never passed on as if true.
 */
export const AnomalyKindSchema = z.enum([
  'out-of-range', // a number beyond what the protocol allows (negative, beyond 2^32 or 2^53, limit 0 with usage)
  'not-a-number', // a field that should hold a number holds something else
  'count-mismatch', // two answers of one session disagree (STAT versus the UIDL or LIST lines)
  'listing-overrun', // a listing ran far past its announced count; reading was stopped
  'duplicate', // an identity that must be unique came twice (UIDL)
]);
export type AnomalyKind = z.infer<typeof AnomalyKindSchema>;

export const AnomalySchema = z.object({
  protocol: z.enum(['imap', 'pop3']),
  /** The probe step that read it: 'quota', 'examine INBOX', 'list', 'stat', 'uidl', ... */
  step: z.string(),
  kind: AnomalyKindSchema,
  /** One line for a human, with the value as the server sent it (truncated). */
  detail: z.string(),
});
export type Anomaly = z.infer<typeof AnomalySchema>;

/** Facts about the TLS session and the peer certificate. */
export const TlsFactsSchema = z.object({
  /** How TLS was reached: implicit (IMAPS/POP3S) or upgraded by STARTTLS/STLS. */
  mode: z.enum(['implicit', 'starttls']),
  protocol: z.string().nullable(), // e.g. TLSv1.3
  cipher: z.string().nullable(),
  /** Whether the certificate chain and host name verified against the trusted CAs. */
  verified: z.boolean(),
  /** Why verification failed (node's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT), when it did. */
  verifyError: z.string().nullable(),
  /** --insecure was used: verification was not enforced. */
  insecure: z.boolean(),
  certificate: z
    .object({
      subject: z.string(),
      issuer: z.string(),
      subjectAltNames: z.array(z.string()),
      validFrom: isoDate,
      validTo: isoDate,
      selfSigned: z.boolean(),
      fingerprint256: z.string(),
    })
    .nullable(),
});
export type TlsFacts = z.infer<typeof TlsFactsSchema>;

/** One quota resource. STORAGE is converted from KiB to bytes; MESSAGE stays a count. */
export const QuotaResourceSchema = z.object({
  name: z.string(), // STORAGE, MESSAGE, MAILBOX, ANNOTATION-STORAGE, ...
  usage: z.number().nonnegative(),
  limit: z.number().nonnegative(),
  unit: z.enum(['bytes', 'messages', 'count']),
});
export type QuotaResource = z.infer<typeof QuotaResourceSchema>;

export const QuotaSchema = z.object({
  /** false when the server does not advertise QUOTA (then roots is empty). */
  supported: z.boolean(),
  roots: z.array(z.object({ root: z.string(), resources: z.array(QuotaResourceSchema) })),
  source: z.string(), // e.g. "IMAP GETQUOTAROOT INBOX"
  /**
   * The quota could not be read, or its numbers made no sense (then roots is empty): rules that need the quota
   * are skipped with this reason. Absent when it was read.
   */
  error: ProbeErrorSchema.optional(),
});
export type Quota = z.infer<typeof QuotaSchema>;

/** Message counts by INTERNALDATE age, relative to the snapshot's takenAt. */
export const AgeBucketsSchema = z.object({
  lt1d: z.number().int().nonnegative(),
  lt7d: z.number().int().nonnegative(), // 1 day <= age < 7 days
  lt30d: z.number().int().nonnegative(), // 7 days <= age < 30 days
  older: z.number().int().nonnegative(), // >= 30 days
});
export type AgeBuckets = z.infer<typeof AgeBucketsSchema>;

export const FolderStatusSchema = z.object({
  messages: z.number().int().nonnegative(),
  /** null: unknown (the server sent none, or no number): what the folder took in is then not counted. */
  uidNext: z.number().int().nonnegative().nullable(),
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned number; imapflow gives a BigInt); null: unknown. */
  uidValidity: z.string().nullable(),
  unseen: z.number().int().nonnegative().nullable(),
  highestModseq: z.string().nullable(),
  /** STATUS SIZE (RFC 8438), when offered. */
  sizeBytes: z.number().nonnegative().nullable(),
});
export type FolderStatus = z.infer<typeof FolderStatusSchema>;

/** What one folder's messages look like by date; gathered for every selectable folder. */
export const FolderActivitySchema = z.object({
  ages: AgeBucketsSchema,
  oldestInternalDate: isoDate.nullable(),
  newestInternalDate: isoDate.nullable(),
  /**
   * How ages and oldest/newest were obtained, e.g. "WITHIN; ESORT ARRIVAL" (exact) or
   * "SINCE+FETCH INTERNALDATE; first/last message (approximate)". Absent in older snapshots.
   */
  agesMethod: z.string().optional(),
});
export type FolderActivity = z.infer<typeof FolderActivitySchema>;

export const FolderSchema = z.object({
  path: z.string(),
  delimiter: z.string().nullable(),
  /** RFC 6154 special use (\Sent, \Junk, \Trash, \Drafts, \Archive, \All, \Flagged) or null; guessed from the name when the server does not say (see specialUseSource). */
  specialUse: z.string().nullable(),
  specialUseSource: z.enum(['server', 'name']).nullable(),
  flags: z.array(z.string()),
  subscribed: z.boolean(),
  selectable: z.boolean(),
  status: FolderStatusSchema.nullable(),
  activity: FolderActivitySchema.nullable(),
  /**
   * History repeat probes only: Message-ID hashes (sha256 hex, see MessageIdentity) of the messages at or above
   * the previous probe's uidNext (`sinceUidNext`), so mail moved out of INBOX can be told from mail deleted.
   * Absent or null when not asked for, or when too many arrived (then only the uidNext growth bounds it).
   */
  arrivals: z
    .object({ sinceUidNext: z.number().int().nonnegative(), count: z.number().int().nonnegative(), messageIdHashes: z.array(z.string()) })
    .nullable()
    .optional(),
});
export type Folder = z.infer<typeof FolderSchema>;


/**
 * INBOX's identities: an array in a snapshot file, a MessageList once parsed. A MessageList given to parse
 * (serializeSnapshot) is checked item by item as the array is, and comes out as a new list of the checked items.
 */
const MessageListSchema = z
  .preprocess((v) => (v instanceof MessageList ? v.toArray() : v), z.array(MessageIdentitySchema))
  .transform((items) => MessageList.from(items));

export const InboxFactsSchema = z.object({
  messages: z.number().int().nonnegative(),
  /**
   * From EXAMINE's [UIDNEXT], else from STATUS INBOX (UIDNEXT) (see ImapEvidence.paths.uids). null: unknown, the
   * server sent it in neither or sent no number; the rules that count what INBOX took in are then skipped.
   */
  uidNext: z.number().int().nonnegative().nullable(),
  /** As uidNext: from EXAMINE's [UIDVALIDITY], else STATUS; null: unknown (then no two probes are compared). */
  uidValidity: z.string().nullable(),
  ages: AgeBucketsSchema,
  oldestInternalDate: isoDate.nullable(),
  newestInternalDate: isoDate.nullable(),
  /** Counts of system flags: seen, answered, flagged, deleted, draft. */
  flags: z.object({
    seen: z.number().int().nonnegative(),
    answered: z.number().int().nonnegative(),
    flagged: z.number().int().nonnegative(),
    deleted: z.number().int().nonnegative(),
    draft: z.number().int().nonnegative(),
  }),
  /** Counts of keywords clients set: $Forwarded, $Junk, $NotJunk, $MDNSent, ... (only those found). */
  keywords: z.record(z.string(), z.number().int().nonnegative()),
  /** How the counts were obtained, e.g. "ESEARCH" or "SEARCH" or "FETCH". */
  method: z.string(),
  /** How ages and oldest/newest were obtained (see FolderActivity.agesMethod). Absent in older snapshots. */
  agesMethod: z.string().optional(),
  /** Present only when the probe was asked for per-message history. */
  messageList: MessageListSchema.nullable(),
  /**
   * UID and RFC822.SIZE of the messages popSampleNumbers picks out of EXISTS: what a sampled POP3 listing is
   * checked against. Absent when POP3 was not probed alongside.
   */
  popSample: z
    .array(z.object({ seq: z.number().int().positive(), uid: z.number().int().positive().nullable(), sizeBytes: z.number().int().nonnegative().nullable() }))
    .optional(),
});
export type InboxFacts = z.infer<typeof InboxFactsSchema>;

/**
 * Which path each fact came by, so a report can say what ran on a server without the extensions (absent in
 * older snapshots): uids INBOX UIDNEXT/UIDVALIDITY from EXAMINE or a STATUS INBOX after it; search counts by
 * ESEARCH or plain SEARCH counted here; status folder STATUS by LIST-STATUS or one STATUS per folder; specialUse
 * folder roles from SPECIAL-USE or from well-known names; ages by WITHIN or SINCE dates.
 */
export const ProbePathsSchema = z.object({
  uids: z.enum(['examine', 'status']),
  search: z.enum(['esearch', 'search']).optional(),
  status: z.enum(['list-status', 'status']).optional(),
  specialUse: z.enum(['special-use', 'names']).optional(),
  ages: z.enum(['within', 'since']).optional(),
});
export type ProbePaths = z.infer<typeof ProbePathsSchema>;

/** One namespace of a NAMESPACE response (RFC 2342): its prefix as the server sent it, and its hierarchy separator (null: NIL, flat). */
export const NamespaceSchema = z.object({ prefix: z.string(), delimiter: z.string().nullable() });
export type Namespace = z.infer<typeof NamespaceSchema>;

/**
 * The server's NAMESPACE response (RFC 2342): the personal, other users' and shared namespaces, each a list
 * (empty where the server sent NIL). Courier: personal `INBOX.` with `.`; Cyrus `INBOX.` with `.` (or `` with
 * `/` under altnamespace); Dovecot as configured (`` with `/` or `.`, or `INBOX.` with `.`).
 */
export const NamespacesSchema = z.object({ personal: z.array(NamespaceSchema), other: z.array(NamespaceSchema), shared: z.array(NamespaceSchema) });
export type Namespaces = z.infer<typeof NamespacesSchema>;

export const ImapEvidenceSchema = z.object({
  greeting: z.string().nullable(),
  /** Capabilities right before login (after STARTTLS when it was used): what a client chooses AUTH= from. */
  capabilitiesPreLogin: z.array(z.string()),
  /** With STARTTLS only: the capabilities announced before the upgrade (LOGINDISABLED shows here). */
  capabilitiesBeforeTls: z.array(z.string()).nullable().optional(),
  capabilities: z.array(z.string()),
  serverId: z.record(z.string(), z.string()).nullable(),
  transport: TransportSchema,
  tls: TlsFactsSchema.nullable(),
  /** e.g. "AUTHENTICATE PLAIN" or "LOGIN". */
  loginMethod: z.string(),
  quota: QuotaSchema,
  folders: z.array(FolderSchema),
  inbox: InboxFactsSchema,
  /**
   * Steps after INBOX that failed and ended the session (a stalled folder EXAMINE): what was gathered before is
   * kept, and the folders not examined have activity null. Absent or empty when every step ran.
   */
  stepErrors: z.array(ProbeErrorSchema).optional(),
  paths: ProbePathsSchema.optional(),
  /**
   * The server's NAMESPACE response, read on the login's own NAMESPACE command: folder roles are guessed from
   * names directly under the personal prefix. null: the server has no NAMESPACE capability (or refused the
   * command); absent in older snapshots.
   */
  namespace: NamespacesSchema.nullable().optional(),
});
export type ImapEvidence = z.infer<typeof ImapEvidenceSchema>;

export const Pop3EvidenceSchema = z.object({
  greeting: z.string(),
  /** CAPA lines before login (null when CAPA is not supported). */
  capaPreLogin: z.array(z.string()).nullable(),
  /** With STLS only: the CAPA lines seen before the upgrade (capaPreLogin then holds the ones after it). */
  capaBeforeStls: z.array(z.string()).nullable().optional(),
  capaPostLogin: z.array(z.string()).nullable(),
  implementation: z.string().nullable(),
  /** CAPA EXPIRE: 'NEVER', a number of days as a string, or null when not announced. Post-login value wins. */
  expire: z.string().nullable(),
  /** CAPA LOGIN-DELAY seconds, or null. */
  loginDelaySeconds: z.number().nullable(),
  transport: TransportSchema,
  tls: TlsFactsSchema.nullable(),
  /** "USER/PASS" or "SASL PLAIN". */
  loginMethod: z.string(),
  stat: z.object({ messages: z.number().int().nonnegative(), sizeBytes: z.number().nonnegative() }),
  /**
   * Which listing was read: 'sample' (UIDL n and LIST n for the messages popSampleNumbers picks out of STAT's
   * count) or 'full' (UIDL and LIST of every message). Absent in older snapshots: full.
   */
  listing: z.enum(['sample', 'full']).optional(),
  /**
   * Why the full listing was read: asked for (--full-pop-listing), or the sample against IMAP showed a difference
   * (counts, total sizes, or a sampled message's UID or size). Absent with a sample.
   */
  fullListingReason: z.enum(['asked', 'counts-disagree', 'sizes-disagree', 'sample-disagrees']).optional(),
  /** The sample disagreed but the session reading the full listing failed: why. messages then hold the sample. */
  fullListingError: ProbeErrorSchema.optional(),
  /** LIST and UIDL joined by message number (with listing 'sample', the sampled messages only). uidl is null when the server has no UIDL. */
  messages: z.array(
    z.object({
      n: z.number().int().positive(),
      sizeBytes: z.number().int().nonnegative(),
      uidl: z.string().nullable(),
    }),
  ),
  /** The UIDL format that matched, and the IMAP identity it maps to. */
  uidlFormat: z.enum(['dovecot', 'cyrus', 'uw', 'courier', 'gmail', 'unknown', 'none']),
  /** IMAP UIDs per message number (same order as messages) when the UIDL format carries them, else null. */
  uidlMap: z
    .object({
      uidValidity: z.string().nullable(),
      uids: z.array(z.number().int().nonnegative().nullable()),
    })
    .nullable(),
  /** How long the POP3 session was open (connect to QUIT), in milliseconds. */
  sessionMs: z.number().nonnegative(),
});
export type Pop3Evidence = z.infer<typeof Pop3EvidenceSchema>;

function probeResult<T extends z.ZodTypeAny>(evidence: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), durationMs: z.number().nonnegative(), evidence }),
    z.object({ ok: z.literal(false), durationMs: z.number().nonnegative(), error: ProbeErrorSchema }),
  ]);
}

export const ImapResultSchema = probeResult(ImapEvidenceSchema);
export type ImapResult = z.infer<typeof ImapResultSchema>;
export const Pop3ResultSchema = probeResult(Pop3EvidenceSchema);
export type Pop3Result = z.infer<typeof Pop3ResultSchema>;

/**
 * What a login alone shows (check --just-login): the part of the evidence read before and at the login. A full
 * probe's evidence holds all of it, so rules about the login (TLS, refusals) read either.
 */
export const ImapLoginEvidenceSchema = ImapEvidenceSchema.pick({
  greeting: true,
  capabilitiesPreLogin: true,
  capabilitiesBeforeTls: true,
  capabilities: true,
  serverId: true,
  transport: true,
  tls: true,
  loginMethod: true,
});
export type ImapLoginEvidence = z.infer<typeof ImapLoginEvidenceSchema>;
export const Pop3LoginEvidenceSchema = Pop3EvidenceSchema.pick({
  greeting: true,
  capaPreLogin: true,
  capaBeforeStls: true,
  implementation: true,
  transport: true,
  tls: true,
  loginMethod: true,
});
export type Pop3LoginEvidence = z.infer<typeof Pop3LoginEvidenceSchema>;
export const ImapLoginResultSchema = probeResult(ImapLoginEvidenceSchema);
export type ImapLoginResult = z.infer<typeof ImapLoginResultSchema>;
export const Pop3LoginResultSchema = probeResult(Pop3LoginEvidenceSchema);
export type Pop3LoginResult = z.infer<typeof Pop3LoginResultSchema>;

export const EndpointSchema = z.object({
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  tls: TransportSchema,
});
export type Endpoint = z.infer<typeof EndpointSchema>;

/** What the server's own logs say about one account (check --log, maildoctor logs). Counts only: no subjects, no message ids. */
const LogPeriodSchema = z.object({ first: isoDate.nullable(), last: isoDate.nullable() });
export const LogEvidenceSchema = z.object({
  /** The account asked for, and the names it was found under in the log (alice, alice@example.com, ...). */
  user: z.string(),
  namesSeen: z.array(z.string()),
  files: z.array(
    z.object({ path: z.string(), gzip: z.boolean(), bytes: z.number().nonnegative(), lines: z.number().int().nonnegative(), unparseable: z.number().int().nonnegative() }),
  ),
  lines: z.object({
    total: z.number().int().nonnegative(),
    /** Lines about this account. */
    matched: z.number().int().nonnegative(),
    otherUsers: z.number().int().nonnegative(),
    /** Syslog lines of other programs (postfix, cron, ...). */
    otherPrograms: z.number().int().nonnegative(),
    unparseable: z.number().int().nonnegative(),
    /** Lines at or after `until` (the probe's own logins), left out. */
    afterUntil: z.number().int().nonnegative(),
    /** Sessions (logins) of earlier maildoctor probes found in the log, and their lines: left out, not a device. */
    ownSessions: z.number().int().nonnegative().optional(),
    ownLines: z.number().int().nonnegative().optional(),
  }),
  /** Time span of this account's lines. */
  period: LogPeriodSchema,
  /** Logins by protocol and client IP: each one is a device (or a NAT in front of several). */
  logins: z.array(
    LogPeriodSchema.extend({ protocol: z.enum(['imap', 'pop3']), ip: z.string(), methods: z.array(z.string()), count: z.number().int().nonnegative() }),
  ),
  authFailures: z.array(LogPeriodSchema.extend({ protocol: z.enum(['imap', 'pop3', 'other']), ip: z.string(), count: z.number().int().nonnegative() })),
  /**
   * How the POP3 logout lines were read: Dovecot 2.3 or 2.4 del= (told apart by the numbers), Cyrus's counts lines,
   * or Courier's LOGOUT lines (no deletion count); 'unknown' when nothing told the Dovecot versions apart.
   */
  popLogoutFormat: z.enum(['2.3', '2.4', 'cyrus', 'courier', 'unknown']),
  pop: LogPeriodSchema.extend({
    sessions: z.number().int().nonnegative(),
    /** Sessions that ended without QUIT (Connection closed, inactivity): their deletions were not applied. */
    closedWithoutQuit: z.number().int().nonnegative(),
    retrMessages: z.number().int().nonnegative(),
    retrBytes: z.number().nonnegative(),
    deletedMessages: z.number().int().nonnegative(),
    /** Only from 2.4 logout lines. */
    deletedBytes: z.number().nonnegative().nullable(),
    sessionsWithDeletes: z.number().int().nonnegative(),
    lastDelete: isoDate.nullable(),
    /** mail_log expunge events from pop3 sessions. */
    expungeEvents: z.number().int().nonnegative(),
    /** Median gap between POP3 sessions: how often the device polls (null with fewer than 2 sessions). */
    pollIntervalSeconds: z.number().nonnegative().nullable(),
    /**
     * Sessions that ended with QUIT on a server whose logout line counts no deletions (Courier): each may have
     * deleted any number of messages, so deletedMessages is no count of theirs. Absent when there is none.
     */
    deletesUnlogged: z.number().int().positive().optional(),
  }),
  imap: LogPeriodSchema.extend({
    sessions: z.number().int().nonnegative(),
    deleted: z.number().int().nonnegative(),
    expunged: z.number().int().nonnegative(),
    trashed: z.number().int().nonnegative(),
    /** mail_log events from imap sessions. */
    expungeEvents: z.number().int().nonnegative(),
    copyEvents: z.number().int().nonnegative(),
    /**
     * Counters no IMAP logout line of the account carried (an imap_logout_format without them, or Cyrus, which
     * logs expunges only): their sums above are 0 for want of a line, not a count. Absent when every one was logged.
     */
    notLogged: z.array(z.enum(['deleted', 'expunged', 'trashed'])).optional(),
  }),
  deliveries: z.object({
    saved: z.number().int().nonnegative(),
    /** Refused for quota: 552 5.2.2 / "save failed ...: Quota exceeded" (bounced) plus 452 4.2.2 (deferred). */
    quotaRefused: z.number().int().nonnegative(),
    quotaDeferred: z.number().int().nonnegative(),
    firstRefused: isoDate.nullable(),
    lastRefused: isoDate.nullable(),
    /**
     * Set when the log holds lines of a server that logs no refused delivery and no MTA line at all: 'cyrus'
     * (its LMTP answers 452/552 and writes nothing). Refusals are then unknown, not zero.
     */
    refusalsUnlogged: z.enum(['cyrus']).optional(),
  }),
  /**
   * Lines about this account that could not be read (absent in older snapshots): POP3 logins with no readable
   * logout, IMAP logouts and deliveries whose counters or result are unknown; one of them as an example, with
   * addresses, Message-IDs and password-like values masked.
   */
  unread: z
    .object({
      lines: z.number().int().nonnegative(),
      pop3Sessions: z.number().int().nonnegative(),
      imapSessions: z.number().int().nonnegative(),
      deliveries: z.number().int().nonnegative(),
      example: z.string().nullable(),
    })
    .optional(),
  /** Lines about this account read / seen (null when none was seen; absent in older snapshots). */
  parseRate: z.number().min(0).max(1).nullable().optional(),
  /**
   * How the account's names were matched (absent in older snapshots): 'as-given' the user and its aliases
   * (a full address also as its bare local part); 'auto' also `adopted`, the one full address in the log with
   * the bare user's local part; 'ambiguous' several such addresses (other domains), none matched.
   * otherAddresses: full addresses with the account's local part that were not matched.
   */
  identity: z
    .object({ match: z.enum(['as-given', 'auto', 'ambiguous']), adopted: z.string().nullable(), otherAddresses: z.array(z.string()) })
    .optional(),
  /** The device timeline (logs --timeline, check --log); absent when not asked for and in older snapshots. */
  timeline: LogTimelineSchema.optional(),
});
export type LogEvidence = z.infer<typeof LogEvidenceSchema>;

export const SnapshotSchema = z.object({
  schema: z.literal(SNAPSHOT_SCHEMA),
  tool: z.object({ name: z.literal('maildoctor'), version: z.string() }),
  /** When the probe started (ISO). Rules use it as "now" for ages. */
  takenAt: isoDate,
  /** The account without secrets. */
  account: z.object({
    user: z.string(),
    imap: EndpointSchema.nullable(),
    pop: EndpointSchema.nullable(),
    /** An admin logged in on behalf of `user` (--auth-user): the admin's login name. Absent: the user's own login. */
    authUser: z.string().optional(),
    /** With authUser: the Dovecot master-user form `user<sep>authUser` was used instead of SASL PLAIN authzid. */
    masterSeparator: z.string().optional(),
  }),
  /** null when the protocol was not probed (--only). */
  imap: ImapResultSchema.nullable(),
  pop: Pop3ResultSchema.nullable(),
  /** Server log evidence (check --log); absent or null when no log was read. */
  logs: LogEvidenceSchema.nullable().optional(),
  /** Server data that made no sense, from either protocol (absent in older snapshots: read as none). */
  anomalies: z.array(AnomalySchema).optional(),
  /**
   * A login-only check (check --just-login): what each login showed, null for a protocol not probed. Then `imap`
   * and `pop` are null, because no mailbox was read. Absent for a full probe. A reader that predates this field
   * drops it and sees neither protocol probed (status unknown), never an empty or healthy mailbox: so the schema
   * version stays 1 (schema-id.ts bumps only for a change an older reader would misread).
   */
  login: z.object({ imap: ImapLoginResultSchema.nullable(), pop: Pop3LoginResultSchema.nullable() }).optional(),
  /** How the servers were found from the address (check ADDRESS without --host); absent when they were given. */
  discovery: DiscoverySchema.optional(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;
