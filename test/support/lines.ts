// A tiny line-oriented client for raw IMAP/POP3 exchanges in tests (not maildoctor's own client).
import net from 'node:net';
import tls from 'node:tls';

export interface LineClient {
  /** Next line (without CRLF); rejects after `ms`. */
  line(ms?: number): Promise<string>;
  /** Lines until one matches `done` (inclusive). */
  until(done: RegExp, ms?: number): Promise<string[]>;
  send(text: string): void;
  /** Upgrade this connection to TLS (STARTTLS/STLS). */
  startTls(ca: string): Promise<void>;
  close(): void;
}

export async function connectLines(port: number, opts: { tls?: boolean; ca?: string; host?: string } = {}): Promise<LineClient> {
  const host = opts.host ?? '127.0.0.1';
  let sock: net.Socket = await new Promise<net.Socket>((resolve, reject) => {
    const s: net.Socket = opts.tls
      ? tls.connect({ host, port, ca: opts.ca, servername: 'localhost' }, () => resolve(s))
      : net.connect({ host, port }, () => resolve(s));
    s.once('error', reject);
  });
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const attach = (s: net.Socket) => {
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i).replace(/\r$/, ''));
        buf = buf.slice(i + 1);
      }
      wake?.();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      closed = true;
      wake?.();
    });
  };
  attach(sock);
  const line = (ms = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        wake = null;
        reject(new Error(`no line within ${ms} ms`));
      }, ms);
      const check = () => {
        if (lines.length > 0) {
          clearTimeout(timer);
          wake = null;
          resolve(lines.shift()!);
        } else if (closed) {
          clearTimeout(timer);
          wake = null;
          reject(new Error('connection closed'));
        }
      };
      wake = check;
      check();
    });
  return {
    line,
    async until(done, ms = 15_000) {
      const out: string[] = [];
      for (;;) {
        const l = await line(ms);
        out.push(l);
        if (done.test(l)) return out;
      }
    },
    send(text) {
      sock.write(`${text}\r\n`);
    },
    async startTls(ca) {
      sock.removeAllListeners('data');
      const plain = sock;
      sock = await new Promise<net.Socket>((resolve, reject) => {
        const t = tls.connect({ socket: plain, ca, servername: 'localhost' }, () => resolve(t));
        t.once('error', reject);
      });
      attach(sock);
    },
    close() {
      sock.destroy();
    },
  };
}
