// The run of `maildoctor watch` (see watch.ts for its options): loaded by its handler, so that the watch loop,
// the canary, the analyzer and the renderers cost nothing at start-up for the other commands.
import { analyze } from '../analyzer/run.js';
import { connectOptions, type AccountOptions } from '../probe.js';
import { forConnection } from '../connectors/credentials.js';
import { buildReport, exitCode } from '../report/build.js';
import { render } from '../report/render.js';
import { md, renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import type { Snapshot } from '../snapshot/schema.js';
import { VERSION } from '../version.js';
import { formatDuration } from '../watch/duration.js';
import { runWatch, type WatchRun } from '../watch/loop.js';
import { liveLine, summarizeWatch, watchLines, type WatchSummary } from '../watch/summary.js';
import { watchWindow } from '../watch/window.js';
import { resolveAccount, type RawAccountArgs } from './account.js';
import { mailHostLookup, serversFromAddress, type DiscoveryArgs } from './discover.js';
import { EXIT } from './errors.js';
import { reportZone, ruleOptions, useColor, type ReportArgs } from './output.js';
import { answersFrom } from './recommend.js';
import { canaryLines, type CanaryReport } from '../canary/report.js';
import { observeCanary } from '../canary/classify.js';

/** The options of `maildoctor watch` (declared and checked in watch.ts, which loads this file only to run). */
export interface WatchArgs extends RawAccountArgs, ReportArgs, DiscoveryArgs {
  /** Without --host: the servers are discovered from it once, before the first probe. */
  address?: string;
  every: string;
  for: string;
  canary: boolean;
  progress: boolean;
  quiet: boolean;
}

/** The report of the last probe against the first, with the watch (and canary) added for this format. */
function output(run: WatchRun, summary: WatchSummary, canary: CanaryReport | null, args: WatchArgs): { text: string; stderr: string[]; code: number } {
  const snaps = run.probes.map((p) => p.snapshot);
  // The first probe is the "previous" one, so mail-vanished covers the whole window.
  const { current, previous } = watchWindow(snaps);
  const analysis = analyze(current, { options: ruleOptions(args), previous });
  const report = buildReport(current, analysis, { toolVersion: VERSION, answers: answersFrom(args), timeZone: reportZone(args) });
  const sections = [...watchLines(summary).map((l) => `  ${l}`), ...(canary ? canaryLines(canary).map((l) => `  ${l}`) : [])];
  const code = exitCode(report.status);
  switch (args.format) {
    case 'json':
      return { text: `${JSON.stringify({ ...report, watch: summary, ...(canary ? { canary } : {}) }, null, 2)}\n`, stderr: [], code };
    case 'text':
      return { text: `${renderText(report, { color: useColor('text') })}\nWatch:\n${sections.join('\n')}\n`, stderr: [], code };
    case 'markdown':
      return {
        text: `${renderMarkdown(report)}\n### Watch\n\n${[...watchLines(summary), ...(canary ? canaryLines(canary) : [])]
          .map((l) => (l.startsWith('  ') ? `  - ${md(l.trim())}` : `- ${md(l)}`))
          .join('\n')}\n`,
        stderr: [],
        code,
      };
    default:
      // junit and nagios keep their exact shape; the watch summary goes to stderr.
      return { text: render(report, args.format, {}), stderr: ['watch:', ...sections], code };
  }
}

export async function runWatchCommand(args: WatchArgs, { everyMs, forMs }: { everyMs: number; forMs: number }): Promise<void> {
  // Before the canary line, which names --user (which discovery may set).
  const found = await serversFromAddress(args, args.quiet);
  if (args.canary) {
    const as = args.authUser !== undefined ? ` (logged in as the admin ${args.authUser})` : '';
    process.stderr.write(`canary: this run writes one test message to INBOX of ${args.user ?? '(no --user)'}${as} and removes it at the end\n`);
  }
  const account = await resolveAccount(args, { history: true });
  account.lookup = await mailHostLookup(args);
  const live = !args.quiet && (args.progress || Boolean(process.stderr.isTTY));
  const say = (line: string) => {
    if (live) process.stderr.write(`${line}\n`);
  };

  // Ctrl-C (or SIGTERM) ends the watch early and still reports; a second one gives up at once.
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`maildoctor: interrupted again (${sig}): exiting without a report${args.canary ? '; the canary may be left in INBOX (safe to delete)' : ''}\n`);
      process.exit(130);
    }
    say(`… ${sig}: stopping after the probe under way${args.canary ? ', then removing the canary' : ''}`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const { probeAccount } = await import('../probe.js');
    let canaryState: Awaited<ReturnType<typeof startCanary>> | null = null;
    if (args.canary) {
      canaryState = await startCanary(account, say);
    }
    say(`watching ${account.credentials.user} every ${formatDuration(everyMs)} for ${formatDuration(forMs)}`);
    const run = await runWatch({
      everyMs,
      forMs,
      signal: stop.signal,
      // Every snapshot carries the discovery, as check's does: its findings are in the report of the last probe.
      probe: async (known) => {
        const snapshot = await probeAccount({ ...account, history: true, known });
        if (found) snapshot.discovery = found;
        return snapshot;
      },
      onProbe: (p, planned) => say(`${liveLine(p, planned)}${canaryState ? canaryNote(canaryState, p.snapshot) : ''}`),
    });
    const summary = summarizeWatch(run, everyMs, forMs);
    const canary = canaryState ? await finishCanary(canaryState, run, account, say) : null;
    if (run.probes.length === 0) {
      process.stderr.write('maildoctor: interrupted before the first probe: nothing to report\n');
      process.exitCode = EXIT.unknown;
      return;
    }
    const out = output(run, summary, canary, args);
    process.stdout.write(out.text.endsWith('\n') ? out.text : `${out.text}\n`);
    if (!args.quiet) for (const l of out.stderr) process.stderr.write(`${l}\n`);
    if (run.gaveUpAfter) process.stderr.write(`maildoctor: ${gaveUpLine(run)}\n`);
    process.exitCode = out.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Why the watch stopped early: the failures of its last probe, one line. */
function gaveUpLine(run: WatchRun): string {
  const last = run.probes[run.probes.length - 1]!.snapshot;
  const why = (['imap', 'pop'] as const)
    .flatMap((p) => {
      const r = last[p];
      return r && !r.ok ? [`${p === 'imap' ? 'IMAP' : 'POP3'} ${r.error.kind}: ${r.error.message}`] : [];
    })
    .join('; ');
  return `watch stopped after ${run.gaveUpAfter} probes in a row in which every protocol failed (last: ${why}); the report is that of the last probe`;
}

/** The canary's state at a probe, for the live line. */
function canaryNote(state: Awaited<ReturnType<typeof startCanary>>, s: Snapshot): string {
  if (!state.appended.ok) return '';
  const a = state.appended;
  const o = observeCanary(s, { id: state.msg.id, uid: a.uid, uidValidity: a.uidValidity, sizeBytes: a.sizeBytes, messageIdHash: state.msg.messageIdHash, appendedAt: a.appendedAt });
  const imap = o.imap === 'present' ? `in INBOX${o.seen ? ' (\\Seen)' : ''}` : o.imap === 'gone' ? (o.movedTo ? `moved to ${o.movedTo}` : 'gone from INBOX') : 'INBOX not read';
  const pop = o.pop === null ? '' : o.pop === 'listed' ? ', listed by POP3' : ', not listed by POP3';
  return `  canary ${imap}${pop}`;
}

/** The canary's own IMAP connection: a token from a file or command is read again for it. */
async function canaryConnection(account: AccountOptions) {
  return { ...connectOptions(account, account.imap!), credentials: await forConnection(account.credentials) };
}

async function startCanary(account: AccountOptions, say: (l: string) => void) {
  const { canaryAddress, canaryMessage } = await import('../canary/message.js');
  const { appendCanary } = await import('../canary/imap.js');
  const msg = canaryMessage(canaryAddress(account.credentials.user, account.imap!.host), new Date());
  const appended = await appendCanary(await canaryConnection(account), msg, new Date());
  if (appended.ok) say(`canary ${msg.id} written to INBOX (UID ${appended.uid})`);
  else process.stderr.write(`maildoctor: the canary could not be written: ${appended.error}\n`);
  return { msg, appended };
}

async function finishCanary(
  state: Awaited<ReturnType<typeof startCanary>>,
  run: WatchRun,
  account: AccountOptions,
  say: (l: string) => void,
): Promise<CanaryReport> {
  const { classifyCanary, OUTCOME_TEXT } = await import('../canary/classify.js');
  const { removeCanary } = await import('../canary/imap.js');
  const { msg, appended } = state;
  if (!appended.ok) {
    return {
      id: msg.id,
      subject: msg.subject,
      written: false,
      error: appended.error,
      uid: null,
      uidValidity: null,
      sizeBytes: null,
      appendedAt: null,
      outcome: 'unknown',
      outcomeText: 'not written',
      removedAfterSeconds: null,
      seenAfterSeconds: null,
      movedTo: null,
      sameStore: 'unknown',
      sameStoreConfirmed: false,
      removal: { state: 'not-written' },
      observations: [],
    };
  }
  const identity = { id: msg.id, uid: appended.uid, uidValidity: appended.uidValidity, sizeBytes: appended.sizeBytes, messageIdHash: msg.messageIdHash, appendedAt: appended.appendedAt };
  const observations = run.probes.map((p) => observeCanary(p.snapshot, identity));
  const verdict = classifyCanary(observations, identity);
  let removal: CanaryReport['removal'];
  if (verdict.outcome === 'downloaded-and-removed') removal = { state: 'already-gone' };
  else if (verdict.outcome === 'moved') removal = { state: 'left', reason: `a client moved it to ${verdict.movedTo}; maildoctor removes it only from INBOX` };
  else {
    say(`removing canary ${msg.id} (UID ${appended.uid})`);
    removal = await removeCanary(await canaryConnection(account), msg, appended);
  }
  if (removal.state === 'left' || removal.state === 'failed') process.stderr.write(`maildoctor: the canary ${msg.id} was not removed: ${removal.reason}\n`);
  return {
    id: msg.id,
    subject: msg.subject,
    written: true,
    error: null,
    uid: appended.uid,
    uidValidity: appended.uidValidity,
    sizeBytes: appended.sizeBytes,
    appendedAt: appended.appendedAt,
    outcome: verdict.outcome,
    outcomeText: OUTCOME_TEXT[verdict.outcome],
    removedAfterSeconds: verdict.removedAfterSeconds,
    seenAfterSeconds: verdict.seenAfterSeconds,
    movedTo: verdict.movedTo,
    sameStore: verdict.sameStore,
    sameStoreConfirmed: verdict.sameStore === 'confirmed',
    removal,
    observations,
  };
}
