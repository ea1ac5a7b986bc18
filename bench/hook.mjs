// Preloaded into every measured child (node --import ./bench/hook.mjs …): at exit it writes the child's own
// CPU time and peak RSS to $BENCH_RUSAGE_FILE, so each case is measured in a process of its own.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKb: u.maxRSS }));
  });
}
