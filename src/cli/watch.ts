// `maildoctor watch`: repeated light probes of one account, a live line per probe on stderr, and at the end
// the usual report of the last probe against the first plus a watch summary (and, with --canary, what
// happened to one test message). Wiring only: the loop lives in src/watch/, the canary in src/canary/.
// The options and their checks live here; the run itself (watch-run.ts) is loaded only when watch runs.
import type { Argv } from 'yargs';
import { parseDuration } from '../watch/duration.js';
import { withAccountOptions } from './account.js';
import { withDiscoveryOptions } from './discover.js';
import { UsageError } from './errors.js';
import { withReportOptions } from './output.js';
import type { WatchArgs } from './watch-run.js';

export const MIN_EVERY_MS = 5000;

/** --every and --for in milliseconds, or a UsageError with one line. */
export function watchDurations(args: { every: string; for: string }): { everyMs: number; forMs: number } {
  const everyMs = parseDuration(String(args.every));
  const forMs = parseDuration(String(args.for));
  if (everyMs === null) throw new UsageError(`--every must be a duration such as 30s, 5m or 1h, got "${args.every}"`);
  if (forMs === null) throw new UsageError(`--for must be a duration such as 30s, 5m or 1h, got "${args.for}"`);
  if (everyMs < MIN_EVERY_MS) throw new UsageError(`--every must be at least 5s (each probe logs in over IMAP and POP3), got ${args.every}`);
  if (forMs < everyMs) throw new UsageError(`--for (${args.for}) must be at least --every (${args.every})`);
  return { everyMs, forMs };
}

export function withWatchOptions<T>(y: Argv<T>) {
  return y
    .option('every', { type: 'string', default: '60s', describe: 'Time between probes (30s, 5m, 1h; at least 5s)', group: 'Watch:' })
    .option('for', { type: 'string', default: '30m', describe: 'How long to watch (at least --every)', group: 'Watch:' })
    .option('canary', {
      type: 'boolean',
      default: false,
      describe:
        "Write one marked test message to INBOX, follow it over IMAP and POP3, remove it at the end (the only mode that writes); with --auth-user the admin's login writes and removes it in --user's INBOX",
      group: 'Watch:',
    })
    .option('progress', { type: 'boolean', default: false, describe: 'A line per probe on stderr even when it is not a terminal', group: 'Watch:' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No lines per probe on stderr', group: 'Watch:' })
    .check((argv) => {
      const a = argv as unknown as WatchArgs;
      watchDurations(a);
      if (a.canary && a.only === 'pop') throw new UsageError('--canary needs IMAP (it writes and follows the canary over IMAP): drop --only pop');
      return true;
    });
}

export function registerWatch<T>(cli: Argv<T>) {
  return cli.command(
    'watch [address]',
    'Probe the account repeatedly (--every, --for), show what arrives and vanishes, and report at the end; from an address alone, find its servers first',
    (y) =>
      withDiscoveryOptions(withWatchOptions(withReportOptions(withAccountOptions(y))))
        .positional('address', { type: 'string', describe: 'The email address: without --host its servers are discovered once, before the first probe (see maildoctor discover)' })
        .example('$0 watch --host mail.example.com --user alice@example.com --every 60s --for 30m', 'catch a POP device deleting mail')
        .example('$0 watch alice@example.com --every 60s --for 30m', 'the same, the servers found from the address as mail clients do')
        .example('$0 watch --host mail.example.com --user ci@example.com --every 10s --for 2m --canary --format json', 'CI smoke check with a test message'),
    async (argv) => {
      const args = argv as unknown as WatchArgs;
      const { runWatchCommand } = await import('./watch-run.js');
      await runWatchCommand(args, watchDurations(args));
    },
  );
}
