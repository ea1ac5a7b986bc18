import { renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { renderJunit } from './render-junit.js';
import { renderMarkdown } from './render-markdown.js';
import { renderNagios } from './render-nagios.js';
import { renderOpenMetrics } from './render-openmetrics.js';
import { renderText } from './render-text.js';
import type { RenderOptions, Report, ReportFormat } from './types.js';

const RENDERERS: Record<ReportFormat, (report: Report, opts: RenderOptions) => string> = {
  text: renderText,
  json: renderJson,
  markdown: renderMarkdown,
  junit: renderJunit,
  nagios: renderNagios,
  openmetrics: renderOpenMetrics,
  html: renderHtml,
};

export const REPORT_FORMATS = Object.keys(RENDERERS) as ReportFormat[];

/** Render a report in one of the formats; every renderer is a pure (report, opts) → string. */
export function render(report: Report, format: ReportFormat, opts: RenderOptions = {}): string {
  return RENDERERS[format](report, opts);
}
