// buildReport(): a snapshot and its analysis → the report every renderer reads. Pure: the time and the tool
// version come in as values (by default the snapshot's own), so a saved snapshot replays to the same report.
import type { Analysis } from '../analyzer/types.js';
import { loginOf, worstResource } from '../analyzer/facts.js';
import { measuredFrom, recommend, type CustomerAnswers } from './recommend.js';
import quotaNearLimit from '../analyzer/rules/quota-near-limit.js';
import type { Endpoint, ImapLoginResult, Pop3LoginResult, Snapshot } from '../snapshot/schema.js';
import type { TestLogEntry } from '../snapshot/trace.js';
import type { Discovery } from '../snapshot/discovery.js';
import { REPORT_SCHEMA } from './schema-id.js';
import type { Report } from './types.js';
import { OPTIONAL_INPUT } from '../analyzer/evidence.js';
import { verdictOf } from './verdict.js';
import { buildDetails } from './details.js';
import { renderFinding } from './findings/index.js';
import { serverIdentities, type ServerIdentity } from '../analyzer/server-identity.js';
import { SOFTWARE_NAME } from './subject.js';

export interface BuildReportOptions {
  /** The account to show (no secrets: user, endpoints, the admin who logged in); default the snapshot's. */
  account?: Snapshot['account'];
  /** Default: the analysis time (snapshot.takenAt), which keeps replays identical. */
  generatedAt?: string;
  /** The running maildoctor's version; default the version that took the snapshot. */
  toolVersion?: string;
  /** The customer's answers (check --devices …): adds the article's protocol recommendation to the report. */
  answers?: CustomerAnswers | null;
  /** The zone the words give times in (an IANA name); default UTC. JSON time fields stay UTC ISO. */
  timeZone?: string;
  /** Add `details` (servers, folders, quota, history and log series) for the HTML report. */
  details?: boolean;
  /** With details: the earlier probes of the account, oldest first (the history the analysis read). */
  history?: readonly Snapshot[];
  /** The probe's test log (check --include-log): put into the report as `testLog`. */
  testLog?: readonly TestLogEntry[];
}

/**
 * The software as the server names it: the ID response's name and version, or POP3's IMPLEMENTATION line, as
 * written; else the name of the software the greeting showed (serverIdentities).
 */
function softwareOf(result: ImapLoginResult | Pop3LoginResult | null, identity: ServerIdentity | null): string | null {
  if (!result?.ok) return null;
  const e = result.evidence;
  if ('serverId' in e) {
    const name = e.serverId?.name;
    if (name) return oneLineName(e.serverId?.version ? `${name} ${e.serverId.version}` : name);
  } else if (e.implementation) return oneLineName(e.implementation);
  return identity?.software ? SOFTWARE_NAME[identity.software] : null;
}

/** A name the server chose, kept short and on one line. */
function oneLineName(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

function probeSummary(result: ImapLoginResult | Pop3LoginResult | null, identity: ServerIdentity | null): Report['probes']['imap'] {
  if (!result) return { state: 'not-probed', software: null, durationMs: null, error: null };
  if (result.ok) return { state: 'ok', software: softwareOf(result, identity), durationMs: result.durationMs, error: null };
  const e = result.error;
  return { state: 'failed', software: null, durationMs: result.durationMs, error: { kind: e.kind, message: e.message, step: e.step ?? null, code: e.code ?? null } };
}

function metrics(snapshot: Snapshot, analysis: Analysis): Report['metrics'] {
  const imap = snapshot.imap?.ok ? snapshot.imap.evidence : null;
  const pop = snapshot.pop?.ok ? snapshot.pop.evidence : null;
  const storage = imap ? worstResource(imap.quota, 'STORAGE') : null;
  const messages = imap ? worstResource(imap.quota, 'MESSAGE') : null;
  const q = analysis.options['quota-near-limit'];
  return {
    quotaStorageUsedBytes: storage?.usage ?? null,
    quotaStorageLimitBytes: storage?.limit ?? null,
    quotaStorageRatio: storage?.ratio ?? null,
    quotaMessagesUsed: messages?.usage ?? null,
    quotaMessagesLimit: messages?.limit ?? null,
    quotaMessagesRatio: messages?.ratio ?? null,
    quotaWarnRatio: typeof q?.warnRatio === 'number' ? q.warnRatio : quotaNearLimit.defaults.warnRatio,
    quotaCritRatio: typeof q?.critRatio === 'number' ? q.critRatio : quotaNearLimit.defaults.critRatio,
    inboxMessages: imap?.inbox.messages ?? null,
    popMessages: pop?.stat.messages ?? null,
    imapDurationMs: loginOf(snapshot, 'imap')?.durationMs ?? null,
    popDurationMs: loginOf(snapshot, 'pop')?.durationMs ?? null,
  };
}

function coverageOf(snapshot: Snapshot, analysis: Analysis): NonNullable<Report['coverage']> {
  const which = (pick: (r: ImapLoginResult | Pop3LoginResult | null) => boolean) =>
    (['imap', 'pop'] as const).filter((p) => pick(loginOf(snapshot, p)));
  const observed = which((r) => r !== null && r.ok);
  const notProbed = which((r) => r === null);
  const failed = which((r) => r !== null && !r.ok);
  const rulesNotRun = analysis.skipped.filter((s) => !OPTIONAL_INPUT.has(s.kind)).length;
  return {
    partial: observed.length > 0 && (notProbed.length > 0 || failed.length > 0),
    observed,
    notProbed,
    failed,
    rulesNotRun,
    ...(snapshot.login ? { loginOnly: true } : {}),
  };
}

/** What the IMAP probe meant to read and could not, with the reason: kept evidence with holes in it. */
function gapsOf(snapshot: Snapshot): string[] {
  if (!snapshot.imap?.ok) return [];
  const e = snapshot.imap.evidence;
  const out = (e.stepErrors ?? []).map((x) => `IMAP ${x.step ?? 'a step'} failed and ended the session: ${x.message}`);
  if (e.quota.error && e.quota.error.code !== 'ANOMALY') out.push(`IMAP quota not read: ${e.quota.error.message}`);
  return out;
}

export function buildReport(snapshot: Snapshot, analysis: Analysis, opts: BuildReportOptions = {}): Report {
  const src = opts.account ?? snapshot.account;
  // Copy field by field so nothing but user, endpoints and the admin's name can ride along (no secrets in any output).
  const endpoint = (e: Endpoint | null): Endpoint | null => (e ? { host: e.host, port: e.port, tls: e.tls } : null);
  const admin = src.authUser !== undefined ? { authUser: src.authUser, ...(src.masterSeparator !== undefined ? { masterSeparator: src.masterSeparator } : {}) } : {};
  const account = { user: src.user, imap: endpoint(src.imap), pop: endpoint(src.pop), ...admin };
  const imap = loginOf(snapshot, 'imap');
  const pop = loginOf(snapshot, 'pop');
  const unknownReasons = [
    ...[imap, pop].flatMap((r, i) =>
      r && !r.ok ? [`${i === 0 ? 'IMAP' : 'POP3'} probe failed: ${r.error.kind} (${r.error.message})`] : [],
    ),
    ...(imap === null && pop === null ? ['neither IMAP nor POP3 was probed'] : []),
    ...analysis.errors.map((e) => `rule ${e.rule} crashed: ${e.message}`),
  ];
  const coverage = coverageOf(snapshot, analysis);
  const timeZone = opts.timeZone ?? 'UTC';
  const anomalies = snapshot.anomalies ?? [];
  const gaps = gapsOf(snapshot);
  const server = serverIdentities(snapshot);
  return {
    schema: REPORT_SCHEMA,
    tool: { name: 'maildoctor', version: opts.toolVersion ?? snapshot.tool.version },
    generatedAt: opts.generatedAt ?? analysis.now,
    snapshotTakenAt: snapshot.takenAt,
    account,
    ...(snapshot.discovery ? { foundBy: foundByOf(snapshot.discovery, account) } : {}),
    status: analysis.status,
    timeZone,
    verdict: verdictOf(analysis.status, analysis.findings, unknownReasons, coverage),
    coverage,
    comparedWith: analysis.comparedWith,
    probes: { imap: probeSummary(imap, server.imap), pop: probeSummary(pop, server.pop) },
    server,
    findings: analysis.findings.map((f) => renderFinding(f, timeZone)),
    ...(anomalies.length ? { anomalies: anomalies.map((a) => ({ ...a })) } : {}),
    ...(gaps.length ? { gaps } : {}),
    skipped: analysis.skipped,
    checked: analysis.checked,
    errors: analysis.errors,
    ...(opts.answers ? { recommendation: recommend(opts.answers, measuredFrom(snapshot, analysis)) } : {}),
    metrics: metrics(snapshot, analysis),
    ...(opts.details ? { details: buildDetails(snapshot, opts.history ?? []) } : {}),
    // Field by field, in reading order: nothing else rides along.
    ...(snapshot.logs?.timeline ? { timeline: snapshot.logs.timeline } : {}),
    ...(opts.testLog ? { testLog: opts.testLog.map((e) => ({ atMs: e.atMs, protocol: e.protocol, step: e.step, outcome: e.outcome, ms: e.ms, detail: e.detail })) } : {}),
  };
}

/** Which discovery source named each probed server: the winner, when it is the server that was probed. */
function foundByOf(d: Discovery, account: { imap: Endpoint | null; pop: Endpoint | null }): NonNullable<Report['foundBy']> {
  const by = (c: Discovery['chosen']['imap'], e: Endpoint | null) => (c && e && c.host === e.host && c.port === e.port ? c.source : null);
  return { address: d.address, imap: by(d.chosen.imap, account.imap), pop: by(d.chosen.pop3, account.pop) };
}

/** Exit code per the monitoring convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function exitCode(status: Report['status']): 0 | 1 | 2 | 3 {
  switch (status) {
    case 'ok':
      return 0;
    case 'warning':
      return 1;
    case 'critical':
      return 2;
    case 'unknown':
      return 3;
  }
}
