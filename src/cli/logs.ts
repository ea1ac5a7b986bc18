// `maildoctor logs FILE... --user U`: what the server's own logs say about one account; and the --log options
// that `check` shares (the evidence then goes into the snapshot for the rules).
import { statSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { LogEvidence, Snapshot } from '../snapshot/schema.js';
import { bytes, count, downloadedBytes, duration, list, percent, plural } from '../report/format.js';
import { renderTimelineText } from '../report/render-timeline.js';
import { DEFAULT_TOP, type TimelineOptions } from '../connectors/log/timeline.js';
import { UsageError } from './errors.js';
import { historyOption, storedProbeWindows } from './history.js';

export interface LogArgs {
  log?: string[];
  logAlias?: string[];
  logMatchLocalPart: boolean;
  dovecotVersion?: '2.3' | '2.4';
  timelineBucket?: 'hour' | 'day';
  timelineTop?: number;
}

const GROUP = 'Server logs:';

/** --log-alias, --log-match-local-part, --dovecot-version (shared by `check --log` and `logs`). */
function withLogMatchOptions<T>(y: Argv<T>) {
  return y
    .option('log-alias', { type: 'string', array: true, describe: 'Other names the account has in the log (aliases, LMTP recipient addresses)', group: GROUP })
    .option('log-match-local-part', {
      type: 'boolean',
      default: false,
      describe: 'Also match the user under any domain (alice matches alice@example.com); a bare alice always matches alice@example.com',
      group: GROUP,
    })
    .option('dovecot-version', { choices: ['2.3', '2.4'] as const, describe: 'Read POP3 logout lines as this version (default: told apart from the numbers)', group: GROUP })
    .option('timeline-bucket', { choices: ['hour', 'day'] as const, describe: 'Device timeline by hour or by day (default: hours for a log of up to 3 days, else days)', group: GROUP })
    .option('timeline-top', { type: 'number', describe: `Devices shown in the device timeline at most, the most active first (default ${DEFAULT_TOP}; the rest are summed)`, group: GROUP });
}

/** The timeline options, checked: a whole number of devices from 1 on. */
function timelineOptions(args: LogArgs): TimelineOptions {
  const top = args.timelineTop;
  if (top !== undefined && !(Number.isInteger(top) && top >= 1 && top <= 1000)) throw new UsageError('--timeline-top must be a whole number from 1 to 1000');
  return { ...(args.timelineBucket ? { bucket: args.timelineBucket } : {}), ...(top !== undefined ? { top } : {}) };
}

/** --timeline-bucket and --timeline-top mean nothing without a timeline: an error, not a silent no-op. */
function ensureTimelineAsked(args: LogArgs, asked: boolean, need: string): void {
  if (asked) return;
  const given = [args.timelineBucket !== undefined ? '--timeline-bucket' : '', args.timelineTop !== undefined ? '--timeline-top' : ''].filter(Boolean);
  if (given.length) throw new UsageError(`${given.join(' and ')} need${given.length === 1 ? 's' : ''} ${need}`);
}

export function withLogOptions<T>(y: Argv<T>) {
  return withLogMatchOptions(y).option('log', {
    type: 'string',
    array: true,
    describe: 'Server log files (Dovecot, Cyrus, Courier; plain or gzip) to read for this account: POP3 deletions, devices, quota refusals',
    group: GROUP,
  });
}

function ensureReadable(files: string[]): void {
  for (const f of files) {
    let ok: boolean;
    try {
      ok = statSync(f).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`cannot read log ${f}: no such file`);
  }
}

async function readLogs(files: string[], user: string, args: LogArgs, until?: Date, ownSessions: [number, number][] = [], timeline?: TimelineOptions): Promise<LogEvidence> {
  const { parseLogs, LogFileError } = await import('../connectors/log/index.js');
  try {
    return await parseLogs(files, {
      user,
      aliases: args.logAlias ?? [],
      matchLocalPart: args.logMatchLocalPart,
      ...(until ? { until } : {}),
      ownSessions,
      ...(args.dovecotVersion ? { dovecotVersion: args.dovecotVersion } : {}),
      autoAddress: true,
      ...(timeline ? { timeline } : {}),
    });
  } catch (err) {
    if (err instanceof LogFileError) throw new UsageError(err.message);
    throw err;
  }
}

function notFoundNote(e: LogEvidence): string {
  return `the log${e.files.length > 1 ? 's' : ''} (${plural(e.lines.total, 'line')}) ${e.files.length > 1 ? 'do' : 'does'} not mention ${e.user}: nothing to learn about this account there (another server's log, an older rotation, or try --log-match-local-part / --log-alias)`;
}

/** For check: validate the files before probing. */
export function checkLogFiles(args: LogArgs): void {
  ensureTimelineAsked(args, (args.log?.length ?? 0) > 0, '--log');
  timelineOptions(args);
  if (args.log?.length) ensureReadable(args.log);
}

/**
 * For check: read the logs after the probe, leaving out what happened from the probe's start on (its own
 * logins would otherwise count as a device). Writes a note to stderr when the log does not mention the user.
 */
export async function addLogEvidence(snapshot: Snapshot, args: LogArgs, quiet: boolean, ownSessions: [number, number][] = []): Promise<void> {
  if (!args.log?.length) return;
  const startSecond = new Date(Math.floor(Date.parse(snapshot.takenAt) / 1000) * 1000);
  const e = await readLogs(args.log, snapshot.account.user, args, startSecond, ownSessions, timelineOptions(args));
  snapshot.logs = e;
  if (e.namesSeen.length === 0 && !quiet) process.stderr.write(`maildoctor: note: ${notFoundNote(e)}\n`);
  const names = identityNote(e);
  // An ambiguous name leaves lines of the account out: told even with --quiet; an adopted one is a remark.
  if (names && (e.identity?.match === 'ambiguous' || !quiet)) process.stderr.write(`maildoctor: note: ${names}\n`);
  // Evidence that is missing is told even with --quiet: those lines may have held what the report lacks.
  if (e.lines.unparseable > 0) process.stderr.write(`maildoctor: note: ${unreadableNote(e)}\n`);
}

function unreadableNote(e: LogEvidence): string {
  const n = e.lines.unparseable;
  return `${plural(n, 'log line')} of ${count(e.lines.total)} could not be read (a format maildoctor does not know, or numbers too large to be true) and ${n === 1 ? 'is' : 'are'} not in the evidence`;
}

const PROTO: Record<string, string> = { imap: 'IMAP', pop3: 'POP3', other: 'other' };
const span = (p: { first: string | null; last: string | null }) => (p.first ? (p.first === p.last ? p.first : `${p.first} → ${p.last}`) : '');

/** Which names of the log were taken for the account beyond those given, or why some were not; null: nothing to say. */
function identityNote(e: LogEvidence): string | null {
  const id = e.identity;
  if (!id) return null;
  const local = e.user.includes('@') ? e.user.slice(0, e.user.lastIndexOf('@')) : e.user;
  if (id.match === 'auto' && id.adopted) {
    return `matched ${id.adopted} in the log as ${e.user} too: the only full address there with the local part ${local} (give --log-alias to choose other names)`;
  }
  if (id.match === 'ambiguous') {
    return (
      `the log has ${local} under several domains (${list(id.otherAddresses)}): none of them was matched to ${e.user}; ` +
      `pick the account's with --log-alias ${id.otherAddresses[0]!}, or match them all with --log-match-local-part`
    );
  }
  if (id.otherAddresses.length) {
    return `not matched: ${list(id.otherAddresses)} (the local part ${local} under another domain; --log-alias ${id.otherAddresses[0]!} or --log-match-local-part to include ${id.otherAddresses.length === 1 ? 'it' : 'them'})`;
  }
  return null;
}

/** How much of what the log says about the account was read, and what was not (with one masked example). */
function unreadText(e: LogEvidence): string[] {
  const out: string[] = [];
  const u = e.unread;
  if (e.parseRate != null) {
    const seen = e.lines.matched + (u?.lines ?? 0);
    out.push(`Parse rate: ${percent(e.parseRate)} (${count(e.lines.matched)} of ${plural(seen, 'line')} about this account read)`);
  }
  if (!u || (u.lines === 0 && u.pop3Sessions === 0)) return out;
  const parts = [
    u.pop3Sessions ? `${plural(u.pop3Sessions, 'POP3 session')} (logins with no readable logout line: downloads and deletions unknown)` : '',
    u.imapSessions ? `${plural(u.imapSessions, 'IMAP logout')} (expunges unknown)` : '',
    u.deliveries ? `${plural(u.deliveries, 'delivery', 'deliveries')} (saved or refused unknown)` : '',
  ].filter(Boolean);
  if (parts.length) out.push(`Not read: ${parts.join('; ')}`);
  if (u.example) out.push(`  e.g. ${u.example}`);
  return out;
}

export function renderLogText(e: LogEvidence): string {
  const out: string[] = [];
  const l = e.lines;
  out.push(`Server log for ${e.user}${e.namesSeen.length ? ` (seen as ${list(e.namesSeen)})` : ''}`);
  out.push(
    `Read ${plural(e.files.length, 'file')}, ${count(l.total)} lines: ${count(l.matched)} about this account, ${count(l.otherUsers)} about other accounts, ` +
      `${count(l.otherPrograms)} from other programs, ${count(l.unparseable)} unparseable${l.afterUntil ? `, ${count(l.afterUntil)} left out (after the probe started)` : ''}`,
  );
  if (l.unparseable > 0) out.push(`Note: ${unreadableNote(e)}.`);
  // Counted whenever the history had probes of this account to look for, so a zero says they were looked for.
  if (l.ownSessions !== undefined || l.ownLines !== undefined) {
    out.push(`Left out: ${plural(l.ownSessions ?? 0, 'login')} of maildoctor's own earlier probes (${plural(l.ownLines ?? 0, 'line')}, at the times the history database recorded them): not a device`);
  }
  const names = identityNote(e);
  if (e.namesSeen.length === 0) {
    out.push(`Note: ${notFoundNote(e)}.`);
    if (names) out.push(`Note: ${names}.`);
    return `${out.join('\n')}\n`;
  }
  if (names) out.push(`Names: ${names}.`);
  out.push(...unreadText(e));
  out.push(`Period: ${span(e.period) || 'no timestamps'}`);
  out.push('Logins (each address is a device, or a network in front of several):');
  if (e.logins.length === 0) out.push('  none');
  for (const x of e.logins) {
    out.push(`  ${PROTO[x.protocol]!.padEnd(5)} ${x.ip.padEnd(16)} ${plural(x.count, 'login')}${x.methods.length ? ` (${x.methods.join(', ')})` : ''}  ${span(x)}`);
  }
  if (e.authFailures.length) {
    out.push(`Failed logins: ${e.authFailures.map((f) => `${PROTO[f.protocol]} from ${f.ip}: ${count(f.count)}`).join('; ')}`);
  }
  const p = e.pop;
  const u = e.unread;
  // With sessions whose counters are unknown, the sums are a floor, never a confident total.
  const popFloor = u?.pop3Sessions ? 'at least ' : '';
  const courier = e.popLogoutFormat === 'courier';
  out.push(
    `POP3: ${plural(p.sessions, 'session')}${u?.pop3Sessions ? ` read and ${count(u.pop3Sessions)} whose logout counters could not be read` : ''}` +
      `${p.closedWithoutQuit ? ` (${count(p.closedWithoutQuit)} ended without QUIT)` : ''}, ` +
      // Courier's logout lines count neither downloaded messages nor deletions: say so, never "0 deleted".
      (courier
        ? `downloads and deletions not logged (Courier; ${plural(p.deletesUnlogged ?? 0, 'session')} ended with QUIT and may have deleted mail)`
        : `${popFloor}${count(p.retrMessages)} messages downloaded (${downloadedBytes(p.retrMessages, p.retrBytes)}), ` +
          `${popFloor}${count(p.deletedMessages)} deleted${p.deletedBytes !== null ? ` (${bytes(p.deletedBytes)})` : ''} in ${plural(p.sessionsWithDeletes, 'session')}`) +
      `${p.pollIntervalSeconds !== null ? `; polls about every ${duration(p.pollIntervalSeconds)}` : ''}${p.lastDelete ? `; last deletion ${p.lastDelete}` : ''}`,
  );
  const i = e.imap;
  const imapFloor = u?.imapSessions ? 'at least ' : '';
  // A counter no logout line carried is unknown, not zero.
  const imapCount = (n: number, what: string, key: 'deleted' | 'expunged' | 'trashed') => (i.notLogged?.includes(key) ? `${what}: not logged` : `${imapFloor}${count(n)} ${what}`);
  out.push(
    `IMAP: ${plural(i.sessions, 'session')}${u?.imapSessions ? ` read and ${count(u.imapSessions)} whose logout counters could not be read` : ''}; ` +
      `${imapCount(i.deleted, 'marked deleted', 'deleted')}, ${imapCount(i.expunged, 'expunged', 'expunged')}, ${imapCount(i.trashed, 'moved to Trash', 'trashed')}`,
  );
  const d = e.deliveries;
  out.push(
    `Deliveries: ${count(d.saved)} saved, ${count(d.quotaRefused)} refused for quota${d.quotaDeferred ? ` (${count(d.quotaDeferred)} deferred)` : ''}` +
      `${u?.deliveries ? `, ${count(u.deliveries)} whose result could not be read` : ''}` +
      `${d.firstRefused ? `, ${span({ first: d.firstRefused, last: d.lastRefused })}` : ''}`,
  );
  if (d.refusalsUnlogged === 'cyrus') {
    out.push("  Refusals unknown: Cyrus's LMTP logs no delivery it refuses for quota, and this log has no MTA line; add the MTA's log (Postfix, Exim) to see them.");
  }
  if (p.sessions) {
    const how = { '2.3': 'Dovecot 2.3 (del=deleted/messages)', '2.4': 'Dovecot 2.4 (del=count/bytes)', cyrus: "Cyrus's counts lines (retr, top, dele; deletions from its Expunged lines)", courier: "Courier's LOGOUT lines (downloads in bytes, no deletion count)", unknown: 'either version (the numbers did not tell)' }[e.popLogoutFormat];
    out.push(`POP3 logout lines read as ${how}`);
  }
  return `${out.join('\n')}\n`;
}

export function registerLogs<T>(cli: Argv<T>) {
  return cli.command(
    'logs <files..>',
    'Read Dovecot, Cyrus and Courier logs (plain or gzip, any size) and summarise one account: devices, POP3 deletions, quota refusals',
    (y) =>
      historyOption(
        withLogMatchOptions(y),
        "History database whose probe times mark maildoctor's own sessions, left out (default as for check; read only)",
        "Count every session in the log, maildoctor's own checks included",
      )
        .positional('files', { type: 'string', array: true, demandOption: true, describe: 'Log files, oldest first' })
        .option('user', { alias: 'u', type: 'string', demandOption: true, describe: 'The account, as alice or alice@example.com' })
        .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' })
        .option('timeline', {
          type: 'boolean',
          default: false,
          describe: 'Add the device timeline: per client address and hour or day, logins, downloads, deletions, expunges, moves to Trash, deliveries and refusals',
          group: GROUP,
        })
        .example('$0 logs /var/log/dovecot.log /var/log/dovecot.log.1.gz --user alice@example.com', 'who reads this mailbox, and how')
        .example('$0 logs dovecot.log -u alice --timeline', 'which device deleted mail, and when'),
    async (argv) => {
      const args = argv as unknown as LogArgs & { files: string[]; user: string; format: 'text' | 'json'; history?: string | boolean; timeline: boolean };
      ensureTimelineAsked(args, args.timeline, '--timeline');
      const timeline = args.timeline ? timelineOptions(args) : undefined;
      ensureReadable(args.files);
      // The sessions of earlier `check` runs are in the log too: the history knows when they were, under the
      // names this log matches for the user. They are left out and counted, as with check --log.
      const { userMatcher } = await import('../connectors/log/index.js');
      const own = await storedProbeWindows(userMatcher({ user: args.user, aliases: args.logAlias ?? [], matchLocalPart: args.logMatchLocalPart }), args);
      const e = await readLogs(args.files, args.user, args, undefined, own, timeline);
      const text = () => renderLogText(e) + (e.timeline && e.namesSeen.length ? `\n${renderTimelineText(e.timeline).join('\n')}\n` : '');
      const out = args.format === 'json' ? `${JSON.stringify({ schema: 'maildoctor/logs@1', ...e }, null, 2)}\n` : text();
      process.stdout.write(out);
      process.exitCode = 0;
    },
  );
}
