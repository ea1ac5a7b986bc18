// The real programs the tests drive besides Dovecot: fetchmail (a POP3 device), mbsync (an IMAP device), the
// reference OpenMetrics parser, Chromium (opens the HTML report headless) and dnsmasq (DNS for discovery). `npm test` on a fresh Debian machine installs them like the testbed's Dovecot
// (root and apt), or fails at once saying what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { aptInstall, have } from '../../src/testbed/dovecot.js';

/** The system Python: a pyenv or venv python3 on PATH may lack Debian's packages. */
export const PYTHON = '/usr/bin/python3';

export function pythonParserPresent(): boolean {
  return spawnSync(PYTHON, ['-c', 'import prometheus_client.openmetrics.parser'], { stdio: 'ignore' }).status === 0;
}

export function ensureTestClients(): void {
  const missing = [
    ...(have('fetchmail') ? [] : ['fetchmail']),
    ...(have('mbsync') ? [] : ['isync']),
    ...(pythonParserPresent() ? [] : ['python3-prometheus-client']),
    ...(have('chromium') ? [] : ['chromium']),
    // dnsmasq-base: the program alone, without the system service the dnsmasq package would start.
    ...(have('dnsmasq') || existsSync('/usr/sbin/dnsmasq') ? [] : ['dnsmasq-base']),
  ];
  if (missing.length) aptInstall(missing, `the tests' clients are missing (${missing.join(', ')})`);
}
