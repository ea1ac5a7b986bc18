import type { Argv } from 'yargs';
import { loadSnapshot } from '../snapshot/io.js';
import { emitReport, withReportOptions, type ReportArgs } from './output.js';

export function registerAnalyze<T>(cli: Argv<T>) {
  return cli.command(
    'analyze <snapshot>',
    'Diagnose a saved snapshot offline (same report as the check that saved it)',
    (y) =>
      withReportOptions(y).positional('snapshot', { type: 'string', demandOption: true, describe: 'Snapshot file from probe --out or check --save' }),
    async (argv) => {
      const args = argv as unknown as ReportArgs & { snapshot: string };
      const snapshot = await loadSnapshot(args.snapshot);
      process.exitCode = emitReport(snapshot, args);
    },
  );
}
