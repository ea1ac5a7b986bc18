// The reference OpenMetrics parser for the tests: prometheus_client's, from Debian (python3-prometheus-client),
// installed by the test setup (test/support/tools.ts) like the testbed's Dovecot.
import { pythonParserPresent } from './tools.js';

export { PYTHON } from './tools.js';

export function ensurePythonParser(): void {
  if (!pythonParserPresent()) throw new Error('the OpenMetrics tests need python3-prometheus-client: sudo apt-get install python3-prometheus-client');
}
