// The summary a scan prints on stderr at the end: accounts by status, then the most common finding ids.
import type { ScanTotals } from './run.js';

const ORDER = ['ok', 'warning', 'critical', 'unknown'] as const;

export function worstExitCode(totals: ScanTotals): 0 | 1 | 2 | 3 {
  if (totals.byStatus.unknown > 0) return 3;
  if (totals.byStatus.critical > 0) return 2;
  if (totals.byStatus.warning > 0) return 1;
  return 0;
}

export function renderSummary(totals: ScanTotals, extra: { seconds?: number; resumed?: number; skippedByShard?: number; top?: number } = {}): string {
  const lines: string[] = [];
  const head = [`${totals.accounts} account${totals.accounts === 1 ? '' : 's'}`];
  if (extra.resumed) head.push(`${extra.resumed} from the earlier run (--resume)`);
  if (extra.skippedByShard) head.push(`${extra.skippedByShard} in other shards`);
  if (totals.retries) head.push(`${totals.retries} retr${totals.retries === 1 ? 'y' : 'ies'}`);
  if (extra.seconds !== undefined) head.push(`${extra.seconds.toFixed(1)} s`);
  lines.push(`scan: ${head.join(', ')}`);
  const w = Math.max(5, String(totals.accounts).length);
  lines.push(`  ${'status'.padEnd(10)} ${'accounts'.padStart(w)}`);
  for (const s of ORDER) lines.push(`  ${s.padEnd(10)} ${String(totals.byStatus[s]).padStart(w)}`);
  const top = [...totals.findings.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, extra.top ?? 10);
  if (top.length) {
    const iw = Math.max(10, ...top.map(([id]) => id.length));
    lines.push(`  ${'finding'.padEnd(iw)} ${'accounts'.padStart(w)}`);
    for (const [id, n] of top) lines.push(`  ${id.padEnd(iw)} ${String(n).padStart(w)}`);
  } else {
    lines.push('  no findings');
  }
  return `${lines.join('\n')}\n`;
}
