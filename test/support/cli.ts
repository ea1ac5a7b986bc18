// Run the built CLI (dist/cli/main.js) as a child process, the way users and CI run it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestAccount, TestbedEndpoints } from '../../src/testbed/types.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
/** A private state directory per test process (history databases of CLI runs land here). */
export const TEST_STATE_HOME = mkdtempSync(join(tmpdir(), 'maildoctor-state-'));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A user root is not, for file modes to apply: root ignores them, so EACCES is played as `nobody`. */
export const UNPRIVILEGED = 65534;

export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number; unprivileged?: boolean } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  // `check` keeps history under XDG_STATE_HOME by default: never the real home's during tests.
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', MAILDOCTOR_PASSWORD: undefined, MAILDOCTOR_OAUTH2_TOKEN: undefined, XDG_STATE_HOME: TEST_STATE_HOME, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const asOther = opts.unprivileged && process.getuid?.() === 0 ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {};
    const child = spawn(process.execPath, [CLI, ...args], { env: env, stdio: ['ignore', 'pipe', 'pipe'], ...asOther });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`maildoctor ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Account arguments for a testbed user over implicit TLS, trusting the testbed CA. */
export function accountArgs(tb: TestbedEndpoints, user: TestAccount, over: { imapPort?: number; popPort?: number; ca?: boolean } = {}): string[] {
  return [
    '--host', tb.host,
    '--imap-port', String(over.imapPort ?? tb.ports.imaps),
    '--pop-port', String(over.popPort ?? tb.ports.pop3s),
    '--user', user.user,
    ...(over.ca === false ? [] : ['--ca', tb.caFile]),
    '--timeout', '15',
  ];
}
