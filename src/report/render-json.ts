import type { Report } from './types.js';

/** The report@1 document, pretty-printed, one trailing newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
