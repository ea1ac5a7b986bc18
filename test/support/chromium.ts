// Debian's chromium, headless, for the tests of the HTML pages (installed by the test setup like fetchmail).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run headless Chromium at 1280x800 with a fresh profile; throws with its stderr when it fails. */
export function chromium(args: string[]): { stdout: string; stderr: string } {
  const profile = mkdtempSync(join(tmpdir(), 'md-chromium-'));
  let r;
  try {
    r = spawnSync(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`, '--window-size=1280,800', ...args],
      { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  if (r.error || r.status !== 0) throw new Error(`chromium ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** What the page told the console: Chromium logs it (and every blocked load) as CONSOLE lines with --enable-logging. */
export function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /CONSOLE|Refused to|Content Security Policy|Uncaught/.test(l));
}

