// Every name discovery resolves goes through one resolver: the system's, or --dns-server HOST[:PORT]
// (MAILDOCTOR_DNS_SERVER), so a test or a support engineer inside a network can ask a given server.
import dns from 'node:dns';
import { Resolver } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';

export interface NameResolver {
  /** HOST:PORT of --dns-server, or null for the system's resolver. */
  readonly server: string | null;
  srv(name: string): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
  mx(name: string): Promise<{ exchange: string; priority: number }[]>;
  /** IPv4 addresses of a host name (an IP literal is its own address). */
  address(host: string): Promise<string>;
  /** The same as a socket's `lookup` option, so HTTPS requests resolve through this resolver too. */
  lookup: LookupFunction;
}

/** --dns-server as given: `127.0.0.1`, `127.0.0.1:5353`, `[::1]:5353`; throws a one-line Error when it is not. */
export function parseDnsServer(value: string): string {
  const m = /^(?:\[([0-9a-f:]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  const port = m?.[3] === undefined ? 53 : Number(m[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`--dns-server must be HOST or HOST:PORT (an address, [v6]:PORT for IPv6), got ${JSON.stringify(value)}`);
  return m[1] !== undefined ? `[${m[1]}]:${port}` : `${m[2]}:${port}`;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A resolver whose every query ends within `timeoutMs` (one try: discovery has its own deadlines). */
export function createResolver(server: string | null, timeoutMs: number): NameResolver {
  const r = new Resolver({ timeout: Math.max(1, Math.round(timeoutMs)), tries: 1 });
  if (server) r.setServers([server]);
  const address = async (host: string): Promise<string> => {
    if (IPV4.test(host) || host.includes(':')) return host;
    if (!server) {
      // The system's own lookup, as every other program here resolves (hosts file, nsswitch).
      const found = await dns.promises.lookup(host, { family: 4 });
      return found.address;
    }
    const [first] = await r.resolve4(host);
    if (!first) throw Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' });
    return first;
  };
  const lookup: LookupFunction = (host, options, callback) => {
    address(host).then(
      (ip) => {
        if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address: ip, family: 4 }]);
        else callback(null, ip, 4);
      },
      (e: NodeJS.ErrnoException) => callback(e, '', 4),
    );
  };
  return {
    server,
    srv: (name) => r.resolveSrv(name),
    mx: (name) => r.resolveMx(name),
    address,
    lookup,
  };
}

/** A DNS answer of "no such record" (as against a resolver that did not answer). */
export function isNoRecord(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOTFOUND' || code === 'ENODATA' || code === 'NOTFOUND' || code === 'NODATA';
}
