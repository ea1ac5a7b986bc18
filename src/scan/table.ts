// `scan --format text`: one row per account as it finishes (status, account, what matters most), for people
// reading a terminal or a ticket. Rows stream like the JSON lines do, so memory stays flat.
import type { ScanLine } from './run.js';

const STATUS_WIDTH = 'CRITICAL'.length;
const MAX_KEY_WIDTH = 40;

/** The column width for these account keys (at most 40; a longer key is cut with an ellipsis). */
export function keyWidth(keys: Iterable<string>): number {
  let w = 'ACCOUNT'.length;
  for (const k of keys) w = Math.max(w, Math.min(MAX_KEY_WIDTH, k.length));
  return w;
}

const fit = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));

export function tableHeader(width: number): string {
  return `${'STATUS'.padEnd(STATUS_WIDTH)}  ${'ACCOUNT'.padEnd(width)}  WHAT WAS FOUND\n`;
}

/**
 * The account's row: its status, its key, and the title of its most severe finding (findings come ordered by
 * severity) with how many more there are; the reason when it could not be probed; the verdict when nothing was
 * found.
 */
export function tableRow(line: ScanLine, width: number): string {
  const [first, ...rest] = line.findings;
  const what = line.scan.error
    ? `not checked: ${line.scan.error}`
    : first
      ? `${first.title}${rest.length ? ` (and ${rest.length} more: ${rest.map((f) => f.id).join(', ')})` : ''}`
      : line.verdict;
  return `${line.status.toUpperCase().padEnd(STATUS_WIDTH)}  ${fit(line.scan.key, width)}  ${what.replace(/\s+/g, ' ')}\n`;
}
