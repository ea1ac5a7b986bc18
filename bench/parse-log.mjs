#!/usr/bin/env node
// Times parseLogs (the built dist/) over log files and prints lines/s and peak RSS. Run after `npm run build`:
//   /usr/bin/time -v node bench/parse-log.mjs /tmp/big.log --user alice
import { parseLogs } from '../dist/connectors/log/index.js';

const args = process.argv.slice(2);
const ui = args.indexOf('--user');
const user = ui >= 0 ? args[ui + 1] : 'alice';
const files = args.filter((a, i) => !a.startsWith('--') && i !== ui + 1);
if (!files.length) {
  process.stderr.write('usage: node bench/parse-log.mjs FILE... [--user alice]\n');
  process.exit(3);
}
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
const t0 = process.hrtime.bigint();
const e = await parseLogs(files, { user, matchLocalPart: true });
const s = Number(process.hrtime.bigint() - t0) / 1e9;
clearInterval(timer);
const bytes = e.files.reduce((a, f) => a + f.bytes, 0);
const rss = Math.max(peak, process.resourceUsage().maxRSS * 1024);
console.log(
  JSON.stringify(
    {
      files: e.files.map((f) => ({ path: f.path, gzip: f.gzip, bytes: f.bytes, lines: f.lines })),
      seconds: Number(s.toFixed(2)),
      linesPerSecond: Math.round(e.lines.total / s),
      fileMiBPerSecond: Number((bytes / 1024 ** 2 / s).toFixed(1)),
      peakRssMiB: Number((rss / 1024 ** 2).toFixed(0)),
      lines: e.lines,
      pop: { sessions: e.pop.sessions, deletedMessages: e.pop.deletedMessages, pollIntervalSeconds: e.pop.pollIntervalSeconds },
      logins: e.logins.length,
      quotaRefused: e.deliveries.quotaRefused,
    },
    null,
    2,
  ),
);
