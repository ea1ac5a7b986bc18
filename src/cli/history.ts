// History on the command line: the options `check` shares (--history, --no-history, retention), what `check`
// does with the store, and the `history` command that lists stored probes.
import type { Argv } from 'yargs';
import type { KnownMailboxes } from '../connectors/imap/repeat.js';
import { HistoryError } from '../history/errors.js';
import { defaultHistoryPath, historyFileExists } from '../history/path.js';
import type { HistoryStore, ProbeRow } from '../history/store.js';
import type { AccountOptions } from '../probe.js';
import type { AccountHistory, ScanHistory } from '../scan/run.js';
import { bytes, count } from '../report/format.js';
import type { Snapshot } from '../snapshot/schema.js';
import { knownFrom } from '../watch/window.js';
import { EXIT, UsageError } from './errors.js';

export interface HistoryArgs {
  /** A path, or false with --no-history. */
  history?: string | boolean;
  keepProbes: number;
  keepDays?: number;
}

/**
 * --history PATH and its own help line for --no-history (yargs reads `--no-history` as `history: false`; the
 * declared `no-history` key only gives it a line in --help).
 */
export function historyOption<T>(y: Argv<T>, describe: string, noHistory: string, group?: string) {
  return y
    .option('history', { type: 'string', describe, ...(group ? { group } : {}) })
    .option('no-history', { type: 'boolean', describe: noHistory, ...(group ? { group } : {}) });
}

export function withHistoryOptions<T>(y: Argv<T>) {
  return historyOption(
    y,
    'History database of earlier probes (default $XDG_STATE_HOME/maildoctor/history.db)',
    'Neither read nor write the history: no comparison with an earlier probe, nothing stored',
    'History:',
  )
    .option('keep-probes', { type: 'number', default: 50, describe: 'Probes kept per account in the history', group: 'History:' })
    .option('keep-days', { type: 'number', describe: 'Also drop probes older than this many days (the newest is always kept)', group: 'History:' });
}

export function historyPath(args: { history?: string | boolean }): string | null {
  if (args.history === false) return null;
  if (typeof args.history === 'string' && args.history !== '') return args.history;
  return defaultHistoryPath();
}

/** The store module (better-sqlite3, and zod to read stored snapshots back), loaded only when history is used. */
const loadStore = () => import('../history/store.js');

async function openOrFail(path: string, args: Partial<HistoryArgs>): Promise<HistoryStore> {
  if (args.keepProbes !== undefined && !(Number.isInteger(args.keepProbes) && args.keepProbes >= 1)) {
    throw new UsageError('--keep-probes must be a whole number of at least 1');
  }
  if (args.keepDays !== undefined && !(args.keepDays > 0)) throw new UsageError('--keep-days must be a positive number of days');
  const { openHistory } = await loadStore();
  return openHistory(path, { keepProbes: args.keepProbes, keepDays: args.keepDays ?? null });
}

/** What a report compares with: the newest probe with IMAP evidence, the newer ones passed over, the trend. */
export interface Earlier {
  previous: Snapshot | null;
  passedOver: string[];
  history: Snapshot[];
  /** Why the history could not be read (the rules that compare probes are skipped with it); absent when it could. */
  unavailable?: string;
  /** With unavailable: the database itself works (an earlier probe could not be read back), so this probe is stored. */
  stores?: boolean;
}

/**
 * After the report, when the history could not be used: one line that says so, and the run is never OK (the
 * comparison with earlier probes, the point of a history, did not happen). Returns the exit code to use.
 */
export function tellUnavailable(earlier: Earlier, exitCode: number, stored: boolean): number {
  if (!earlier.unavailable) return exitCode;
  const what = stored && earlier.stores ? 'this probe was not compared with earlier ones (it is stored)' : stored ? 'this probe was not compared with earlier ones and not stored' : 'this snapshot was not compared with earlier probes';
  process.stderr.write(`maildoctor: ${earlier.unavailable}; ${what} (the rules that compare probes are listed as not checked)\n`);
  return exitCode === EXIT.ok ? EXIT.unknown : exitCode;
}

export interface CheckHistory {
  /** Why the database could not be opened (then nothing is read or stored), or null. */
  problem: string | null;
  /** What the previous probe saw, for a cheap repeat probe (undefined without a usable previous probe). */
  known(account: AccountOptions): KnownMailboxes | undefined;
  earlier(): Earlier;
  /** When earlier maildoctor probes of this user were logged in (for --log: those sessions are ours). */
  probeWindows(user: string): [number, number][];
  /** Store the probe with the status the report gave; a failure is told on stderr, never fatal. */
  record(snapshot: Snapshot, exitCode: number): void;
}

/** The history database opened for probing accounts: one account at a time, keyed as `history` lists them. */
interface OpenHistory {
  /** Why the database could not be opened (then nothing is read or stored), or null. */
  problem: string | null;
  /** The account's previous probes; its record() throws when the probe cannot be stored. */
  forAccount(account: AccountOptions): AccountHistory;
  probeWindows(user: string): [number, number][];
  close(): void;
}

/**
 * Null with --no-history. Throws HistoryError for a newer database (before any probe); a database that cannot be
 * opened gives a history with its problem, so the probe still reports (and says the comparison did not happen).
 */
async function openAccountHistory(args: HistoryArgs): Promise<OpenHistory | null> {
  const path = historyPath(args);
  if (!path) return null;
  let store: HistoryStore;
  try {
    store = await openOrFail(path, args);
  } catch (e) {
    if (!(e instanceof HistoryError) || e.kind === 'newer') throw e;
    const problem = e.message;
    const none: AccountHistory = { known: undefined, earlier: { previous: null, passedOver: [], history: [], unavailable: problem }, record: () => {} };
    return { problem, forAccount: () => none, probeWindows: () => [], close: () => {} };
  }
  const { accountKey } = await loadStore();
  return {
    problem: null,
    forAccount(account) {
      // user and host: one user on two servers is two accounts.
      const key = accountKey({ account: { user: account.credentials.user, imap: account.imap, pop: account.pop } });
      const { previous, passedOver, unreadable } = store.latestComparableProbe(key);
      return {
        known: previous ? knownFrom(previous) : undefined,
        earlier: { previous, passedOver, history: store.recentSnapshots(key, 30), ...(unreadable ? { unavailable: unreadable, stores: true } : {}) },
        record: (snapshot, status) => store.recordProbe(snapshot, { status }),
      };
    },
    probeWindows: (user) => store.probeWindows(user),
    close: () => store.close(),
  };
}

const STATUS_BY_EXIT = ['ok', 'warning', 'critical', 'unknown'];

/** The history side of `check`; null with --no-history (see openAccountHistory). */
export async function historyForCheck(args: HistoryArgs): Promise<CheckHistory | null> {
  const open = await openAccountHistory(args);
  if (!open) return null;
  let account: AccountHistory | null = null;
  return {
    problem: open.problem,
    known(a) {
      account = open.forAccount(a);
      return account.known;
    },
    earlier: () => account?.earlier ?? { previous: null, passedOver: [], history: [], ...(open.problem ? { unavailable: open.problem } : {}) },
    probeWindows: (user) => open.probeWindows(user),
    record(snapshot, exitCode) {
      try {
        account?.record(snapshot, STATUS_BY_EXIT[exitCode] ?? 'unknown');
      } catch (e) {
        process.stderr.write(`maildoctor: this probe was not saved to the history ${historyPath(args)}: ${(e as Error).message}\n`);
      } finally {
        open.close();
      }
    },
  };
}

/**
 * The history side of `scan` (null with --no-history): each account is compared with its own previous probe and
 * its probe stored with the status of its report, as check does. A probe that cannot be stored is told once.
 * close() once the scan is over.
 */
export async function historyForScan(args: HistoryArgs): Promise<{ history: ScanHistory; problem: string | null; close(): void } | null> {
  const open = await openAccountHistory(args);
  if (!open) return null;
  let told = false;
  return {
    problem: open.problem,
    history: {
      forAccount(a) {
        const account = open.forAccount(a);
        return {
          ...account,
          record(snapshot, status) {
            try {
              account.record(snapshot, status);
            } catch (e) {
              if (!told) process.stderr.write(`maildoctor: probes were not saved to the history ${historyPath(args)}: ${(e as Error).message}\n`);
              told = true;
            }
          },
        };
      },
    },
    close: () => open.close(),
  };
}

/**
 * The probes that preceded a saved snapshot in the history database, so `analyze` gives the report the live
 * `check` gave. Read-only: a missing database (another machine, --no-history) just means no earlier probe.
 */
export async function earlierThan(snapshot: Snapshot, args: { history?: string | boolean }): Promise<Earlier> {
  const path = historyPath(args);
  const none: Earlier = { previous: null, passedOver: [], history: [] };
  let store: HistoryStore;
  let accountKey: (s: Snapshot) => string;
  try {
    if (!path || !historyFileExists(path)) return none;
    const m = await loadStore();
    accountKey = m.accountKey;
    store = m.openHistory(path);
  } catch (e) {
    if (!(e instanceof HistoryError) || e.kind === 'newer') throw e;
    return { ...none, unavailable: e.message };
  }
  try {
    const key = accountKey(snapshot);
    const { previous, passedOver, unreadable } = store.latestComparableProbe(key, snapshot.takenAt);
    return { previous, passedOver, history: store.recentSnapshots(key, 30, snapshot.takenAt), ...(unreadable ? { unavailable: unreadable } : {}) };
  } finally {
    store.close();
  }
}

/**
 * For `maildoctor logs`: the probe windows of the default (or given) history database; none without one (or with
 * --no-history). A path that cannot be a database is a HistoryError.
 */
export async function storedProbeWindows(user: string | ((stored: string) => boolean), args: { history?: string | boolean }): Promise<[number, number][]> {
  const path = historyPath(args);
  if (!path || !historyFileExists(path)) return [];
  const { openHistory } = await loadStore();
  const store = openHistory(path);
  try {
    return store.probeWindows(user);
  } finally {
    store.close();
  }
}

function quotaText(r: ProbeRow): string {
  if (r.quotaUsedBytes === null || r.quotaLimitBytes === null) return 'quota -';
  return `quota ${bytes(r.quotaUsedBytes)} of ${bytes(r.quotaLimitBytes)}`;
}

export function registerHistory<T>(cli: Argv<T>) {
  return cli.command(
    'history',
    'List the probes stored in the history database (newest first)',
    (y) =>
      y
        .option('account', { type: 'string', describe: 'Only this account (user@host, as `check` stores it)' })
        .option('history', { type: 'string', describe: 'History database (default $XDG_STATE_HOME/maildoctor/history.db)' })
        .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
        .example('$0 history', 'every probe stored, newest first')
        .example('$0 history --account alice@example.com@mail.example.com --format json', "one account's probes"),
    async (argv) => {
      const args = argv as unknown as { account?: string; history?: string | boolean; format: 'text' | 'json' };
      const path = historyPath(args) ?? defaultHistoryPath();
      // Listing never creates a database.
      let rows: ProbeRow[] = [];
      let known: string[] = [];
      if (historyFileExists(path)) {
        const { openHistory } = await loadStore();
        const store = openHistory(path);
        try {
          rows = store.listProbes(args.account);
          if (rows.length === 0 && args.account) known = [...new Set(store.listProbes().map((r) => r.account))].sort();
        } finally {
          store.close();
        }
      }
      if (args.format === 'json') {
        process.stdout.write(`${JSON.stringify({ schema: 'maildoctor/history@1', path, probes: rows }, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`No probes stored${args.account ? ` for ${args.account}` : ''} in ${path}\n`);
        if (args.account) {
          // The key is the user and the host check was given, joined by "@" (user@example.com@mail.example.com).
          process.stdout.write(
            `Accounts are stored as user@host: the user as given to check, "@", the IMAP host (the POP3 host with --only pop).${known.length ? ` Stored: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : ''}\n`,
          );
        }
        return;
      }
      for (const r of rows) {
        const inbox = r.inboxMessages === null ? 'INBOX -' : `INBOX ${count(r.inboxMessages)}`;
        process.stdout.write(`${r.takenAt}  ${r.status.padEnd(8)}  ${inbox.padEnd(14)}  ${quotaText(r).padEnd(28)}  ${r.account}\n`);
      }
    },
  );
}

export { HistoryError };
