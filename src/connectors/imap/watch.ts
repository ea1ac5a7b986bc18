// What happened on imapflow's socket before it logged in: whether TCP and TLS came up, and the first line the
// server sent. imapflow waits out its greeting timeout on a line it does not understand (a POP3 "+OK") and
// reports a silent port like any other timeout; these facts name both for what they are.
import type net from 'node:net';
import { sessionEnd, sessionSocket, type ImapSession } from './imapflow.js';
import { noGreeting, oneLine, seconds } from '../common.js';
import type { ProbeError, Transport } from '../../snapshot/schema.js';
import { ProbeFailure, StepTimeout } from './errors.js';

export interface ConnectionWatch {
  tcp: boolean;
  /** The TLS handshake completed (implicit TLS only; STARTTLS comes after the greeting). */
  tls: boolean;
  /** The first line the server sent (up to 1 KB), once it arrived. */
  firstLine: string | null;
}

const MAX_FIRST_LINE = 1024;

/** Told as each stage comes up (for the test log): TCP, the implicit-TLS handshake, the first line. */
export interface WatchHooks {
  tcp?: (socket: net.Socket) => void;
  tls?: (socket: net.Socket) => void;
  firstLine?: (line: string) => void;
}

/**
 * Watch the socket imapflow opened. Call right after client.connect() (which opens the socket before its
 * first await); `onFirstLine` runs once with the server's first line. Only listens, never reads for imapflow:
 * the data listener is added after imapflow has piped the socket, and removed after the first line.
 */
export function watchConnection(client: ImapSession, secure: boolean, onFirstLine: (line: string) => void, hooks: WatchHooks = {}): ConnectionWatch {
  const watch: ConnectionWatch = { tcp: false, tls: false, firstLine: null };
  const socket = sessionSocket(client);
  if (!socket || typeof socket.once !== 'function') return watch;
  socket.once('connect', () => {
    watch.tcp = true;
    hooks.tcp?.(socket);
  });
  socket.once(secure ? 'secureConnect' : 'connect', () => {
    if (secure) {
      watch.tls = true;
      hooks.tls?.(socket);
    }
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const end = buf.indexOf('\n');
      if (end === -1 && buf.length < MAX_FIRST_LINE) return;
      socket.off('data', onData);
      watch.firstLine = (end === -1 ? buf : buf.slice(0, end)).replace(/\r$/, '').slice(0, MAX_FIRST_LINE);
      hooks.firstLine?.(watch.firstLine);
      onFirstLine(watch.firstLine);
    };
    socket.on('data', onData);
  });
  return watch;
}

const TIMEOUT_CODES = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT', 'ETIMEDOUT']);
const CLOSED_CODES = new Set(['NoConnection', 'EConnectionClosed', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS']);

/** Our deadline or one of imapflow's fired. */
export function isTimeout(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof StepTimeout || (typeof code === 'string' && TIMEOUT_CODES.has(code));
}

/**
 * What a failed connect()+login of imapflow was, when the socket tells more than imapflow's error: another
 * protocol's greeting, a port that took the connection and stayed silent, a session the server ended right
 * after (or in answer to) the login. null: imapflow's error stands.
 */
export function loginFailure(
  e: unknown,
  client: ImapSession,
  watch: ConnectionWatch,
  foreign: ProbeError | null,
  opts: { endpoint: string; ms: number; mode: Transport; loginSent: boolean },
): ProbeError | null {
  if (foreign) return foreign;
  if (e instanceof ProbeFailure) return null;
  const { endpoint, ms, mode } = opts;
  if (isTimeout(e) && watch.firstLine === null) {
    if (!watch.tcp) return { kind: 'timeout', step: 'connect', message: `no answer from ${endpoint} within ${seconds(ms)} during connect` };
    if (mode === 'implicit' && !watch.tls) return noGreeting(endpoint, ms, 'tls');
    return noGreeting(endpoint, ms, 'greeting', mode === 'starttls' ? ' (an implicit-TLS port? try --imap-tls implicit)' : '');
  }
  const err = (e ?? {}) as { code?: unknown; responseStatus?: unknown; reason?: unknown };
  const closed = (typeof err.code === 'string' && CLOSED_CODES.has(err.code)) || err.responseStatus === 'BYE';
  const end = sessionEnd(client);
  const authenticated = end.authenticated;
  if (closed && (authenticated || opts.loginSent)) {
    const bye = end.bye ?? err.reason;
    // imapflow's text for a BYE without one.
    const reason = typeof bye === 'string' && bye && bye !== 'Server closed connection' ? oneLine(bye, 200) : null;
    return {
      kind: 'sys-temp',
      step: 'login',
      code: typeof bye === 'string' ? 'BYE' : 'CLOSED',
      message: `${endpoint} closed the session ${authenticated ? 'right after login' : 'in answer to the login'}${reason ? `: ${reason}` : ''}`,
      ...(reason ? { serverText: reason } : {}),
    };
  }
  return null;
}
