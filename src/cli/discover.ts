// `maildoctor discover ADDRESS`, and the discovery options `check`, `probe` and `watch` share for an address
// without --host: --dns-server (MAILDOCTOR_DNS_SERVER, also for the probe's mail hosts), --discovery-deadline,
// --autoconfig-http.
import type { LookupFunction } from 'node:net';
import type { Argv } from 'yargs';
import type { DiscoverOptions, GuessPorts } from '../discovery/index.js';
import type { Discovery } from '../snapshot/discovery.js';
import type { Snapshot } from '../snapshot/schema.js';
import { SNAPSHOT_SCHEMA } from '../snapshot/schema-id.js';
import { VERSION } from '../version.js';
import { readCaFile, type RawAccountArgs } from './account.js';
import { EXIT, UsageError } from './errors.js';
import { progressTo } from './progress.js';
import { reportZone } from './output.js';

const GROUP = 'Discovery:';

export function withDiscoveryOptions<T>(y: Argv<T>) {
  return y
    .option('dns-server', { type: 'string', describe: 'Ask this DNS server (HOST or HOST:PORT) for every name discovery and the probe resolve, the mail hosts included (default MAILDOCTOR_DNS_SERVER, else the system resolver)', group: GROUP })
    .option('discovery-deadline', { type: 'number', describe: 'Deadline of each discovery source in seconds (default: 10, SRV 5, guessing 12)', group: GROUP })
    .option('autoconfig-http', { type: 'boolean', default: false, describe: 'Also ask autoconfig over plain http:// (HTTPS only by default)', group: GROUP });
}

export interface DiscoveryArgs {
  dnsServer?: string;
  discoveryDeadline?: number;
  autoconfigHttp: boolean;
}

/**
 * MAILDOCTOR_DISCOVERY_PORTS=https=8443,imaps=1993,imap=1143,pop3s=1995,pop3=1110: other ports than the
 * well-known ones for the HTTPS requests and for guessing. For tests and labs on loopback.
 */
function portsFromEnv(value: string | undefined): DiscoverOptions['ports'] {
  if (!value) return undefined;
  const map: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || !['https', 'http', 'imaps', 'imap', 'pop3s', 'pop3'].includes(k.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
      throw new UsageError(`MAILDOCTOR_DISCOVERY_PORTS: ${JSON.stringify(part)} is not NAME=PORT (https, http, imaps, imap, pop3s, pop3)`);
    }
    map[k.trim()] = n;
  }
  const guess: GuessPorts = { imap: { implicit: map.imaps ?? 993, starttls: map.imap ?? 143 }, pop3: { implicit: map.pop3s ?? 995, starttls: map.pop3 ?? 110 } };
  return { https: map.https, http: map.http, guess };
}

/** --dns-server, else MAILDOCTOR_DNS_SERVER, as HOST:PORT; null for the system's resolver. Throws UsageError. */
async function dnsServerOf(args: DiscoveryArgs): Promise<string | null> {
  const raw = args.dnsServer ?? process.env.MAILDOCTOR_DNS_SERVER;
  if (raw === undefined || raw === '') return null;
  const { parseDnsServer } = await import('../discovery/index.js');
  try {
    return parseDnsServer(raw);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * The lookup of the probe's mail host names with --dns-server (MAILDOCTOR_DNS_SERVER), so the servers discovery
 * found, or --host, resolve through the same resolver; undefined leaves the system's. Throws UsageError.
 */
export async function mailHostLookup(args: DiscoveryArgs & { timeout: number }): Promise<LookupFunction | undefined> {
  const server = await dnsServerOf(args);
  if (server === null) return undefined;
  const { createResolver } = await import('../discovery/index.js');
  return createResolver(server, Math.round(args.timeout * 1000)).lookup;
}

/** The options of one discovery from the command line and the environment; throws UsageError. */
export async function discoveryOptions(
  args: DiscoveryArgs & { ca?: string; insecure: boolean; timeout: number },
  o: { ca?: string | undefined; onProgress?: (m: string) => void } = {},
): Promise<DiscoverOptions> {
  const dnsServer = await dnsServerOf(args);
  const d = args.discoveryDeadline;
  if (d !== undefined && !(d > 0 && d <= 600)) throw new UsageError(`--discovery-deadline must be between 0 and 600 seconds, got ${d}`);
  if (!(args.timeout > 0) || args.timeout > 3600) throw new UsageError(`--timeout must be between 0 and 3600 seconds, got ${args.timeout}`);
  const all = d === undefined ? undefined : Math.round(d * 1000);
  return {
    dnsServer,
    ca: o.ca ?? (args.ca ? await readCaFile(args.ca) : undefined),
    insecure: args.insecure,
    // One connection or query inside a source: never longer than the sources' own deadlines.
    timeoutMs: Math.min(Math.round(args.timeout * 1000), all ?? 10_000),
    deadlinesMs: all === undefined ? undefined : { autoconfig: all, srv: all, 'mx-autoconfig': all, autodiscover: all, guess: all },
    allowHttp: args.autoconfigHttp,
    ports: portsFromEnv(process.env.MAILDOCTOR_DISCOVERY_PORTS),
    onProgress: o.onProgress,
  };
}

/** Discover from an address, as a usage error when it is not one. */
export async function discoverAddress(address: string, options: DiscoverOptions): Promise<Discovery> {
  const { discover, AddressError } = await import('../discovery/index.js');
  try {
    return await discover(address, options);
  } catch (e) {
    if (e instanceof AddressError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * Discovery for many addresses (scan rows without host columns): once per domain, however many rows share it.
 * The sources and endpoint checks of the first address of a domain serve every other address of that domain;
 * only the chosen login is worked out again from each address (autoconfig's %EMAILLOCALPART% etc.).
 * Discovery itself never throws for what a domain publishes; a row that is not an address is the caller's error.
 */
export function discoveryPerDomain(options: DiscoverOptions): (address: string) => Promise<Discovery> {
  const byDomain = new Map<string, Promise<Discovery>>();
  return async (address) => {
    const { choose, discover, splitAddress } = await import('../discovery/index.js');
    const { localPart, domain } = splitAddress(address);
    let first = byDomain.get(domain);
    if (!first) {
      first = discover(address, options);
      byDomain.set(domain, first);
    }
    const d = await first;
    return d.address === address ? d : { ...d, address, chosen: choose(d.sources, address, localPart, domain) };
  };
}

/** The discovery findings alone, from a snapshot that holds nothing but the discovery. */
async function discoveryFindings(d: Discovery) {
  const { analyze } = await import('../analyzer/index.js');
  const snapshot: Snapshot = {
    schema: SNAPSHOT_SCHEMA,
    tool: { name: 'maildoctor', version: VERSION },
    takenAt: new Date().toISOString(),
    account: { user: d.address, imap: null, pop: null },
    imap: null,
    pop: null,
    discovery: d,
  };
  const ids = new Set(['published-settings-delete-mail', 'discovery-sources-disagree', 'nothing-published', 'published-without-tls']);
  return analyze(snapshot).findings.filter((f) => ids.has(f.id));
}

export function registerDiscover<T>(cli: Argv<T>) {
  return cli.command(
    'discover <address>',
    "Find an account's servers from its email address the way mail clients do, and check what the domain publishes",
    (y) =>
      withDiscoveryOptions(y)
        .positional('address', { type: 'string', describe: 'The email address', demandOption: true })
        .option('format', { alias: 'f', choices: ['text', 'json'] as const, default: 'text', describe: 'Output format', group: 'Report:' })
        .option('tz', { type: 'string', describe: 'Time zone for times in the words (IANA name or UTC)', group: 'Report:' })
        .option('ca', { type: 'string', describe: 'Trust this CA or self-signed certificate (PEM file), for HTTPS and mail servers', group: 'Connection:' })
        .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify TLS certificates (noted in the output)', group: 'Connection:' })
        .option('timeout', { type: 'number', default: 20, describe: 'Deadline of each connection and query, in seconds (at most a source deadline)', group: 'Connection:' })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress on stderr' })
        .example('$0 discover alice@example.com', 'every source, what it said, and which setting wins')
        .example('$0 discover alice@example.com --format json', 'the same as maildoctor/discovery@1 JSON')
        .example('$0 discover alice@example.com --dns-server 192.0.2.53', "ask the customer's network's DNS server"),
    async (argv) => {
      const args = argv as unknown as DiscoveryArgs & { address: string; format: 'text' | 'json'; tz?: string; ca?: string; insecure: boolean; timeout: number; quiet: boolean };
      const zone = reportZone(args);
      const options = await discoveryOptions(args, { onProgress: progressTo(args.quiet) });
      const d = await discoverAddress(args.address, options);
      const findings = await discoveryFindings(d);
      const { renderDiscoveryJson, renderDiscoveryText, discoveryStatus } = await import('../report/render-discovery.js');
      process.stdout.write(args.format === 'json' ? renderDiscoveryJson(d, findings, zone) : renderDiscoveryText(d, findings, zone));
      const status = discoveryStatus(d, findings);
      process.exitCode = status === 'ok' ? EXIT.ok : status === 'warning' ? EXIT.warning : status === 'critical' ? EXIT.critical : EXIT.unknown;
    },
  );
}

/**
 * `check ADDRESS` / `probe ADDRESS` / `watch ADDRESS` without --host: the servers come from discovery (the
 * winning setting per protocol), and --user defaults to the login the winning source names (else the address).
 * With --host the address only stands in for a missing --user. Returns the discovery for the snapshot, or null.
 */
export async function serversFromAddress(
  args: RawAccountArgs & DiscoveryArgs & { address?: string },
  quiet: boolean,
): Promise<Discovery | null> {
  if (!args.address) return null;
  if (args.host || args.imapHost || args.popHost) {
    args.user ??= args.address;
    return null;
  }
  const d = await discoverAddress(args.address, await discoveryOptions(args, { onProgress: progressTo(quiet) }));
  const { nothingFound, serversOf } = await import('../discovery/index.js');
  const servers = serversOf(d, args.only);
  if (!servers) throw new UsageError(`${nothingFound(d, args.only)}: give --host, or see maildoctor discover ${args.address}`);
  // The discovered setting is the whole endpoint: its port and TLS mode come with it.
  const { imap, pop } = servers;
  if (imap) Object.assign(args, { imapHost: imap.host, imapPort: imap.port, imapTls: imap.tls });
  else args.only = 'pop';
  if (pop) Object.assign(args, { popHost: pop.host, popPort: pop.port, popTls: pop.tls });
  else args.only = 'imap';
  args.user ??= servers.user;
  return d;
}
