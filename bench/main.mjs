// npm run bench [-- --quick] [-- --runs N] [-- --out FILE] [-- --no-logs] [-- --no-servers]
// Starts its own Dovecot (src/testbed), seeds big accounts by writing Maildir files, and measures side by side,
// each case in a child process of its own (wall time from here, CPU and peak RSS from the child's
// process.resourceUsage() via bench/hook.mjs, bytes and round trips from one extra run through a counting TCP
// relay): maildoctor check (Dovecot cold, then warm --no-history), check with history (first recording run,
// then repeats), POP3 UIDL+LIST with our client, and the baselines (imapflow full fetch, node-pop3). Then a
// fleet scan of many small accounts, and check on Cyrus and Courier with the same account shape (as root).
// Writes the tables and the machine description to BENCHMARKS.md.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startTestbed, addUser } from '../dist/testbed/dovecot.js';
import { seedMaildir } from '../dist/testbed/seed.js';
import { startServer } from '../dist/testbed/servers.js';
import { startProxy } from './proxy.mjs';
import { benchLogs, renderLogs } from './logs.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const HOOK = pathToFileURL(join(ROOT, 'bench/hook.mjs')).href;

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const QUICK = flag('--quick');
/** Only the fleet scan, printed on stderr (BENCHMARKS.md is not written). */
const FLEET_ONLY = flag('--fleet-only');
/** Leave out the Cyrus and Courier rows (they need root: both run in the testbed's private prefixes). */
const NO_SERVERS = flag('--no-servers') || process.getuid?.() !== 0;
const RUNS = Number(value('--runs', QUICK ? 3 : 5));
const SIZES = QUICK ? [2_000, 10_000] : [10_000, 100_000];
const FOLDERS = 20;
const FOLDER_SIZE = QUICK ? 100 : 1_000;
const FLEET = Number(value('--fleet', QUICK ? 100 : 1_000));
const OUT = value('--out', join(ROOT, 'BENCHMARKS.md'));
const log = (m) => process.stderr.write(`bench: ${m}\n`);

const DAY = 86_400_000;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Run one case in a child; resolves with wall ms, CPU ms, peak RSS MB, stdout. */
function runChild(args, env, { timeoutMs = 600_000 } = {}) {
  const dir = mkdtempSync(join(os.tmpdir(), 'mdbench-'));
  const rusageFile = join(dir, 'rusage.json');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', HOOK, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env, BENCH_RUSAGE_FILE: rusageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let ru = null;
      try {
        ru = JSON.parse(readFileSync(rusageFile, 'utf8'));
      } catch {
        /* killed */
      }
      rmSync(dir, { recursive: true, force: true });
      if (!ru) return reject(new Error(`${args.join(' ')} died (code ${code}): ${stderr.slice(-500)}`));
      resolve({ code, wallMs, cpuMs: (ru.userUs + ru.systemUs) / 1000, rssMb: ru.maxRssKb / 1024, stdout, stderr });
    });
  });
}

function seedAccount(tb, user, inboxSize, folderSize) {
  const now = Date.now();
  // INBOX in arrival order over the last ~400 days, 90% read; the newest few minutes old.
  const inbox = Array.from({ length: inboxSize }, (_, i) => ({
    date: new Date(now - (inboxSize - i) * ((400 * DAY) / inboxSize)),
    flags: i % 10 === 0 ? [] : ['\\Seen'],
    bodyBytes: 300,
  }));
  seedMaildir(tb, user, 'INBOX', inbox);
  for (let f = 1; f <= FOLDERS; f++) {
    const msgs = Array.from({ length: folderSize }, (_, i) => ({
      date: new Date(now - (folderSize - i) * ((200 * DAY) / folderSize)),
      flags: ['\\Seen'],
      bodyBytes: 300,
    }));
    seedMaildir(tb, user, `Folder${String(f).padStart(2, '0')}`, msgs);
  }
}

/**
 * `check --no-history` on Cyrus 3.6 and Courier 5.0 (the testbed's other servers, src/testbed/servers.ts) with the
 * same account shape: cold (first access after seeding), warm (median), and one run through the counting relays.
 * Cyrus is seeded by IMAP APPEND (it keeps its own index), Courier by Maildir files.
 */
async function otherServerRows(kind, sizes) {
  const server = await startServer(kind);
  const out = [];
  try {
    const ep = server.endpoints;
    for (const size of sizes) {
      const password = 'bench-Password-1';
      const user = await server.addUser({ password, quotaStorageBytes: 10 * 2 ** 30 });
      const now = Date.now();
      let t = Date.now();
      await server.seed(user, 'INBOX', Array.from({ length: size }, (_, i) => ({ date: new Date(now - (size - i) * ((400 * DAY) / size)), flags: i % 10 === 0 ? [] : ['\\Seen'], bodyBytes: 300 })));
      for (let f = 1; f <= FOLDERS; f++) {
        await server.seed(user, `Folder${String(f).padStart(2, '0')}`, Array.from({ length: FOLDER_SIZE }, (_, i) => ({ date: new Date(now - (FOLDER_SIZE - i) * ((200 * DAY) / FOLDER_SIZE)), flags: ['\\Seen'], bodyBytes: 300 })));
      }
      log(`${kind}: seeded ${size} + ${FOLDERS}×${FOLDER_SIZE} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      const args = (imapPort, popPort) => [CLI, 'check', '--host', ep.host, '--imap-port', String(imapPort), '--pop-port', String(popPort), '--user', user.user, '--ca', ep.caFile, '--timeout', '120', '--format', 'json', '--quiet', '--no-history'];
      const env = { MAILDOCTOR_PASSWORD: password };
      const run = async (ip, pp) => {
        const r = await runChild(args(ip, pp), env);
        const rep = JSON.parse(r.stdout);
        if (rep.status === 'unknown') throw new Error(`${kind} check failed: ${rep.verdict}`);
        return { ...r, status: rep.status };
      };
      const cold = await run(ep.ports.imaps, ep.ports.pop3s);
      const samples = [];
      for (let i = 0; i < RUNS; i++) samples.push(await run(ep.ports.imaps, ep.ports.pop3s));
      const pi = await startProxy(ep.ports.imaps);
      const pp = await startProxy(ep.ports.pop3s);
      await run(pi.port, pp.port);
      const wire = { rx: pi.stats.rxBytes + pp.stats.rxBytes, flights: pi.stats.flights + pp.stats.flights };
      await pi.close();
      await pp.close();
      const row = { kind, account: size, coldMs: cold.wallMs, wallMs: median(samples.map((x) => x.wallMs)), cpuMs: median(samples.map((x) => x.cpuMs)), rssMb: Math.max(cold.rssMb, ...samples.map((x) => x.rssMb)), rxBytes: wire.rx, roundTrips: wire.flights, runs: RUNS, status: samples[0].status };
      log(`${kind} ${size} check --no-history: cold ${row.coldMs.toFixed(0)} ms, warm ${row.wallMs.toFixed(0)} ms wall, ${row.cpuMs.toFixed(0)} ms CPU, ${row.rssMb.toFixed(0)} MB, ${row.rxBytes} B, ${row.roundTrips} RT`);
      out.push(row);
    }
  } finally {
    await server.stop();
  }
  return out;
}

function machine() {
  const cpus = os.cpus();
  let dovecot = 'unknown';
  try {
    dovecot = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* not on PATH */
  }
  let load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    ram: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    dovecot,
    load,
  };
}

function hasHistoryFlag() {
  try {
    const help = execFileSync(process.execPath, [CLI, 'check', '--help'], { encoding: 'utf8' });
    return /--history\b/.test(help);
  } catch {
    return false;
  }
}

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench does)`);
  const started = Date.now();
  const history = hasHistoryFlag();
  log(`${QUICK ? 'quick' : 'full'} run: INBOX ${SIZES.join(' / ')} + ${FOLDERS}×${FOLDER_SIZE}, ${RUNS} runs, fleet ${FLEET}; history ${history ? 'available' : 'n/a'}`);
  const tb = await startTestbed();
  const work = mkdtempSync(join(os.tmpdir(), 'mdbench-work-'));
  const rows = [];
  const serverRows = [];
  let fleet;
  try {
    const password = 'bench-Password-1';
    // The fixed cost of every command: Node start-up and loading the CLI's modules, no network at all.
    {
      const samples = [];
      for (let i = 0; i < RUNS; i++) samples.push(await runChild([CLI, '--version'], {}));
      rows.push({ account: 0, name: 'maildoctor --version (Node start-up + CLI modules, no network)', target: '', runs: RUNS,
        wallMs: median(samples.map((x) => x.wallMs)), cpuMs: median(samples.map((x) => x.cpuMs)), rssMb: Math.max(...samples.map((x) => x.rssMb)), rxBytes: 0, roundTrips: 0, note: '' });
      const bare = [];
      for (let i = 0; i < RUNS; i++) bare.push(await runChild(['-e', '0'], {}));
      rows.push({ account: 0, name: 'node -e 0 (Node start-up alone)', target: '', runs: RUNS,
        wallMs: median(bare.map((x) => x.wallMs)), cpuMs: median(bare.map((x) => x.cpuMs)), rssMb: Math.max(...bare.map((x) => x.rssMb)), rxBytes: 0, roundTrips: 0, note: '' });
    }
    for (const size of FLEET_ONLY ? [] : SIZES) {
      const user = await addUser(tb, { password, quotaStorageBytes: 10 * 2 ** 30 });
      let t = Date.now();
      seedAccount(tb, user, size, FOLDER_SIZE);
      log(`seeded ${user.user}: ${size} + ${FOLDERS}×${FOLDER_SIZE} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      const env = { MAILDOCTOR_PASSWORD: password, BENCH_HOST: tb.host, BENCH_USER: user.user, BENCH_PASSWORD: password, BENCH_CA: tb.caFile };
      const checkArgs = (imapPort, popPort, extra) => [
        CLI, 'check', '--host', tb.host, '--imap-port', String(imapPort), '--pop-port', String(popPort), '--user', user.user,
        '--ca', tb.caFile, '--timeout', '120', '--format', 'json', '--quiet', ...extra,
      ];
      const noHist = history ? ['--no-history'] : [];
      const histDb = join(work, `history-${size}.db`);
      const checkReport = (r) => {
        const rep = JSON.parse(r.stdout);
        if (rep.status === 'unknown') throw new Error(`check failed: ${rep.verdict}`);
        return rep;
      };

      /** Timed runs (direct to Dovecot), then one run through the counting relays. */
      const measure = async (name, target, mk, { runs = RUNS, validate = () => {}, note = '' } = {}) => {
        const samples = [];
        for (let i = 0; i < runs; i++) {
          const r = await runChild(...mk(tb.ports.imaps, tb.ports.pop3s));
          if (r.code !== 0 && r.code !== 1 && r.code !== 2) throw new Error(`${name}: exit ${r.code}: ${r.stderr.slice(-400)}`);
          validate(r);
          samples.push(r);
        }
        const pi = await startProxy(tb.ports.imaps);
        const pp = await startProxy(tb.ports.pop3s);
        await runChild(...mk(pi.port, pp.port));
        const wire = { rx: pi.stats.rxBytes + pp.stats.rxBytes, flights: pi.stats.flights + pp.stats.flights };
        await pi.close();
        await pp.close();
        const row = {
          account: size,
          name,
          target,
          runs,
          wallMs: median(samples.map((s) => s.wallMs)),
          cpuMs: median(samples.map((s) => s.cpuMs)),
          rssMb: Math.max(...samples.map((s) => s.rssMb)),
          rxBytes: wire.rx,
          roundTrips: wire.flights,
          note,
        };
        rows.push(row);
        log(`${size} ${name}: ${row.wallMs.toFixed(0)} ms wall, ${row.cpuMs.toFixed(0)} ms CPU, ${row.rssMb.toFixed(0)} MB, ${row.rxBytes} B, ${row.roundTrips} RT`);
        return row;
      };
      const cli = (extra) => (ip, pp) => [checkArgs(ip, pp, extra), env];

      // 1. The very first access after seeding: Dovecot builds its index and cache now (one sample only).
      await measure('check --no-history (Dovecot cold: first access after seeding)', '', cli(noHist), { runs: 1, validate: checkReport });
      // 2. Warm Dovecot, no history: the issue's "check --no-history" target.
      await measure('check --no-history (warm)', size === 10_000 ? '≤ 0.6 s' : '', cli(noHist), { validate: checkReport });
      // The two halves of that check on their own: it costs the slower of them, not their sum.
      await measure('check --no-history --only imap (warm)', '', cli([...noHist, '--only', 'imap']), { validate: checkReport });
      await measure('check --no-history --only pop (warm)', '', cli([...noHist, '--only', 'pop']), { validate: checkReport });
      // 3. History: the first probe that records, then repeats that compare with it.
      if (history) {
        // A fresh database for every run, the relayed one too: a second run on the same file would be a repeat.
        let firstN = 0;
        await measure('check --history (first, records identities; Dovecot reads every Message-ID header now)', '', (ip, pp) => [checkArgs(ip, pp, ['--history', join(work, `first-${size}-${++firstN}.db`)]), env], { runs: 1, validate: checkReport, note: 'fresh history db' });
        // The same first recording once Dovecot has those headers in its cache (another fresh database).
        await measure('check --history (first, headers already in Dovecot\'s cache)', '≤ 2.5 s', (ip, pp) => [checkArgs(ip, pp, ['--history', join(work, `first-${size}-${++firstN}.db`)]), env], { validate: checkReport, note: 'fresh history db' });
        const seedRun = await runChild(checkArgs(tb.ports.imaps, tb.ports.pop3s, ['--history', histDb]), env);
        checkReport(seedRun);
        await measure('check --history (repeat)', '', cli(['--history', histDb]), { validate: checkReport });
      } else {
        rows.push({ account: size, name: 'check with history', target: '', na: 'n/a (history not built)' });
      }
      // 4. POP3 alone, ours and node-pop3; 5. the naive imapflow fetch.
      const script = (file, protocol) => (ip, pp) => [[join(ROOT, 'bench', file)], { ...env, BENCH_PORT: String(protocol === 'imap' ? ip : pp) }];
      const count = (r) => {
        const n = JSON.parse(r.stdout).messages;
        if (n !== size) throw new Error(`expected ${size} messages, got ${n}`);
      };
      await measure('POP3 UIDL+LIST (maildoctor Pop3Client)', '', script('pop3-ours.mjs', 'pop'), { validate: count });
      await measure('baseline: node-pop3 0.11 UIDL+LIST', '', script('node-pop3-baseline.mjs', 'pop'), { validate: count });
      await measure('floor: TLS UIDL+LIST read without parsing (Dovecot\'s own time)', '', script('pop3-floor.mjs', 'pop'), { validate: count });
      await measure('baseline: imapflow FETCH 1:* uid/flags/internalDate/size/envelope', '', script('imapflow-baseline.mjs', 'imap'), { validate: count });
    }

    // The fleet: many small accounts, 16 at a time.
    log(`creating ${FLEET} accounts`);
    const fleetPw = 'fleet-Password-2';
    const names = [];
    for (let i = 0; i < FLEET; i++) {
      const u = await addUser(tb, { password: fleetPw });
      seedMaildir(tb, u, 'INBOX', [
        { date: new Date(Date.now() - 30 * DAY), flags: ['\\Seen'] },
        { date: new Date(Date.now() - 2 * DAY), flags: ['\\Seen'] },
        { date: new Date(Date.now() - 3_600_000) },
      ]);
      names.push(u.user);
    }
    const accounts = join(work, 'fleet.csv');
    writeFileSync(accounts, `user\n${names.join('\n')}\n`);
    const out = join(work, 'fleet.jsonl');
    // scan keeps a history per account by default (as check does): a private database, scanned twice, so the
    // second run is the daily repeat that compares every account with its previous probe.
    const fleetDb = join(work, 'fleet-history.db');
    const scanOnce = () =>
      runChild(
        [CLI, 'scan', accounts, '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile,
          '--concurrency', '16', '--out', out, '--quiet', '--history', fleetDb],
        { MAILDOCTOR_PASSWORD: fleetPw },
      );
    log(`scanning ${FLEET} accounts with --concurrency 16 (first scan: the history is empty)`);
    const firstScan = await scanOnce();
    log(`first scan: ${(firstScan.wallMs / 1000).toFixed(1)} s, ${firstScan.rssMb.toFixed(0)} MB; scanning again (each account compared with its first probe)`);
    const r = await scanOnce();
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const keys = new Set(lines.map((l) => l.scan.key));
    const byStatus = {};
    for (const l of lines) byStatus[l.status] = (byStatus[l.status] ?? 0) + 1;
    fleet = { accounts: FLEET, lines: lines.length, unique: keys.size, exit: r.code, wallMs: r.wallMs, cpuMs: r.cpuMs, rssMb: r.rssMb, byStatus };
    fleet.firstWallMs = firstScan.wallMs;
    log(`scan: ${fleet.lines}/${FLEET} lines (${fleet.unique} unique) in ${(r.wallMs / 1000).toFixed(1)} s, ${r.rssMb.toFixed(0)} MB, statuses ${JSON.stringify(byStatus)}`);
    if (!FLEET_ONLY && !NO_SERVERS) for (const kind of ['cyrus', 'courier']) serverRows.push(...(await otherServerRows(kind, SIZES)));
  } finally {
    await tb.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (FLEET_ONLY) return;
  // The log parser needs no server: generated logs of growing size (skip with --no-logs).
  const logRows = flag('--no-logs') ? [] : await benchLogs({ quick: QUICK, log });
  const md = render({ rows, serverRows, fleet, logRows, machine: machine(), history, seconds: (Date.now() - started) / 1000 });
  writeFileSync(OUT, md);
  process.stdout.write(md);
  log(`wrote ${OUT} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
}

function fmtBytes(b) {
  if (b === undefined) return 'n/a';
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

/**
 * The adaptive-probe issue's targets, each computed from rows of this same run: the ratios against the naive
 * imapflow full fetch measured minutes apart on the same server, the absolute times, memory and bytes.
 */
function renderTargets(rows, fleet) {
  const big = SIZES[SIZES.length - 1];
  const small = SIZES[0];
  const row = (size, prefix) => rows.find((r) => r.account === size && !r.na && r.name.startsWith(prefix));
  const naive = row(big, 'baseline: imapflow FETCH');
  const check = row(big, 'check --no-history (warm)');
  const repeat = row(big, 'check --history (repeat)');
  const first = row(big, "check --history (first, headers already in Dovecot's cache)");
  const check10 = row(small, 'check --no-history (warm)');
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const out = [];
  const t = (what, target, measured, met) => out.push(`| ${what} | ${target} | ${measured} | ${met === null ? 'n/a' : met ? '✔ met' : '✖ missed'} |`);
  const ratio = (r, want, label) => {
    if (!r || !naive) return t(label, `≥ ${want}×`, 'n/a', null);
    const x = naive.wallMs / r.wallMs;
    t(label, `≥ ${want}× (≤ ${s(naive.wallMs / want)} against ${s(naive.wallMs)})`, `${x.toFixed(1)}× (${s(r.wallMs)})`, x >= want);
  };
  const lim = (label, target, value, text, max) => (value === undefined || value === null ? t(label, target, 'n/a', null) : t(label, target, text, value <= max));
  ratio(check, 20, `${big.toLocaleString('en')}: check --no-history against the naive full fetch`);
  ratio(repeat, 10, `${big.toLocaleString('en')}: repeat check with history against the naive full fetch`);
  lim(`${big.toLocaleString('en')}: first check with history, Dovecot's header cache warm`, '≤ 2.5 s', first?.wallMs, first ? s(first.wallMs) : '', 2500);
  lim(`${big.toLocaleString('en')}: first check with history, peak RSS`, '≤ 150 MB', first?.rssMb, first ? `${first.rssMb.toFixed(0)} MB` : '', 150);
  lim(`${big.toLocaleString('en')}: check --no-history, peak RSS`, '≤ 120 MB', check?.rssMb, check ? `${check.rssMb.toFixed(0)} MB` : '', 120);
  lim(`${big.toLocaleString('en')}: check --no-history, bytes received`, '≤ 100 KiB', check?.rxBytes, check ? fmtBytes(check.rxBytes) : '', 100 * 1024);
  lim(`${small.toLocaleString('en')}: check --no-history`, '≤ 0.6 s', check10?.wallMs, check10 ? s(check10.wallMs) : '', 600);
  if (fleet) {
    const all = fleet.lines === fleet.accounts && fleet.unique === fleet.accounts;
    t(`fleet: ${fleet.accounts.toLocaleString('en')} accounts at concurrency 16`, '≤ 30 s, ≤ 200 MB, every account present', `${(fleet.wallMs / 1000).toFixed(1)} s, ${fleet.rssMb.toFixed(0)} MB, ${fleet.unique} of ${fleet.accounts} accounts`, fleet.wallMs <= 30_000 && fleet.rssMb <= 200 && all);
  } else t('fleet', '≤ 30 s, ≤ 200 MB, every account present', 'n/a', null);
  return ['', '### Targets of the adaptive-probe issue', '', '| target | wanted | this run | |', '| --- | --- | --- | --- |', ...out, '', QUICK ? 'Quick mode: the sizes are not the issue\'s; read these as a smoke test.' : 'Ratios divide the naive full fetch\'s median wall time by the case\'s, both from this run.'];
}

function render({ rows, serverRows, fleet, logRows, machine: m, history, seconds }) {
  const L = [];
  const acct = (n) => (n ? n.toLocaleString('en') : '—');
  L.push('# maildoctor benchmarks', '');
  L.push(`Produced by \`npm run bench${QUICK ? ' -- --quick' : ''}\` (bench/main.mjs) on ${new Date().toISOString().slice(0, 10)}, in ${seconds.toFixed(0)} s.`);
  if (QUICK) L.push('', '**Quick mode** (small sizes, a smoke test of the benchmark itself): the issue\'s targets are for the full run (`npm run bench`).');
  L.push('', '## Machine', '');
  L.push(`- CPU: ${m.cpu}`, `- RAM: ${m.ram}`, `- OS: ${m.os}`, `- Node.js: ${m.node}`, `- Dovecot: ${m.dovecot}`, `- Load average at the end: ${m.load} (other work on the machine makes timings noisy)`);
  L.push('', '## Method', '');
  L.push(
    `- One Dovecot on loopback (the test server of src/testbed, Maildir on tmpfs), implicit TLS for IMAP and POP3.`,
    `- Accounts of ${SIZES.map((s) => s.toLocaleString('en')).join(' and ')} INBOX messages plus ${FOLDERS} folders of ${FOLDER_SIZE.toLocaleString('en')}, written as Maildir files (INTERNALDATE spread over 400 days in UID order, 90% \\Seen, ~0.5 KB each).`,
    `- Each case runs in a child process of its own: **wall** is from spawn to exit as seen by the parent (Node start-up included), **CPU** is the child's user+system time and **peak RSS** its maxRSS (\`process.resourceUsage()\` at exit). Median of ${RUNS} runs for wall and CPU, the largest RSS seen.`,
    `- **Bytes received** and **round trips** come from one further run through a counting TCP relay: bytes from the server as they travel (TLS records), and client flights (a send after server data, TLS handshakes included). All connections of the case are summed (check opens one IMAP and one POP3 connection, plus its TLS preflight).`,
    `- "Dovecot cold" is the first access after seeding: Dovecot builds its index and cache then. Every later row runs against warm indexes.`,
    history ? '- History rows use `check --history DB`: "first" with a fresh database (records INBOX identities), "repeat" against a database that already holds one probe.' : '- History rows: n/a (check --history did not exist when this ran).',
  );
  L.push('', '## Single account', '');
  L.push('| INBOX | case | target | wall (median) | client CPU | peak RSS | bytes received | round trips | runs |');
  L.push('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    if (r.na) {
      L.push(`| ${acct(r.account)} | ${r.name} | ${r.target} | ${r.na} | | | | | |`);
      continue;
    }
    const met = r.target && r.target.startsWith('≤') ? (r.wallMs <= parseFloat(r.target.slice(2)) * 1000 ? ' ✔' : ' ✖') : '';
    L.push(
      `| ${acct(r.account)} | ${r.name} | ${r.target}${met} | ${(r.wallMs / 1000).toFixed(3)} s | ${(r.cpuMs / 1000).toFixed(3)} s | ${r.rssMb.toFixed(0)} MB | ${fmtBytes(r.rxBytes)} | ${r.roundTrips} | ${r.runs} |`,
    );
  }
  L.push('', '✔ / ✖: wall time against an absolute target of the adaptive-probe issue; its other targets (ratios, memory, bytes) are in the next table.');
  L.push(...renderTargets(rows, fleet));
  const startup = rows.find((r) => r.account === 0);
  L.push('', '## Notes', '');
  const row = (size, prefix) => rows.find((r) => r.account === size && r.name.startsWith(prefix));
  const secs = (r) => (r ? `${(r.wallMs / 1000).toFixed(2)} s` : 'n/a');
  const big = SIZES[SIZES.length - 1];
  L.push(
    `- Every command pays a fixed cost before the first byte is sent: Node start-up and loading the CLI (one esbuild bundle; imapflow, zod and SQLite are chunks loaded only by the commands that use them). \`maildoctor --version\` took ${startup ? `${(startup.wallMs / 1000).toFixed(2)} s wall and ${(startup.cpuMs / 1000).toFixed(2)} s CPU` : 'n/a'} in this run; bare \`node -e 0\` took ${secs(rows.find((r) => r.name.startsWith('node -e 0')))}.`,
    `- \`check\` runs its IMAP and POP3 probes at the same time, so it costs the slower of the two plus that fixed cost: at ${big.toLocaleString('en')} messages IMAP alone ${secs(row(big, 'check --no-history --only imap'))}, POP3 alone ${secs(row(big, 'check --no-history --only pop'))}, both ${secs(row(big, 'check --no-history (warm)'))}.`,
    `- The POP3 half is bound by Dovecot: the floor row (a TLS reader that parses nothing) took ${secs(row(big, 'floor:'))} for UIDL+LIST, our client ${secs(row(big, 'POP3 UIDL+LIST (maildoctor'))}. Dovecot spends ~0.3 s on the first command after login (it reads every message's size), then streams the two listings (~33 bytes a message, most of the bytes received by \`check\`).`,
    '- The IMAP half asks for counts, not messages: ESEARCH counts, one LIST-STATUS, ESORT or sampled INTERNALDATEs for the ages of big mailboxes (a few FETCHes of ~32 dates instead of three YOUNGER searches over every message), and GETQUOTAROOT after INBOX (while the folder sweep runs, when that covers every other folder). With TLS it opens one connection for INBOX (pre-login capabilities and the certificate are read on imapflow\'s session; without TLS a short preflight session comes first), and a second, read-only one of our own that asks the date questions of all the small folders in two pipelined flights (the folder sweep; ~150 round trips became ~40). With history\'s repeat check the second flight also reads each folder\'s arrivals (Message-IDs of what came since the earlier probe).',
    '- A first check with history also reads every INBOX identity (UID, size, INTERNALDATE, flags, Message-ID hash): for 2,000 messages or more on a second IMAP session with a reader of our own (see the README). "Dovecot reads every Message-ID header now" is the first such read after seeding (Dovecot opens every file); "headers already in Dovecot\'s cache" repeats it with a fresh database. A repeat check of an unchanged INBOX sends no INBOX command for the list at all (same UIDVALIDITY, UIDNEXT, count and HIGHESTMODSEQ).',
    '- Round trips count client flights on all connections of the case, TLS handshakes included.',
    '- "Dovecot cold" is one sample: Dovecot builds its index on the first access after the Maildir files were written.',
  );
  L.push('', '## Other servers', '');
  if (serverRows.length) {
    L.push('The same account shape on the testbed\'s Cyrus IMAP 3.6 (ESEARCH, LIST-STATUS, SPECIAL-USE) and Courier IMAP 5.0 (none of them: plain SEARCH counted as it streams in, STATUS per folder, UIDNEXT from STATUS, SINCE instead of WITHIN, folder roles from names), `check --no-history`, median of the warm runs; cold is the first access after seeding.', '');
    L.push('| server | INBOX | cold | wall (median) | client CPU | peak RSS | bytes received | round trips | status | runs |');
    L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    for (const r of serverRows) {
      L.push(`| ${r.kind} | ${acct(r.account)} | ${(r.coldMs / 1000).toFixed(3)} s | ${(r.wallMs / 1000).toFixed(3)} s | ${(r.cpuMs / 1000).toFixed(3)} s | ${r.rssMb.toFixed(0)} MB | ${fmtBytes(r.rxBytes)} | ${r.roundTrips} | ${r.status} | ${r.runs} |`);
    }
  } else {
    L.push('n/a in this run (`--no-servers`, or not root: Cyrus and Courier run from private prefixes in mount namespaces).');
  }
  L.push('', '## Fleet scan', '');
  if (fleet) {
    L.push('| accounts | concurrency | wall | client CPU | peak RSS | lines written | unique accounts | statuses | exit |');
    L.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    L.push(
      `| ${fleet.accounts.toLocaleString('en')} | 16 | ${(fleet.wallMs / 1000).toFixed(1)} s | ${(fleet.cpuMs / 1000).toFixed(1)} s | ${fleet.rssMb.toFixed(0)} MB | ${fleet.lines} | ${fleet.unique} | ${Object.entries(fleet.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')} | ${fleet.exit} |`,
    );
    L.push('', `The row is the second scan of the fleet with its history (every account compared with its previous probe and stored again); the first scan, into an empty history, took ${(fleet.firstWallMs / 1000).toFixed(1)} s.`);
    L.push('', 'Target (adaptive-probe issue): 1,000 accounts at concurrency 16 in ≤ 30 s, peak RSS ≤ 200 MB, every account present.');
  }
  if (logRows.length) L.push(...renderLogs(logRows));
  L.push('');
  return L.join('\n');
}

main().catch((e) => {
  process.stderr.write(`bench: failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
