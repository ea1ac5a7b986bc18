// RFC 6186 / RFC 8314 SRV records: _imaps and _pop3s (implicit TLS) before _imap and _pop3 (STARTTLS/STLS).
// A target of "." says the service is not offered there; priority and weight order the records.
import type { DiscoveredServer } from '../snapshot/discovery.js';
import type { Transport } from '../snapshot/schema.js';
import { isNoRecord } from './dns.js';
import { underDomain, type SourceContext, type SourceOutput } from './source.js';

const SERVICES: { label: string; protocol: 'imap' | 'pop3'; tls: Transport }[] = [
  { label: '_imaps._tcp', protocol: 'imap', tls: 'implicit' },
  { label: '_imap._tcp', protocol: 'imap', tls: 'starttls' },
  { label: '_pop3s._tcp', protocol: 'pop3', tls: 'implicit' },
  { label: '_pop3._tcp', protocol: 'pop3', tls: 'starttls' },
];

export async function srvSource(ctx: SourceContext): Promise<SourceOutput> {
  const failures: string[] = [];
  const answers = await Promise.all(
    SERVICES.map(async (svc) => {
      const name = `${svc.label}.${ctx.domain}`;
      ctx.asked.push(`SRV ${name}`);
      try {
        return { svc, name, records: await ctx.resolver.srv(name) };
      } catch (e) {
        if (!isNoRecord(e)) failures.push(`SRV ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        return { svc, name, records: [] };
      }
    }),
  );
  const servers: DiscoveredServer[] = [];
  for (const { svc, name, records } of answers) {
    // Lowest priority first; among equals the heaviest first (RFC 2782 picks by weight at random: a report must not).
    const sorted = [...records].sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    for (const r of sorted) {
      const target = r.name.replace(/\.$/, '');
      if (target === '') {
        ctx.notes.push(`SRV ${name}: target "." (the domain says: not offered)`);
        continue;
      }
      const outside = !underDomain(target, ctx.domain);
      if (outside) ctx.notes.push(`SRV ${name} points outside ${ctx.domain}, to ${target} (RFC 6186 §6: check that this host is meant to serve the domain)`);
      servers.push({ protocol: svc.protocol, host: target.toLowerCase(), port: r.port, tls: svc.tls, username: null, from: `SRV ${name}`, outsideDomain: outside });
    }
  }
  if (servers.length) return { status: 'ok', reason: null, servers };
  if (failures.length === SERVICES.length) return { status: 'failed', reason: failures.join('; '), servers };
  return { status: 'nothing', reason: failures.length ? failures.join('; ') : `no IMAP or POP3 SRV records for ${ctx.domain}`, servers };
}
