// One probe of one account: IMAP and POP3 side by side (two connections, so a probe costs the slower of the
// two), gathered into a snapshot. Never throws for anything the network or the server does.
import { probeImap } from './connectors/imap/index.js';
import { probePop3 } from './connectors/pop3/index.js';
import type { ConnectOptions } from './connectors/common.js';
import { loginShown, secretsOf, type Credentials } from './connectors/credentials.js';
import type { KnownMailboxes } from './connectors/imap/repeat.js';
import type { Anomaly, Endpoint, ImapResult, Pop3Result, Snapshot } from './snapshot/schema.js';
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
  /** Deadline of each network step, in milliseconds. */
  timeoutMs: number;
  /** Record per-message identity of INBOX (for history and vanished-mail detection). */
  history?: boolean;
  /** With history: what the previous probe saw, so a repeat probe reads only what changed. */
  known?: KnownMailboxes;
}

export interface ProbeRunOptions {
  now?: Date;
  onProgress?: (message: string) => void;
}

async function guarded<T extends ImapResult | Pop3Result>(what: string, run: () => Promise<T>): Promise<T> {
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
  };
}

export async function probeAccount(account: AccountOptions, run: ProbeRunOptions = {}): Promise<Snapshot> {
  const now = run.now ?? new Date();
  const progress = run.onProgress ?? (() => {});
  // Server data that made no sense, from either connector: the value is treated as unknown, and the report says why.
  const anomalies: Anomaly[] = [];
  const imapTask = account.imap
    ? guarded('IMAP', () => {
        progress(`IMAP ${account.imap!.host}:${account.imap!.port} (${account.imap!.tls})`);
        return probeImap({ ...connectOptions(account, account.imap!), history: account.history ?? false, known: account.known, now, onProgress: progress, anomalies });
      })
    : Promise.resolve(null);
  const popTask = account.pop
    ? guarded('POP3', () => {
        progress(`POP3 ${account.pop!.host}:${account.pop!.port} (${account.pop!.tls})`);
        return probePop3({ ...connectOptions(account, account.pop!), anomalies });
      })
    : Promise.resolve(null);
  const [imap, pop] = await Promise.all([imapTask, popTask]);
  // Whatever the servers sent (ID fields, folder names, response texts) is scrubbed of the credentials' secrets before the
  // snapshot reaches a report, a saved file or the history.
  return scrubSnapshot({
    schema: SNAPSHOT_SCHEMA,
    tool: { name: 'maildoctor', version: VERSION },
    takenAt: now.toISOString(),
    account: { user: account.credentials.user, imap: account.imap, pop: account.pop, ...loginShown(account.credentials) },
    imap,
    pop,
    ...(anomalies.length ? { anomalies } : {}),
  }, secretsOf(account.credentials));
}
