// Real parts for the discovery tests, all on 127.0.0.1: dnsmasq (Debian's) answering for test domains, and a
// node:https server with a certificate signed by the testbed's own CA, serving autoconfig and Autodiscover.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestbedInfo } from '../../src/testbed/types.js';

export interface DnsRecords {
  /** name → IPv4 */
  a?: Record<string, string>;
  /** [service name, target ('.' for none), port, priority, weight] */
  srv?: [string, string, number, number?, number?][];
  /** [domain, exchange, preference] */
  mx?: [string, string, number][];
}

export interface Dnsmasq {
  server: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** A port on 127.0.0.1 where nothing listens (for "a published port does not answer"). */
export const closedPort = freePort;

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** dnsmasq in the foreground on a free loopback port, answering only from `records` (nothing forwarded). */
export async function startDnsmasq(records: DnsRecords): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'md-dns-'));
  const conf = [
    'no-resolv',
    'no-hosts',
    'local=/test/',
    ...Object.entries(records.a ?? {}).map(([name, ip]) => `host-record=${name},${ip}`),
    ...(records.srv ?? []).map(([name, target, port, prio, weight]) => (target === '.' ? `srv-host=${name}` : `srv-host=${name},${target},${port},${prio ?? 0},${weight ?? 0}`)),
    ...(records.mx ?? []).map(([domain, host, pref]) => `mx-host=${domain},${host},${pref}`),
  ].join('\n');
  writeFileSync(join(dir, 'dnsmasq.conf'), `${conf}\n`);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn(existsSync('/usr/sbin/dnsmasq') ? '/usr/sbin/dnsmasq' : 'dnsmasq', ['--keep-in-foreground', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', `--conf-file=${join(dir, 'dnsmasq.conf')}`, '--pid-file=', ...(process.getuid?.() === 0 ? ['--user=root'] : []), '--log-facility=-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = await new Promise<boolean>((resolve) => {
      child.once('exit', () => resolve(false));
      const poll = setInterval(() => {
        if (/started, version/.test(err)) {
          clearInterval(poll);
          resolve(true);
        }
      }, 20);
      child.once('exit', () => clearInterval(poll));
    });
    if (started) {
      return {
        server: `127.0.0.1:${port}`,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    if (attempt >= 2) throw new Error(`dnsmasq did not start: ${err.trim()}`);
  }
}

/** A certificate for `names`, signed by the testbed's self-signed certificate (it is a CA): --ca testbed trusts it. */
export function testbedSignedCertificate(tb: TestbedInfo, names: string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'md-cert-'));
  try {
    const run = (args: string[]) => {
      const r = spawnSync('openssl', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
    };
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'r.csr'), '-subj', `/CN=${names[0]}`]);
    run(['x509', '-req', '-in', join(dir, 'r.csr'), '-CA', tb.caFile, '-CAkey', join(tb.root, 'server.key'), '-CAcreateserial', '-CAserial', join(dir, 'serial'), '-out', join(dir, 'c.pem'), '-days', '30', '-extfile', join(dir, 'ext.cnf')]);
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface WebServer {
  port: number;
  /** "host path" (path without the query) → handler; unknown routes answer 404. */
  routes: Map<string, Route>;
  /** Requests seen, as "METHOD host path?query". */
  seen: string[];
  stop(): Promise<void>;
}

export async function startWebServer(cert: { key: string; cert: string }): Promise<WebServer> {
  const routes = new Map<string, Route>();
  const seen: string[] = [];
  const server = https.createServer(cert, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const path = (req.url ?? '/').split('?')[0];
    seen.push(`${req.method} ${host} ${req.url}`);
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const route = routes.get(`${host} ${path}`);
      if (route) route(req, res, body);
      else res.writeHead(404).end('not here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    routes,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const xml = (body: string): Route => (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/xml' }).end(body);
};

/** A clientConfig document with these incoming servers. */
export function clientConfig(domain: string, servers: { type: 'imap' | 'pop3'; host: string; port: number; socket: 'SSL' | 'STARTTLS' | 'plain'; username?: string; pop3?: string }[]): string {
  const inc = servers
    .map(
      (s) => `    <incomingServer type="${s.type}">
      <hostname>${s.host}</hostname>
      <port>${s.port}</port>
      <socketType>${s.socket}</socketType>
      <username>${s.username ?? '%EMAILADDRESS%'}</username>
      <authentication>password-cleartext</authentication>${s.pop3 ? `\n      <pop3>${s.pop3}</pop3>` : ''}
    </incomingServer>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${domain}">
    <domain>${domain}</domain>
    <displayName>Test &amp; mail</displayName>
${inc}
  </emailProvider>
</clientConfig>
`;
}
