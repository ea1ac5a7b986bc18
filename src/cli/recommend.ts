import type { Argv } from 'yargs';
import type { CustomerAnswers } from '../report/index.js';
import { UsageError } from './errors.js';

const YES_NO = ['yes', 'no'] as const;
type YesNo = (typeof YES_NO)[number];

/** The customer's answers to the article's questions; shared by `recommend` and `check`. */
export function withAnswerOptions<T>(y: Argv<T>) {
  return y
    .option('devices', { type: 'number', describe: 'How many devices or programs read this mailbox', group: 'Customer answers:' })
    .option('offline', { choices: YES_NO, describe: 'Must mail be readable without internet access?', group: 'Customer answers:' })
    .option('local-storage-problem', { choices: YES_NO, describe: 'Is storage on the device short?', group: 'Customer answers:' })
    .option('backups-reliable', { choices: YES_NO, describe: 'Is the device backed up reliably?', group: 'Customer answers:' })
    .option('quota-concern', { choices: YES_NO, describe: 'Does the customer worry about the mailbox limit?', group: 'Customer answers:' })
    .check((argv) => {
      const d = argv.devices;
      if (d !== undefined && (!Number.isInteger(d) || d < 1 || d > 1000)) throw new UsageError(`--devices must be a whole number from 1, got ${d}`);
      return true;
    });
}

export interface AnswerArgs {
  devices?: number;
  offline?: YesNo;
  localStorageProblem?: YesNo;
  backupsReliable?: YesNo;
  quotaConcern?: YesNo;
}

const yn = (v: YesNo | undefined) => (v === undefined ? undefined : v === 'yes');

export function answersFrom(args: AnswerArgs): CustomerAnswers | null {
  const answers: CustomerAnswers = {
    devices: args.devices,
    offline: yn(args.offline),
    localStorageProblem: yn(args.localStorageProblem),
    backupsReliable: yn(args.backupsReliable),
    quotaConcern: yn(args.quotaConcern),
  };
  return Object.values(answers).some((v) => v !== undefined) ? answers : null;
}

export function registerRecommend<T>(cli: Argv<T>) {
  return cli.command(
    'recommend',
    'Which protocol suits the customer (IMAP or POP3), from their answers and, with --snapshot, what a probe measured',
    (y) =>
      withAnswerOptions(y)
        .option('snapshot', { type: 'string', describe: 'A saved snapshot whose measurements weigh in (quota, clients seen)' })
        .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
        .example('$0 recommend --devices 3 --offline no', 'several devices: IMAP')
        .example('$0 recommend --devices 1 --offline yes --snapshot acct.json', 'one offline laptop, with what the probe saw'),
    async (argv) => {
      const args = argv as unknown as AnswerArgs & { snapshot?: string; format: 'text' | 'json' };
      const [{ analyze }, { measuredFrom, recommend, renderRecommendation }] = await Promise.all([import('../analyzer/index.js'), import('../report/index.js')]);
      const { loadSnapshot } = await import('../snapshot/io.js');
      const snapshot = args.snapshot ? await loadSnapshot(args.snapshot) : null;
      const measured = snapshot ? measuredFrom(snapshot, analyze(snapshot)) : null;
      process.stdout.write(renderRecommendation(recommend(answersFrom(args) ?? {}, measured), args.format));
      process.exitCode = 0;
    },
  );
}
