// vitest globalSetup: one real Dovecot for the whole run. Test files reach it with inject('testbed')
// (see test/support/testbed.ts) and make their own users. If Dovecot cannot start, the run fails.
import type { TestProject } from 'vitest/node';
import { startTestbed } from '../src/testbed/dovecot.js';
import { ensureTestClients } from './support/tools.js';
import type { TestbedInfo } from '../src/testbed/types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureTestClients();
  let tb;
  try {
    tb = await startTestbed();
  } catch (e) {
    throw new Error(`maildoctor testbed: Dovecot could not start: ${(e as Error).message}`, { cause: e });
  }
  // The test files get plain data (TestbedInfo): everything but stop() and the process id.
  const { host, untrustedHost, ports, caPem, caFile, root, logFile, usersDir, homesDir, mastersDir } = tb;
  project.provide('testbed', { host, untrustedHost, ports, caPem, caFile, root, logFile, usersDir, homesDir, mastersDir });
  return async () => {
    await tb.stop({ keep: process.env.MAILDOCTOR_KEEP_TESTBED === '1' });
  };
}
