// The reference OpenMetrics parser for the tests: prometheus_client's, from Debian (python3-prometheus-client).
// Run by the system Python (a pyenv or venv python3 on PATH may lack Debian's packages); installed with apt when
// missing and we are root, like the testbed's Dovecot.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

function present(): boolean {
  return spawnSync(PYTHON, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' }).status === 0;
}

export function ensurePythonParser(): void {
  if (present()) return;
  if (process.getuid?.() !== 0) throw new Error('the OpenMetrics tests need python3-prometheus-client: sudo apt-get install python3-prometheus-client');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-prometheus-client'], { env, encoding: 'utf8' });
  if (r.status !== 0 || !present()) throw new Error(`apt-get install python3-prometheus-client failed: ${r.stderr.trim().split('\n').pop()}`);
}
