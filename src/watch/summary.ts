// The watch summary: what the report gains from a watch (JSON `watch` object, text and markdown section), and
// the live line printed per probe. Pure.
import { count, plural } from '../report/format.js';
import type { Snapshot } from '../snapshot/schema.js';
import { formatDuration } from './duration.js';
import { describeInterval, detectPollInterval, type VanishEvent } from './interval.js';
import type { WatchProbe, WatchRun } from './loop.js';
import { probeDelta, watchWindow } from './window.js';

export interface WatchTimelineEntry {
  at: string;
  inboxMessages: number | null;
  popMessages: number | null;
  arrived: number | null;
  vanished: number | null;
  vanishedSeen: number | null;
  imapError: string | null;
  popError: string | null;
}

export interface WatchSummary {
  startedAt: string;
  endedAt: string;
  everySeconds: number;
  forSeconds: number;
  probes: number;
  probesPlanned: number;
  /** Probes whose IMAP or POP3 side failed. */
  probesWithErrors: number;
  /** Checks after which a folder could not be examined: what vanished then is unknown (not counted). */
  unknownWindows: number;
  interrupted: boolean;
  /** Stopped after this many probes in a row in which every protocol failed; null when it was not. */
  gaveUpAfter: number | null;
  /** Sum over consecutive probes: mail that left INBOX for no folder. */
  vanishedMessages: number;
  /**
   * Of those, the ones already in INBOX at the first probe: what the report's findings count (they compare the
   * last probe with the first). The rest arrived during the watch and vanished before it ended. Null when the
   * first and last probes cannot be compared.
   */
  vanishedSinceStart: number | null;
  vanishedSeen: number;
  arrivedMessages: number;
  events: VanishEvent[];
  /** Median gap between disappearance events (≥ 2 events), seconds; resolution ± everySeconds. */
  popPollIntervalSeconds: number | null;
  popPollText: string | null;
  timeline: WatchTimelineEntry[];
}

function errorText(r: Snapshot['imap'] | Snapshot['pop']): string | null {
  return r && !r.ok ? `${r.error.kind}: ${r.error.message}` : null;
}

export function timelineEntry(p: WatchProbe): WatchTimelineEntry {
  const s = p.snapshot;
  return {
    at: s.takenAt,
    inboxMessages: s.imap?.ok ? s.imap.evidence.inbox.messages : null,
    popMessages: s.pop?.ok ? s.pop.evidence.stat.messages : null,
    arrived: p.delta?.arrived ?? null,
    // Unknown, not 0, when a folder could not be examined (the mail may have moved there).
    vanished: p.delta && !p.delta.unexamined.length ? p.delta.vanished : null,
    vanishedSeen: p.delta && !p.delta.unexamined.length ? p.delta.vanishedSeen : null,
    imapError: errorText(s.imap),
    popError: errorText(s.pop),
  };
}

function sinceStart(run: WatchRun): number | null {
  const { current, previous } = watchWindow(run.probes.map((p) => p.snapshot));
  const d = previous ? probeDelta(previous, current) : null;
  return d && !d.unexamined.length ? d.vanished : null;
}

export function summarizeWatch(run: WatchRun, everyMs: number, forMs: number): WatchSummary {
  const poll = detectPollInterval(run.events);
  const sum = (f: (p: WatchProbe) => number | undefined) => run.probes.reduce((a, p) => a + (f(p) ?? 0), 0);
  return {
    startedAt: new Date(run.startedAtMs).toISOString(),
    endedAt: new Date(run.endedAtMs).toISOString(),
    everySeconds: everyMs / 1000,
    forSeconds: forMs / 1000,
    probes: run.probes.length,
    probesPlanned: run.planned,
    probesWithErrors: run.probes.filter((p) => errorText(p.snapshot.imap) || errorText(p.snapshot.pop)).length,
    interrupted: run.interrupted,
    gaveUpAfter: run.gaveUpAfter,
    vanishedMessages: sum((p) => p.delta?.vanished),
    vanishedSinceStart: sinceStart(run),
    unknownWindows: run.probes.filter((p) => p.delta && p.delta.unexamined.length > 0).length,
    vanishedSeen: sum((p) => p.delta?.vanishedSeen),
    arrivedMessages: sum((p) => p.delta?.arrived),
    events: run.events,
    popPollIntervalSeconds: poll.medianGapSeconds,
    popPollText: poll.medianGapSeconds !== null ? `a POP client seems to collect mail ${describeInterval(poll.medianGapSeconds)}` : null,
    timeline: run.probes.map(timelineEntry),
  };
}

const hhmmss = (iso: string) => new Date(iso).toISOString().slice(11, 19);

/** One line per probe for stderr: time (UTC), INBOX count, arrived, vanished (read), POP3 STAT. */
export function liveLine(p: WatchProbe, planned: number): string {
  const e = timelineEntry(p);
  const parts = [`${hhmmss(e.at)}Z`, `probe ${p.index}/${planned}`];
  parts.push(e.imapError ? `IMAP failed (${e.imapError})` : `INBOX ${e.inboxMessages === null ? '-' : count(e.inboxMessages)}`);
  if (p.delta) {
    parts.push(`+${p.delta.arrived} arrived`);
    parts.push(
      p.delta.unexamined.length
        ? `vanished unknown (${p.delta.unexamined.slice(0, 3).join(', ')}${p.delta.unexamined.length > 3 ? ', …' : ''} not examined)`
        : p.delta.vanished > 0
          ? `${p.delta.vanished}${p.delta.atLeast ? '+' : ''} vanished (${p.delta.vanishedSeen} of them read)`
          : '0 vanished',
    );
    if (p.delta.moved > 0) parts.push(`${p.delta.moved} moved to other folders`);
  } else if (p.index === 1) parts.push('baseline');
  if (p.snapshot.pop) parts.push(e.popError ? `POP3 failed (${e.popError})` : `POP3 STAT ${e.popMessages === null ? '-' : count(e.popMessages)}`);
  return parts.join('  ');
}

/** The watch section of the text report (and, prefixed, of markdown). */
function vanishedPart(w: WatchSummary): string {
  const split =
    w.vanishedSinceStart !== null && w.vanishedSinceStart < w.vanishedMessages
      ? `: ${w.vanishedSinceStart} that were in INBOX at the first probe, which the findings count, and ${w.vanishedMessages - w.vanishedSinceStart} that arrived during the watch and vanished before it ended`
      : '';
  const counted = `${plural(w.vanishedMessages, 'message')} vanished (${w.vanishedSeen} of them read)${split}`;
  if (!w.unknownWindows) return counted;
  return w.vanishedMessages ? `at least ${counted}` : 'how many vanished is unknown';
}

export function watchLines(w: WatchSummary): string[] {
  const lines = [
    `${plural(w.probes, 'probe')} over ${formatDuration(Date.parse(w.endedAt) - Date.parse(w.startedAt))} (every ${formatDuration(w.everySeconds * 1000)}${w.interrupted ? ', stopped early' : ''}${w.gaveUpAfter ? `, stopped after ${w.gaveUpAfter} failed probes in a row` : ''})${w.probesWithErrors ? `, ${w.probesWithErrors} with probe errors` : ''}`,
    `${plural(w.arrivedMessages, 'message')} arrived in INBOX, ${vanishedPart(w)}`,
  ];
  if (w.unknownWindows) lines.push(`Between ${plural(w.unknownWindows, 'pair')} of checks a folder could not be examined: what left INBOX then may have moved there, so it is not counted`);
  for (const e of w.events) lines.push(`${plural(e.messages, 'message')} vanished between ${hhmmss(e.from)}Z and ${hhmmss(e.to)}Z`);
  if (w.popPollText) lines.push(`${w.popPollText[0]!.toUpperCase()}${w.popPollText.slice(1)} (median gap between ${w.events.length} disappearances, ± ${formatDuration(w.everySeconds * 1000)})`);
  else if (w.events.length === 1) lines.push('Mail disappeared once: a longer watch would show how often a POP client collects it');
  return lines;
}
