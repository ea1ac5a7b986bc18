// Small inline SVG charts for the HTML report, drawn by our own code: a series over time (INBOX size, quota use)
// with marks at points and level lines, and a timeline of activity per device. Pure functions of their data;
// every text goes through esc(). No script: the pictures read the same printed as on screen.
import { esc } from './escape.js';

export interface Mark {
  /** Index of the point the mark stands at. */
  at: number;
  text: string;
  kind: 'up' | 'down' | 'alert';
}

export interface Level {
  value: number;
  label: string;
  kind: 'limit' | 'warn' | 'crit';
}

export interface SeriesChart {
  title: string;
  /** Times in milliseconds since the epoch, ascending; a null value is a probe that could not say (a gap). */
  points: { t: number; value: number | null }[];
  levels?: Level[];
  marks?: Mark[];
  /**
   * A dashed line from the last point on to where the trend meets a value (quota projected full). One further
   * off than twice the span of the points is cut at that edge, so the points keep most of the width.
   */
  projection?: { t: number; value: number; label: string } | null;
  /** Axis labels. */
  formatValue: (v: number) => string;
  formatTime: (t: number, spanMs: number) => string;
}

const W = 720;
const H = 260;
const PAD = { left: 78, right: 24, top: 28, bottom: 40 };

const num = (n: number) => (Math.round(n * 10) / 10).toString();

/** Round steps for an axis from 0 to max: 1, 2 or 5 times a power of ten. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let i = 0; i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function timeTicks(t0: number, t1: number, n = 5): number[] {
  if (t1 <= t0) return [t0];
  return Array.from({ length: n }, (_, i) => t0 + ((t1 - t0) * i) / (n - 1));
}

function frame(title: string, body: string[], height = H): string {
  return [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function xAxis(x: (t: number) => number, t0: number, t1: number, fmt: SeriesChart['formatTime'], left = PAD.left, y = H - PAD.bottom): string[] {
  return [
    `<line class="axis" x1="${left}" y1="${y}" x2="${W - PAD.right}" y2="${y}"/>`,
    ...timeTicks(t0, t1).map((t, i, all) => {
      const anchor = i === 0 ? 'start' : i === all.length - 1 ? 'end' : 'middle';
      return `<text class="tick" x="${num(x(t))}" y="${y + 18}" text-anchor="${anchor}">${esc(fmt(t, t1 - t0))}</text>`;
    }),
  ];
}

/** A value over time, with level lines (limit, thresholds), marks at points and an optional projection. */
export function seriesChart(c: SeriesChart): string {
  const known = c.points.filter((p): p is { t: number; value: number } => p.value !== null);
  const t0 = c.points[0]?.t ?? 0;
  const tLast = c.points[c.points.length - 1]?.t ?? 1;
  const edge = tLast + 2 * Math.max(tLast - t0, 3_600_000);
  const t1 = Math.min(edge, Math.max(tLast, c.projection?.t ?? -Infinity));
  const top = Math.max(1, ...known.map((p) => p.value), ...(c.levels ?? []).map((l) => l.value), c.projection?.value ?? 0);
  const ticks = niceTicks(top);
  const yMax = ticks[ticks.length - 1]!;
  const x = scale(t0, t1, PAD.left, W - PAD.right);
  const y = scale(0, yMax, H - PAD.bottom, PAD.top);
  const body: string[] = [
    ...ticks.map(
      (v) => `<line class="grid" x1="${PAD.left}" y1="${num(y(v))}" x2="${W - PAD.right}" y2="${num(y(v))}"/><text class="tick" x="${PAD.left - 6}" y="${num(y(v) + 4)}" text-anchor="end">${esc(c.formatValue(v))}</text>`,
    ),
    ...xAxis(x, t0, t1, c.formatTime),
  ];
  // Level labels at the left (the projection's label is at the right). The top label sits above its line, the
  // others under theirs: a limit and a level 5% under it stay apart.
  [...(c.levels ?? [])]
    .sort((a, b) => b.value - a.value)
    .forEach((l, i) => {
      body.push(
        `<line class="level ${l.kind}" x1="${PAD.left}" y1="${num(y(l.value))}" x2="${W - PAD.right}" y2="${num(y(l.value))}"/>`,
        `<text class="level-label ${l.kind}" x="${PAD.left + 4}" y="${num(y(l.value) + (i > 0 ? 13 : -5))}">${esc(l.label)}</text>`,
      );
    });
  // The line breaks where a probe could not say: a gap is drawn as a gap, never bridged.
  const runs: string[][] = [[]];
  for (const p of c.points) {
    if (p.value === null) runs.push([]);
    else runs[runs.length - 1]!.push(`${num(x(p.t))},${num(y(p.value))}`);
  }
  for (const r of runs.filter((r) => r.length > 1)) body.push(`<polyline class="series" points="${r.join(' ')}"/>`);
  for (const p of known) body.push(`<circle class="point" cx="${num(x(p.t))}" cy="${num(y(p.value))}" r="3.5"/>`);
  const last = known[known.length - 1];
  if (c.projection && last && c.projection.t > last.t) {
    const cut = Math.min(1, (t1 - last.t) / (c.projection.t - last.t));
    const px = x(last.t + (c.projection.t - last.t) * cut);
    const py = y(last.value + (c.projection.value - last.value) * cut);
    body.push(
      `<line class="projection" x1="${num(x(last.t))}" y1="${num(y(last.value))}" x2="${num(px)}" y2="${num(py)}"/>`,
      `<text class="mark alert" x="${num(px - 4)}" y="${num(py + 16)}" text-anchor="end">${esc(cut < 1 ? `${c.projection.label} →` : c.projection.label)}</text>`,
    );
  }
  const stacked = new Map<number, number>();
  for (const m of c.marks ?? []) {
    const p = c.points[m.at];
    if (!p || p.value === null) continue;
    const n = stacked.get(m.at) ?? 0;
    stacked.set(m.at, n + 1);
    const below = m.kind !== 'up';
    const my = y(p.value) + (below ? 18 + 14 * n : -10 - 14 * n);
    const anchor = m.at === c.points.length - 1 ? 'end' : m.at === 0 ? 'start' : 'middle';
    body.push(`<text class="mark ${m.kind}" x="${num(x(p.t))}" y="${num(my)}" text-anchor="${anchor}">${esc(m.text)}</text>`);
  }
  return frame(c.title, body);
}

export interface TimelineRow {
  label: string;
  /** Milliseconds since the epoch; from equal to to is one moment (a dot). */
  from: number;
  to: number;
  note: string;
  kind: 'imap' | 'pop3';
}

/** One row per device: a bar from its first to its last login, labelled with what it did. */
export function timelineChart(title: string, rows: TimelineRow[], formatTime: SeriesChart['formatTime']): string {
  const rowH = 34;
  const height = PAD.top + rows.length * rowH + PAD.bottom;
  const t0 = Math.min(...rows.map((r) => r.from));
  const t1 = Math.max(...rows.map((r) => r.to));
  const left = 210;
  const x = scale(t0, t1 > t0 ? t1 : t0 + 1, left, W - PAD.right);
  const body: string[] = [];
  rows.forEach((r, i) => {
    const cy = PAD.top + i * rowH + rowH / 2;
    body.push(`<text class="row-label" x="${left - 8}" y="${num(cy + 4)}" text-anchor="end">${esc(r.label)}</text>`);
    body.push(
      r.to > r.from
        ? `<rect class="bar ${r.kind}" x="${num(x(r.from))}" y="${num(cy - 7)}" width="${num(Math.max(2, x(r.to) - x(r.from)))}" height="14" rx="3"/>`
        : `<circle class="bar ${r.kind}" cx="${num(x(r.from))}" cy="${num(cy)}" r="6"/>`,
    );
    body.push(`<text class="tick" x="${num(Math.min(x(r.from), W - PAD.right - 160))}" y="${num(cy - 10)}">${esc(r.note)}</text>`);
  });
  body.push(...xAxis(x, t0, t1, formatTime, left, height - PAD.bottom));
  return frame(title, body, height);
}
