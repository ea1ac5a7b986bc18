// What every discovery source is given and gives back, and how one runs under its own deadline: a source that
// stalls is cut off and told as timed out, with what it had asked by then; the others are not held up.
import type { DiscoveredServer, DiscoverySource, EndpointCheck, SourceResult } from '../snapshot/discovery.js';
import type { NameResolver } from './dns.js';
import type { HttpContext } from './http.js';
import type { ReachOptions } from './reach.js';

export interface SourceContext {
  address: string;
  localPart: string;
  domain: string;
  resolver: NameResolver;
  http: HttpContext;
  reach: ReachOptions;
  /** Plain http:// autoconfig as well (only when asked). */
  allowHttp: boolean;
  /** Guessing's ports (default 993/143 and 995/110); tests point them at loopback high ports. */
  guessPorts: GuessPorts;
  /** The source appends what it asks and notes as it goes, so a cut-off source still shows them. */
  asked: string[];
  notes: string[];
  /** Guessing's connections, kept for the snapshot's checks. */
  checks: EndpointCheck[];
}

export interface GuessPorts {
  imap: { implicit: number; starttls: number };
  pop3: { implicit: number; starttls: number };
}

export interface SourceOutput {
  status: 'ok' | 'nothing' | 'failed';
  reason: string | null;
  servers: DiscoveredServer[];
}

export type SourceRun = (ctx: SourceContext) => Promise<SourceOutput>;

/** Run one source with its deadline; never throws. */
export async function runSource(source: DiscoverySource, run: SourceRun, ctx: Omit<SourceContext, 'asked' | 'notes' | 'checks' | 'http'> & { http: Omit<HttpContext, 'signal'> }, deadlineMs: number): Promise<{ result: SourceResult; checks: EndpointCheck[] }> {
  const abort = new AbortController();
  const own: SourceContext = { ...ctx, http: { ...ctx.http, signal: abort.signal }, asked: [], notes: [], checks: [] };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve('timed-out');
    }, deadlineMs);
  });
  let out: SourceOutput | 'timed-out';
  try {
    out = await Promise.race([run(own), expired]);
  } catch (e) {
    out = { status: 'failed', reason: `internal error in this source: ${(e as Error)?.message ?? String(e)} (a maildoctor bug; please report it)`, servers: [] };
  } finally {
    clearTimeout(timer);
  }
  const durationMs = Math.round(performance.now() - t0);
  const base = { source, asked: [...own.asked], notes: [...own.notes], durationMs, deadlineMs };
  if (out === 'timed-out') {
    return { result: { ...base, status: 'timed-out', reason: `no answer within its deadline of ${deadlineMs / 1000} s`, servers: [] }, checks: [...own.checks] };
  }
  return { result: { ...base, ...out }, checks: [...own.checks] };
}

/** Whether `host` is the domain or a name under it (RFC 6186 §6: a target elsewhere is named in the report). */
export function underDomain(host: string, domain: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase();
  return h === d || h.endsWith(`.${d}`);
}
