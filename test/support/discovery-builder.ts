// Discovery parts for rule tests: a healthy one (autoconfig and SRV agreeing on IMAP and POP3 with TLS, both
// answering with a verified certificate) and small edits of it.
import type { DiscoveredServer, Discovery, EndpointCheck, SourceResult } from '../../src/snapshot/discovery.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { cloneSnapshot } from '../../src/snapshot/io.js';

export const AC_URL = 'https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=alice%40example.com';

export function server(protocol: 'imap' | 'pop3', over: Partial<DiscoveredServer> = {}): DiscoveredServer {
  return {
    protocol,
    host: protocol === 'imap' ? 'imap.example.com' : 'pop.example.com',
    port: protocol === 'imap' ? 993 : 995,
    tls: 'implicit',
    username: null,
    from: AC_URL,
    outsideDomain: false,
    ...over,
  };
}

export function sourceResult(source: SourceResult['source'], servers: DiscoveredServer[], over: Partial<SourceResult> = {}): SourceResult {
  return { source, status: servers.length ? 'ok' : 'nothing', asked: [], reason: servers.length ? null : 'nothing there', servers, notes: [], durationMs: 10, deadlineMs: 10_000, ...over };
}

export function check(s: Pick<DiscoveredServer, 'protocol' | 'host' | 'port' | 'tls'>, over: Partial<EndpointCheck> = {}): EndpointCheck {
  return { protocol: s.protocol, host: s.host, port: s.port, tls: s.tls, answered: true, greeting: s.protocol === 'imap' ? '* OK ready' : '+OK ready', capabilities: [], tlsVerified: true, tlsError: null, error: null, durationMs: 5, ...over };
}

/** A discovery from these sources (the others said nothing), with checks of every published endpoint. */
export function discovery(sources: SourceResult[], checks?: EndpointCheck[]): Discovery {
  const all = (['autoconfig', 'srv', 'mx-autoconfig', 'autodiscover', 'guess'] as const).map((id) => sources.find((s) => s.source === id) ?? sourceResult(id, []));
  const pick = (p: 'imap' | 'pop3') => {
    for (const s of all) {
      const x = s.status === 'ok' ? s.servers.find((v) => v.protocol === p) : undefined;
      if (x) return { ...x, source: s.source, user: 'alice@example.com' };
    }
    return null;
  };
  const published = all.flatMap((s) => s.servers);
  return {
    address: 'alice@example.com',
    domain: 'example.com',
    dnsServer: null,
    sources: all,
    chosen: { imap: pick('imap'), pop3: pick('pop3') },
    checks: checks ?? published.filter((s, i) => published.findIndex((o) => o.host === s.host && o.port === s.port && o.protocol === s.protocol) === i).map((s) => check(s)),
  };
}

export function healthyDiscovery(): Discovery {
  const srvFrom = (l: string) => ({ from: `SRV ${l}.example.com`, username: null });
  return discovery([
    sourceResult('autoconfig', [server('imap', { username: '%EMAILADDRESS%' }), server('pop3', { username: '%EMAILADDRESS%', leaveMessagesOnServer: true, daysToLeaveMessagesOnServer: null })]),
    sourceResult('srv', [server('imap', srvFrom('_imaps._tcp')), server('pop3', srvFrom('_pop3s._tcp'))]),
  ]);
}

export function withDiscovery(snapshot: Snapshot, d: Discovery = healthyDiscovery()): Snapshot {
  return { ...cloneSnapshot(snapshot), discovery: d };
}
