import type { Argv } from 'yargs';
import { emitReport, withReportOptions, type ReportArgs } from './output.js';
import { earlierThan, historyOption, tellUnavailable } from './history.js';

export function registerAnalyze<T>(cli: Argv<T>) {
  return cli.command(
    'analyze <snapshot>',
    'Diagnose a saved snapshot offline (same report as the check that saved it)',
    (y) =>
      historyOption(
        withReportOptions(y).positional('snapshot', { type: 'string', demandOption: true, describe: 'Snapshot file from probe --out or check --save' }),
        'History database to find the probe before this one in (default as for check; read only)',
        'Do not look for an earlier probe: the snapshot alone',
      )
        .example('$0 analyze alice.json', 'the report of a saved snapshot, compared with the probe before it in the history')
        .example('$0 analyze alice.json --no-history --format markdown', 'the snapshot alone, for a ticket'),
    async (argv) => {
      const args = argv as unknown as ReportArgs & { snapshot: string; history?: string | boolean };
      const { loadSnapshot } = await import('../snapshot/io.js');
      const snapshot = await loadSnapshot(args.snapshot);
      const earlier = await earlierThan(snapshot, args);
      process.exitCode = tellUnavailable(earlier, await emitReport(snapshot, args, earlier), false);
    },
  );
}
