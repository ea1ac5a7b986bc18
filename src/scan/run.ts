// The fleet scan engine: probe many accounts with bounded concurrency, a per-host limit and retries with
// backoff for temporary server refusals, and hand each finished account to the caller as one JSON line.
// Nothing per account is kept once its line is written (memory stays flat in the number of accounts): only
// the counters of the summary.
import { adminLoginFrom, resolveCredentials, type AdminLogin } from '../credentials.js';
import type { Credentials, OAuth2Mechanism } from '../connectors/credentials.js';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { analyze } from '../analyzer/index.js';
import type { AccountOptions, ProbeRunOptions } from '../probe.js';
import { buildReport } from '../report/build.js';
import type { ReportJson } from '../report/schema.js';
import { toJson, type Report } from '../report/types.js';
import type { Endpoint, ProbeErrorKind, Snapshot, Transport } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../snapshot/schema-id.js';
import type { RuleOptionOverrides } from '../analyzer/registry.js';
import type { AccountRow } from './accounts.js';
import type { ChosenServer, Discovery } from '../snapshot/discovery.js';
import type { LookupFunction } from 'node:net';
import { DEFAULT_PORTS } from '../connectors/common.js';

/** Probe errors worth another try after a pause: the server said "not now". */
export const RETRYABLE_KINDS: ReadonlySet<ProbeErrorKind> = new Set<ProbeErrorKind>(['sys-temp', 'login-delay']);

/** Account options from the command line, used where a row leaves a field empty. */
export interface ScanDefaults {
  host?: string;
  imapHost?: string;
  popHost?: string;
  imapPort?: number;
  popPort?: number;
  imapTls: Transport;
  popTls: Transport;
  only?: 'imap' | 'pop';
  /** Shared password file (--password-file), after the row's own password_file / password_env. */
  passwordFile?: string;
  /** Shared OAuth2 token file or command (--oauth2-token-file, --oauth2-token-command), and --oauth2-mechanism. */
  oauth2TokenFile?: string;
  oauth2TokenCommand?: string;
  oauth2Mechanism?: OAuth2Mechanism;
  /** --auth-user: the admin who logs in on behalf of each row without its own auth_user. */
  authUser?: string;
  /** --master-separator: for rows with an admin and no master_separator of their own. */
  masterSeparator?: string;
  /** PEM of --ca. */
  ca?: string;
  insecure: boolean;
  allowPlaintext: boolean;
  timeoutMs: number;
  /** --full-pop-listing: every account's POP3 UIDL and LIST read whole. */
  fullPopListing?: boolean;
  /** Resolves the mail host names (--dns-server); absent: the system's resolver. */
  lookup?: LookupFunction;
}

/** What the `scan` field of each output line carries besides the report. */
export interface ScanMeta {
  /** Line of the accounts file the account came from. */
  line: number;
  key: string;
  /** Probes made (1 + retries used). */
  attempts: number;
  durationMs: number;
  /** Why the account could not be probed at all (no host, no password, unreadable password file). */
  error?: string;
}

export type ScanLine = { scan: ScanMeta } & ReportJson;

export type ProbeFn = (account: AccountOptions, run: ProbeRunOptions) => Promise<Snapshot>;

/** What the report of one account compares with (as for check): the previous probe, those passed over, the trend. */
export interface ScanEarlier {
  previous: Snapshot | null;
  passedOver: string[];
  history: Snapshot[];
  /** Why the history could not be read for this account; the rules that compare probes then say so. */
  unavailable?: string;
}

/** One account's history, taken before its first probe and dropped once its line is written. */
export interface AccountHistory {
  /** What the previous probe saw: the repeat probe then reads only what changed. */
  known: AccountOptions['known'];
  earlier: ScanEarlier;
  /** Store the probe with the status its report gave. */
  record(snapshot: Snapshot, status: string): void;
}

/** The history database as scan uses it: one account at a time, keyed as check keys it (user and hosts). */
export interface ScanHistory {
  forAccount(account: AccountOptions): AccountHistory;
}

export interface ScanOptions {
  defaults: ScanDefaults;
  /** Accounts in flight at once. */
  concurrency: number;
  /** Accounts in flight at once per server host (0: no limit beyond concurrency). */
  perHost: number;
  /** Further attempts after a sys-temp / login-delay probe error. */
  retries: number;
  /** Pause before the first retry; doubles for each further one (with ±25% jitter), at most 5 minutes. */
  retryDelayMs: number;
  /** Directory that relative password_file paths are read from (the accounts file's). */
  baseDir: string;
  env: Record<string, string | undefined>;
  ruleOptions?: RuleOptionOverrides;
  toolVersion: string;
  /**
   * Rows without host columns, when no --host was given either: the servers are discovered from the row's
   * address (the CLI caches one discovery per domain). Absent: such a row is its own UNKNOWN line.
   */
  discover?: (address: string) => Promise<Discovery>;
  /** Default: probeAccount (loaded on first use). */
  probe?: ProbeFn;
  /** Compare each account with its previous probe and store the new one (scan's --history); none: no history. */
  history?: ScanHistory;
  /** Receives each finished account; may return a promise (back-pressure of the writer). */
  /** Each account's line as it finishes, with the report it was made from (for renderers that need words). */
  onResult: (line: ScanLine, report: Report) => void | Promise<void>;
  /** The zone the reports' words give times in (default UTC; JSON time fields are UTC either way). */
  timeZone?: string;
  /** Called after every finished account and every retry scheduled. */
  onTick?: (state: ScanProgress) => void;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface ScanProgress {
  total: number;
  done: number;
  active: number;
  retrying: number;
  byStatus: Record<ReportJson['status'], number>;
}

export interface ScanTotals {
  byStatus: Record<ReportJson['status'], number>;
  /** finding id → accounts with it */
  findings: Map<string, number>;
  accounts: number;
  retries: number;
}

export function emptyTotals(): ScanTotals {
  return { byStatus: { ok: 0, warning: 0, critical: 0, unknown: 0 }, findings: new Map(), accounts: 0, retries: 0 };
}

export function countInto(totals: ScanTotals, status: string, findingIds: readonly string[]): void {
  const s = (status in totals.byStatus ? status : 'unknown') as ReportJson['status'];
  totals.byStatus[s]++;
  totals.accounts++;
  for (const id of new Set(findingIds)) totals.findings.set(id, (totals.findings.get(id) ?? 0) + 1);
}

// ---------------------------------------------------------------------------------------------------------
// From a row and the defaults to the options of one probe.

interface Resolved {
  account: AccountOptions;
  /** Where the servers came from, for rows without host columns. */
  discovery?: Discovery;
}

type Unresolved = { error: string; imap: Endpoint | null; pop: Endpoint | null };

/** The row names no server and neither does the command line: nothing but its address can say where it lives. */
function needsDiscovery(row: AccountRow, d: ScanDefaults): boolean {
  return !(row.host ?? row.imapHost ?? row.popHost ?? d.host ?? d.imapHost ?? d.popHost);
}

/** The domain of an address, lower case; null when the text is not one. */
function domainOf(user: string): string | null {
  const at = user.lastIndexOf('@');
  return at > 0 && at < user.length - 1 ? user.slice(at + 1).toLowerCase() : null;
}

/**
 * The row's servers from its address: the winning setting per protocol, its port and TLS mode with it, and the
 * login the winning source names. A row for which nothing is published or answers is an error of that row.
 */
async function discoveredEndpoints(
  row: AccountRow,
  only: 'imap' | 'pop' | undefined,
  discover: (address: string) => Promise<Discovery>,
): Promise<{ imap: Endpoint | null; pop: Endpoint | null; user: string; discovery: Discovery } | Unresolved> {
  if (!domainOf(row.user)) {
    return { error: `no server: the row has no host, imap_host or pop_host, no --host was given, and its user ${JSON.stringify(row.user)} is not an email address to discover them from`, imap: null, pop: null };
  }
  let d: Discovery;
  try {
    d = await discover(row.user);
  } catch (err) {
    return { error: `discovery for ${row.user} failed: ${(err as Error)?.message ?? String(err)}`, imap: null, pop: null };
  }
  const { nothingFound, serversOf } = await import('../discovery/index.js');
  const servers = serversOf(d, only);
  if (!servers) return { error: `${nothingFound(d, only)}: give the row a host column, or see maildoctor discover ${row.user}`, imap: null, pop: null };
  const endpoint = (c: ChosenServer | null): Endpoint | null => (c ? { host: c.host, port: c.port, tls: c.tls } : null);
  return { imap: endpoint(servers.imap), pop: endpoint(servers.pop), user: servers.user, discovery: d };
}

function endpointOf(kind: 'imap' | 'pop', row: AccountRow, d: ScanDefaults): Endpoint | string {
  const host = kind === 'imap' ? (row.imapHost ?? row.host ?? d.imapHost ?? d.host) : (row.popHost ?? row.host ?? d.popHost ?? d.host);
  if (!host) return `no ${kind === 'imap' ? 'IMAP' : 'POP3'} server: the row has no host or ${kind}_host, and no --host or --${kind}-host was given`;
  const tls = (kind === 'imap' ? row.imapTls : row.popTls) ?? (kind === 'imap' ? d.imapTls : d.popTls);
  const port = (kind === 'imap' ? row.imapPort : row.popPort) ?? (kind === 'imap' ? d.imapPort : d.popPort) ?? DEFAULT_PORTS[kind][tls];
  return { host, port, tls };
}

/**
 * The row's admin login (auth_user, else --auth-user; master_separator, else --master-separator), or undefined.
 * --master-separator alone is only a default: rows without an admin log in as themselves.
 */
function adminOf(row: AccountRow, d: ScanDefaults): AdminLogin | undefined {
  const authUser = row.authUser ?? d.authUser;
  const sep = row.masterSeparator ?? (authUser !== undefined ? d.masterSeparator : undefined);
  return adminLoginFrom(row.user, authUser, sep, { user: 'user', authUser: 'auth_user', separator: 'master_separator' });
}

/**
 * The row's credentials: inline password (when allowed), its password_file, its password_env, its
 * oauth2_token_file or oauth2_token_command, then --password-file, --oauth2-token-file, --oauth2-token-command,
 * MAILDOCTOR_PASSWORD or MAILDOCTOR_OAUTH2_TOKEN. With an admin (auth_user), the password is the admin's.
 */
function credentialsOf(row: AccountRow, opts: ScanOptions, user = row.user): Promise<Credentials> {
  const admin = adminOf(row, opts.defaults);
  const path = (p: string | undefined) => (p ? (isAbsolute(p) ? p : resolvePath(opts.baseDir, p)) : undefined);
  return resolveCredentials(
    user,
    {
      inline: row.password,
      file: path(row.passwordFile),
      envName: row.passwordEnv,
      tokenFile: path(row.oauth2TokenFile),
      tokenCommand: row.oauth2TokenCommand,
      sharedFile: opts.defaults.passwordFile,
      sharedTokenFile: opts.defaults.oauth2TokenFile,
      sharedTokenCommand: opts.defaults.oauth2TokenCommand,
      mechanism: opts.defaults.oauth2Mechanism,
      commandTimeoutMs: opts.defaults.timeoutMs,
      env: opts.env,
      missing: `no password${admin ? ` for the admin ${admin.authUser}` : ''}: the row has no password_file or password_env, and neither --password-file nor MAILDOCTOR_PASSWORD is set`,
    },
    admin,
  );
}

export async function resolveRow(row: AccountRow, opts: ScanOptions): Promise<Resolved | Unresolved> {
  const only = row.only ?? opts.defaults.only;
  let imap: Endpoint | string | null;
  let pop: Endpoint | string | null;
  let user = row.user;
  let discovery: Discovery | undefined;
  if (opts.discover && needsDiscovery(row, opts.defaults)) {
    const found = await discoveredEndpoints(row, only, opts.discover);
    if ('error' in found) return found;
    ({ imap, pop, user, discovery } = found);
  } else {
    imap = only === 'pop' ? null : endpointOf('imap', row, opts.defaults);
    pop = only === 'imap' ? null : endpointOf('pop', row, opts.defaults);
  }
  const ok = (e: Endpoint | string | null): Endpoint | null => (typeof e === 'string' ? null : e);
  const missing = [imap, pop].find((e): e is string => typeof e === 'string');
  if (missing) return { error: missing, imap: ok(imap), pop: ok(pop) };
  let credentials: Credentials;
  try {
    credentials = await credentialsOf(row, opts, user);
  } catch (err) {
    return { error: (err as Error).message, imap: ok(imap), pop: ok(pop) };
  }
  const d = opts.defaults;
  return {
    account: {
      credentials,
      imap: ok(imap),
      pop: ok(pop),
      ca: d.ca,
      insecure: d.insecure,
      allowPlaintext: d.allowPlaintext,
      timeoutMs: d.timeoutMs,
      history: false,
      ...(d.fullPopListing ? { fullPopListing: true } : {}),
      ...(d.lookup ? { lookup: d.lookup } : {}),
    },
    ...(discovery ? { discovery } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// One account: probe (and re-probe the protocols that said "not now"), analyze, report.

function retryableProtocols(s: Snapshot): { imap: boolean; pop: boolean } {
  return {
    imap: Boolean(s.imap && !s.imap.ok && RETRYABLE_KINDS.has(s.imap.error.kind)),
    pop: Boolean(s.pop && !s.pop.ok && RETRYABLE_KINDS.has(s.pop.error.kind)),
  };
}

function notProbedSnapshot(row: AccountRow, imap: Endpoint | null, pop: Endpoint | null, now: Date, version: string): Snapshot {
  return {
    schema: SNAPSHOT_SCHEMA,
    tool: { name: 'maildoctor', version },
    takenAt: now.toISOString(),
    account: { user: row.user, imap, pop },
    imap: null,
    pop: null,
  };
}

/** The account's report (words in the scan's zone), as check would build it. */
function scanReport(snapshot: Snapshot, opts: Pick<ScanOptions, 'ruleOptions' | 'toolVersion' | 'timeZone'>, earlier?: ScanEarlier): Report {
  const analysis = analyze(snapshot, {
    options: opts.ruleOptions,
    previous: earlier?.previous ?? null,
    passedOver: earlier?.passedOver ?? [],
    history: earlier?.history ?? [],
    ...(earlier?.unavailable ? { previousUnavailable: `no earlier probe could be read: ${earlier.unavailable}` } : {}),
  });
  return buildReport(snapshot, analysis, { toolVersion: opts.toolVersion, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) });
}

/** The account's line: the scan facts first, so `head` of the file reads well; the rest is the report@1 document. */
function toLine(report: Report, meta: ScanMeta): ScanLine {
  return { scan: meta, ...toJson(report) };
}

interface Job {
  row: AccountRow;
  account: AccountOptions | null;
  history: AccountHistory | null;
  snapshot: Snapshot | null;
  attempts: number;
  started: number;
  notBefore: number;
  hosts: string[];
  /** The row's servers came from its address: this discovery goes into its snapshot. */
  discovery: Discovery | null;
}

/**
 * Scan the rows. Output order is completion order (each line names its input line and key). Resolves with the
 * totals once every row has its line; never rejects for anything an account or server does.
 */
export async function runScan(rows: readonly AccountRow[], opts: ScanOptions): Promise<ScanTotals> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const perHost = opts.perHost > 0 ? Math.floor(opts.perHost) : Infinity;
  const now = opts.now ?? (() => new Date());
  const random = opts.random ?? Math.random;
  const totals = emptyTotals();
  let probe = opts.probe;
  const getProbe = async (): Promise<ProbeFn> => {
    if (!probe) probe = (await import('../probe.js')).probeAccount;
    return probe;
  };

  const queue: Job[] = rows.map((row) => ({ row, account: null, history: null, snapshot: null, attempts: 0, started: 0, notBefore: 0, hosts: [], discovery: null }));
  let next = 0; // queue[next..] not yet started
  const waiting: Job[] = []; // started, waiting for a retry (or for their host to have room)
  const hostActive = new Map<string, number>();
  let active = 0;
  let done = 0;
  let retrying = 0;
  let writeChain: Promise<void> = Promise.resolve();
  const tick = () => opts.onTick?.({ total: rows.length, done, active, retrying, byStatus: { ...totals.byStatus } });

  const hostsOf = (job: Job): string[] => {
    const r = job.row;
    const d = opts.defaults;
    // Rows to be discovered: the servers are not known yet, so the per-host limit counts them per domain.
    if (opts.discover && needsDiscovery(r, d)) return [`@${domainOf(r.user) ?? ''}`];
    const hs = new Set<string>();
    const only = r.only ?? d.only;
    if (only !== 'pop') hs.add(r.imapHost ?? r.host ?? d.imapHost ?? d.host ?? '');
    if (only !== 'imap') hs.add(r.popHost ?? r.host ?? d.popHost ?? d.host ?? '');
    return [...hs];
  };
  const fits = (job: Job) => job.hosts.every((h) => (hostActive.get(h) ?? 0) < perHost);
  const take = (job: Job) => {
    active++;
    for (const h of job.hosts) hostActive.set(h, (hostActive.get(h) ?? 0) + 1);
  };
  const release = (job: Job) => {
    active--;
    for (const h of job.hosts) hostActive.set(h, (hostActive.get(h) ?? 1) - 1);
  };

  return new Promise<ScanTotals>((resolveAll, rejectAll) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (job: Job, snapshot: Snapshot, error?: string) => {
      const meta: ScanMeta = { line: job.row.line, key: job.row.key, attempts: job.attempts, durationMs: Date.now() - job.started, ...(error ? { error } : {}) };
      let line: ScanLine;
      let report: Report;
      try {
        report = scanReport(snapshot, opts, job.history?.earlier);
        line = toLine(report, meta);
        // Only a real probe goes into the history (an account that could not be probed leaves it as it was).
        if (job.history && !error) job.history.record(snapshot, line.status);
      } catch (err) {
        // A bug in analysis must not lose the account: record it as unknown with the reason.
        const s = notProbedSnapshot(job.row, snapshot.account.imap, snapshot.account.pop, now(), opts.toolVersion);
        report = scanReport(s, { toolVersion: opts.toolVersion, timeZone: opts.timeZone });
        line = toLine(report, { ...meta, error: `internal error while analysing: ${(err as Error)?.message ?? String(err)}` });
      }
      countInto(totals, line.status, line.findings.map((f) => f.id));
      job.account = null; // drop the password, snapshot and earlier probes as soon as the line exists
      job.snapshot = null;
      job.history = null;
      job.discovery = null;
      writeChain = writeChain.then(() => opts.onResult(line, report));
      done++;
      tick();
    };

    const runJob = async (job: Job) => {
      try {
        if (job.attempts === 0) {
          job.started = Date.now();
          const r = await resolveRow(job.row, opts);
          if ('error' in r) {
            job.attempts = 0;
            // Not probed is UNKNOWN, whatever the discovery said (its sources are in the error).
            finish(job, notProbedSnapshot(job.row, r.imap, r.pop, now(), opts.toolVersion), r.error);
            return;
          }
          job.account = r.account;
          job.discovery = r.discovery ?? null;
          if (opts.history) {
            job.history = opts.history.forAccount(r.account);
            job.account = { ...r.account, history: true, known: job.history.known };
          }
        }
        const account = job.account!;
        let target = account;
        if (job.snapshot) {
          const again = retryableProtocols(job.snapshot);
          target = { ...account, imap: again.imap ? account.imap : null, pop: again.pop ? account.pop : null };
        }
        job.attempts++;
        const snap = await (await getProbe())(target, { now: now() });
        const merged: Snapshot = job.snapshot
          ? { ...snap, account: job.snapshot.account, imap: target.imap ? snap.imap : job.snapshot.imap, pop: target.pop ? snap.pop : job.snapshot.pop }
          : snap;
        if (job.discovery) merged.discovery = job.discovery;
        job.snapshot = merged;
        const again = retryableProtocols(merged);
        if ((again.imap || again.pop) && job.attempts <= opts.retries) {
          const base = opts.retryDelayMs * 2 ** (job.attempts - 1);
          job.notBefore = Date.now() + Math.min(300_000, base * (0.75 + random() * 0.5));
          totals.retries++;
          retrying++;
          waiting.push(job);
          tick();
          return;
        }
        finish(job, merged);
      } catch (err) {
        // probeAccount never throws; this is a bug somewhere on our side: keep the account with the reason.
        const s = notProbedSnapshot(job.row, job.account?.imap ?? null, job.account?.pop ?? null, now(), opts.toolVersion);
        finish(job, s, `internal error: ${(err as Error)?.message ?? String(err)}`);
      }
    };

    const pump = () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      const t = Date.now();
      let soonest = Infinity;
      // Retries whose pause is over come first, then new rows in input order. A row whose host is full waits;
      // later rows for other hosts go ahead (look-ahead bounded so a huge file stays cheap).
      for (let i = 0; i < waiting.length && active < concurrency; ) {
        const job = waiting[i]!;
        if (job.notBefore > t) {
          soonest = Math.min(soonest, job.notBefore);
          i++;
          continue;
        }
        if (!fits(job)) {
          i++;
          continue;
        }
        waiting.splice(i, 1);
        if (job.attempts > 0) retrying--;
        start(job);
      }
      let scanned = 0;
      for (let i = next; i < queue.length && active < concurrency && scanned < 10_000; i++, scanned++) {
        const job = queue[i]!;
        if (job.hosts.length === 0) job.hosts = hostsOf(job);
        if (!fits(job)) continue;
        // Take it out of the queue: swap it to position `next` and advance.
        if (i !== next) {
          queue.splice(i, 1);
          queue.splice(next, 0, job);
        }
        queue[next] = undefined as unknown as Job; // let it be collected once done
        next++;
        start(job);
      }
      if (soonest !== Infinity) timer = setTimeout(pump, Math.max(1, soonest - Date.now()));
      if (active === 0 && next >= queue.length && waiting.length === 0) {
        writeChain.then(() => resolveAll(totals), rejectAll);
      }
    };

    const start = (job: Job) => {
      take(job);
      void runJob(job).finally(() => {
        release(job);
        pump();
      });
    };

    tick();
    pump();
  });
}
