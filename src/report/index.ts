// The report's public API: build, validate, render, exit code, and the wording pieces the CLI reuses.
export { buildReport, exitCode, type BuildReportOptions } from './build.js';
export { render, REPORT_FORMATS } from './render.js';
export { renderText } from './render-text.js';
export { renderJson } from './render-json.js';
export { renderMarkdown } from './render-markdown.js';
export { renderJunit } from './render-junit.js';
export { renderNagios } from './render-nagios.js';
export { ReportSchema, REPORT_SCHEMA, type ReportJson } from './schema.js';
export { renderStep, step, type StepKey, type StepRef } from './steps.js';
export { evidenceLines } from './evidence-text.js';
export { headline } from './verdict.js';
export type { Report, ReportFormat, RenderOptions } from './types.js';
