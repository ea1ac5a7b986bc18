import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Argv } from 'yargs';
import type { AccountsFormat } from '../scan/accounts.js';
import type { ScanLine, ScanProgress } from '../scan/run.js';
import type { Shard } from '../scan/shard.js';
import { VERSION } from '../version.js';
import { checkSecretOptions, readCaFile, withAccountOptions, type RawAccountArgs } from './account.js';
import { discoveryOptions, discoveryPerDomain, mailHostLookup, withDiscoveryOptions, type DiscoveryArgs } from './discover.js';
import { EXIT, UsageError } from './errors.js';
import { historyForScan, withHistoryOptions, type HistoryArgs } from './history.js';
import { reportZone, ruleOptions } from './output.js';

interface ScanArgs extends RawAccountArgs, HistoryArgs, DiscoveryArgs {
  accounts: string;
  out?: string;
  concurrency: number;
  perHost: number;
  retries: number;
  retryDelay: number;
  shard?: string;
  resume: boolean;
  allowInlinePasswords: boolean;
  inputFormat?: AccountsFormat;
  quiet: boolean;
  quotaWarn: number;
  quotaCrit: number;
  format: 'jsonl' | 'text' | 'html';
  tz?: string;
}

const MAX_ERRORS_SHOWN = 20;
/** At most this much is read from stdin (`scan -`): some 100,000 accounts; a bigger list is a file. */
export const MAX_STDIN_BYTES = 8 * 1024 * 1024;
const MAX_STDIN_TEXT = `${MAX_STDIN_BYTES / 1024 / 1024} MiB`;

export function registerScan<T>(cli: Argv<T>) {
  return cli.command(
    'scan <accounts>',
    'Check many accounts (CSV or JSONL file): one report@1 JSON line (or table row) per account, a summary on stderr',
    (y) =>
      withDiscoveryOptions(withHistoryOptions(withAccountOptions(y)))
        .positional('accounts', { type: 'string', demandOption: true, describe: `Accounts file: CSV with a header row, or JSON Lines; "-" reads stdin (at most ${MAX_STDIN_TEXT}; relative password_file paths then resolve against the current folder, else against the file's folder)` })
        .hide('user')
        .option('out', { alias: 'o', type: 'string', describe: 'Write the results to this file (default stdout)', group: 'Scan:' })
        .option('format', {
          alias: 'f',
          choices: ['jsonl', 'text', 'html'] as const,
          default: 'jsonl' as const,
          describe:
            'jsonl: one report@1 JSON line per account; text: a table, one row per account (status, account, what was found); html: one self-contained page, the table linking to each account\'s findings and steps (written when the scan ends)',
          group: 'Scan:',
        })
        .option('tz', {
          type: 'string',
          describe: 'Time zone for the times in the words of the reports (IANA name, e.g. Europe/Berlin, or UTC; default the local zone). JSON time fields stay UTC',
          group: 'Report:',
        })
        .option('concurrency', { alias: 'c', type: 'number', default: 4, describe: 'Accounts probed at once (each uses one IMAP and one POP3 connection)', group: 'Scan:' })
        .option('per-host', { type: 'number', default: 0, describe: 'At most this many accounts at once per server host (0: only --concurrency)', group: 'Scan:' })
        .option('retries', { type: 'number', default: 2, describe: 'Retries of a protocol that answered [SYS/TEMP], [UNAVAILABLE] or [LOGIN-DELAY]', group: 'Scan:' })
        .option('retry-delay', { type: 'number', default: 2, describe: 'Seconds before the first retry; doubles each time', group: 'Scan:' })
        .option('shard', { type: 'string', describe: 'Scan only shard i of n (e.g. 2/8): a stable split by account key', group: 'Scan:' })
        .option('resume', { type: 'boolean', default: false, describe: 'Skip accounts already in --out, and append to it', group: 'Scan:' })
        .option('allow-inline-passwords', { type: 'boolean', default: false, describe: 'Accept a "password" column in the accounts file', group: 'Scan:' })
        .option('input-format', { choices: ['csv', 'jsonl'] as const, describe: 'Accounts file format (default: from the name, else sniffed)', group: 'Scan:' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress line and no summary on stderr', group: 'Scan:' })
        .option('quota-warn', { type: 'number', default: 80, describe: 'Quota use (percent) that gives a warning', group: 'Report:' })
        .option('quota-crit', { type: 'number', default: 95, describe: 'Quota use (percent) that is critical', group: 'Report:' })
        .example('MAILDOCTOR_PASSWORD=… $0 scan accounts.csv --host mail.example.com --out results.jsonl', 'one shared password')
        .example('$0 scan accounts.jsonl --out results.jsonl --shard 3/8 --resume', 'the third of eight CI jobs, resumable')
        .example('$0 scan accounts.csv --host mail.example.com --format text', 'a table to read: status, account, what was found')
        .example('$0 scan accounts.csv --host mail.example.com --format html --out fleet.html --tz Europe/Berlin', 'one page for people: the table, then each account'),
    async (argv) => {
      process.exitCode = await runScanCommand(argv as unknown as ScanArgs);
    },
  );
}

function writeLine(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      stream.off('drain', onDrain);
      reject(e);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

function progressLine(quiet: boolean): { update: (p: ScanProgress) => void; clear: () => void } {
  if (quiet || !process.stderr.isTTY) return { update: () => {}, clear: () => {} };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const t = Date.now();
      if (t - last < 100 && p.done < p.total) return;
      last = t;
      shown = true;
      const width = 24;
      const filled = p.total ? Math.round((p.done / p.total) * width) : width;
      const s = p.byStatus;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      const text = `${bar} ${p.done}/${p.total}  ok ${s.ok} · warning ${s.warning} · critical ${s.critical} · unknown ${s.unknown}  (${p.active} active${p.retrying ? `, ${p.retrying} waiting to retry` : ''}, ${Math.round((t - started) / 1000)} s)`;
      process.stderr.write(`\r\x1b[K${text.slice(0, (process.stderr.columns || 120) - 1)}`);
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}


/** The accounts file (or stdin) as text, or a one-line usage error. */
async function readAccountsText(path: string, fromStdin: boolean): Promise<string> {
  try {
    return fromStdin ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `accounts file not found: ${path}` : `cannot read accounts file ${path}: ${code ?? 'error'}`);
  }
}

export async function runScanCommand(args: ScanArgs): Promise<number> {
  // Loaded here, not at start-up: the scan modules bring the analyzer and the report builder along.
  const [{ formatFromName, formatRowError, parseAccounts }, { dropTornTail, readDone }, { countInto, emptyTotals, runScan }, { inShard, parseShard }, { renderSummary, worstExitCode }] =
    await Promise.all([
      import('../scan/accounts.js'),
      import('../scan/resume.js'),
      import('../scan/run.js'),
      import('../scan/shard.js'),
      import('../scan/summary.js'),
    ]);
  if (args.user) throw new UsageError('scan takes the users from the accounts file, not --user');
  for (const [name, v, min] of [
    ['--concurrency', args.concurrency, 1],
    ['--per-host', args.perHost, 0],
    ['--retries', args.retries, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > 10_000) throw new UsageError(`${name} must be a whole number from ${min} to 10000, got ${v}`);
  }
  if (!(args.retryDelay >= 0) || args.retryDelay > 3600) throw new UsageError(`--retry-delay must be between 0 and 3600 seconds, got ${args.retryDelay}`);
  if (!(args.timeout > 0) || args.timeout > 3600) throw new UsageError(`--timeout must be between 0 and 3600 seconds, got ${args.timeout}`);
  checkSecretOptions(args);
  const rules = ruleOptions({ quotaWarn: args.quotaWarn, quotaCrit: args.quotaCrit } as Parameters<typeof ruleOptions>[0]);
  let shard: Shard | null = null;
  if (args.shard !== undefined) {
    try {
      shard = parseShard(args.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (args.resume && !args.out) throw new UsageError('--resume needs --out FILE (the file an earlier run wrote)');
  if (args.resume && args.format !== 'jsonl') throw new UsageError('--resume reads the JSON lines of an earlier run: it needs --format jsonl');
  for (const [flag, port] of [['--imap-port', args.imapPort], ['--pop-port', args.popPort]] as const) {
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new UsageError(`${flag} must be a port number (1-65535), got ${port}`);
  }
  const timeZone = reportZone(args);
  const ca = args.ca ? await readCaFile(args.ca) : undefined;
  // Rows without host columns, and no --host: their servers come from their addresses, once per domain.
  const discover = args.host || args.imapHost || args.popHost ? undefined : discoveryPerDomain(await discoveryOptions(args, { ca }));
  const lookup = await mailHostLookup(args);

  // The accounts file: every bad row is reported (one line each, with its line number) before anything runs.
  // yargs hands a lone "-" positional over as "" (it reads it as a flag with no name): that is stdin too.
  const fromStdin = args.accounts === '-' || (args.accounts === '' && process.argv.slice(2).includes('-'));
  // The text is not kept: once parsed, a large accounts file is garbage.
  const parsed = parseAccounts(await readAccountsText(args.accounts, fromStdin), {
    format: args.inputFormat ?? (fromStdin ? undefined : (formatFromName(args.accounts) ?? undefined)),
    allowInlinePasswords: args.allowInlinePasswords,
  });
  if (parsed.errors.length) {
    const name = fromStdin ? '<stdin>' : args.accounts;
    for (const e of parsed.errors.slice(0, MAX_ERRORS_SHOWN)) process.stderr.write(`maildoctor: ${formatRowError(name, e)}\n`);
    if (parsed.errors.length > MAX_ERRORS_SHOWN) process.stderr.write(`maildoctor: … and ${parsed.errors.length - MAX_ERRORS_SHOWN} more bad rows\n`);
    process.stderr.write(`maildoctor: ${parsed.errors.length} bad row${parsed.errors.length === 1 ? '' : 's'} in ${name}; nothing was scanned\n`);
    return EXIT.unknown;
  }

  const inShardRows = parsed.rows.filter((r) => inShard(r.key, shard));
  const totals = emptyTotals();
  let resumed = 0;
  let rows = inShardRows;
  if (args.resume && args.out && existsSync(args.out)) {
    dropTornTail(args.out);
    const wanted = new Set(inShardRows.map((r) => r.key));
    const done = new Set<string>();
    for await (const d of readDone(args.out)) {
      if (!wanted.has(d.key) || done.has(d.key)) continue;
      done.add(d.key);
      countInto(totals, d.status, d.findingIds);
      resumed++;
    }
    rows = inShardRows.filter((r) => !done.has(r.key));
  }

  let out: WriteStream | NodeJS.WriteStream;
  if (args.out) {
    const stream = createWriteStream(args.out, { flags: args.resume ? 'a' : 'w', mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e: NodeJS.ErrnoException) => reject(new UsageError(`cannot write --out file ${args.out}: ${e.code ?? e.message}`)));
    });
    out = stream;
  } else {
    out = process.stdout;
  }

  // Each account against its own previous probe, as check does: a daily scan finds the mail that vanished since.
  const history = await historyForScan(args);
  if (history?.problem) process.stderr.write(`maildoctor: ${history.problem}; no account is compared with earlier probes or stored\n`);
  const { keyWidth, tableHeader, tableRow } = await import('../scan/table.js');
  const width = keyWidth(rows.map((r) => r.key));
  if (args.format === 'text') await writeLine(out, tableHeader(width));
  // html: each account's section is rendered as its line is made; the page is written when the scan ends.
  const { fleetAccount, renderFleetHtml } = args.format === 'html' ? await import('../report/render-fleet-html.js') : { fleetAccount: null, renderFleetHtml: null };
  const fleet: ReturnType<NonNullable<typeof fleetAccount>>[] = [];
  const scanStarted = new Date();
  const progress = progressLine(args.quiet);
  const started = Date.now();
  const scanTotals = await runScan(rows, {
    defaults: {
      host: args.host,
      imapHost: args.imapHost,
      popHost: args.popHost,
      imapPort: args.imapPort,
      popPort: args.popPort,
      imapTls: args.imapTls,
      popTls: args.popTls,
      only: args.only,
      passwordFile: args.passwordFile,
      oauth2TokenFile: args.oauth2TokenFile,
      oauth2TokenCommand: args.oauth2TokenCommand,
      oauth2Mechanism: args.oauth2Mechanism,
      ...(args.authUser !== undefined ? { authUser: args.authUser } : {}),
      ...(args.masterSeparator !== undefined ? { masterSeparator: args.masterSeparator } : {}),
      ca,
      insecure: args.insecure,
      allowPlaintext: args.allowPlaintext,
      timeoutMs: Math.round(args.timeout * 1000),
      ...(args.fullPopListing ? { fullPopListing: true } : {}),
      ...(lookup ? { lookup } : {}),
    },
    ...(discover ? { discover } : {}),
    concurrency: args.concurrency,
    perHost: args.perHost,
    retries: args.retries,
    retryDelayMs: Math.round(args.retryDelay * 1000),
    baseDir: fromStdin ? process.cwd() : dirname(resolvePath(args.accounts)),
    env: process.env,
    ruleOptions: rules,
    toolVersion: VERSION,
    ...(history ? { history: history.history } : {}),
    timeZone,
    onResult: (line: ScanLine, report) => {
      if (fleetAccount) {
        fleet.push(fleetAccount(report, line.scan.key, line.scan.error ?? null, fleet.length + 1));
        return;
      }
      if (args.format !== 'text') return writeLine(out, `${JSON.stringify(line)}\n`);
      progress.clear(); // the row and the progress bar may share a terminal
      return writeLine(out, tableRow(line, width));
    },
    onTick: (p) => progress.update({ ...p, total: p.total + resumed, done: p.done + resumed, byStatus: addStatus(p.byStatus, totals.byStatus) }),
  }).finally(() => history?.close());
  if (renderFleetHtml) await writeLine(out, renderFleetHtml(fleet, { startedAt: scanStarted.toISOString(), timeZone, version: VERSION }));
  if (out !== process.stdout) await new Promise<void>((resolve, reject) => (out as WriteStream).end((e?: Error | null) => (e ? reject(e) : resolve())));
  progress.clear();

  for (const s of Object.keys(totals.byStatus) as (keyof typeof totals.byStatus)[]) totals.byStatus[s] += scanTotals.byStatus[s];
  for (const [id, n] of scanTotals.findings) totals.findings.set(id, (totals.findings.get(id) ?? 0) + n);
  totals.accounts += scanTotals.accounts;
  totals.retries += scanTotals.retries;
  if (!args.quiet) {
    process.stderr.write(
      renderSummary(totals, { seconds: (Date.now() - started) / 1000, resumed, skippedByShard: parsed.rows.length - inShardRows.length }),
    );
  }
  return worstExitCode(totals);
}

function addStatus<T extends Record<string, number>>(a: T, b: T): T {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof T)[]) (out[k] as number) = (out[k] as number) + (b[k] as number);
  return out;
}

/** The whole of stdin, or a UsageError as soon as it passes MAX_STDIN_BYTES (the rest is never read). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > MAX_STDIN_BYTES) {
      process.stdin.destroy();
      throw new UsageError(`the accounts on stdin are more than ${MAX_STDIN_TEXT}: give them as a file (scan FILE)`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
