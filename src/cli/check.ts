import type { Argv } from 'yargs';
import { saveSnapshot } from '../snapshot/io.js';
import { resolveAccount, withAccountOptions, type RawAccountArgs } from './account.js';
import { emitReport, withReportOptions, type ReportArgs } from './output.js';
import { progressTo } from './progress.js';

export function registerCheck<T>(cli: Argv<T>) {
  return cli.command(
    'check',
    'Probe the account over IMAP and POP3, diagnose it and print the report (the main job)',
    (y) =>
      withReportOptions(withAccountOptions(y))
        .option('save', { type: 'string', describe: 'Also save the snapshot to this file (analyze it later offline)' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' })
        .example('MAILDOCTOR_PASSWORD=… $0 check --host mail.example.com --user alice@example.com', 'diagnose one account')
        .example('$0 check --host mail.example.com --user ci@example.com --password-file pw --format junit > maildoctor.xml', 'CI smoke check'),
    async (argv) => {
      const args = argv as unknown as RawAccountArgs & ReportArgs & { save?: string; quiet: boolean };
      const account = await resolveAccount(args);
      // Loaded on demand: the connectors (imapflow and its dependencies) are most of the start-up time.
      const { probeAccount } = await import('../probe.js');
      const snapshot = await probeAccount(account, { onProgress: progressTo(args.quiet) });
      if (args.save) await saveSnapshot(args.save, snapshot);
      process.exitCode = emitReport(snapshot, args);
    },
  );
}
