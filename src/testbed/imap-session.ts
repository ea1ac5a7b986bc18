// A small IMAP client for the testbed's own housekeeping on servers that keep their own index (Cyrus): an
// administrator creating mailboxes and quota roots, seeding by APPEND with a past INTERNALDATE, and reading a
// mailbox's state for the read-only proofs. Not the probe (that is src/connectors/imap): plain commands, one at
// a time, with literals in both directions and a deadline per command.
import tls from 'node:tls';
import { lastLines } from './server-process.js';

export interface ImapReply {
  status: 'OK' | 'NO' | 'BAD';
  /** The tagged line's text after the status. */
  text: string;
  /** Untagged responses (`* ...` without the star), literals inlined. */
  untagged: string[];
}

/** A literal argument of a command (the message of an APPEND). */
export class Literal {
  constructor(readonly data: Buffer) {}
}

/** An IMAP quoted string (RFC 3501 quoted: backslash and double quote escaped). */
export function quoted(s: string): string {
  if (/[\r\n]/.test(s)) throw new Error('IMAP quoted strings cannot hold CR or LF');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** An INTERNALDATE in UTC: "05-Mar-2025 14:02:09 +0000". */
export function internalDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface ImapSessionOptions {
  host: string;
  port: number;
  /** PEM to trust (implicit TLS, servername localhost). */
  ca: string;
  /** Deadline of each command in ms (default 30 000). */
  timeoutMs?: number;
}

export class ImapSession {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;
  private tagCounter = 0;
  capabilities = new Set<string>();
  /** The server's greeting line. */
  greeting = '';

  private constructor(
    private readonly socket: tls.TLSSocket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      this.waiting?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('IMAP connection closed')));
  }

  /** Connect over implicit TLS and read the greeting. */
  static async open(opts: ImapSessionOptions): Promise<ImapSession> {
    const socket = tls.connect({ host: opts.host, port: opts.port, ca: opts.ca, servername: 'localhost' });
    const session = new ImapSession(socket, opts.timeoutMs ?? 30_000);
    const greeting = await session.readLine('greeting');
    if (!/^\* OK/i.test(greeting)) {
      socket.destroy();
      throw new Error(`IMAP greeting: ${greeting}`);
    }
    session.greeting = greeting;
    session.noteCapabilities(greeting);
    return session;
  }

  /** Log in with SASL PLAIN; `authzid` logs an administrator in as that user (Cyrus admins may). */
  async authenticate(user: string, password: string, authzid = ''): Promise<void> {
    const response = Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8').toString('base64');
    const r = await this.run(`AUTHENTICATE PLAIN ${response}`);
    if (r.status !== 'OK') throw new Error(`IMAP login of ${authzid ? `${user} as ${authzid}` : user} refused: ${r.status} ${r.text}`);
    if (this.noteCapabilities(r.text)) return;
    const listed = (await this.ok('CAPABILITY')).untagged.find((u) => /^CAPABILITY /i.test(u));
    if (listed) this.noteCapabilities(`[${listed}]`);
  }

  /** Run one command; a literal is sent non-synchronizing when the server offers LITERAL+, else after its `+`. */
  async run(...parts: Array<string | Literal>): Promise<ImapReply> {
    const tag = `t${++this.tagCounter}`;
    const plus = this.capabilities.has('LITERAL+');
    let pending = `${tag} `;
    for (const part of parts) {
      if (typeof part === 'string') {
        pending += part;
        continue;
      }
      this.socket.write(`${pending}{${part.data.length}${plus ? '+' : ''}}\r\n`);
      if (!plus) {
        const go = await this.readLine(`${tag} literal`);
        if (!go.startsWith('+')) return { status: 'NO', text: go, untagged: [] };
      }
      this.socket.write(part.data);
      pending = '';
    }
    this.socket.write(`${pending}\r\n`);
    const untagged: string[] = [];
    for (;;) {
      const line = await this.readLine(tag);
      if (line.startsWith('* ')) untagged.push(line.slice(2));
      else if (line.startsWith(`${tag} `)) {
        const m = /^\S+ (OK|NO|BAD)\s?(.*)$/i.exec(line);
        if (!m) throw new Error(`IMAP ${tag}: malformed reply ${line}`);
        return { status: m[1]!.toUpperCase() as ImapReply['status'], text: m[2]!, untagged };
      }
    }
  }

  /** Run a command that must succeed. */
  async ok(...parts: Array<string | Literal>): Promise<ImapReply> {
    const r = await this.run(...parts);
    if (r.status !== 'OK') {
      const shown = parts.map((p) => (typeof p === 'string' ? p : `{${p.data.length}}`)).join('');
      throw new Error(`IMAP ${shown.slice(0, 120)}: ${r.status} ${r.text}`);
    }
    return r;
  }

  async logout(): Promise<void> {
    try {
      if (!this.failure) await this.run('LOGOUT');
    } catch {
      /* the server may close first */
    } finally {
      this.socket.destroy();
    }
  }

  /** Take the capabilities from a `[CAPABILITY ...]` response code; false when the text has none. */
  private noteCapabilities(text: string): boolean {
    const m = /\[CAPABILITY ([^\]]*)\]/i.exec(text);
    if (m) this.capabilities = new Set(m[1]!.toUpperCase().split(/\s+/).filter(Boolean));
    return m !== null;
  }

  /** One response line with its literals inlined (`{n}` CRLF n bytes, then the rest of the line). */
  private async readLine(step: string): Promise<string> {
    const deadline = Date.now() + this.timeoutMs;
    let line = '';
    for (;;) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol >= 0) {
        const text = this.buffer.subarray(0, eol).toString('utf8');
        const literal = /\{(\d+)\}$/.exec(text);
        if (!literal) {
          this.buffer = this.buffer.subarray(eol + 2);
          return line + text;
        }
        const size = Number(literal[1]);
        if (this.buffer.length >= eol + 2 + size) {
          line += text + this.buffer.subarray(eol + 2, eol + 2 + size).toString('utf8');
          this.buffer = this.buffer.subarray(eol + 2 + size);
          continue;
        }
      }
      if (this.failure) throw new Error(`IMAP ${step}: ${this.failure.message}${line ? ` after ${lastLines(line, 1)}` : ''}`);
      await this.more(step, deadline);
    }
  }

  private more(step: string, deadline: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.socket.destroy();
        reject(new Error(`IMAP ${step}: no reply within ${this.timeoutMs} ms`));
      }, Math.max(0, deadline - Date.now()));
      this.waiting = () => {
        clearTimeout(timer);
        this.waiting = null;
        resolve();
      };
    });
  }
}
