// The report: everything a renderer needs, built once from a snapshot and its analysis. Renderers are pure
// functions of it. Its JSON form is the "maildoctor/report@1" contract (schema.ts).
import type { Finding, FindingId, SkippedRule, Status } from '../analyzer/types.js';
import type { ReportJson } from './schema.js';

export type ReportFormat = 'text' | 'json' | 'markdown' | 'junit' | 'nagios';

export interface Report extends Omit<ReportJson, 'findings' | 'skipped' | 'checked' | 'errors' | 'status'> {
  status: Status;
  findings: Finding[];
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
