// From an email address to the account's servers, the way mail clients find them: five sources side by side,
// each with its own deadline, merged by a fixed priority; every source's outcome is kept as data, and every
// published endpoint is looked at (does it answer, does its certificate match the name).
import type { ChosenServer, DiscoveredServer, Discovery, DiscoverySource, EndpointCheck, SourceResult } from '../snapshot/discovery.js';
import { autoconfigSource } from './autoconfig.js';
import { autodiscoverSource } from './autodiscover.js';
import { createResolver } from './dns.js';
import { guessSource } from './guess.js';
import { mxSource } from './mx.js';
import { reach } from './reach.js';
import { runSource, type GuessPorts, type SourceRun } from './source.js';
import { srvSource } from './srv.js';

export { createResolver, parseDnsServer } from './dns.js';
export type { GuessPorts } from './source.js';

/** Each source with its deadline, in the order of priority (the first that names a protocol's server wins). */
const SOURCES: Record<DiscoverySource, { run: SourceRun; deadlineMs: number }> = {
  autoconfig: { run: autoconfigSource, deadlineMs: 10_000 },
  srv: { run: srvSource, deadlineMs: 5_000 },
  'mx-autoconfig': { run: mxSource, deadlineMs: 10_000 },
  autodiscover: { run: autodiscoverSource, deadlineMs: 10_000 },
  guess: { run: guessSource, deadlineMs: 12_000 },
};
export const SOURCE_ORDER = Object.keys(SOURCES) as DiscoverySource[];

export interface DiscoverOptions {
  /** --dns-server as HOST:PORT (parseDnsServer), or null/absent for the system's resolver. */
  dnsServer?: string | null | undefined;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  /** Deadline of each connection and query inside a source, in milliseconds. */
  timeoutMs: number;
  /** Deadlines per source, replacing the defaults (SOURCES). */
  deadlinesMs?: Partial<Record<DiscoverySource, number>> | undefined;
  /** Also ask autoconfig over plain http (only when asked for). */
  allowHttp?: boolean | undefined;
  /** Other ports than 443/80 and the well-known mail ports: for tests on loopback. */
  ports?: { https?: number | undefined; http?: number | undefined; guess?: GuessPorts | undefined } | undefined;
  onProgress?: ((message: string) => void) | undefined;
}

export class AddressError extends Error {
  constructor(address: string) {
    super(`${JSON.stringify(address)} is not an email address (local-part@domain)`);
    this.name = 'AddressError';
  }
}

/** local part and domain of an address; throws AddressError. */
export function splitAddress(address: string): { localPart: string; domain: string } {
  const at = address.lastIndexOf('@');
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase().replace(/\.$/, '');
  if (at <= 0 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain) || /\s/.test(localPart)) throw new AddressError(address);
  return { localPart, domain };
}

const DEFAULT_GUESS_PORTS: GuessPorts = { imap: { implicit: 993, starttls: 143 }, pop3: { implicit: 995, starttls: 110 } };

/** The login name a source's template gives (%EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN%); the address when it names none. */
export function loginName(template: string | null, address: string, localPart: string, domain: string): string {
  if (!template) return address;
  return template.replace(/%EMAILADDRESS%/g, address).replace(/%EMAILLOCALPART%/g, localPart).replace(/%EMAILDOMAIN%/g, domain);
}

const endpointKey = (s: Pick<DiscoveredServer, 'protocol' | 'host' | 'port' | 'tls'>) => `${s.protocol} ${s.host}:${s.port} ${s.tls}`;

/** The winning setting per protocol: the first source in priority order that names one, its first server. */
export function choose(sources: SourceResult[], address: string, localPart: string, domain: string): Discovery['chosen'] {
  const pick = (protocol: 'imap' | 'pop3'): ChosenServer | null => {
    for (const s of sources) {
      if (s.status !== 'ok') continue;
      const server = s.servers.find((x) => x.protocol === protocol);
      if (server) return { ...server, source: s.source, user: loginName(server.username, address, localPart, domain) };
    }
    return null;
  };
  return { imap: pick('imap'), pop3: pick('pop3') };
}

/**
 * What a probe limited to `only` takes from a discovery: the winning server per protocol it asks, and the login
 * the first of them names; null when the discovery gives none of them (nothingFound says why).
 */
export function serversOf(d: Discovery, only: 'imap' | 'pop' | undefined): { imap: ChosenServer | null; pop: ChosenServer | null; user: string } | null {
  const imap = only === 'pop' ? null : d.chosen.imap;
  const pop = only === 'imap' ? null : d.chosen.pop3;
  const first = imap ?? pop;
  return first ? { imap, pop, user: first.user } : null;
}

/** "no IMAP or POP3 server found for ADDRESS (what each source said)": the start of the error when serversOf is null. */
export function nothingFound(d: Discovery, only: 'imap' | 'pop' | undefined): string {
  const said = d.sources.map((s) => `${s.source} ${s.status}`).join(', ');
  return `no ${only === 'pop' ? 'POP3' : only === 'imap' ? 'IMAP' : 'IMAP or POP3'} server found for ${d.address} (${said})`;
}

export async function discover(address: string, o: DiscoverOptions): Promise<Discovery> {
  const { localPart, domain } = splitAddress(address);
  const resolver = createResolver(o.dnsServer ?? null, o.timeoutMs);
  const reachOptions = { resolver, ca: o.ca, insecure: o.insecure, timeoutMs: o.timeoutMs };
  const ctx = {
    address,
    localPart,
    domain,
    resolver,
    http: { resolver, ca: o.ca, insecure: o.insecure, httpsPort: o.ports?.https, httpPort: o.ports?.http },
    reach: reachOptions,
    allowHttp: o.allowHttp ?? false,
    guessPorts: o.ports?.guess ?? DEFAULT_GUESS_PORTS,
  };
  const runs = await Promise.all(
    SOURCE_ORDER.map((id) => {
      const deadline = o.deadlinesMs?.[id] ?? SOURCES[id].deadlineMs;
      return runSource(id, SOURCES[id].run, ctx, deadline).then((r) => {
        o.onProgress?.(`discovery: ${id} ${r.result.status} (${r.result.durationMs} ms)`);
        return r;
      });
    }),
  );
  const sources = runs.map((r) => r.result);
  // Every published endpoint once, and guessing's own connections: what answers, with which certificate.
  const checks: EndpointCheck[] = runs.flatMap((r) => r.checks);
  const seen = new Set(checks.map(endpointKey));
  const published = sources.filter((s) => s.source !== 'guess').flatMap((s) => s.servers).filter((s) => !seen.has(endpointKey(s)) && seen.add(endpointKey(s)));
  checks.push(...(await Promise.all(published.map((s) => reach(s.protocol, s.host, s.port, s.tls, reachOptions)))));
  return { address, domain, dnsServer: resolver.server, sources, chosen: choose(sources, address, localPart, domain), checks };
}
