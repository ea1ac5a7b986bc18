// Source 5: what a client does when the domain publishes nothing: try the usual names on the usual ports, and
// keep what greets as IMAP or POP3 (CAPABILITY / CAPA tell whether STARTTLS/STLS is there).
import type { DiscoveredServer, EndpointCheck } from '../snapshot/discovery.js';
import { reach } from './reach.js';
import type { SourceContext, SourceOutput } from './source.js';

/** Host names tried, in order (Thunderbird's list). */
export function guessHosts(protocol: 'imap' | 'pop3', domain: string): string[] {
  return protocol === 'imap' ? [`imap.${domain}`, `mail.${domain}`, domain] : [`pop3.${domain}`, `pop.${domain}`, `mail.${domain}`, domain];
}

export async function guessSource(ctx: SourceContext): Promise<SourceOutput> {
  const servers: DiscoveredServer[] = [];
  const unresolved: string[] = [];
  for (const protocol of ['imap', 'pop3'] as const) {
    const hosts = guessHosts(protocol, ctx.domain);
    // A name that does not resolve is passed over at once, without a connection.
    const resolved = await Promise.all(hosts.map((h) => ctx.resolver.address(h).then(() => true, () => false)));
    const live = hosts.filter((h, i) => {
      if (!resolved[i]) unresolved.push(h);
      return resolved[i];
    });
    const ports = ctx.guessPorts[protocol];
    const tries = live.flatMap((host) => [
      { host, port: ports.implicit, tls: 'implicit' as const },
      { host, port: ports.starttls, tls: 'starttls' as const },
    ]);
    for (const t of tries) ctx.asked.push(`${protocol === 'imap' ? 'IMAP' : 'POP3'} ${t.host}:${t.port}`);
    const checks = await Promise.all(tries.map((t) => reach(protocol, t.host, t.port, t.tls, ctx.reach)));
    ctx.checks.push(...checks);
    // In the order tried: the first name, implicit TLS before STARTTLS.
    const found = checks.find((c) => c.answered && !c.error) ?? checks.find((c) => c.answered);
    if (found) servers.push(serverOf(found));
  }
  if (unresolved.length) ctx.notes.push(`not resolving: ${unresolved.filter((h, i, a) => a.indexOf(h) === i).join(', ')}`);
  return servers.length ? { status: 'ok', reason: null, servers } : { status: 'nothing', reason: 'no usual name answered as IMAP or POP3 on the usual ports', servers };
}

function serverOf(c: EndpointCheck): DiscoveredServer {
  // A STARTTLS port that does not offer the upgrade is only usable without TLS: say so as the setting found.
  const tls = c.tls === 'starttls' && c.error !== null ? 'none' : c.tls;
  return { protocol: c.protocol, host: c.host, port: c.port, tls, username: null, from: `guess ${c.host}:${c.port}`, outsideDomain: false };
}
