// The HTTPS requests of autoconfig and Autodiscover: --ca and --insecure as for every TLS connection, names
// through the discovery resolver, a size cap, and an abort when the source's deadline ends.
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { secureContextFor } from '../connectors/common.js';
import type { NameResolver } from './dns.js';

export interface HttpContext {
  resolver: NameResolver;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  /** Where https:// (and http://) URLs connect instead of 443/80: for tests on loopback high ports. */
  httpsPort?: number | undefined;
  httpPort?: number | undefined;
  /** Ends every request of the source (its deadline). */
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  location: string | null;
  contentType: string | null;
  body: string;
  /** With --insecure: the certificate did not verify, and why (the request went on). */
  unverified: string | null;
}

/** A published document is small: more than this is not a config file. */
const MAX_BODY = 512 * 1024;

export class HttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

export function request(ctx: HttpContext, url: string, o: { method?: 'GET' | 'POST'; body?: string; contentType?: string } = {}): Promise<HttpAnswer> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const port = u.port ? Number(u.port) : secure ? (ctx.httpsPort ?? 443) : (ctx.httpPort ?? 80);
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        host: u.hostname,
        port,
        path: `${u.pathname}${u.search}`,
        method: o.method ?? 'GET',
        headers: {
          host: u.host,
          'user-agent': 'maildoctor (discovery)',
          ...(o.body !== undefined ? { 'content-type': o.contentType ?? 'text/xml', 'content-length': Buffer.byteLength(o.body) } : {}),
        },
        lookup: ctx.resolver.lookup,
        signal: ctx.signal,
        agent: false,
        ...(secure ? { servername: u.hostname, secureContext: secureContextFor(ctx.ca), rejectUnauthorized: !ctx.insecure } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const unverified = secure && !socket.authorized ? String(socket.authorizationError ?? 'unverified') : null;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy(new HttpError(`${url} sent more than ${MAX_BODY / 1024} KiB`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location ?? null,
            contentType: res.headers['content-type'] ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
            unverified,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A failed request in one line: what a source's reason says. */
export function requestFailure(url: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof HttpError) return err.message;
  const code = err?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_AGAIN') return `${url}: the host name does not resolve`;
  if (code === 'ECONNREFUSED') return `${url}: connection refused`;
  if (code === 'ABORT_ERR') return `${url}: no answer before the deadline`;
  if (/CERT|SSL|TLS|SELF_SIGNED|VERIFY/.test(code) || /certificate/i.test(err?.message ?? '')) return `${url}: the certificate was not accepted (${code || err.message}); --ca FILE trusts a private CA`;
  return `${url}: ${code || err?.message || String(e)}`;
}
