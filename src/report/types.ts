// The report: everything a renderer needs, built once from a snapshot and its analysis. Renderers are pure
// functions of it. Its JSON form is the "maildoctor/report@1" contract (schema.ts).
import type { FindingEvidenceMap, FindingId, FindingOf, SkippedRule, Status, StepRef } from '../analyzer/types.js';
import type { AccountServers } from '../analyzer/server-identity.js';
import type { ReportJson } from './schema.js';

export type ReportFormat = 'text' | 'json' | 'markdown' | 'junit' | 'nagios' | 'openmetrics' | 'html';

/**
 * The words of one finding id, kept in src/report/findings/<id>.ts and typed on that id's evidence, so a field
 * the evidence lacks does not compile. Function properties, not methods: a method would be checked loosely.
 */
export interface FindingWords<K extends FindingId> {
  /** One line, with the numbers. */
  title: (e: FindingEvidenceMap[K]) => string;
  /** Why it matters. */
  explanation: (e: FindingEvidenceMap[K]) => string;
  /** The verdict's one sentence when this is the most severe finding. */
  headline: (f: FindingOf<K>) => string;
  /** The evidence as lines a person reads (JSON keeps the raw numbers); `at` gives an ISO time in the report's zone. */
  evidence: (e: FindingEvidenceMap[K], at: (iso: string) => string) => string[];
}

/** A finding with its words: rendered once by buildReport from the analyzer's data (renderFinding). */
export type RenderedFindingOf<K extends FindingId> = Omit<FindingOf<K>, 'steps'> & {
  /** One line, with the numbers. */
  title: string;
  /** Why it matters. */
  explanation: string;
  /** What to do, in order, in words. */
  steps: string[];
  /** The same steps as data (key and parameters), for scripts to match on. */
  stepKeys: StepRef[];
};
export type RenderedFinding = { [K in FindingId]: RenderedFindingOf<K> }[FindingId];

export interface Report extends Omit<ReportJson, 'findings' | 'skipped' | 'checked' | 'errors' | 'status' | 'timeZone' | 'server'> {
  /** Who runs each probed server (see analyzer/server-identity.ts). */
  server: AccountServers;
  status: Status;
  /** The zone the words give times in (JSON fields stay UTC ISO). */
  timeZone: string;
  findings: RenderedFinding[];
  skipped: SkippedRule[];
  checked: FindingId[];
  errors: { rule: FindingId; message: string }[];
}

export interface RenderOptions {
  /** ANSI colour (text only). The caller decides: a TTY, and NO_COLOR unset. Never the only signal. */
  color?: boolean;
}

// A Report is a valid report@1 document (compile-time check).
export const toJson = (r: Report): ReportJson => r;
