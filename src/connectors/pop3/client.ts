// A read-only POP3 client: CAPA, STLS, USER/PASS, AUTH PLAIN, STAT, LIST, UIDL, QUIT and nothing else.
// There is deliberately no RETR (Dovecot sets \Seen, Gmail marks the message popped), no TOP, no DELE and no
// RSET, and no way to send an arbitrary command: the wire writer is private and checks every verb.
// Every step runs under a deadline; when it fires the socket is destroyed and the step fails with 'timeout'.
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeErrorKind, TlsFacts } from '../../snapshot/schema.js';
import { classifyNetworkError, oneLine, scrub, tlsConnectOptions, tlsFacts } from '../common.js';
import { Pop3Error } from './errors.js';
import { DEFAULT_MAX_LINE_BYTES, ReplyReader, type Reply } from './lines.js';

/** The only verbs this client ever sends. */
export const POP3_ALLOWED_VERBS = ['CAPA', 'STLS', 'USER', 'PASS', 'AUTH', 'STAT', 'LIST', 'UIDL', 'QUIT'] as const;
export type Pop3Verb = (typeof POP3_ALLOWED_VERBS)[number];
const ALLOWED = new Set<string>(POP3_ALLOWED_VERBS);

export interface Pop3ClientOptions {
  host: string;
  port: number;
  /** 'implicit': TLS from the first byte (POP3S); 'plain': TCP, which stls() can upgrade. */
  transport: 'implicit' | 'plain';
  /** Extra trusted CA certificates (PEM). */
  ca?: string;
  /** Do not enforce certificate verification (still recorded in tlsFacts). */
  insecure?: boolean;
  /** Deadline of each step (connect, greeting, each command), in milliseconds. */
  timeoutMs: number;
  /** Longest reply line accepted; default 64 KiB. */
  maxLineBytes?: number;
}

export interface Pop3Stat {
  messages: number;
  sizeBytes: number;
}
export interface Pop3ListEntry {
  n: number;
  sizeBytes: number;
}
export interface Pop3UidlEntry {
  n: number;
  uidl: string;
}

/** The peer closed the connection; turned into an 'unreachable' error naming the step it happened in. */
class ConnectionClosed extends Error {}
/** A socket error; classified with classifyNetworkError once the step is known. */
class NetworkFailure extends Error {
  constructor(
    readonly error: unknown,
    readonly stepOverride?: string,
  ) {
    super('network failure');
  }
}

/** RFC 5034 §4: a command line with an initial response must fit in 255 octets (else wait for "+ "). */
const MAX_AUTH_LINE = 255;

function codeKind(code: string | null): ProbeErrorKind | null {
  if (!code) return null;
  if (code === 'IN-USE') return 'in-use';
  if (code === 'LOGIN-DELAY') return 'login-delay';
  if (code === 'AUTH') return 'auth';
  if (code.startsWith('SYS/TEMP')) return 'sys-temp';
  if (code.startsWith('SYS/PERM')) return 'sys-perm';
  return null;
}

export class Pop3Client {
  readonly endpoint: string;
  /** Every line sent, as logged (PASS and SASL responses masked). */
  readonly commandLog: string[] = [];

  readonly #opts: Pop3ClientOptions;
  readonly #reader: ReplyReader;
  #socket: net.Socket | null = null;
  #detach: (() => void) | null = null;
  #tls: TlsFacts | null = null;
  #secrets: string[] = [];
  #dead: Pop3Error | null = null;
  #quitting = false;
  #greeting: Reply | null = null;

  constructor(opts: Pop3ClientOptions) {
    this.#opts = opts;
    this.endpoint = `${opts.host}:${opts.port}`;
    this.#reader = new ReplyReader(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  /** The greeting, once connect() has read it. */
  get greeting(): Reply | null {
    return this.#greeting;
  }

  /** TLS facts once TLS is up (implicit or after STLS), else null. */
  get tls(): TlsFacts | null {
    return this.#tls;
  }

  get secure(): boolean {
    return this.#tls !== null;
  }

  /** The connection is open and no step failed fatally. */
  get usable(): boolean {
    return this.#socket !== null && !this.#socket.destroyed && this.#dead === null && !this.#quitting;
  }

  /** Open the connection (TCP, plus the TLS handshake for 'implicit') and read the greeting. */
  async connect(): Promise<Reply> {
    if (this.#socket) throw new Pop3Error('internal', 'connect() called twice', { step: 'connect' });
    const implicit = this.#opts.transport === 'implicit';
    await this.#run('connect', () => {
      return new Promise<void>((resolve, reject) => {
        let tcpUp = false;
        const socket = implicit
          ? tls.connect({ port: this.#opts.port, ...tlsConnectOptions(this.#opts) })
          : net.connect({ host: this.#opts.host, port: this.#opts.port });
        this.#socket = socket;
        this.#attach(socket);
        socket.once('connect', () => {
          tcpUp = true;
        });
        socket.once('error', (err) => reject(new NetworkFailure(err, tcpUp && implicit ? 'tls' : 'connect')));
        socket.once('close', () => reject(new ConnectionClosed()));
        socket.once(implicit ? 'secureConnect' : 'connect', () => {
          if (implicit) this.#tls = tlsFacts(socket as tls.TLSSocket, 'implicit', Boolean(this.#opts.insecure));
          resolve();
        });
      });
    });
    const greeting = await this.#run('greeting', () => this.#reader.read(false));
    if (greeting.status === 'continue') throw this.#fatal(this.#protocolError('greeting', 'the greeting is not +OK or -ERR', greeting.line));
    if (greeting.status === 'err') {
      const err = this.#replyError(greeting, 'greeting', 'sys-temp', `${this.endpoint} refused the session in its greeting`);
      throw this.#fatal(err);
    }
    this.#greeting = greeting;
    return greeting;
  }

  /** CAPA (RFC 2449). null when the server does not support it (-ERR). */
  async capa(): Promise<string[] | null> {
    const r = await this.#command('capa', 'CAPA', { multiline: true });
    if (r.status !== 'ok') {
      if (codeKind(r.code)) throw this.#replyError(r, 'capa', 'protocol', 'CAPA failed');
      return null;
    }
    return r.body ?? [];
  }

  /** STLS (RFC 2595): upgrade the plain connection to TLS. Call capa() again afterwards. */
  async stls(): Promise<void> {
    if (this.#tls) throw new Pop3Error('internal', 'STLS on a connection that already uses TLS', { step: 'starttls' });
    const r = await this.#command('starttls', 'STLS');
    if (r.status !== 'ok') throw this.#replyError(r, 'starttls', 'starttls-missing', `${this.endpoint} refused STLS`);
    // Anything the server sent after its +OK and before the handshake would be read as if it came over TLS.
    if (this.#reader.bufferedBytes > 0) {
      throw this.#fatal(this.#protocolError('starttls', 'the server sent data after its STLS reply, before TLS began'));
    }
    await this.#run('starttls', () => {
      return new Promise<void>((resolve, reject) => {
        const plain = this.#socket!;
        this.#detach?.();
        // The TLS socket reports the errors from now on; keep one listener so the plain socket never throws.
        plain.on('error', () => {});
        const secure = tls.connect({ socket: plain, ...tlsConnectOptions(this.#opts) });
        this.#socket = secure;
        this.#attach(secure);
        secure.once('error', (err) => reject(new NetworkFailure(err, 'starttls')));
        secure.once('close', () => reject(new ConnectionClosed()));
        secure.once('secureConnect', () => {
          this.#tls = tlsFacts(secure, 'starttls', Boolean(this.#opts.insecure));
          resolve();
        });
      });
    });
  }

  /** USER / PASS (RFC 1939). */
  async login(user: string, password: string): Promise<void> {
    this.#addSecret(password);
    this.#checkArgument(user, 'user name');
    this.#checkArgument(password, 'password');
    const u = await this.#command('login', `USER ${user}`);
    if (u.status !== 'ok') throw this.#loginError(u, 'USER');
    const p = await this.#command('login', `PASS ${password}`, { logAs: 'PASS ***' });
    if (p.status !== 'ok') throw this.#loginError(p, 'PASS');
  }

  /** AUTH PLAIN (RFC 5034, RFC 4616) with an initial response when the line allows it. */
  async authPlain(user: string, password: string): Promise<void> {
    this.#addSecret(password);
    const response = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    this.#addSecret(response);
    const withInitial = `AUTH PLAIN ${response}`;
    let r: Reply;
    if (withInitial.length <= MAX_AUTH_LINE) {
      r = await this.#command('login', withInitial, { logAs: 'AUTH PLAIN ***', allowContinue: true });
    } else {
      r = await this.#command('login', 'AUTH PLAIN', { allowContinue: true });
    }
    if (r.status === 'continue') {
      // An empty challenge: the server wants the response now (RFC 4422 §5).
      r = await this.#command('login', response, { logAs: '*** (AUTH PLAIN response)', raw: true });
    }
    if (r.status === 'continue') throw this.#fatal(this.#protocolError('login', 'the server sent a second SASL challenge for PLAIN'));
    if (r.status !== 'ok') throw this.#loginError(r, 'AUTH PLAIN');
  }

  async stat(): Promise<Pop3Stat> {
    const r = await this.#command('stat', 'STAT');
    if (r.status !== 'ok') throw this.#replyError(r, 'stat', 'protocol', 'STAT failed');
    const m = /^(\d+)\s+(\d+)(?:\s|$)/.exec(r.text);
    if (!m) throw this.#fatal(this.#protocolError('stat', 'the STAT reply is not "+OK count size"', r.line));
    return { messages: Number(m[1]), sizeBytes: Number(m[2]) };
  }

  async list(): Promise<Pop3ListEntry[]> {
    const r = await this.#command('list', 'LIST', { multiline: true });
    if (r.status !== 'ok') throw this.#replyError(r, 'list', 'protocol', 'LIST failed');
    const out: Pop3ListEntry[] = [];
    for (const line of r.body!) {
      // RFC 1939 §5: "msg size", and servers may add more after the size.
      const m = /^\s*(\d+)\s+(\d+)(?:\s|$)/.exec(line);
      if (!m) throw this.#fatal(this.#protocolError('list', 'a LIST line is not "number size"', line));
      out.push({ n: Number(m[1]), sizeBytes: Number(m[2]) });
    }
    return out;
  }

  /** UIDL (RFC 1939 §7). null when the server does not support it. */
  async uidl(): Promise<Pop3UidlEntry[] | null> {
    const r = await this.#command('uidl', 'UIDL', { multiline: true });
    if (r.status !== 'ok') {
      if (codeKind(r.code)) throw this.#replyError(r, 'uidl', 'protocol', 'UIDL failed');
      return null;
    }
    const out: Pop3UidlEntry[] = [];
    for (const line of r.body!) {
      // RFC 1939: "msg unique-id", unique-id is 1..70 characters 0x21..0x7E.
      const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(line);
      if (!m) throw this.#fatal(this.#protocolError('uidl', 'a UIDL line is not "number unique-id"', line));
      out.push({ n: Number(m[1]), uidl: m[2]! });
    }
    return out;
  }

  /** QUIT, then close. Returns the server's reply. */
  async quit(): Promise<Reply> {
    this.#quitting = true;
    try {
      return await this.#command('quit', 'QUIT', { evenIfQuitting: true });
    } finally {
      this.close();
    }
  }

  /** Drop the connection now (no QUIT). Safe to call more than once. */
  close(): void {
    this.#quitting = true;
    const s = this.#socket;
    if (s && !s.destroyed) {
      // end() first so a TLS close_notify can go out; destroy() makes sure nothing lingers.
      s.end();
      s.destroy();
    }
  }

  // ---- internals -------------------------------------------------------------------------------------------

  #attach(socket: net.Socket): void {
    const onData = (chunk: Buffer) => this.#reader.push(chunk);
    const onError = (err: Error) => this.#reader.end(new NetworkFailure(err));
    const onClose = () => this.#reader.end(new ConnectionClosed());
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onClose);
    socket.on('close', onClose);
    this.#detach = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onClose);
      socket.off('close', onClose);
    };
  }

  #addSecret(secret: string): void {
    if (secret && !this.#secrets.includes(secret)) this.#secrets.push(secret);
  }

  #clean(text: string): string {
    let out = text;
    const keep = [this.endpoint, this.#opts.host];
    for (const s of this.#secrets) out = scrub(out, s, keep);
    return oneLine(out);
  }

  #checkArgument(value: string, what: string): void {
    if (/[\r\n\0]/.test(value)) throw new Pop3Error('auth', `the ${what} contains a line break or NUL and cannot be sent`, { step: 'login' });
  }

  async #command(
    step: string,
    line: string,
    o: { multiline?: boolean; logAs?: string; allowContinue?: boolean; raw?: boolean; evenIfQuitting?: boolean } = {},
  ): Promise<Reply> {
    const verb = line.split(' ', 1)[0]!.toUpperCase();
    if (!o.raw && !ALLOWED.has(verb)) throw new Pop3Error('internal', `refusing to send ${verb}: not a read-only command`, { step });
    if (this.#quitting && !o.evenIfQuitting) throw new Pop3Error('internal', `${verb} after QUIT`, { step });
    const r = await this.#run(step, () => {
      this.commandLog.push(o.logAs ?? line);
      this.#socket!.write(`${line}\r\n`);
      return this.#reader.read(Boolean(o.multiline));
    });
    if (r.status === 'continue' && !o.allowContinue) {
      throw this.#fatal(this.#protocolError(step, `the server answered ${verb} with a SASL continuation`, r.line));
    }
    return r;
  }

  /** Run one step under the deadline. A failure here (timeout, network, framing) ends the connection. */
  async #run<T>(step: string, work: () => Promise<T>): Promise<T> {
    if (this.#dead) throw this.#dead;
    if (!this.#socket && step !== 'connect') throw new Pop3Error('internal', `${step} before connect()`, { step });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Pop3Error('timeout', `no answer from ${this.endpoint} within ${this.#opts.timeoutMs} ms during ${step}`, { step }));
      }, this.#opts.timeoutMs);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (e) {
      throw this.#fatal(this.#normalize(e, step));
    } finally {
      clearTimeout(timer);
    }
  }

  #normalize(e: unknown, step: string): Pop3Error {
    let err: Pop3Error;
    if (e instanceof ConnectionClosed) {
      err = new Pop3Error('unreachable', `${this.endpoint} closed the connection during ${stepLabel(step)}`, { step });
    } else if (e instanceof NetworkFailure) {
      const s = e.stepOverride ?? step;
      const p = classifyNetworkError(e.error, stepLabel(s), this.endpoint);
      const detail = (e.error as Error | undefined)?.message;
      const message = p.kind === 'tls' && detail && !p.message.includes(detail) ? `${p.message} (${detail})` : p.message;
      err = new Pop3Error(p.kind, message, { step: s, ...(p.code ? { code: p.code } : {}) });
    } else if (e instanceof Pop3Error) {
      err = e.withStep(step);
    } else {
      err = new Pop3Error('internal', `${step}: ${e instanceof Error ? e.message : String(e)}`, { step });
    }
    return this.#sanitise(err);
  }

  #sanitise(err: Pop3Error): Pop3Error {
    const message = this.#clean(err.message);
    const serverText = err.serverText === undefined ? undefined : this.#clean(err.serverText);
    if (message === err.message && serverText === err.serverText) return err;
    return new Pop3Error(err.kind, message, { step: err.step, code: err.code, serverText });
  }

  /** Mark the connection as failed and drop it; returns the error for throwing. */
  #fatal(err: Pop3Error): Pop3Error {
    if (!this.#dead) {
      this.#dead = err;
      this.#reader.end(err);
      this.#socket?.destroy();
    }
    return err;
  }

  #protocolError(step: string, what: string, serverLine?: string): Pop3Error {
    return this.#sanitise(
      new Pop3Error('protocol', `${this.endpoint}: ${what}${serverLine !== undefined ? `: ${serverLine}` : ''}`, {
        step,
        ...(serverLine !== undefined ? { serverText: serverLine } : {}),
      }),
    );
  }

  #replyError(r: Reply, step: string, fallback: ProbeErrorKind, what: string): Pop3Error {
    const kind = codeKind(r.code) ?? fallback;
    const codeText = r.code ? `[${r.code}] ` : '';
    let message: string;
    switch (kind) {
      case 'in-use':
        message = `${this.endpoint}: the mailbox is locked by another POP3 session: ${codeText}${r.text}`;
        break;
      case 'login-delay':
        message = `${this.endpoint} refuses a login this soon after the previous one: ${codeText}${r.text}`;
        break;
      case 'sys-temp':
        message = `${this.endpoint} reported a temporary failure during ${step}: ${codeText}${r.text}`;
        break;
      case 'sys-perm':
        message = `${this.endpoint} reported a permanent failure during ${step}: ${codeText}${r.text}`;
        break;
      default:
        message = `${what}: ${codeText}${r.text}`;
    }
    return this.#sanitise(
      new Pop3Error(kind, message.replace(/:\s*$/, ''), { step, ...(r.code ? { code: r.code } : {}), serverText: r.line }),
    );
  }

  #loginError(r: Reply, verb: string): Pop3Error {
    const kind = codeKind(r.code);
    if ((kind === null || kind === 'auth') && !this.secure && /plain ?text|ssl|tls|secure|encrypt/i.test(r.text)) {
      return this.#replyErrorAs(r, 'login', 'plaintext-refused', `${this.endpoint} does not accept a password without TLS (${verb})`);
    }
    return this.#replyError(r, 'login', 'auth', `${this.endpoint} rejected the login (${verb})`);
  }

  #replyErrorAs(r: Reply, step: string, kind: ProbeErrorKind, what: string): Pop3Error {
    const codeText = r.code ? `[${r.code}] ` : '';
    return this.#sanitise(
      new Pop3Error(kind, `${what}: ${codeText}${r.text}`.replace(/:\s*$/, ''), {
        step,
        ...(r.code ? { code: r.code } : {}),
        serverText: r.line,
      }),
    );
  }
}

function stepLabel(step: string): string {
  const upper: Record<string, string> = { capa: 'CAPA', stat: 'STAT', list: 'LIST', uidl: 'UIDL', quit: 'QUIT', starttls: 'STLS' };
  return upper[step] ?? step;
}
