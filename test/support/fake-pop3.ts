// A scripted fake POP3 server on 127.0.0.1 (port 0) for unit tests of the POP3 client: replies per command
// verb, delivered whole, split at a byte offset, or byte by byte; able to stall, close or reset mid-reply,
// send garbage, speak implicit TLS or STLS; records every line it receives.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** How each reply's bytes are written. */
type Delivery =
  | { mode: 'whole' }
  /** Two writes: bytes [0, at) and [at, end), with a pause between them so they arrive as separate chunks. */
  | { mode: 'split'; at: number }
  /** One write per byte. */
  | { mode: 'bytewise' };

interface ReplyAction {
  /** The reply's bytes (a string is sent as UTF-8). */
  send?: string | Buffer;
  /** Send only the first N bytes of `send`, then nothing more (the connection stays open). */
  stallAfter?: number;
  /** Send only the first N bytes of `send`, then close the connection (FIN). */
  closeAfter?: number;
  /** Send only the first N bytes of `send`, then reset the connection (RST). */
  resetAfter?: number;
  /** After sending, switch this connection to TLS (the server side of STLS). */
  startTls?: boolean;
  /** After sending, close the connection (like the reply to QUIT). */
  end?: boolean;
  /** Wait this long before replying. */
  delayMs?: number;
}

interface ReceivedCommand {
  line: string;
  verb: string;
  args: string;
  /** 1-based number of the connection it came on. */
  connection: number;
}

type Responder = string | ReplyAction | ((cmd: ReceivedCommand) => string | ReplyAction);

export interface FakePop3Script {
  /** The greeting; default "+OK fake POP3 ready". */
  greeting?: Responder | null;
  /**
   * Replies by verb (upper case). An array answers the 1st, 2nd, ... use of the verb on one connection; its last
   * entry answers any later use. A verb without an entry gets "-ERR unknown command". QUIT defaults to
   * "+OK bye" and closes the connection.
   */
  replies?: Partial<Record<string, Responder | Responder[]>>;
  /** The answer to a verb that has no entry in `replies` (default "-ERR unknown command"). */
  fallback?: Responder;
  delivery?: Delivery;
  /** Server key and certificate, for implicit TLS or STLS. */
  tls?: { key: string; cert: string };
  implicitTls?: boolean;
}

export interface FakePop3Server {
  host: '127.0.0.1';
  port: number;
  /** Every line received, in order, over all connections. */
  received: ReceivedCommand[];
  /** How replies are written from now on (tests can change it between sessions). */
  delivery: Delivery;
  script: FakePop3Script;
  connections: number;
  /** Resolves when every connection so far has closed. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/**
 * Let the peer read what was written. A small write on loopback reaches the peer's receive buffer at once; two
 * check phases later the event loop has been through a poll phase, where a client in this same process reads it.
 * (A timer would not do: under load the loop can take longer than the timer, and both parts arrive together.)
 */
const letPeerRead = async () => {
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setImmediate(r));
};

function write(sock: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (sock.destroyed || !sock.writable) return resolve();
    sock.write(data, () => resolve());
  });
}

async function deliver(sock: net.Socket, data: Buffer, delivery: Delivery): Promise<void> {
  if (data.length === 0) return;
  if (delivery.mode === 'whole') return write(sock, data);
  if (delivery.mode === 'split') {
    const at = Math.min(Math.max(delivery.at, 0), data.length);
    if (at === 0 || at === data.length) return write(sock, data);
    await write(sock, data.subarray(0, at));
    await letPeerRead();
    return write(sock, data.subarray(at));
  }
  for (let i = 0; i < data.length; i++) {
    await write(sock, data.subarray(i, i + 1));
    await letPeerRead();
  }
}

export async function startFakePop3(script: FakePop3Script): Promise<FakePop3Server> {
  const sockets = new Set<net.Socket>();
  const closedWaiters: Array<() => void> = [];
  const state: FakePop3Server = {
    host: '127.0.0.1',
    port: 0,
    received: [],
    delivery: script.delivery ?? { mode: 'whole' },
    script,
    connections: 0,
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((r) => closedWaiters.push(r))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = net.createServer((raw) => {
    const connection = ++state.connections;
    sockets.add(raw);
    raw.setNoDelay(true);
    raw.on('error', () => undefined);
    raw.on('close', () => {
      sockets.delete(raw);
      if (sockets.size === 0) closedWaiters.splice(0).forEach((w) => w());
    });
    let sock: net.Socket = raw;
    if (script.implicitTls) sock = upgrade(raw);
    const uses = new Map<string, number>();
    let buf = '';
    let chain = Promise.resolve();
    let halted = false;

    function upgrade(s: net.Socket): net.Socket {
      if (!script.tls) throw new Error('fake POP3: TLS asked for without a key and certificate');
      const t = new tls.TLSSocket(s, { isServer: true, key: script.tls.key, cert: script.tls.cert });
      t.on('error', () => undefined);
      t.setNoDelay(true);
      t.on('data', onData);
      return t;
    }

    async function act(responder: Responder | null | undefined, cmd: ReceivedCommand | null): Promise<void> {
      if (responder === null || responder === undefined || halted) return;
      const action: ReplyAction = typeof responder === 'function' ? normal(responder(cmd!)) : normal(responder);
      if (action.delayMs) await sleep(action.delayMs);
      const data = typeof action.send === 'string' ? Buffer.from(action.send, 'utf8') : (action.send ?? Buffer.alloc(0));
      const cut = action.stallAfter ?? action.closeAfter ?? action.resetAfter;
      await deliver(sock, cut === undefined ? data : data.subarray(0, cut), state.delivery);
      if (action.stallAfter !== undefined) {
        halted = true;
        return;
      }
      if (action.closeAfter !== undefined) {
        halted = true;
        sock.end();
        return;
      }
      if (action.resetAfter !== undefined) {
        halted = true;
        raw.resetAndDestroy();
        return;
      }
      if (action.startTls) {
        raw.removeListener('data', onData);
        sock = upgrade(raw);
      }
      if (action.end) {
        halted = true;
        sock.end();
      }
    }

    function onData(chunk: Buffer): void {
      buf += chunk.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = Buffer.from(buf.slice(0, i).replace(/\r$/, ''), 'latin1').toString('utf8');
        buf = buf.slice(i + 1);
        const sp = line.indexOf(' ');
        const verb = (sp === -1 ? line : line.slice(0, sp)).toUpperCase();
        const cmd: ReceivedCommand = { line, verb, args: sp === -1 ? '' : line.slice(sp + 1), connection };
        state.received.push(cmd);
        const n = uses.get(verb) ?? 0;
        uses.set(verb, n + 1);
        const entry = script.replies?.[verb];
        let responder: Responder | undefined = Array.isArray(entry) ? entry[Math.min(n, entry.length - 1)] : entry;
        if (responder === undefined) {
          responder = verb === 'QUIT' ? { send: '+OK bye\r\n', end: true } : (script.fallback ?? '-ERR unknown command\r\n');
        }
        chain = chain.then(() => act(responder, cmd));
      }
    }

    if (!script.implicitTls) raw.on('data', onData);
    chain = chain.then(() => act(script.greeting === undefined ? '+OK fake POP3 ready\r\n' : script.greeting, null));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

function normal(r: string | ReplyAction): ReplyAction {
  return typeof r === 'string' ? { send: r } : r;
}

/** A multi-line reply: "+OK" (or the given first line), the lines dot-stuffed, and the "." terminator. */
export function multiline(lines: readonly string[], first = '+OK'): string {
  return `${first}\r\n${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}${lines.length ? '\r\n' : ''}.\r\n`;
}

/** A throwaway self-signed certificate for 127.0.0.1 / localhost (needs the openssl command). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'md-fakecert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
