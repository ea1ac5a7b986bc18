// maildoctor as a library: probe one account over IMAP and POP3, analyze the snapshot into findings, build and
// render the report. What the CLI does, for CI pipelines and monitoring written in Node:
//
//   import { probe, passwordCredentials, analyze, buildReport, render, exitCode } from 'maildoctor';
//   const snapshot = await probe({ credentials: passwordCredentials(user, password), imap: { host, port: 993, tls: 'implicit' }, pop: null, timeoutMs: 10_000 });
//   const report = buildReport(snapshot, analyze(snapshot));
//   process.stdout.write(render(report, 'json'));
//   process.exitCode = exitCode(report.status);
export { probeAccount as probe, type AccountOptions, type ProbeRunOptions } from './probe.js';
export { passwordCredentials, type Credentials, type PasswordCredentials } from './connectors/credentials.js';
export { adminCredentials, oauth2Credentials, type AdminCredentials, type OAuth2Credentials, type OAuth2Mechanism } from './connectors/credentials.js';
export { analyze, RULES, type AnalyzeOptions, type RuleId, type RuleOptionOverrides } from './analyzer/index.js';
export type { Analysis, Finding, FindingId, FindingEvidenceMap, Severity, SkippedRule, Status, StepKey, StepRef } from './analyzer/types.js';
export {
  buildReport,
  exitCode,
  render,
  REPORT_FORMATS,
  ReportSchema,
  REPORT_SCHEMA,
  type BuildReportOptions,
  type RenderOptions,
  type Report,
  type ReportFormat,
  type ReportJson,
} from './report/index.js';
export type { RenderedFinding } from './report/types.js';
export { SnapshotSchema, type Snapshot, type Endpoint, type MessageIdentity } from './snapshot/schema.js';
export type { TestLogEntry, TraceEvent } from './snapshot/trace.js';
export { MessageList } from './snapshot/message-list.js';
export { cloneSnapshot, parseSnapshot, serializeSnapshot } from './snapshot/io.js';
