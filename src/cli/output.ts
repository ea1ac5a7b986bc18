// From a snapshot to what stdout shows, and the exit code: shared by `check` and `analyze`.
import type { Argv } from 'yargs';
import type { ReportFormat } from '../report/types.js';
import type { Snapshot } from '../snapshot/schema.js';
import type { TestLogEntry } from '../snapshot/trace.js';
import { knownTimeZone } from '../report/format.js';
import { VERSION } from '../version.js';
import { answersFrom, withAnswerOptions, type AnswerArgs } from './recommend.js';
import { UsageError } from './errors.js';
import type { Earlier } from './history.js';

export const FORMATS = ['text', 'json', 'markdown', 'junit', 'nagios', 'openmetrics', 'html'] as const;

export function withReportOptions<T>(y: Argv<T>) {
  return withAnswerOptions(y)
    .option('format', { alias: 'f', choices: FORMATS, default: 'text', describe: 'Report format', group: 'Report:' })
    .option('quota-warn', { type: 'number', default: 80, describe: 'Quota use (percent) that gives a warning', group: 'Report:' })
    .option('quota-crit', { type: 'number', default: 95, describe: 'Quota use (percent) that is critical', group: 'Report:' })
    .option('tz', {
      type: 'string',
      describe: 'Time zone for the times in the words of the report (IANA name, e.g. Europe/Berlin, or UTC; default the local zone). JSON time fields stay UTC',
      group: 'Report:',
    })
    .check((argv) => {
      ruleOptions(argv as unknown as ReportArgs); // throws a UsageError before anything is probed or read
      reportZone(argv);
      return true;
    });
}

/** The zone the report's words use: --tz, else this machine's zone. An unknown name is a usage error. */
export function reportZone(args: Pick<ReportArgs, 'tz'>): string {
  if (args.tz === undefined) return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (!knownTimeZone(args.tz)) throw new UsageError(`--tz ${args.tz}: not a time zone (use an IANA name such as Europe/Berlin, or UTC)`);
  return args.tz;
}

export interface ReportArgs extends AnswerArgs {
  format: ReportFormat;
  quotaWarn: number;
  quotaCrit: number;
  tz?: string;
}

/** Colour only on a terminal, never with NO_COLOR set (https://no-color.org), never for machine formats. */
export function useColor(format: ReportFormat): boolean {
  return format === 'text' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

export function ruleOptions(args: ReportArgs) {
  const { quotaWarn, quotaCrit } = args;
  if (!(quotaWarn > 0 && quotaWarn <= 100) || !(quotaCrit > 0 && quotaCrit <= 100)) {
    throw new UsageError('--quota-warn and --quota-crit are percentages between 1 and 100');
  }
  if (quotaWarn > quotaCrit) throw new UsageError(`--quota-warn (${quotaWarn}) must not be above --quota-crit (${quotaCrit})`);
  return { 'quota-near-limit': { warnRatio: quotaWarn / 100, critRatio: quotaCrit / 100 } };
}

/** Analyze, render to stdout, and return the exit code the report calls for. `testLog`: check --include-log. */
export async function emitReport(snapshot: Snapshot, args: ReportArgs, earlier: Partial<Earlier> = {}, testLog?: readonly TestLogEntry[]): Promise<number> {
  // The analyzer and the renderers by their own modules: report/index.js would bring zod (ReportSchema) along.
  const [{ analyze }, { buildReport, exitCode }, { render }] = await Promise.all([
    import('../analyzer/run.js'),
    import('../report/build.js'),
    import('../report/render.js'),
  ]);
  const analysis = analyze(snapshot, {
    options: ruleOptions(args),
    previous: earlier.previous ?? null,
    passedOver: earlier.passedOver ?? [],
    history: earlier.history ?? [],
    // No earlier probe because the history could not be read, not because this is a first check: the rules that
    // compare probes say that (a gap in the evidence, never the expected wait for a second check).
    ...(earlier.unavailable ? { previousUnavailable: `no earlier probe could be read: ${earlier.unavailable}` } : {}),
  });
  // With the customer's answers (--devices, --offline, …) the report adds the article's protocol recommendation.
  const report = buildReport(snapshot, analysis, { toolVersion: VERSION, answers: answersFrom(args), timeZone: reportZone(args),
    // The HTML report draws and tabulates more than the findings: the servers, folders, quota, earlier probes.
    ...(args.format === 'html' ? { details: true, history: earlier.history ?? [] } : {}),
    ...(testLog ? { testLog } : {}),
  });
  const out = render(report, args.format, { color: useColor(args.format) });
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  return exitCode(report.status);
}
