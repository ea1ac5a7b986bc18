// The test log in words: one line per step, as `check --verbose` prints it on stderr and the text, markdown and
// JUnit reports end with it (--include-log). Pure: the entries come in as data.
import type { TestLogEntry } from '../snapshot/trace.js';

export const TRACE_PROTOCOL_NAME: Record<TestLogEntry['protocol'], string> = { dns: 'DNS', imap: 'IMAP', pop3: 'POP3' };

/** "   14 ms  IMAP  connect         ok        2 ms  127.0.0.1:993": elapsed, protocol, step, outcome, duration, detail. */
export function testLogLine(e: TestLogEntry): string {
  const took = e.ms === null ? '' : `${e.ms} ms`;
  const line = `${`${e.atMs} ms`.padStart(9)}  ${TRACE_PROTOCOL_NAME[e.protocol].padEnd(4)}  ${e.step.padEnd(18)}  ${e.outcome.padEnd(6)}  ${took.padStart(8)}`;
  return e.detail === null ? line.trimEnd() : `${line}  ${e.detail}`;
}

export function testLogLines(log: readonly TestLogEntry[]): string[] {
  return log.map(testLogLine);
}
