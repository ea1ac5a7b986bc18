import type { Argv } from 'yargs';
import { resolveAccount, withAccountOptions, type RawAccountArgs } from './account.js';
import { emitReport, withReportOptions, type ReportArgs } from './output.js';
import { progressTo } from './progress.js';
import { EXIT } from './errors.js';
import { addLogEvidence, checkLogFiles, withLogOptions, type LogArgs } from './logs.js';
import { historyForCheck, tellUnavailable, withHistoryOptions, type HistoryArgs } from './history.js';
import { fileReason } from '../file-reason.js';
import { testLogLine } from '../report/test-log.js';
import type { TestLogEntry } from '../snapshot/trace.js';
import { mailHostLookup, serversFromAddress, withDiscoveryOptions, type DiscoveryArgs } from './discover.js';

interface CheckArgs extends RawAccountArgs, ReportArgs, HistoryArgs, LogArgs, DiscoveryArgs {
  save?: string;
  address?: string;
  quiet: boolean;
  verbose: boolean;
  includeLog: boolean;
  justLogin: boolean;
}

/**
 * Where the test log goes: each entry on stderr as it comes (--verbose), and into the report (--include-log).
 * Neither: no trace at all, so the probe resolves nothing extra.
 */
function testLogFor(args: CheckArgs): { trace?: (e: TestLogEntry) => void; entries?: TestLogEntry[] } {
  if (!args.verbose && !args.includeLog) return {};
  const entries: TestLogEntry[] = [];
  return {
    trace: (e) => {
      if (args.includeLog) entries.push(e);
      if (args.verbose) process.stderr.write(`${testLogLine(e)}\n`);
    },
    ...(args.includeLog ? { entries } : {}),
  };
}

export function registerCheck<T>(cli: Argv<T>) {
  return cli.command(
    'check [address]',
    'Probe the account over IMAP and POP3, diagnose it and print the report (the main job); from an address alone, find its servers first',
    (y) =>
      withDiscoveryOptions(withLogOptions(withHistoryOptions(withReportOptions(withAccountOptions(y)))))
        .positional('address', { type: 'string', describe: 'The email address: without --host its servers are discovered (see maildoctor discover)' })
        .option('save', { type: 'string', describe: 'Also save the snapshot to this file (analyze it later offline)' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' })
        .option('verbose', {
          type: 'boolean',
          default: false,
          describe:
            'Print the test log on stderr as it happens: resolve, connect, TLS, greeting, capabilities, login and each command with its time and outcome (never a secret). It takes the place of the progress lines, and --quiet does not silence it',
        })
        .option('include-log', {
          type: 'boolean',
          default: false,
          describe: 'Put the test log into the report: a last section in text, markdown and html, testLog in json, system-out in junit (nagios and openmetrics leave it out)',
        })
        .option('just-login', {
          type: 'boolean',
          default: false,
          describe:
            'Only connect, set up TLS and log in on both protocols, then log out ("is the password right?"): the mailbox is not read, the checks that need it are listed as not run, and the history is neither read nor written',
        })
        .example('MAILDOCTOR_PASSWORD=… $0 check --host mail.example.com --user alice@example.com', 'diagnose one account')
        .example('MAILDOCTOR_PASSWORD=… $0 check alice@example.com', 'find the servers from the address as mail clients do, then diagnose')
        .example('$0 check --host mail.example.com --user ci@example.com --password-file pw --format junit > maildoctor.xml', 'CI smoke check')
        .example('$0 check --host mail.example.com --user alice@example.com --format html > alice.html', 'one page for a ticket, with pictures of the history')
        .example('$0 check --host mail.example.com --user alice@example.com --just-login --verbose', 'is the password right? each step of both logins on stderr'),
    async (argv) => {
      const args = argv as unknown as CheckArgs;
      checkLogFiles(args); // a missing log stops here, before anything touches the network
      // History first: a database from a newer maildoctor stops here, before anything touches the network. A
      // login-only check reads no mailbox, so it has nothing to compare and must not be stored as if it had.
      const history = args.justLogin ? null : await historyForCheck(args);
      const found = await serversFromAddress(args, args.quiet);
      // A database that cannot be opened does not stop the probe: the report comes, then one line about it.
      const account = await resolveAccount(args, { history: history !== null && history.problem === null });
      if (history) account.known = history.known(account);
      if (args.justLogin) account.loginOnly = true;
      account.lookup = await mailHostLookup(args);
      // Loaded on demand: the connectors (imapflow and its dependencies) are most of the start-up time.
      const { probeAccount } = await import('../probe.js');
      const log = testLogFor(args);
      const snapshot = await probeAccount(account, { onProgress: progressTo(args.quiet || args.verbose), trace: log.trace });
      if (found) snapshot.discovery = found;
      await addLogEvidence(snapshot, args, args.quiet, history?.probeWindows(account.credentials.user) ?? []);
      const earlier = history?.earlier() ?? { previous: null, passedOver: [], history: [] };
      process.exitCode = tellUnavailable(earlier, await emitReport(snapshot, args, earlier, log.entries), true);
      history?.record(snapshot, process.exitCode);
      if (args.save) {
        // After the report: a --save that cannot be written must not cost the report. It is told on one line,
        // and the run is never OK (UNKNOWN when the report was OK, else the report's own status).
        try {
          // zod (validation of what is written) only for --save.
          const { saveSnapshot } = await import('../snapshot/io.js');
          await saveSnapshot(args.save, snapshot);
        } catch (e) {
          process.stderr.write(`maildoctor: the snapshot was not saved to ${args.save}: ${fileReason(e)}\n`);
          if (process.exitCode === EXIT.ok) process.exitCode = EXIT.unknown;
        }
      }
    },
  );
}
