// A short IMAP conversation of our own before imapflow logs in: imapflow exposes neither the peer
// certificate nor the pre-login capabilities. Greeting → (STARTTLS) → CAPABILITY → LOGOUT; no credentials.
import net from 'node:net';
import tls from 'node:tls';
import { classifyNetworkError, noGreeting, oneLine, otherProtocol, tlsConnectOptions, tlsFacts, transportMode, type ConnectOptions } from '../common.js';
import type { TlsFacts } from '../../snapshot/schema.js';
import { fail, ProbeFailure, StepTimeout } from './errors.js';

export interface Preflight {
  greeting: string;
  /** Capabilities a client sees right before it would log in (after STARTTLS when used). */
  capabilities: string[];
  /** Capabilities announced before STARTTLS (starttls mode only). */
  capabilitiesBeforeTls: string[] | null;
  tls: TlsFacts | null;
  preauth: boolean;
}

const MAX_LINE = 64 * 1024;

/** Reads CRLF lines from a socket with a deadline per read. */
class LineReader {
  private buf = '';
  private lines: string[] = [];
  private err: Error | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  private readonly onData = (d: Buffer) => {
    this.buf += d.toString('latin1');
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
      this.buf = this.buf.slice(i + 1);
    }
    if (this.buf.length > MAX_LINE) this.err = new ProbeFailure({ kind: 'protocol', step: 'greeting', message: 'server sent an overlong line' });
    this.wake?.();
  };
  private readonly onError = (e: Error) => {
    this.err ??= e;
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake?.();
  };

  constructor(private socket: net.Socket) {
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    // keep an error listener: a late error must never crash the process
  }

  get pending(): number {
    return this.lines.length + this.buf.length;
  }

  line(step: string, ms: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        reject(new StepTimeout(step, ms));
      }, ms);
      const check = () => {
        if (this.lines.length > 0) {
          clearTimeout(timer);
          this.wake = null;
          resolve(this.lines.shift()!);
        } else if (this.err) {
          clearTimeout(timer);
          this.wake = null;
          reject(this.err);
        } else if (this.ended) {
          clearTimeout(timer);
          this.wake = null;
          const e = new Error('connection closed by server') as NodeJS.ErrnoException;
          e.code = 'ECONNRESET';
          reject(e);
        }
      };
      this.wake = check;
      check();
    });
  }
}

function capsFrom(text: string): string[] | null {
  const m = /\[CAPABILITY ([^\]]*)\]/i.exec(text);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : null;
}

/** Send a tagged command and collect untagged lines until its tagged reply. */
async function command(sock: net.Socket, reader: LineReader, tag: string, cmd: string, step: string, ms: number) {
  sock.write(`${tag} ${cmd}\r\n`);
  const untagged: string[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await reader.line(step, Math.max(1, deadline - Date.now()));
    if (l.startsWith(`${tag} `)) {
      const status = l.slice(tag.length + 1).split(' ')[0]!.toUpperCase();
      return { status, text: l.slice(tag.length + 1 + status.length).trim(), untagged };
    }
    untagged.push(l);
  }
}

/** Resolve with the socket once `ready` fires; on an error or after `ms`, destroy it and reject. */
function settle<S extends net.Socket>(s: S, ready: 'connect' | 'secureConnect', step: string, ms: number): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new StepTimeout(step, ms));
    }, ms);
    const onErr = (e: Error) => {
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    s.once(ready, () => {
      clearTimeout(timer);
      s.off('error', onErr);
      s.on('error', () => undefined);
      resolve(s);
    });
    s.once('error', onErr);
  });
}

function connectPlain(host: string, port: number, ms: number): Promise<net.Socket> {
  return settle(net.connect({ host, port }), 'connect', 'connect', ms);
}

function connectTls(opts: ConnectOptions, step: string, socket?: net.Socket): Promise<tls.TLSSocket> {
  const s = tls.connect({
    ...tlsConnectOptions(opts),
    port: opts.port,
    ...(socket ? { socket } : {}),
    // We decide about trust ourselves (after reading the facts), so the handshake always completes.
    rejectUnauthorized: false,
  });
  return settle(s, 'secureConnect', step, opts.timeoutMs);
}

/** Throws a ProbeFailure of kind 'tls' when the certificate did not verify and --insecure was not given. */
function enforceTrust(facts: TlsFacts, endpoint: string): void {
  if (facts.verified || facts.insecure) return;
  const why = facts.verifyError ?? 'unverified';
  fail('tls', 'tls', `certificate of ${endpoint} is not trusted: ${why}${/SELF_SIGNED/.test(why) ? ' (self-signed: pass its certificate with --ca, or --insecure)' : ''}`, {
    code: why,
  });
}

/** Greeting, TLS facts and pre-login capabilities. Throws ProbeFailure (or a network error to classify). */
export async function preflight(opts: ConnectOptions): Promise<Preflight> {
  const endpoint = `${opts.host}:${opts.port}`;
  const ms = opts.timeoutMs;
  const mode = transportMode(opts.tls);
  let socket: net.Socket | undefined;
  let facts: TlsFacts | null = null;
  try {
    if (mode === 'implicit') {
      try {
        socket = await connectTls(opts, 'connect');
      } catch (e) {
        if (e instanceof StepTimeout) throw e;
        const pe = classifyNetworkError(e, 'connect', endpoint, 'imap');
        throw new ProbeFailure(pe.kind === 'tls' ? { ...pe, step: 'tls' } : pe);
      }
      facts = tlsFacts(socket as tls.TLSSocket, 'implicit', !!opts.insecure);
      enforceTrust(facts, endpoint);
    } else {
      try {
        socket = await connectPlain(opts.host, opts.port, ms);
      } catch (e) {
        if (e instanceof StepTimeout) throw e;
        throw new ProbeFailure(classifyNetworkError(e, 'connect', endpoint));
      }
    }
    const reader = new LineReader(socket);
    let greeting: string;
    try {
      greeting = await reader.line('greeting', ms);
    } catch (e) {
      if (e instanceof StepTimeout) {
        throw new ProbeFailure(noGreeting(endpoint, ms, 'greeting', mode === 'implicit' ? '' : ' (an implicit-TLS port? try --imap-tls implicit)'));
      }
      throw e;
    }
    const g = oneLine(greeting, 300);
    if (/^\* BYE/i.test(greeting)) fail('sys-temp', 'greeting', `${endpoint} refused the session: ${g}`, { serverText: g });
    const other = otherProtocol(greeting, 'IMAP', endpoint);
    if (other) throw new ProbeFailure(other);
    if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) fail('protocol', 'greeting', `${endpoint} did not greet like an IMAP server`, { serverText: g });
    const preauth = /^\* PREAUTH/i.test(greeting);
    let tagN = 0;
    const tag = () => `mdp${++tagN}`;
    const capability = async (step: string) => {
      const r = await command(socket!, reader, tag(), 'CAPABILITY', step, ms);
      if (r.status !== 'OK') fail('protocol', step, `CAPABILITY failed: ${oneLine(r.text)}`, { serverText: oneLine(r.text) });
      const line = r.untagged.find((l) => /^\* CAPABILITY /i.test(l));
      return line ? line.slice('* CAPABILITY '.length).trim().split(/\s+/) : (capsFrom(r.text) ?? []);
    };
    let caps = capsFrom(greeting) ?? (await capability('capability'));
    let before: string[] | null = null;
    if (mode === 'starttls') {
      before = caps;
      if (!caps.some((c) => c.toUpperCase() === 'STARTTLS')) {
        fail('starttls-missing', 'starttls', `${endpoint} does not offer STARTTLS`);
      }
      const r = await command(socket, reader, tag(), 'STARTTLS', 'starttls', ms);
      if (r.status !== 'OK') fail('starttls-missing', 'starttls', `${endpoint} refused STARTTLS: ${oneLine(r.text)}`, { serverText: oneLine(r.text) });
      if (reader.pending > 0) fail('protocol', 'starttls', `${endpoint} sent data after STARTTLS before the TLS handshake (injection?)`);
      reader.detach();
      let secured: tls.TLSSocket;
      try {
        secured = await connectTls(opts, 'starttls', socket);
      } catch (e) {
        if (e instanceof StepTimeout) throw e;
        const pe = classifyNetworkError(e, 'starttls', endpoint);
        throw new ProbeFailure(pe);
      }
      socket = secured;
      reader.attach(secured);
      facts = tlsFacts(secured, 'starttls', !!opts.insecure);
      enforceTrust(facts, endpoint);
      caps = await capability('capability');
    }
    // Polite goodbye; its answer does not matter.
    // Sent, never waited for: a stalled reply must not delay the probe.
    socket.write(`${tag()} LOGOUT\r\n`);
    return { greeting: g, capabilities: caps, capabilitiesBeforeTls: before, tls: facts, preauth };
  } finally {
    socket?.destroy();
  }
}
