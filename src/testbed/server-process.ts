// What every throwaway mail server of the testbed needs around its own config: free loopback ports, a
// self-signed certificate, waiting for the greetings, and a child that dies with us. Used by ./cyrus.ts.
// (./dovecot.ts has older private copies of the same steps; it is another task's file for now.)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** The last `lines` lines of a program's output, for error messages. */
export function lastLines(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** `n` distinct ports on 127.0.0.1 that were free a moment ago (the kernel picks them). */
export async function pickLoopbackPorts(n: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    while (held.length < n) {
      const server = net.createServer();
      held.push(server);
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** A P-256 self-signed certificate for localhost and 127.0.0.1/127.0.0.2, written as server.crt/server.key in `dir`. */
export function writeTestCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost'];
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '730'];
  const r = spawnSync('openssl', [...args, '-keyout', keyFile, '-out', certFile, ...subject], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl req failed: ${lastLines(r.stderr || String(r.error), 5)}`);
  return { certFile, keyFile };
}

/** The first line a listener sends (over TLS when `ca` is given), or null when none comes within `ms`. */
export function firstLine(port: number, ca: string | null, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = ca === null ? net.connect(port, '127.0.0.1') : tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    let text = '';
    const end = (line: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(line);
    };
    const timer = setTimeout(() => end(null), ms);
    socket.on('error', () => end(null)).on('close', () => end(null));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const eol = text.indexOf('\n');
      if (eol >= 0) end(text.slice(0, eol).replace(/\r$/, ''));
    });
  });
}

export interface Listener {
  name: string;
  port: number;
  tls: boolean;
  greeting: RegExp;
}

/** The four mail listeners every testbed server has (IMAP, IMAPS, POP3, POP3S) and the greeting each must send. */
export function mailListeners(ports: { imap: number; imaps: number; pop3: number; pop3s: number }): Listener[] {
  return [
    { name: 'imap', port: ports.imap, tls: false, greeting: /^\* OK/ },
    { name: 'imaps', port: ports.imaps, tls: true, greeting: /^\* OK/ },
    { name: 'pop3', port: ports.pop3, tls: false, greeting: /^\+OK/ },
    { name: 'pop3s', port: ports.pop3s, tls: true, greeting: /^\+OK/ },
  ];
}

/**
 * Poll every listener until it greets as expected, `alive()` turns false, or the deadline passes. An open
 * port is not enough: a server may accept before its service is ready. Returns the names still silent.
 */
export async function awaitGreetings(listeners: Listener[], ca: string, deadline: number, alive: () => boolean): Promise<string[]> {
  let silent = listeners;
  while (silent.length > 0 && alive() && Date.now() < deadline) {
    const greeted = await Promise.all(silent.map(async (l) => l.greeting.test((await firstLine(l.port, l.tls ? ca : null, 1000)) ?? '')));
    silent = silent.filter((_, i) => !greeted[i]);
    if (silent.length > 0) await new Promise((r) => setTimeout(r, 50));
  }
  return silent.map((l) => l.name);
}

const children = new Set<ChildProcess>();
let hooked = false;

/**
 * Make a server child die with this process: SIGKILL on a normal exit, and a detached watchdog shell that
 * sends SIGTERM (then SIGKILL) when our end of its stdin closes, which also covers our own SIGKILL.
 * Returns a function that releases the guard once the child is stopped.
 */
export function guardChild(child: ChildProcess): () => void {
  if (child.pid === undefined) throw new Error('guardChild: the child has no pid');
  children.add(child);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
  }
  const pid = child.pid;
  const watchdog = spawn('sh', ['-c', `while read _; do :; done; kill -TERM ${pid} 2>/dev/null; sleep 5; kill -KILL ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    children.delete(child);
    watchdog.kill('SIGKILL');
  };
}

/** A short parent directory for a server's root (unix socket paths are limited to 108 bytes): tmpfs when there. */
export function shortTempParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir().length <= 20 ? tmpdir() : '/tmp';
  }
}
