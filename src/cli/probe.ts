import type { Argv } from 'yargs';
import { resolveAccount, withAccountOptions, type RawAccountArgs } from './account.js';
import { EXIT } from './errors.js';
import { progressTo } from './progress.js';
import { fileReason } from '../file-reason.js';
import { mailHostLookup, serversFromAddress, withDiscoveryOptions, type DiscoveryArgs } from './discover.js';

export function registerProbe<T>(cli: Argv<T>) {
  return cli.command(
    'probe [address]',
    'Probe the account and write what the server shows as a snapshot (JSON), without diagnosing; from an address alone, find its servers first',
    (y) =>
      withDiscoveryOptions(withAccountOptions(y))
        .positional('address', { type: 'string', describe: 'The email address: without --host its servers are discovered (see maildoctor discover)' })
        .option('out', { alias: 'o', type: 'string', describe: 'Write the snapshot to this file (default: stdout)' })
        .option('message-list', {
          type: 'boolean',
          default: false,
          describe: 'Also record per-message identity of INBOX (UID, size, date, hash of Message-ID; never subjects or bodies)',
        })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' })
        .example('MAILDOCTOR_PASSWORD=… $0 probe --host mail.example.com --user alice@example.com --out alice.json', 'save what the server shows')
        .example('$0 analyze alice.json', 'then diagnose it, here or on another machine'),
    async (argv) => {
      const args = argv as unknown as RawAccountArgs & DiscoveryArgs & { out?: string; quiet: boolean; messageList: boolean; address?: string };
      const found = await serversFromAddress(args, args.quiet);
      const account = await resolveAccount(args, { history: args.messageList });
      account.lookup = await mailHostLookup(args);
      // Loaded on demand: the connectors (imapflow and its dependencies) are most of the start-up time.
      const { probeAccount } = await import('../probe.js');
      const snapshot = await probeAccount(account, { onProgress: progressTo(args.quiet) });
      if (found) snapshot.discovery = found;
      const { saveSnapshot, serializeSnapshot } = await import('../snapshot/io.js');
      let notWritten: string | null = null;
      if (args.out) {
        try {
          await saveSnapshot(args.out, snapshot);
        } catch (e) {
          if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e; // not the file system's: a bug
          notWritten = `the snapshot was not written to ${args.out}: ${fileReason(e)}`;
        }
      } else process.stdout.write(serializeSnapshot(snapshot));
      // A probe that observed nothing at all is UNKNOWN; otherwise the snapshot was written and that is OK.
      const results = [snapshot.imap, snapshot.pop].filter((r) => r !== null);
      process.exitCode = results.some((r) => r.ok) ? EXIT.ok : EXIT.unknown;
      for (const r of results) {
        if (!r.ok) process.stderr.write(`maildoctor: ${r.error.message}\n`);
      }
      // The snapshot is all this command makes: without it the run is UNKNOWN, told on one line.
      if (notWritten) {
        process.stderr.write(`maildoctor: ${notWritten}\n`);
        process.exitCode = EXIT.unknown;
      }
    },
  );
}
