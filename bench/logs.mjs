// The server-log parser's part of `npm run bench`: generates Dovecot logs with bench/gen-log.mjs (deterministic,
// seed 1) and times `parseLogs` over each in a child of its own (bench/parse-log.mjs): lines per second, MiB per
// second and peak RSS, so that "memory stays flat" is a number per size. Also runs alone:
//   node bench/logs.mjs [--quick]      (prints the markdown section on stdout; needs `npm run build` first)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

function node(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')}: exit ${code}: ${err.slice(-500)}`))));
  });
}

/** The cases: sizes from small to large (a flat memory line is the point), and one syslog file. */
export function logCases(quick) {
  return quick
    ? [{ size: '20M' }, { size: '100M' }, { size: '20M', syslog: true }]
    : [{ size: '100M' }, { size: '1G' }, { size: '100M', syslog: true }];
}

export async function benchLogs({ quick = false, log = () => {} } = {}) {
  const work = mkdtempSync(join(os.tmpdir(), 'md-bench-logs-'));
  const rows = [];
  try {
    for (const c of logCases(quick)) {
      const file = join(work, `dovecot-${c.size}${c.syslog ? '-syslog' : ''}.log`);
      log(`log parser: generating ${c.size}${c.syslog ? ' (syslog)' : ''}`);
      await node([join(HERE, 'gen-log.mjs'), '--size', c.size, '--out', file, '--seed', '1', ...(c.syslog ? ['--syslog'] : [])]);
      const r = JSON.parse(await node([join(HERE, 'parse-log.mjs'), file, '--user', 'alice']));
      rows.push({ ...c, ...r });
      log(`log parser: ${c.size}: ${r.seconds} s, ${r.linesPerSecond} lines/s, peak RSS ${r.peakRssMiB} MiB`);
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

export function renderLogs(rows) {
  const L = ['', '## Server logs (`--log`, `maildoctor logs`)', ''];
  L.push('Generated Dovecot 2.3 logs (`bench/gen-log.mjs`, seed 1: many accounts over IMAP and POP3, mail_log events, LMTP deliveries, one account "alice" whose POP3 device deletes what it downloads) parsed by `parseLogs` for the user alice, each in a child process of its own (`bench/parse-log.mjs`).', '');
  L.push('| log | lines | wall | lines/s | MiB/s | peak RSS | alice\'s lines | unparseable | POP3 sessions | deleted |');
  L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    L.push(
      `| ${r.size}${r.syslog ? ' syslog' : ''} | ${r.lines.total.toLocaleString('en')} | ${r.seconds.toFixed(1)} s | ${r.linesPerSecond.toLocaleString('en')} | ${r.fileMiBPerSecond} | ${r.peakRssMiB} MiB | ${r.lines.matched.toLocaleString('en')} | ${r.lines.unparseable.toLocaleString('en')} | ${r.pop.sessions.toLocaleString('en')} | ${r.pop.deletedMessages.toLocaleString('en')} |`,
    );
  }
  L.push('', 'Memory stays flat: the parser streams each file and keeps per-session counters, not lines, so peak RSS grows little from the smallest log to the largest (most of it is Node and the parser\'s code). The unparseable lines are the generator\'s own deliberately broken lines (truncated, garbage), counted and shown, never read as zero.');
  return L;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await benchLogs({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`bench: ${m}\n`) });
  process.stdout.write(`${renderLogs(rows).join('\n')}\n`);
}
