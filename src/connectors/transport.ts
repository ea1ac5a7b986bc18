// The one transport under our own protocol code (the IMAP preflight, the IMAP bulk session, the POP3 client):
// opening TCP or implicit TLS under the connect step's deadline, the STARTTLS/STLS socket swap, the TLS facts,
// one consumer of the received bytes that stays across the swap, a CRLF line reader, and the step deadline.
// How a timeout is named stays the protocol's: each connection is given the error its caller throws today.
import net from 'node:net';
import tls from 'node:tls';
import type { TlsFacts } from '../snapshot/schema.js';
import { tlsConnectOptions, tlsFacts, transportMode, type ConnectOptions, type TransportEvent } from './common.js';

/** The error a protocol throws when a step's deadline fires (StepTimeout for IMAP, Pop3Error 'timeout' for POP3). */
export type TimeoutError = (step: string, ms: number) => Error;

export interface DeadlineOptions {
  /** Runs right after the deadline rejected: close the connection. */
  onExpiry?: () => void;
  /** Lets the timer start again (a transfer that keeps sending is not stalled); returns the unsubscribe. */
  restartOn?: (restart: () => void) => () => void;
}

/**
 * Race `work` against a timer of `ms`. When the timer wins, the promise rejects with `expired()` and then
 * `onExpiry` runs; the late settlement of `work` is swallowed so it cannot become an unhandled rejection.
 */
export async function raceDeadline<T>(ms: number, work: () => Promise<T>, expired: () => Error, o: DeadlineOptions = {}): Promise<T> {
  const running = work();
  running.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the close: closing fails the work too ("connection closed"), and the race must settle
      // on the timeout, which is what happened.
      reject(expired());
      try {
        o.onExpiry?.();
      } catch {
        /* closing is best effort */
      }
    }, ms);
  });
  const unsubscribe = o.restartOn?.(() => timer?.refresh());
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    unsubscribe?.();
  }
}

/** The peer ended or closed the connection (code ECONNRESET, so classifyNetworkError reads it as a close). */
export class ConnectionClosed extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('connection closed by server');
    this.name = 'ConnectionClosed';
  }
}

/** openConnection() failed. `phase` says how far it got: 'tls' once TCP was up and the handshake had begun. */
export class OpenFailure extends Error {
  constructor(
    readonly phase: 'connect' | 'tls',
    /** The socket error, a ConnectionClosed, or the connection's timeout error. */
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
    this.name = 'OpenFailure';
  }
}

/** Gets every chunk the connection receives, in order, across a TLS upgrade. */
export interface ChunkConsumer {
  data(chunk: Buffer): void;
  /** A socket error (the connection is failing; end() follows). */
  error?(err: Error): void;
  /** The peer ended or the connection closed; called once. */
  end?(): void;
}

export interface OpenOptions {
  host: string;
  port: number;
  /** 'implicit': TLS from the first byte; 'plain': TCP, which upgrade() can secure later. */
  mode: 'implicit' | 'plain';
  /** Extra trusted CA certificates (PEM). */
  ca?: string | undefined;
  /** Do not enforce certificate verification (still recorded in the TLS facts). */
  insecure?: boolean | undefined;
  /**
   * 'handshake' (default): a certificate that does not verify fails the handshake, unless insecure.
   * 'caller': the handshake always completes; the caller judges the TLS facts itself.
   */
  verify?: 'handshake' | 'caller';
  /** Deadline of the connect step (TCP, plus the handshake for implicit TLS), in milliseconds. */
  timeoutMs: number;
  timeoutError: TimeoutError;
  /** What the transport did, for a log. Never carries data sent or received. */
  onEvent?: ((event: TransportEvent) => void) | undefined;
  /** Resolves the host name (--dns-server); the system's resolver when absent. */
  lookup?: net.LookupFunction | undefined;
}

/** The open options of a connector's own connection: its endpoint, TLS mode, --ca, --insecure, --timeout. */
export function openOptionsFor(opts: ConnectOptions, timeoutError: TimeoutError): OpenOptions {
  return {
    host: opts.host,
    port: opts.port,
    mode: transportMode(opts.tls) === 'implicit' ? 'implicit' : 'plain',
    ca: opts.ca,
    insecure: opts.insecure,
    timeoutMs: opts.timeoutMs,
    timeoutError,
    onEvent: opts.onEvent,
    lookup: opts.lookup,
  };
}

const ignore = () => undefined;

/** Resolve once `ready` fires; reject with the socket's error, or ConnectionClosed when it closes first. */
function whenReady(s: net.Socket, ready: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (f: () => void) => {
      s.off(ready, onReady);
      s.off('error', onError);
      s.off('close', onClose);
      f();
    };
    const onReady = () => settle(resolve);
    const onError = (e: Error) => settle(() => reject(e));
    const onClose = () => settle(() => reject(new ConnectionClosed()));
    s.once(ready, onReady);
    s.once('error', onError);
    s.once('close', onClose);
  });
}

function tlsOptions(o: OpenOptions) {
  return { ...tlsConnectOptions(o), ...(o.verify === 'caller' ? { rejectUnauthorized: false } : {}) };
}

function emit(o: OpenOptions, event: TransportEvent): void {
  try {
    o.onEvent?.(event);
  } catch {
    /* a log callback must not break the connection */
  }
}

function failure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code ? `failed: ${code}` : e instanceof ConnectionClosed ? 'failed: closed by the server' : 'failed';
}

function tlsEvent(facts: TlsFacts, ms: number): TransportEvent {
  const c = facts.certificate;
  const verified = facts.verified ? 'verified' : `not verified (${facts.verifyError ?? 'unverified'})`;
  return {
    step: 'tls',
    what: `${facts.mode} TLS ${facts.protocol ?? '?'} ${facts.cipher ?? '?'}, certificate ${c ? `${c.subject}, valid to ${c.validTo}` : 'none'}, ${verified}`,
    ms,
    ok: true,
    tls: { mode: facts.mode, protocol: facts.protocol, cipher: facts.cipher, subject: c?.subject ?? null, validTo: c?.validTo ?? null, verified: facts.verified },
  };
}

const since = (t0: number) => Math.round(performance.now() - t0);

/** Open a connection: TCP, plus the TLS handshake for 'implicit', within timeoutMs. Rejects with OpenFailure. */
export async function openConnection(o: OpenOptions): Promise<Connection> {
  const t0 = performance.now();
  const implicit = o.mode === 'implicit';
  // No lookup given: Node's own dns.lookup.
  const socket = implicit ? tls.connect({ port: o.port, ...tlsOptions(o), lookup: o.lookup }) : net.connect({ host: o.host, port: o.port, lookup: o.lookup });
  // Kept for the socket's whole life: a late error must never crash the process.
  socket.on('error', ignore);
  let phase = 'connect' as 'connect' | 'tls';
  let tcpAt = t0;
  socket.once('connect', () => {
    tcpAt = performance.now();
    if (implicit) phase = 'tls';
    emit(o, { step: 'connect', what: `connected to ${o.host}:${o.port}`, ms: since(t0), ok: true });
  });
  let timedOut = false;
  try {
    await raceDeadline(o.timeoutMs, () => whenReady(socket, implicit ? 'secureConnect' : 'connect'), () => o.timeoutError('connect', o.timeoutMs), {
      onExpiry: () => {
        timedOut = true;
        socket.destroy();
      },
    });
  } catch (e) {
    socket.destroy();
    emit(o, { step: phase, what: timedOut ? `no answer within ${o.timeoutMs} ms` : failure(e), ms: since(phase === 'tls' ? tcpAt : t0), ok: false });
    throw new OpenFailure(phase, e);
  }
  let facts: TlsFacts | null = null;
  if (implicit) {
    facts = tlsFacts(socket as tls.TLSSocket, 'implicit', Boolean(o.insecure));
    emit(o, tlsEvent(facts, since(tcpAt)));
  }
  return new Connection(socket, o, facts, t0);
}

/** An open connection. Its consumer gets the bytes; write(), end() and destroy() act on the current socket. */
export class Connection {
  readonly endpoint: string;
  /** Resolves once the connection has closed (after an upgrade: the TLS socket). */
  readonly closed: Promise<void>;
  readonly #o: OpenOptions;
  readonly #openedAt: number;
  #socket: net.Socket;
  /** The plain socket under an upgraded connection, destroyed with it. */
  #plain: net.Socket | null = null;
  #tls: TlsFacts | null;
  #consumer: ChunkConsumer | null = null;
  /** Chunks received before consume(). */
  #early: Buffer[] = [];
  #error: Error | null = null;
  #ended = false;
  #unhook: () => void = ignore;
  readonly #activity = new Set<() => void>();
  #markClosed: () => void = ignore;

  constructor(socket: net.Socket, o: OpenOptions, facts: TlsFacts | null, openedAt: number) {
    this.endpoint = `${o.host}:${o.port}`;
    this.#o = o;
    this.#openedAt = openedAt;
    this.#socket = socket;
    this.#tls = facts;
    this.closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
    this.#hook(socket);
  }

  /** TLS facts once TLS is up (implicit or after upgrade()), else null. */
  get tls(): TlsFacts | null {
    return this.#tls;
  }

  get destroyed(): boolean {
    return this.#socket.destroyed;
  }

  /** The error the connection's deadlines throw (the protocol's own). */
  timeoutError(step: string, ms: number): Error {
    return this.#o.timeoutError(step, ms);
  }

  /** Hand every chunk (and the end) to `c`: one consumer for the connection's life, kept across upgrade(). */
  consume(c: ChunkConsumer): void {
    if (this.#consumer) throw new Error('a connection has one consumer');
    this.#consumer = c;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) c.data(chunk);
    if (this.#error) c.error?.(this.#error);
    if (this.#ended) c.end?.();
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Send `data` (if any) and our FIN; `then` runs once it is flushed. */
  end(data?: string, then?: () => void): void {
    if (data === undefined) this.#socket.end(then);
    else this.#socket.end(data, then);
  }

  /** Drop the connection now. Safe to call more than once. */
  destroy(): void {
    this.#socket.destroy();
    this.#plain?.destroy();
  }

  /**
   * Run one step under a deadline of `ms`: on expiry the step fails with the connection's timeout error for
   * `step` and the connection is destroyed. `idle`: the timer starts again whenever data arrives.
   */
  deadline<T>(step: string, ms: number, work: () => Promise<T>, o: { idle?: boolean } = {}): Promise<T> {
    return raceDeadline(ms, work, () => this.timeoutError(step, ms), {
      onExpiry: () => this.destroy(),
      ...(o.idle
        ? {
            restartOn: (restart: () => void) => {
              this.#activity.add(restart);
              return () => this.#activity.delete(restart);
            },
          }
        : {}),
    });
  }

  /**
   * Swap the plain socket for TLS (after the server's OK to STARTTLS/STLS) and run the handshake within `ms`.
   * Rejects with the socket's error, ConnectionClosed, or the timeout error for `step` (then destroyed).
   * Whether bytes came after the OK, before the handshake, is the caller's check: only its reader knows.
   */
  async upgrade(step: string, ms: number): Promise<TlsFacts> {
    if (this.#tls) throw new Error('the connection already uses TLS');
    const plain = this.#socket;
    this.#unhook();
    emit(this.#o, { step: 'upgrade', what: `handing ${this.endpoint} to TLS`, ms: since(this.#openedAt), ok: true });
    const t0 = performance.now();
    const secure = tls.connect({ socket: plain, ...tlsOptions(this.#o) });
    secure.on('error', ignore);
    this.#plain = plain;
    this.#socket = secure;
    this.#hook(secure);
    let timedOut = false;
    try {
      await raceDeadline(ms, () => whenReady(secure, 'secureConnect'), () => this.timeoutError(step, ms), {
        onExpiry: () => {
          timedOut = true;
          this.destroy();
        },
      });
    } catch (e) {
      emit(this.#o, { step: 'tls', what: timedOut ? `no answer within ${ms} ms` : failure(e), ms: since(t0), ok: false });
      throw e;
    }
    this.#tls = tlsFacts(secure, 'starttls', Boolean(this.#o.insecure));
    emit(this.#o, tlsEvent(this.#tls, since(t0)));
    return this.#tls;
  }

  #hook(s: net.Socket): void {
    const onData = (chunk: Buffer) => {
      for (const restart of this.#activity) restart();
      if (this.#consumer) this.#consumer.data(chunk);
      else this.#early.push(chunk);
    };
    const onError = (e: Error) => {
      this.#error ??= e;
      this.#consumer?.error?.(e);
    };
    const onEnd = () => {
      if (this.#ended) return;
      this.#ended = true;
      this.#consumer?.end?.();
    };
    const onClose = () => {
      onEnd();
      this.#markClosed();
    };
    s.on('data', onData);
    s.on('error', onError);
    s.on('end', onEnd);
    s.on('close', onClose);
    this.#unhook = () => {
      s.off('data', onData);
      s.off('error', onError);
      s.off('end', onEnd);
      s.off('close', onClose);
    };
  }
}

export interface LineReaderOptions {
  /** Longest line accepted, in bytes. */
  maxLineBytes: number;
  /** The error of a longer line (the protocol names it). */
  overlong: () => Error;
}

/** Reads CRLF (or bare LF) lines from a connection, latin1, with a deadline per read. */
export class LineReader {
  readonly #conn: Connection;
  #buf = '';
  #lines: string[] = [];
  #err: Error | null = null;
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(conn: Connection, o: LineReaderOptions) {
    this.#conn = conn;
    conn.consume({
      data: (d) => {
        this.#buf += d.toString('latin1');
        let i: number;
        while ((i = this.#buf.indexOf('\n')) >= 0) {
          this.#lines.push(this.#buf.slice(0, i).replace(/\r$/, ''));
          this.#buf = this.#buf.slice(i + 1);
        }
        if (this.#buf.length > o.maxLineBytes) this.#err = o.overlong();
        this.#wake?.();
      },
      error: (e) => {
        this.#err ??= e;
        this.#wake?.();
      },
      end: () => {
        this.#ended = true;
        this.#wake?.();
      },
    });
  }

  /** Bytes received and not read yet (whole lines and the start of the next). */
  get pending(): number {
    return this.#lines.length + this.#buf.length;
  }

  /**
   * The next line, within `ms`; else the connection's timeout error for `step` (the connection stays open:
   * the caller decides). Lines already received come before an error or the end.
   */
  line(step: string, ms: number): Promise<string> {
    const next = () =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (this.#lines.length > 0) {
            this.#wake = null;
            resolve(this.#lines.shift()!);
          } else if (this.#err) {
            this.#wake = null;
            reject(this.#err);
          } else if (this.#ended) {
            this.#wake = null;
            reject(new ConnectionClosed());
          }
        };
        this.#wake = check;
        check();
      });
    return raceDeadline(ms, next, () => {
      this.#wake = null;
      return this.#conn.timeoutError(step, ms);
    });
  }
}
