// The report's public API: build, validate, render, exit code, and the protocol recommendation.
export { buildReport, exitCode, type BuildReportOptions } from './build.js';
export { render, REPORT_FORMATS } from './render.js';
export { renderText } from './render-text.js';
export { renderMarkdown } from './render-markdown.js';
export { renderJunit } from './render-junit.js';
export { renderNagios } from './render-nagios.js';
export { ReportSchema, REPORT_SCHEMA, type ReportJson } from './schema.js';
export { recommend, measuredFrom, renderRecommendation, type CustomerAnswers } from './recommend.js';
export type { Report, ReportFormat, RenderOptions } from './types.js';
