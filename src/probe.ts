// One probe of one account: IMAP and POP3 side by side (two connections, so a probe costs the slower of the
// two), gathered into a snapshot. Never throws for anything the network or the server does.
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { probeImap, probeImapLogin } from './connectors/imap/index.js';
import { probePop3, probePop3Login } from './connectors/pop3/index.js';
import { popSampleDisagrees } from './connectors/pop-sample.js';
import type { ConnectOptions } from './connectors/common.js';
import { forConnection, loginShown, secretsOf, type Credentials } from './connectors/credentials.js';
import type { KnownMailboxes } from './connectors/imap/repeat.js';
import { tracer, type TraceSink } from './connectors/trace.js';
import type { Anomaly, Endpoint, ImapLoginResult, ImapResult, Pop3Evidence, Pop3LoginResult, Pop3Result, Snapshot } from './snapshot/schema.js';
import type { TestLogEntry } from './snapshot/trace.js';
import { SNAPSHOT_SCHEMA } from './snapshot/schema-id.js';
import { VERSION } from './version.js';
import { scrubSnapshot } from './snapshot/scrub.js';

export interface AccountOptions {
  /** Who logs in, and how: `passwordCredentials(user, password)` or `adminCredentials(...)`. The snapshot names credentials.user. */
  credentials: Credentials;
  /** null: do not probe this protocol. */
  imap: Endpoint | null;
  pop: Endpoint | null;
  ca?: string;
  insecure?: boolean;
  allowPlaintext?: boolean;
  /** Resolves the servers' host names (--dns-server); the system's resolver when absent. */
  lookup?: LookupFunction;
  /** Deadline of each network step, in milliseconds. */
  timeoutMs: number;
  /** Record per-message identity of INBOX (for history and vanished-mail detection). */
  history?: boolean;
  /** With history: what the previous probe saw, so a repeat probe reads only what changed. */
  known?: KnownMailboxes;
  /**
   * Only log in (check --just-login): connect, TLS and the login on each protocol, then LOGOUT/QUIT. The snapshot
   * then holds `login` and no mailbox evidence (imap and pop are null).
   */
  loginOnly?: boolean;
  /**
   * Read POP3's UIDL and LIST of every message (--full-pop-listing). Without it POP3 reads a sample, checked
   * against IMAP's UID and RFC822.SIZE of the same sequence numbers, and the full listings only when the two differ.
   */
  fullPopListing?: boolean;
}

export interface ProbeRunOptions {
  now?: Date;
  onProgress?: (message: string) => void;
  /**
   * The test log: each step of both protocols as it ends (and the host names resolved first), secrets scrubbed,
   * with `atMs` counted from the start of the probe.
   */
  trace?: (entry: TestLogEntry) => void;
}

async function guarded<T extends ImapResult | Pop3Result | ImapLoginResult | Pop3LoginResult>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } catch (err) {
    // Connectors record every network failure themselves; reaching here is a bug, kept apart as 'internal'.
    return {
      ok: false,
      durationMs: Date.now() - started,
      error: { kind: 'internal', step: what, message: `internal error in the ${what} probe: ${(err as Error)?.message ?? String(err)}` },
    } as T;
  }
}

/** The options of one connection to one of the account's servers. */
export function connectOptions(account: AccountOptions, endpoint: Endpoint): ConnectOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    tls: endpoint.tls,
    credentials: account.credentials,
    ca: account.ca,
    insecure: account.insecure,
    allowPlaintext: account.allowPlaintext,
    timeoutMs: account.timeoutMs,
    lookup: account.lookup,
  };
}

/** The test log's sink for the connectors: each event stamped with the time since `t0`. */
function stamped(trace: ProbeRunOptions['trace'], t0: number): TraceSink | undefined {
  if (!trace) return undefined;
  return (e) => trace({ ...e, atMs: Math.max(0, Math.round(performance.now() - t0)) });
}

/** Every address of `host`, through the account's own lookup when it has one (the log shows what the connectors use). */
function addressesOf(host: string, own: LookupFunction | undefined): Promise<LookupAddress[]> {
  if (!own) return lookup(host, { all: true });
  return new Promise((resolve, reject) => {
    own(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses as unknown as LookupAddress[])));
  });
}

/** Resolve each host once for the test log (what the connectors' own lookups found is not told to us), under the step deadline. */
async function resolveHosts(account: AccountOptions, sink: TraceSink): Promise<void> {
  const hosts = [...new Set([account.imap?.host, account.pop?.host].filter((h): h is string => Boolean(h)))];
  await Promise.all(
    hosts.map(async (host) => {
      const tr = tracer('dns', sink, account.credentials, [host]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(account.timeoutMs / 100) / 10} s`)), account.timeoutMs);
      });
      try {
        await tr.timed(
          'resolve',
          () => Promise.race([addressesOf(host, account.lookup), deadline]),
          (addresses) => `${host}: ${addresses.map((a) => a.address).join(', ') || 'no address'}`,
        );
      } catch {
        // Logged as failed by the tracer; the connectors record the probe error themselves.
      } finally {
        clearTimeout(timer);
        tr.close();
      }
    }),
  );
}

/**
 * The place where POP3 and IMAP evidence join: a sampled POP3 listing that differs from IMAP's INBOX (counts, sizes,
 * a sampled message) is read again in full by `readFull` (a second short session), so the rules can tell which
 * messages differ. `popAnomalies` holds the sampled session's anomalies and is left holding those of the listing
 * kept. When the second session fails, the sample stays, with fullListingError saying why.
 */
export async function fullPopListingIfNeeded(
  imap: ImapResult | null,
  pop: Pop3Result,
  popAnomalies: Anomaly[],
  readFull: (why: NonNullable<Pop3Evidence['fullListingReason']>, anomalies: Anomaly[]) => Promise<Pop3Result>,
): Promise<Pop3Result> {
  const why = pop.ok && pop.evidence.listing === 'sample' && imap?.ok ? popSampleDisagrees(pop.evidence, imap.evidence) : null;
  if (!pop.ok || !why) return pop;
  const fullAnomalies: Anomaly[] = [];
  const again = await readFull(why, fullAnomalies);
  if (!again.ok) return { ...pop, evidence: { ...pop.evidence, fullListingError: again.error } };
  popAnomalies.length = 0;
  popAnomalies.push(...fullAnomalies);
  return again;
}

export async function probeAccount(account: AccountOptions, run: ProbeRunOptions = {}): Promise<Snapshot> {
  const now = run.now ?? new Date();
  const progress = run.onProgress ?? (() => {});
  const trace = stamped(run.trace, performance.now());
  // Server data that made no sense, from either connector: the value is treated as unknown, and the report says why.
  const anomalies: Anomaly[] = [];
  // Each connection takes its credentials as it starts: a token from a file or command is read again for every
  // connection after the first. Every token used is scrubbed below.
  const used: Credentials[] = [account.credentials];
  const credentialsFor = async () => {
    const c = await forConnection(account.credentials);
    used.push(c);
    return c;
  };
  const resolving = trace ? resolveHosts(account, trace) : Promise.resolve();
  const imapOptions = async () => ({ ...connectOptions(account, account.imap!), credentials: await credentialsFor(), onProgress: progress, trace });
  const popOptions = async () => ({ ...connectOptions(account, account.pop!), credentials: await credentialsFor(), trace });
  // A token the server refused is refreshed once per probe (a token file with a refresh token), and each side
  // that was refused tries again with the new token. A refresh that fails says why in the refusal's message.
  let renewal: Promise<string | null> | undefined;
  const renewOnce = (renew: () => Promise<string>) =>
    (renewal ??= (async () => {
      progress('the server refused the access token: refreshing it from the token file');
      return renew().then(
        () => null,
        (e: unknown) => (e instanceof Error ? e.message : 'the refresh failed'),
      );
    })());
  const say = (name: string, e: Endpoint) => progress(`${name} ${e.host}:${e.port} (${e.tls})${account.loginOnly ? ', login only' : ''}`);
  const once = <T extends ImapResult | Pop3Result | ImapLoginResult | Pop3LoginResult>(name: 'IMAP' | 'POP3', e: Endpoint, run: () => Promise<T>): Promise<T> =>
    guarded(name, () => {
      say(name, e);
      return run();
    });
  const side = async <T extends ImapResult | Pop3Result | ImapLoginResult | Pop3LoginResult>(name: 'IMAP' | 'POP3', e: Endpoint | null, run: () => Promise<T>): Promise<T | null> => {
    if (!e) return null;
    const first = await once(name, e, run);
    const refused = 'error' in first ? first.error : undefined;
    const c = account.credentials;
    if (refused?.kind !== 'auth' || !refused.oauth2 || c.kind !== 'oauth2' || !c.renew) return first;
    const failed = await renewOnce(c.renew);
    if (failed === null) return once(name, e, run);
    refused.message += `; ${failed}`;
    return first;
  };
  let results: Pick<Snapshot, 'imap' | 'pop' | 'login'>;
  if (account.loginOnly) {
    const [imap, pop] = await Promise.all([
      side('IMAP', account.imap, async () => probeImapLogin(await imapOptions())),
      side('POP3', account.pop, async () => probePop3Login(await popOptions())),
      resolving,
    ]);
    results = { imap: null, pop: null, login: { imap, pop } };
  } else {
    const sampled = account.pop !== null && !account.fullPopListing;
    const popAnomalies: Anomaly[] = [];
    const [imap, first] = await Promise.all([
      side('IMAP', account.imap, async () =>
        probeImap({ ...(await imapOptions()), history: account.history ?? false, known: account.known, now, anomalies, ...(sampled ? { popSample: true } : {}) }),
      ),
      side('POP3', account.pop, async () => probePop3({ ...(await popOptions()), anomalies: popAnomalies, ...(sampled ? {} : { fullListing: 'asked' as const }) })),
      resolving,
    ]);
    const pop = first && (await fullPopListingIfNeeded(imap, first, popAnomalies, async (why, into) => {
      progress(`POP3 and IMAP differ (${why}): reading the full POP3 listing`);
      return guarded('POP3', async () => probePop3({ ...(await popOptions()), anomalies: into, fullListing: why }));
    }));
    anomalies.push(...popAnomalies);
    results = { imap, pop };
  }
  // Whatever the servers sent (ID fields, folder names, response texts) is scrubbed of the credentials' secrets before the
  // snapshot reaches a report, a saved file or the history.
  return scrubSnapshot({
    schema: SNAPSHOT_SCHEMA,
    tool: { name: 'maildoctor', version: VERSION },
    takenAt: now.toISOString(),
    account: { user: account.credentials.user, imap: account.imap, pop: account.pop, ...loginShown(account.credentials) },
    ...results,
    ...(anomalies.length ? { anomalies } : {}),
  }, [...new Set(used.flatMap(secretsOf))]);
}
