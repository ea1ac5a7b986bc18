// The test log: one event per thing a probe tried (resolve, connect, TLS, greeting, capabilities, login, each
// command), with its timing and outcome, as a connectivity analyzer shows it. Plain types without zod: the
// connectors emit these while they run, `check --verbose` prints them, `--include-log` puts them in the report.
// Never a secret: the connectors scrub every text of the credentials (connectors/trace.ts).

export type TraceProtocol = 'dns' | 'imap' | 'pop3';

/** ok: the step worked; failed: it did not (the detail says why); info: a fact read on the way (TLS, greeting). */
export type TraceOutcome = 'ok' | 'failed' | 'info';

export interface TraceEvent {
  protocol: TraceProtocol;
  /** What was tried: 'resolve', 'connect', 'tls', 'greeting', 'capabilities', 'login', or a command ('EXAMINE INBOX', 'STAT'). */
  step: string;
  /** What it showed or why it failed, on one line; null when the step says it all. */
  detail: string | null;
  /** How long it took in milliseconds; null for a fact that is no step of its own (the capabilities after login). */
  ms: number | null;
  outcome: TraceOutcome;
}

/** A trace event as the account's probe records it: `atMs` is when it was logged, in ms since the probe began. */
export interface TestLogEntry extends TraceEvent {
  atMs: number;
}
