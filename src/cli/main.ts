#!/usr/bin/env node
// yargs wiring only: parse → run → render → exit code. Each command lives in its own file.
// Start-up time counts (every `check` pays it): what is imported here statically must stay light (yargs, the
// option builders). Each command loads what its handler needs (imapflow, zod, SQLite, the analyzer) with
// import() when it runs, so `--help`, `--version` and the other commands never load it.
import { list } from '../report/format.js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { VERSION } from '../version.js';
import { EXIT, UsageError } from './errors.js';
import { registerCheck } from './check.js';
import { registerProbe } from './probe.js';
import { registerAnalyze } from './analyze.js';
import { registerRecommend } from './recommend.js';
import { registerLogs } from './logs.js';
import { registerHistory } from './history.js';
import { HistoryError } from '../history/errors.js';
import { registerScan } from './scan.js';
import { registerWatch } from './watch.js';
import { registerDiscover } from './discover.js';
import { registerToken } from './token.js';
import { SnapshotFileError } from '../snapshot/errors.js';

function fail(message: string, code: number): never {
  // One line, whatever the message: yargs puts some of its own on several.
  const line = message.replace(/:\s*\n\s*/g, ': ').replace(/\s*\n\s*/g, '; ');
  process.stderr.write(`maildoctor: ${line}\n`);
  process.exit(code);
}

/**
 * Right after it starts a command's handler, yargs lays out the whole help text of that command and keeps it,
 * to show it should the command fail later. Our .fail() never shows help, so that text is never used, and laying
 * it out (string widths of every option line) costs ~0.1 s of CPU on every run, before the handler's first await
 * gets going. Skip it. The hook is yargs-internal (18.x): if it is not there, nothing changes but the speed.
 */
function skipHelpCache(cli: unknown): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (cli as Internal).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/**
 * Every option is single-valued unless it is declared as an array: a repeat (`--imap-tls implicit --imap-tls
 * implicit`) would otherwise become an array that slips past `choices` and reaches the connectors. Runs before
 * validation over whatever options the running command defines, so a new option is covered without code.
 */
export function rejectRepeats(argv: Record<string, unknown>, y: unknown): void {
  const opts = (y as { getOptions?: () => { array?: string[] } }).getOptions?.() ?? {};
  const arrays = new Set(opts.array ?? []);
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || !Array.isArray(value) || key.includes('-') || key.length === 1) continue; // each alias/kebab twin once, by its camelCase key
    const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (arrays.has(key) || arrays.has(flag)) continue;
    throw new UsageError(`--${flag} was given ${value.length} times: give it once`);
  }
}

/** After yargs' own validation: the TLS modes are known ones, whatever got past `choices` (fail closed). */
export function checkTransports(argv: Record<string, unknown>): void {
  for (const k of ['imapTls', 'popTls']) {
    const v = argv[k];
    if (v !== undefined && v !== 'implicit' && v !== 'starttls' && v !== 'none') {
      throw new UsageError(`--${k === 'imapTls' ? 'imap' : 'pop'}-tls must be implicit, starttls or none`);
    }
  }
}

/** Every command, in the order of the help. */
const COMMANDS = ['check', 'probe', 'discover', 'analyze', 'history', 'recommend', 'logs', 'scan', 'watch', 'token'] as const;

/** Where a usage error sends the reader: the command's own help when a command was given. */
export function helpFor(argv: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  return command && (COMMANDS as readonly string[]).includes(command) ? `maildoctor ${command} --help` : 'maildoctor --help';
}

export async function main(argv: string[]): Promise<void> {
  let cli = yargs(argv)
    .middleware(rejectRepeats as never, true)
    .middleware(checkTransports as never, false)
    .scriptName('maildoctor')
    .usage('$0 <command> [options]\n\nFinds out why mail goes missing from an account: reads it over IMAP and POP3 and explains what it sees.')
    .version(VERSION)
    .strict()
    .demandCommand(1, `say which command: ${list(COMMANDS, 'or')}`)
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (usage or internal error). Docs: README.md')
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err;
      throw new UsageError(`${err?.message ?? msg} (see ${helpFor(argv)})`);
    });
  cli = registerCheck(cli);
  cli = registerProbe(cli);
  cli = registerDiscover(cli);
  cli = registerAnalyze(cli);
  cli = registerHistory(cli);
  cli = registerRecommend(cli);
  cli = registerLogs(cli);
  cli = registerScan(cli);
  cli = registerWatch(cli);
  cli = registerToken(cli);
  skipHelpCache(cli);
  await cli.parseAsync();
}

// A closed stdout (`maildoctor history | head -1`) ends the run quietly, whatever the command was writing.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

/** --format as the command line gives it, even when parsing failed (`--format X`, `--format=X`, `-f X`, `-fX`). */
export function peekFormat(argv: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--format' || a === '-f') found = argv[i + 1];
    else if (a.startsWith('--format=')) found = a.slice('--format='.length);
    else if (/^-f[^-=]/.test(a)) found = a.slice(2);
    else if (a.startsWith('-f=')) found = a.slice(3);
  }
  return found;
}

/** For machine formats, a usage error still leaves a document on stdout: nagios' UNKNOWN line, a JUnit error, status 3. */
async function usageOnStdout(message: string): Promise<void> {
  const format = peekFormat(hideBin(process.argv));
  const line = message.replace(/\s*\n\s*/g, '; ');
  if (format === 'nagios') process.stdout.write(`MAILDOCTOR UNKNOWN - ${line}\n`);
  else if (format === 'openmetrics') {
    // A textfile collector reads whatever the file holds: UNKNOWN, not an empty file that drops the metrics.
    process.stdout.write('# TYPE maildoctor_status gauge\n# HELP maildoctor_status Result of the check: 0 ok, 1 warning, 2 critical, 3 unknown (the exit code).\nmaildoctor_status 3\n# EOF\n');
  }
  else if (format === 'junit') {
    const { xml } = await import('../report/render-junit.js');
    process.stdout.write(
      `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="maildoctor" tests="1" failures="0" errors="1">\n` +
        `  <testsuite name="maildoctor" tests="1" failures="0" errors="1" skipped="0">\n` +
        `    <testcase classname="maildoctor" name="usage" time="0">\n      <error message="${xml(line)}" type="usage">${xml(line)}</error>\n    </testcase>\n` +
        `  </testsuite>\n</testsuites>\n`,
    );
  }
}

main(hideBin(process.argv)).catch(async (err: unknown) => {
  if (err instanceof UsageError || err instanceof SnapshotFileError || err instanceof HistoryError) {
    try {
      await usageOnStdout(err.message);
    } catch {
      // the stderr line below still tells it
    }
    fail(err.message, EXIT.unknown);
  }
  const e = err as Error;
  fail(`internal error: ${e?.message ?? String(err)} (this is a bug in maildoctor ${VERSION}; please report it)`, EXIT.unknown);
});
