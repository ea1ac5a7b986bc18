// Source 3: the domain's mail is handled by its MX host's provider, whose autoconfig then serves the domain
// too (Thunderbird's MX lookup). The MX host's parent domain first, then its registrable domain, found with the
// Public Suffix List (tldts carries a copy, so no network): mx.provider.co.uk gives provider.co.uk, never co.uk.
import { getDomain } from 'tldts';
import { isNoRecord } from './dns.js';
import { fetchClientConfig, firstUsable } from './autoconfig.js';
import { underDomain, type SourceContext, type SourceOutput } from './source.js';

/**
 * Candidate domains of an MX host: mx1.mail.provider.net → mail.provider.net, provider.net; mx.provider.co.uk →
 * provider.co.uk. Nothing above the registrable domain is asked (a public suffix such as co.uk or github.io serves
 * no one's mail), and a host that is itself a public suffix, or an IP literal, gives none.
 */
export function mxDomains(mxHost: string): string[] {
  const host = mxHost.toLowerCase().replace(/\.$/, '');
  const base = getDomain(host, { allowPrivateDomains: true });
  if (!base) return [];
  const parent = host.split('.').slice(1).join('.');
  const out = new Set<string>();
  if (parent === base || parent.endsWith(`.${base}`)) out.add(parent);
  out.add(base);
  return [...out];
}

export async function mxSource(ctx: SourceContext): Promise<SourceOutput> {
  ctx.asked.push(`MX ${ctx.domain}`);
  let records;
  try {
    records = await ctx.resolver.mx(ctx.domain);
  } catch (e) {
    return isNoRecord(e)
      ? { status: 'nothing', reason: `no MX record for ${ctx.domain}`, servers: [] }
      : { status: 'failed', reason: `MX ${ctx.domain}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, servers: [] };
  }
  const best = [...records].sort((a, b) => a.priority - b.priority).find((r) => r.exchange && r.exchange !== '.');
  if (!best) return { status: 'nothing', reason: `no MX host for ${ctx.domain} (null MX)`, servers: [] };
  const candidates = mxDomains(best.exchange).filter((d) => d !== ctx.domain && !underDomain(ctx.domain, d) && d.includes('.'));
  if (!candidates.length) return { status: 'nothing', reason: `the MX host ${best.exchange} is in ${ctx.domain} itself: its autoconfig is source 1`, servers: [] };
  const q = `emailaddress=${encodeURIComponent(ctx.address)}`;
  const answers: SourceOutput[] = [];
  // One after the other: the nearer domain's answer wins, and the farther one is not asked when it is there.
  for (const d of candidates) {
    const a = await fetchClientConfig(ctx, `https://autoconfig.${d}/mail/config-v1.1.xml?${q}`, ctx.domain);
    answers.push(a);
    if (a.status === 'ok') break;
  }
  const out = firstUsable(answers);
  for (const s of out.servers) s.outsideDomain = !underDomain(s.host, ctx.domain);
  if (out.status === 'ok') ctx.notes.push(`MX ${best.exchange} is outside ${ctx.domain}: its provider's settings are used (RFC 6186 §6: check that this provider serves the domain)`);
  return out;
}
