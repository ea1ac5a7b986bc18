// One look at an endpoint, the way a mail client's guess does it: connect (implicit TLS or plain), read the
// greeting, ask CAPABILITY / CAPA, and for STARTTLS/STLS do the upgrade to see the certificate. Never logs in.
// The certificate is judged against the host name contacted, never the address it resolved to.
import net from 'node:net';
import tls from 'node:tls';
import type { EndpointCheck } from '../snapshot/discovery.js';
import type { Transport } from '../snapshot/schema.js';
import { oneLine, tlsConnectOptions } from '../connectors/common.js';
import { Connection, LineReader, raceDeadline, type OpenOptions } from '../connectors/transport.js';
import { tlsFacts } from '../connectors/common.js';
import type { NameResolver } from './dns.js';

export interface ReachOptions {
  resolver: NameResolver;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  timeoutMs: number;
}

class ReachTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(step: string, ms: number) {
    super(`no answer within ${ms} ms (${step})`);
  }
}

const timeoutError = (step: string, ms: number) => new ReachTimeout(step, ms);

async function open(host: string, port: number, implicit: boolean, o: ReachOptions): Promise<Connection> {
  const oo: OpenOptions = { host, port, mode: implicit ? 'implicit' : 'plain', ca: o.ca, insecure: o.insecure, verify: 'caller', timeoutMs: o.timeoutMs, timeoutError };
  const t0 = performance.now();
  const socket = implicit
    ? tls.connect({ port, ...tlsConnectOptions({ host, ca: o.ca, insecure: o.insecure }), rejectUnauthorized: false, lookup: o.resolver.lookup })
    : net.connect({ host, port, lookup: o.resolver.lookup });
  socket.on('error', () => undefined);
  try {
    await raceDeadline(
      o.timeoutMs,
      () =>
        new Promise<void>((resolve, reject) => {
          socket.once(implicit ? 'secureConnect' : 'connect', () => resolve());
          socket.once('error', reject);
          socket.once('close', () => reject(new Error('connection closed')));
        }),
      () => timeoutError('connect', o.timeoutMs),
      { onExpiry: () => socket.destroy() },
    );
  } catch (e) {
    socket.destroy();
    throw e;
  }
  return new Connection(socket, oo, implicit ? tlsFacts(socket as tls.TLSSocket, 'implicit', Boolean(o.insecure)) : null, t0);
}

function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'ENODATA') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT') return err.message;
  if (code === 'ECONNRESET' || err?.message === 'connection closed') return 'the server closed the connection';
  return oneLine(code ?? err?.message ?? String(e));
}

/** Connect to one endpoint and see what answers there. Never throws. */
export async function reach(protocol: 'imap' | 'pop3', host: string, port: number, tlsMode: Transport, o: ReachOptions): Promise<EndpointCheck> {
  const t0 = performance.now();
  const out: EndpointCheck = { protocol, host, port, tls: tlsMode, answered: false, greeting: null, capabilities: [], tlsVerified: null, tlsError: null, error: null, durationMs: 0 };
  let conn: Connection | null = null;
  const setTls = (facts: { verified: boolean; verifyError: string | null }) => {
    out.tlsVerified = facts.verified;
    out.tlsError = facts.verified ? null : facts.verifyError;
  };
  try {
    conn = await open(host, port, tlsMode === 'implicit', o);
    if (conn.tls) setTls(conn.tls);
    const lines = new LineReader(conn, { maxLineBytes: 16 * 1024, overlong: () => new Error('a line longer than 16 KiB') });
    const ms = o.timeoutMs;
    const greeting = await lines.line('greeting', ms);
    out.greeting = oneLine(greeting, 300);
    const imap = protocol === 'imap';
    if (imap ? !/^\* (OK|PREAUTH)\b/i.test(greeting) : !/^\+OK\b/.test(greeting)) {
      out.error = `not a ${imap ? 'IMAP' : 'POP3'} greeting`;
      return out;
    }
    out.answered = true;
    out.capabilities = imap ? await imapCapabilities(conn, lines, 'A1', ms) : await popCapa(conn, lines, ms);
    if (tlsMode === 'starttls') {
      const offered = out.capabilities.some((c) => c.toUpperCase() === (imap ? 'STARTTLS' : 'STLS'));
      if (!offered) {
        out.error = `${imap ? 'STARTTLS' : 'STLS'} is not offered`;
        return out;
      }
      conn.write(imap ? 'A2 STARTTLS\r\n' : 'STLS\r\n');
      const answer = imap ? await tagged(lines, 'A2', ms) : await lines.line('stls', ms);
      if (!(imap ? /^A2 OK\b/i : /^\+OK\b/).test(answer)) {
        out.error = `the upgrade was refused: ${oneLine(answer, 120)}`;
        return out;
      }
      setTls(await conn.upgrade('tls', ms));
    }
    conn.end(imap ? 'A9 LOGOUT\r\n' : 'QUIT\r\n');
  } catch (e) {
    out.error ??= why(e);
  } finally {
    conn?.destroy();
    out.durationMs = Math.round(performance.now() - t0);
  }
  return out;
}

async function tagged(lines: LineReader, tag: string, ms: number): Promise<string> {
  for (;;) {
    const line = await lines.line('capability', ms);
    if (line.startsWith(`${tag} `)) return line;
  }
}

async function imapCapabilities(conn: Connection, lines: LineReader, tag: string, ms: number): Promise<string[]> {
  conn.write(`${tag} CAPABILITY\r\n`);
  const caps: string[] = [];
  for (;;) {
    const line = await lines.line('capability', ms);
    const m = /^\* CAPABILITY (.*)$/i.exec(line);
    if (m) caps.push(...m[1]!.trim().split(/\s+/));
    if (line.startsWith(`${tag} `)) return caps;
  }
}

async function popCapa(conn: Connection, lines: LineReader, ms: number): Promise<string[]> {
  conn.write('CAPA\r\n');
  const first = await lines.line('capa', ms);
  if (!first.startsWith('+OK')) return [];
  const caps: string[] = [];
  for (let n = 0; n < 200; n++) {
    const line = await lines.line('capa', ms);
    if (line === '.') return caps;
    caps.push(oneLine(line, 100).split(' ')[0]!);
  }
  return caps;
}
