// A small builder of valid snapshots (checked with SnapshotSchema.parse) for rule and report tests, and the
// named scenarios of issue 3. Numbers are chosen to look like real accounts, not to sit at a rule's edge;
// tests that probe an edge build their own case.
import {
  SNAPSHOT_SCHEMA,
  SnapshotSchema,
  type AgeBuckets,
  type Folder,
  type ImapEvidence,
  type Pop3Evidence,
  type ProbeError,
  type Snapshot,
  type TlsFacts,
  type Transport,
} from '../../src/snapshot/schema.js';

export const TAKEN_AT = '2025-06-02T12:00:00.000Z';
const DAY_MS = 86_400_000;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Servers count storage quota in KiB: the smallest whole KiB at or above `bytes`. */
export function kibAligned(bytes: number): number {
  return Math.ceil(bytes / 1024) * 1024;
}

/** ISO time `days` before `from` (fractions allowed). */
export function daysAgo(days: number, from = TAKEN_AT): string {
  return new Date(Date.parse(from) - Math.round(days * DAY_MS)).toISOString();
}

// Representative ages (days) of the newest and oldest message in each bucket, used when a spec gives none.
const NEWEST_IN: Record<keyof AgeBuckets, number> = { lt1d: 0.1, lt7d: 2, lt30d: 10, older: 60 };
const OLDEST_IN: Record<keyof AgeBuckets, number> = { lt1d: 0.5, lt7d: 6, lt30d: 25, older: 400 };
const ORDER: (keyof AgeBuckets)[] = ['lt1d', 'lt7d', 'lt30d', 'older'];

function buckets(ages: Partial<AgeBuckets> = {}): AgeBuckets {
  return { lt1d: ages.lt1d ?? 0, lt7d: ages.lt7d ?? 0, lt30d: ages.lt30d ?? 0, older: ages.older ?? 0 };
}

function total(b: AgeBuckets): number {
  return b.lt1d + b.lt7d + b.lt30d + b.older;
}

function edges(b: AgeBuckets, takenAt: string, newestDaysAgo?: number, oldestDaysAgo?: number) {
  const filled = ORDER.filter((k) => b[k] > 0);
  const first = filled[0];
  const last = filled[filled.length - 1];
  return {
    newest: newestDaysAgo !== undefined ? daysAgo(newestDaysAgo, takenAt) : first ? daysAgo(NEWEST_IN[first], takenAt) : null,
    oldest: oldestDaysAgo !== undefined ? daysAgo(oldestDaysAgo, takenAt) : last ? daysAgo(OLDEST_IN[last], takenAt) : null,
  };
}

interface FolderSpec {
  path: string;
  specialUse?: string | null;
  /** Default: messages + 1 (nothing ever left). */
  uidNext?: number;
  ages?: Partial<AgeBuckets>;
  sizeBytes?: number | null;
  newestDaysAgo?: number;
  oldestDaysAgo?: number;
  /** false: the folder's STATUS failed (status and activity null). */
  status?: boolean;
  selectable?: boolean;
}

interface InboxSpec {
  uidNext?: number;
  uidValidity?: string;
  ages?: Partial<AgeBuckets>;
  sizeBytes?: number | null;
  newestDaysAgo?: number;
  oldestDaysAgo?: number;
  flags?: Partial<ImapEvidence['inbox']['flags']>;
  keywords?: Record<string, number>;
}

interface QuotaSpec {
  storage?: [usedBytes: number, limitBytes: number];
  messages?: [used: number, limit: number];
}

interface TlsSpec extends Partial<Omit<TlsFacts, 'certificate'>> {
  selfSigned?: boolean;
  validFrom?: string;
  validTo?: string;
}

export interface ImapSpec {
  inbox: InboxSpec;
  folders?: FolderSpec[];
  /** null: the server has no QUOTA; default: none given means null. */
  quota?: QuotaSpec | null;
  transport?: Transport;
  tls?: TlsSpec | null;
  capabilitiesPreLogin?: string[];
  /** What the server calls itself: default Dovecot's greeting, capabilities and ID. */
  greeting?: string;
  capabilities?: string[];
  serverId?: Record<string, string> | null;
  durationMs?: number;
}

export interface PopSpec {
  /** Messages and their total size; sizes are spread evenly. */
  messages: number;
  sizeBytes?: number;
  /** UIDVALIDITY inside the Dovecot UIDLs; default the IMAP INBOX's. */
  uidValidity?: string;
  /** IMAP UIDs per message; default the highest UIDs below the INBOX UIDNEXT. */
  uids?: number[];
  expire?: string | null;
  loginDelaySeconds?: number | null;
  transport?: Transport;
  tls?: TlsSpec | null;
  capaBeforeStls?: string[] | null;
  /** Default Dovecot's greeting (without "+OK") and no IMPLEMENTATION line. */
  greeting?: string;
  implementation?: string | null;
  durationMs?: number;
}

/** A failed probe. */
export interface FailSpec {
  fail: ProbeError;
  durationMs?: number;
}

export function fail(kind: ProbeError['kind'], message: string, extra: Partial<ProbeError> = {}): FailSpec {
  return { fail: { kind, message, ...extra } };
}

export interface SnapshotSpec {
  takenAt?: string;
  user?: string;
  host?: string;
  /** The POP3 host when it is not `host`. */
  popHost?: string;
  imap?: ImapSpec | FailSpec | null;
  pop?: PopSpec | FailSpec | null;
}

function tlsFacts(spec: TlsSpec | null | undefined, mode: 'implicit' | 'starttls', host: string, takenAt: string): TlsFacts | null {
  if (spec === null) return null;
  const s = spec ?? {};
  const selfSigned = s.selfSigned ?? false;
  return {
    mode,
    protocol: s.protocol ?? 'TLSv1.3',
    cipher: s.cipher ?? 'TLS_AES_256_GCM_SHA384',
    verified: s.verified ?? !selfSigned,
    verifyError: s.verifyError ?? (selfSigned ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : null),
    insecure: s.insecure ?? false,
    certificate: {
      subject: `CN=${host}`,
      issuer: selfSigned ? `CN=${host}` : "C=US, O=Let's Encrypt, CN=R11",
      subjectAltNames: [`DNS:${host}`],
      validFrom: s.validFrom ?? daysAgo(30, takenAt),
      validTo: s.validTo ?? daysAgo(-60, takenAt),
      selfSigned,
      fingerprint256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
    },
  };
}

function folder(spec: FolderSpec, takenAt: string): Folder {
  const b = buckets(spec.ages);
  const messages = total(b);
  const e = edges(b, takenAt, spec.newestDaysAgo, spec.oldestDaysAgo);
  const withStatus = spec.status !== false;
  const selectable = spec.selectable ?? true;
  return {
    path: spec.path,
    delimiter: '/',
    specialUse: spec.specialUse ?? null,
    specialUseSource: spec.specialUse ? 'server' : null,
    flags: spec.specialUse ? [spec.specialUse] : [],
    subscribed: true,
    selectable,
    status:
      withStatus && selectable
        ? {
            messages,
            uidNext: spec.uidNext ?? messages + 1,
            uidValidity: '1717000000',
            unseen: 0,
            highestModseq: '1',
            sizeBytes: spec.sizeBytes === undefined ? messages * 20_000 : spec.sizeBytes,
          }
        : null,
    activity: withStatus && selectable ? { ages: b, oldestInternalDate: e.oldest, newestInternalDate: e.newest } : null,
  };
}

function imapEvidence(spec: ImapSpec, host: string, takenAt: string): ImapEvidence {
  const b = buckets(spec.inbox.ages);
  const messages = total(b);
  const uidNext = spec.inbox.uidNext ?? messages + 1;
  const uidValidity = spec.inbox.uidValidity ?? '1717000000';
  const e = edges(b, takenAt, spec.inbox.newestDaysAgo, spec.inbox.oldestDaysAgo);
  const inboxSize = spec.inbox.sizeBytes === undefined ? messages * 20_000 : spec.inbox.sizeBytes;
  const flags = { seen: 0, answered: 0, flagged: 0, deleted: 0, draft: 0, ...spec.inbox.flags };
  const inboxFolder: Folder = {
    path: 'INBOX',
    delimiter: '/',
    specialUse: null,
    specialUseSource: null,
    flags: [],
    subscribed: true,
    selectable: true,
    status: { messages, uidNext, uidValidity, unseen: messages - flags.seen, highestModseq: '1', sizeBytes: inboxSize },
    activity: { ages: b, oldestInternalDate: e.oldest, newestInternalDate: e.newest },
  };
  const transport = spec.transport ?? 'implicit';
  const quota = spec.quota ?? null;
  const resources = quota
    ? [
        ...(quota.storage ? [{ name: 'STORAGE', usage: quota.storage[0], limit: quota.storage[1], unit: 'bytes' as const }] : []),
        ...(quota.messages ? [{ name: 'MESSAGE', usage: quota.messages[0], limit: quota.messages[1], unit: 'messages' as const }] : []),
      ]
    : [];
  return {
    greeting: spec.greeting ?? '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.',
    capabilitiesPreLogin: spec.capabilitiesPreLogin ?? ['IMAP4REV1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'LITERAL+', 'AUTH=PLAIN'],
    capabilities: spec.capabilities ?? ['IMAP4REV1', 'LIST-STATUS', 'STATUS=SIZE', 'CONDSTORE', 'QRESYNC', 'ESEARCH', 'SPECIAL-USE', 'MOVE', 'UIDPLUS', 'QUOTA', 'ID'],
    serverId: spec.serverId === undefined ? { name: 'Dovecot' } : spec.serverId,
    transport,
    tls: transport === 'none' ? null : tlsFacts(spec.tls, transport === 'implicit' ? 'implicit' : 'starttls', host, takenAt),
    loginMethod: 'AUTHENTICATE PLAIN',
    quota: {
      supported: quota !== null,
      roots: quota ? [{ root: 'User quota', resources }] : [],
      source: 'IMAP GETQUOTAROOT INBOX',
    },
    folders: [inboxFolder, ...(spec.folders ?? []).map((f) => folder(f, takenAt))],
    inbox: {
      messages,
      uidNext,
      uidValidity,
      ages: b,
      oldestInternalDate: e.oldest,
      newestInternalDate: e.newest,
      flags,
      keywords: spec.inbox.keywords ?? {},
      method: 'ESEARCH',
      messageList: null,
    },
  };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function popEvidence(spec: PopSpec, imap: ImapEvidence | null, host: string, takenAt: string): Pop3Evidence {
  const uidValidity = spec.uidValidity ?? imap?.inbox.uidValidity ?? '1717000000';
  const top = (imap?.inbox.uidNext ?? spec.messages + 1) - 1;
  const uids = spec.uids ?? Array.from({ length: spec.messages }, (_, i) => top - spec.messages + 1 + i);
  const size = spec.sizeBytes ?? spec.messages * 20_000;
  const each = spec.messages ? Math.floor(size / spec.messages) : 0;
  const transport = spec.transport ?? 'implicit';
  return {
    greeting: spec.greeting ?? '+OK Dovecot ready.',
    capaPreLogin: ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'USER', 'SASL PLAIN LOGIN'],
    capaBeforeStls: spec.capaBeforeStls ?? null,
    capaPostLogin: ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE'],
    implementation: spec.implementation ?? null,
    expire: spec.expire ?? null,
    loginDelaySeconds: spec.loginDelaySeconds ?? null,
    transport,
    tls: transport === 'none' ? null : tlsFacts(spec.tls, transport === 'implicit' ? 'implicit' : 'starttls', host, takenAt),
    loginMethod: 'SASL PLAIN',
    stat: { messages: spec.messages, sizeBytes: size },
    messages: uids.map((uid, i) => ({
      n: i + 1,
      sizeBytes: i === uids.length - 1 ? size - each * (uids.length - 1) : each,
      uidl: `${hex8(uid)}${hex8(Number(uidValidity))}`,
    })),
    uidlFormat: 'dovecot',
    uidlMap: { uidValidity, uids },
    sessionMs: 180,
  };
}

/** Build a snapshot and validate it against the schema (a builder bug fails loudly here). */
export function buildSnapshot(spec: SnapshotSpec): Snapshot {
  const takenAt = spec.takenAt ?? TAKEN_AT;
  const host = spec.host ?? 'mail.example.com';
  const imapSpec = spec.imap === undefined ? null : spec.imap;
  const popSpec = spec.pop === undefined ? null : spec.pop;
  const imapTransport = imapSpec && !('fail' in imapSpec) ? (imapSpec.transport ?? 'implicit') : 'implicit';
  const popTransport = popSpec && !('fail' in popSpec) ? (popSpec.transport ?? 'implicit') : 'implicit';
  const port = (t: Transport, implicit: number, plain: number) => (t === 'implicit' ? implicit : plain);
  const imapResult = imapSpec === null
    ? null
    : 'fail' in imapSpec
      ? { ok: false as const, durationMs: imapSpec.durationMs ?? 40, error: imapSpec.fail }
      : { ok: true as const, durationMs: imapSpec.durationMs ?? 420, evidence: imapEvidence(imapSpec, host, takenAt) };
  const popResult = popSpec === null
    ? null
    : 'fail' in popSpec
      ? { ok: false as const, durationMs: popSpec.durationMs ?? 35, error: popSpec.fail }
      : { ok: true as const, durationMs: popSpec.durationMs ?? 210, evidence: popEvidence(popSpec, imapResult?.ok ? imapResult.evidence : null, host, takenAt) };
  return SnapshotSchema.parse({
    schema: SNAPSHOT_SCHEMA,
    tool: { name: 'maildoctor', version: '0.1.0' },
    takenAt,
    account: {
      user: spec.user ?? 'alice@example.com',
      imap: imapSpec === null ? null : { host, port: port(imapTransport, 993, 143), tls: imapTransport },
      pop: popSpec === null ? null : { host: spec.popHost ?? host, port: port(popTransport, 995, 110), tls: popTransport },
    },
    imap: imapResult,
    pop: popResult,
  });
}

// ---- Scenarios -------------------------------------------------------------------------------------------

/** An IMAP user with a phone and a laptop: replies, files, deletes to Trash; some spam in Junk. */
export function healthyImapOnlySpec(): SnapshotSpec {
  return {
    imap: {
      inbox: {
        uidNext: 1501,
        ages: { lt1d: 5, lt7d: 30, lt30d: 100, older: 1065 },
        sizeBytes: 180 * MiB,
        flags: { seen: 1150, answered: 140, flagged: 12 },
        keywords: { $Forwarded: 20 },
      },
      folders: [
        { path: 'Sent', specialUse: '\\Sent', uidNext: 801, ages: { lt1d: 2, lt7d: 10, lt30d: 40, older: 728 }, sizeBytes: 60 * MiB },
        { path: 'Drafts', specialUse: '\\Drafts', uidNext: 50, ages: { lt7d: 1, older: 1 }, sizeBytes: 40_000 },
        { path: 'Trash', specialUse: '\\Trash', uidNext: 300, ages: { lt7d: 5, lt30d: 35 }, sizeBytes: 3 * MiB },
        { path: 'Junk', specialUse: '\\Junk', uidNext: 120, ages: { lt1d: 1, lt7d: 7, lt30d: 12 }, sizeBytes: 1 * MiB },
        { path: 'Archive', specialUse: '\\Archive', uidNext: 401, ages: { lt7d: 3, lt30d: 20, older: 377 }, sizeBytes: 80 * MiB },
      ],
      quota: { storage: [324 * MiB, 2 * GiB] },
    },
    pop: { messages: 1200, sizeBytes: 180 * MiB },
  };
}

/** POP3 on one computer that leaves a copy on the server; nothing else reads the mailbox. */
export function healthyPopOnlySpec(): SnapshotSpec {
  return {
    imap: {
      inbox: { uidNext: 801, ages: { lt1d: 3, lt7d: 20, lt30d: 70, older: 707 }, sizeBytes: 300 * MiB, flags: { seen: 797 } },
      folders: [
        { path: 'Sent', specialUse: '\\Sent' },
        { path: 'Drafts', specialUse: '\\Drafts' },
        { path: 'Trash', specialUse: '\\Trash' },
        { path: 'Junk', specialUse: '\\Junk', uidNext: 15, ages: { older: 14 }, sizeBytes: 200_000 },
      ],
      quota: { storage: [300 * MiB, 2 * GiB] },
    },
    pop: { messages: 800, sizeBytes: 300 * MiB },
  };
}

/** POP3 on one device that deletes after download; no IMAP client anywhere. Fine per the article. */
export function popSingleDeviceDeletesSpec(): SnapshotSpec {
  return {
    imap: {
      inbox: { uidNext: 2401, ages: { lt1d: 3 }, sizeBytes: 60_000 },
      folders: [
        { path: 'Sent', specialUse: '\\Sent' },
        { path: 'Drafts', specialUse: '\\Drafts' },
        { path: 'Trash', specialUse: '\\Trash' },
        { path: 'Junk', specialUse: '\\Junk', uidNext: 40, ages: { older: 5 }, sizeBytes: 100_000 },
      ],
      quota: { storage: [MiB / 4, 2 * GiB] },
    },
    pop: { messages: 3, sizeBytes: 60_000 },
  };
}

/** An office PC on POP that deletes after download, plus a phone on IMAP: the classic "mail goes missing". */
export function mixedSpec(): SnapshotSpec {
  return {
    imap: {
      inbox: { uidNext: 2401, ages: { lt1d: 9, lt7d: 3 }, sizeBytes: 240_000, oldestDaysAgo: 5, flags: { seen: 4, answered: 2 }, keywords: { $Forwarded: 1 } },
      folders: [
        { path: 'Sent', specialUse: '\\Sent', uidNext: 181, ages: { lt1d: 1, lt7d: 4, lt30d: 15, older: 160 }, sizeBytes: 9 * MiB },
        { path: 'Drafts', specialUse: '\\Drafts', uidNext: 31, ages: { lt7d: 1 }, sizeBytes: 4_000 },
        { path: 'Trash', specialUse: '\\Trash', uidNext: 41, ages: { lt7d: 2, older: 6 }, sizeBytes: 300_000 },
        { path: 'Junk', specialUse: '\\Junk', uidNext: 91, ages: { lt1d: 2, lt7d: 5, lt30d: 7 }, sizeBytes: 400_000 },
        { path: 'Receipts', uidNext: 61, ages: { lt7d: 2, lt30d: 8, older: 50 }, sizeBytes: 2 * MiB },
      ],
      quota: { storage: [12 * MiB, GiB] },
    },
    pop: { messages: 12, sizeBytes: 240_000 },
  };
}

/** POP3 on one device leaving every message on the server for years: the mailbox is filling up. */
function popLeaveOnServerNearQuotaSpec(): SnapshotSpec {
  return {
    imap: {
      inbox: { uidNext: 9001, ages: { lt1d: 4, lt7d: 25, lt30d: 90, older: 8881 }, sizeBytes: 900 * MiB, flags: { seen: 8996 } },
      folders: [
        { path: 'Sent', specialUse: '\\Sent' },
        { path: 'Drafts', specialUse: '\\Drafts' },
        { path: 'Trash', specialUse: '\\Trash' },
        { path: 'Junk', specialUse: '\\Junk', uidNext: 30, ages: { older: 29 }, sizeBytes: 600_000 },
      ],
      quota: { storage: [900 * MiB + 600_000, GiB] },
    },
    pop: { messages: 9000, sizeBytes: 900 * MiB },
  };
}

/** An IMAP user whose mailbox is 97% full; Trash and Sent hold most of it. */
export function quotaOver95Spec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  const imap = s.imap as ImapSpec;
  imap.folders = [
    { path: 'Sent', specialUse: '\\Sent', uidNext: 2801, ages: { lt1d: 2, lt7d: 10, lt30d: 40, older: 2748 }, sizeBytes: 310 * MiB },
    { path: 'Drafts', specialUse: '\\Drafts', uidNext: 50, ages: { lt7d: 1, older: 1 }, sizeBytes: 40_000 },
    { path: 'Trash', specialUse: '\\Trash', uidNext: 3300, ages: { lt7d: 5, lt30d: 35, older: 3000 }, sizeBytes: 420 * MiB },
    { path: 'Junk', specialUse: '\\Junk', uidNext: 620, ages: { lt1d: 1, lt7d: 7, lt30d: 40, older: 500 }, sizeBytes: 45 * MiB },
    { path: 'Archive', specialUse: '\\Archive', uidNext: 401, ages: { lt7d: 3, lt30d: 20, older: 377 }, sizeBytes: 41 * MiB },
  ];
  imap.quota = { storage: [kibAligned(0.97 * GiB), GiB] };
  return s;
}

/** A POP3 user (leave a copy on the server) whose recent mail partly went to Junk and a filter folder. */
export function junkWithPopUserSpec(): SnapshotSpec {
  const s = healthyPopOnlySpec();
  const imap = s.imap as ImapSpec;
  imap.folders = [
    { path: 'Sent', specialUse: '\\Sent' },
    { path: 'Drafts', specialUse: '\\Drafts' },
    { path: 'Trash', specialUse: '\\Trash' },
    { path: 'Junk', specialUse: '\\Junk', uidNext: 60, ages: { lt1d: 2, lt7d: 4, lt30d: 10, older: 43 }, sizeBytes: 900_000 },
    { path: 'Newsletters', uidNext: 200, ages: { lt7d: 4, lt30d: 15, older: 180 }, sizeBytes: 9 * MiB },
  ];
  return s;
}

/** A POP3 client holds the mailbox ([IN-USE]); the IMAP side shows only POP-style use. */
function popLockedSpec(): SnapshotSpec {
  const s = healthyPopOnlySpec();
  s.pop = fail('in-use', 'mail.example.com:995 refused the login: Mailbox is locked by another POP3 session.', {
    step: 'login',
    code: 'IN-USE',
    serverText: '-ERR [IN-USE] Mailbox is locked by another POP3 session.',
  });
  return s;
}

export function wrongPasswordSpec(): SnapshotSpec {
  return {
    imap: fail('auth', 'mail.example.com:993 rejected the login: Authentication failed.', {
      step: 'login',
      code: 'AUTHENTICATIONFAILED',
      serverText: 'A1 NO [AUTHENTICATIONFAILED] Authentication failed.',
    }),
    pop: fail('auth', 'mail.example.com:995 rejected the login: Authentication failed.', {
      step: 'login',
      code: 'AUTH',
      serverText: '-ERR [AUTH] Authentication failed.',
    }),
  };
}

/** IMAP refused (nothing listens); POP3 works for a single POP device. */
function imapPortClosedSpec(): SnapshotSpec {
  const s = healthyPopOnlySpec();
  s.imap = fail('refused', 'connection to mail.example.com:993 refused (nothing listens on that port)', { step: 'connect', code: 'ECONNREFUSED' });
  return s;
}

/** A self-signed certificate, checked with --insecure on both protocols. */
function tlsSelfSignedInsecureSpec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  (s.imap as ImapSpec).tls = { selfSigned: true, insecure: true };
  (s.pop as PopSpec).tls = { selfSigned: true, insecure: true };
  return s;
}

/** Thunderbird in "mark as deleted" mode: 60 INBOX messages flagged \Deleted, never expunged; 85% full. */
export function deletedNotExpungedSpec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  const imap = s.imap as ImapSpec;
  imap.inbox.flags = { seen: 1150, answered: 140, flagged: 12, deleted: 60 };
  imap.inbox.sizeBytes = 1500 * MiB;
  imap.quota = { storage: [kibAligned(0.85 * 2 * GiB), 2 * GiB] };
  s.pop = { messages: 1200, sizeBytes: 1500 * MiB };
  return s;
}

/** POP3 reads another mailbox than IMAP: its UIDLs carry a different UIDVALIDITY and count. */
function popImapDisagreeSpec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  s.pop = { messages: 38, sizeBytes: 2 * MiB, uidValidity: '1600000000', uids: Array.from({ length: 38 }, (_, i) => i + 1) };
  return s;
}

// ---- Hosted providers (their documented behaviour, protocol-facts.md "Hosted providers"; they cannot be run here)

/**
 * Gmail: a phone on IMAP sends mail, an old PC collects by POP, and the account's POP setting archives Gmail's
 * copy. [Gmail]/All Mail is hidden from IMAP ("Show in IMAP" off), so the archived mail looks deleted from INBOX.
 * Gmail shows itself by its greeting, its ID, X-GM-EXT-1 and the [Gmail] folders.
 */
export function gmailPopAndImapSpec(): SnapshotSpec {
  return {
    host: 'imap.gmail.com',
    user: 'alice@gmail.com',
    imap: {
      greeting: '* OK Gimap ready for requests from 192.0.2.10 a1b2c3d4e5f6mb',
      serverId: { name: 'GImap', vendor: 'Google, Inc.', 'support-url': 'https://support.google.com/mail' },
      capabilitiesPreLogin: ['IMAP4REV1', 'UNSELECT', 'IDLE', 'NAMESPACE', 'QUOTA', 'ID', 'XLIST', 'CHILDREN', 'X-GM-EXT-1', 'XYZZY', 'SASL-IR', 'AUTH=XOAUTH2', 'AUTH=PLAIN', 'AUTH=PLAIN-CLIENTTOKEN', 'AUTH=OAUTHBEARER'],
      capabilities: ['IMAP4REV1', 'UNSELECT', 'IDLE', 'NAMESPACE', 'QUOTA', 'ID', 'XLIST', 'CHILDREN', 'X-GM-EXT-1', 'UIDPLUS', 'COMPRESS=DEFLATE', 'ENABLE', 'MOVE', 'CONDSTORE', 'ESEARCH', 'UTF8=ACCEPT', 'LIST-EXTENDED', 'LIST-STATUS', 'LITERAL-', 'SPECIAL-USE', 'APPENDLIMIT=35651584'],
      inbox: { uidNext: 2401, ages: { lt1d: 9, lt7d: 3 }, sizeBytes: 240_000, oldestDaysAgo: 5, flags: { seen: 4, answered: 2 } },
      folders: [
        { path: '[Gmail]/Sent Mail', specialUse: '\\Sent', uidNext: 181, ages: { lt1d: 1, lt7d: 4, lt30d: 15, older: 160 }, sizeBytes: 9 * MiB },
        { path: '[Gmail]/Drafts', specialUse: '\\Drafts', uidNext: 31, ages: { lt7d: 1 }, sizeBytes: 4_000 },
        { path: '[Gmail]/Trash', specialUse: '\\Trash', uidNext: 41, ages: { lt7d: 2, older: 6 }, sizeBytes: 300_000 },
        { path: '[Gmail]/Spam', specialUse: '\\Junk', uidNext: 91, ages: { lt1d: 2, lt7d: 5, lt30d: 7 }, sizeBytes: 400_000 },
      ],
      quota: { storage: [kibAligned(2 * GiB), 15 * GiB] },
    },
  };
}

/** Microsoft 365: a password login, refused over IMAP and POP3 (basic authentication is off there). */
export function microsoftPasswordRefusedSpec(): SnapshotSpec {
  return {
    host: 'outlook.office365.com',
    user: 'alice@contoso.com',
    imap: fail('auth', 'outlook.office365.com:993 rejected the login: AUTHENTICATE failed.', { step: 'login', serverText: 'A1 NO AUTHENTICATE failed.' }),
    pop: fail('auth', 'outlook.office365.com:995 rejected the login: Logon failure: unknown user name or bad password.', {
      step: 'login',
      serverText: '-ERR Logon failure: unknown user name or bad password.',
    }),
  };
}

/**
 * Outlook.com set not to let POP clients delete mail: what the POP device "deleted" went to the POP folder (so
 * the INBOX ledger sees a move, not a deletion), while the phone answers, sends and files over IMAP.
 */
export function outlookPopFolderSpec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  const imap = s.imap as ImapSpec;
  return {
    ...s,
    host: 'outlook.office365.com',
    user: 'alice@contoso.com',
    imap: {
      ...imap,
      greeting: '* OK The Microsoft Exchange IMAP4 service is ready.',
      serverId: null,
      folders: [...(imap.folders ?? []), { path: 'POP', uidNext: 41, ages: { lt1d: 3, lt7d: 9, lt30d: 28 } }],
    },
  };
}

/**
 * iCloud Mail: IMAP answers, POP3 does not (iCloud has no POP3). Identified by the host name alone: the greeting
 * here names no software, as no iCloud greeting is documented to.
 */
export function icloudNoPopSpec(): SnapshotSpec {
  const s = healthyImapOnlySpec();
  return {
    host: 'imap.mail.me.com',
    user: 'alice@icloud.com',
    imap: { ...(s.imap as ImapSpec), greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready', serverId: null, quota: null },
    pop: fail('refused', 'connection to imap.mail.me.com:995 refused (nothing listens on that port)', { step: 'connect', code: 'ECONNREFUSED' }),
  };
}

export const SCENARIOS = {
  'healthy-imap-only': healthyImapOnlySpec,
  'healthy-pop-only': healthyPopOnlySpec,
  'pop-single-device-deletes': popSingleDeviceDeletesSpec,
  mixed: mixedSpec,
  'pop-leave-on-server-near-quota': popLeaveOnServerNearQuotaSpec,
  'quota-over-95': quotaOver95Spec,
  'junk-with-pop-user': junkWithPopUserSpec,
  'pop-locked': popLockedSpec,
  'wrong-password': wrongPasswordSpec,
  'imap-port-closed': imapPortClosedSpec,
  'tls-self-signed-insecure': tlsSelfSignedInsecureSpec,
  'deleted-not-expunged': deletedNotExpungedSpec,
  'pop-imap-disagree': popImapDisagreeSpec,
  'gmail-pop-and-imap': gmailPopAndImapSpec,
  'microsoft-password-refused': microsoftPasswordRefusedSpec,
  'outlook-pop-folder': outlookPopFolderSpec,
  'icloud-no-pop': icloudNoPopSpec,
} as const;

export type ScenarioName = keyof typeof SCENARIOS;

export function scenario(name: ScenarioName): Snapshot {
  return buildSnapshot(SCENARIOS[name]());
}

/** What pop-deletes-mail reads from INBOX's ledger in the pop-single-device-deletes scenario (its evidence without extras). */
export const POP_SINGLE_DEVICE_LEDGER = {
  inboxUidValidity: '1717000000',
  inboxReceived: 2400,
  inboxMessages: 3,
  leftInbox: 2397,
  otherFoldersReceived: 39,
  removedWithoutTrace: 2358,
  removedRatio: 2358 / 2400,
  oldestAgeSeconds: 86_400 / 2,
  imapClientSeen: false,
};
