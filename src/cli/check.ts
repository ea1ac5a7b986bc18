import type { Argv } from 'yargs';
import { resolveAccount, withAccountOptions, type RawAccountArgs } from './account.js';
import { emitReport, withReportOptions, type ReportArgs } from './output.js';
import { progressTo } from './progress.js';
import { EXIT } from './errors.js';
import { addLogEvidence, checkLogFiles, withLogOptions, type LogArgs } from './logs.js';
import { historyForCheck, tellUnavailable, withHistoryOptions, type HistoryArgs } from './history.js';
import { fileReason } from '../file-reason.js';
import { serversFromAddress, withDiscoveryOptions, type DiscoveryArgs } from './discover.js';

export function registerCheck<T>(cli: Argv<T>) {
  return cli.command(
    'check [address]',
    'Probe the account over IMAP and POP3, diagnose it and print the report (the main job); from an address alone, find its servers first',
    (y) =>
      withDiscoveryOptions(withLogOptions(withHistoryOptions(withReportOptions(withAccountOptions(y)))))
        .positional('address', { type: 'string', describe: 'The email address: without --host its servers are discovered (see maildoctor discover)' })
        .option('save', { type: 'string', describe: 'Also save the snapshot to this file (analyze it later offline)' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' })
        .example('MAILDOCTOR_PASSWORD=… $0 check --host mail.example.com --user alice@example.com', 'diagnose one account')
        .example('MAILDOCTOR_PASSWORD=… $0 check alice@example.com', 'find the servers from the address as mail clients do, then diagnose')
        .example('$0 check --host mail.example.com --user ci@example.com --password-file pw --format junit > maildoctor.xml', 'CI smoke check')
        .example('$0 check --host mail.example.com --user alice@example.com --format html > alice.html', 'one page for a ticket, with pictures of the history'),
    async (argv) => {
      const args = argv as unknown as RawAccountArgs & ReportArgs & HistoryArgs & LogArgs & DiscoveryArgs & { save?: string; quiet: boolean; address?: string };
      checkLogFiles(args); // a missing log stops here, before anything touches the network
      // History first: a database from a newer maildoctor stops here, before anything touches the network.
      const history = await historyForCheck(args);
      const found = await serversFromAddress(args, args.quiet);
      // A database that cannot be opened does not stop the probe: the report comes, then one line about it.
      const account = await resolveAccount(args, { history: history !== null && history.problem === null });
      if (history) account.known = history.known(account);
      // Loaded on demand: the connectors (imapflow and its dependencies) are most of the start-up time.
      const { probeAccount } = await import('../probe.js');
      const snapshot = await probeAccount(account, { onProgress: progressTo(args.quiet) });
      if (found) snapshot.discovery = found;
      await addLogEvidence(snapshot, args, args.quiet, history?.probeWindows(account.credentials.user) ?? []);
      const earlier = history?.earlier() ?? { previous: null, passedOver: [], history: [] };
      process.exitCode = tellUnavailable(earlier, await emitReport(snapshot, args, earlier), true);
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
