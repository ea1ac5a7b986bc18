// Mozilla autoconfig (clientConfig 1.1): the domain's own document at autoconfig.<domain> and at
// <domain>/.well-known/, and the same document of the MX host's domain (mx.ts). What Thunderbird reads first.
import type { DiscoveredServer } from '../snapshot/discovery.js';
import type { Transport } from '../snapshot/schema.js';
import { request, requestFailure } from './http.js';
import { childrenOf, childOf, parseXml, textOf, XmlError } from './xml.js';
import type { SourceContext, SourceOutput } from './source.js';

const SOCKET_TYPES: Record<string, Transport> = { SSL: 'implicit', STARTTLS: 'starttls', plain: 'none' };

function bool(v: string | null): boolean | null {
  if (v === null) return null;
  return v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : null;
}

/** The incoming servers of a clientConfig document, in its order. Throws XmlError, or Error for a wrong document. */
export function parseClientConfig(xml: string, domain: string, from: string, notes: string[]): DiscoveredServer[] {
  const root = parseXml(xml);
  if (root.name !== 'clientConfig') throw new Error(`the document is <${root.name}>, not a clientConfig`);
  const provider = childOf(root, 'emailProvider');
  if (!provider) throw new Error('the clientConfig has no <emailProvider>');
  const out: DiscoveredServer[] = [];
  for (const s of childrenOf(provider, 'incomingServer')) {
    const type = s.attrs.type;
    if (type !== 'imap' && type !== 'pop3') continue; // exchange, ews: not ours
    const host = textOf(s, 'hostname')?.replace(/%EMAILDOMAIN%/g, domain);
    const port = Number(textOf(s, 'port'));
    const tls = SOCKET_TYPES[textOf(s, 'socketType') ?? ''];
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535 || !tls) {
      notes.push(`${from}: an ${type} server without a usable hostname, port or socketType was left out`);
      continue;
    }
    const server: DiscoveredServer = { protocol: type, host: host.toLowerCase(), port, tls, username: textOf(s, 'username'), from, outsideDomain: false };
    if (type === 'pop3') {
      const pop = childOf(s, 'pop3');
      const days = textOf(pop, 'daysToLeaveMessagesOnServer');
      server.leaveMessagesOnServer = bool(textOf(pop, 'leaveMessagesOnServer'));
      server.daysToLeaveMessagesOnServer = days !== null && /^\d+$/.test(days) ? Number(days) : null;
    }
    out.push(server);
  }
  return out;
}

/** Fetch one clientConfig URL: the servers, or why not. 404 and a name that does not resolve mean "nothing". */
export async function fetchClientConfig(ctx: SourceContext, url: string, domain: string): Promise<SourceOutput> {
  ctx.asked.push(url);
  let answer;
  try {
    answer = await request(ctx.http, url);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const nothing = code === 'ENOTFOUND' || code === 'ENODATA' || code === 'ECONNREFUSED';
    return { status: nothing ? 'nothing' : 'failed', reason: requestFailure(url, e), servers: [] };
  }
  if (answer.unverified) ctx.notes.push(`${url}: the certificate did not verify (${answer.unverified}); read anyway (--insecure)`);
  if (answer.status === 404 || answer.status === 410) return { status: 'nothing', reason: `${url}: HTTP ${answer.status}`, servers: [] };
  if (answer.status !== 200) return { status: 'failed', reason: `${url}: HTTP ${answer.status}${answer.location ? ` (to ${answer.location}; not followed)` : ''}`, servers: [] };
  try {
    const servers = parseClientConfig(answer.body, domain, url, ctx.notes);
    if (!servers.length) return { status: 'nothing', reason: `${url}: the clientConfig names no IMAP or POP3 server`, servers };
    return { status: 'ok', reason: null, servers };
  } catch (e) {
    return { status: 'failed', reason: `${url}: ${e instanceof XmlError || e instanceof Error ? e.message : String(e)}`, servers: [] };
  }
}

/** The first of several answers that has servers, else the most telling of the rest (failed before nothing). */
export function firstUsable(answers: SourceOutput[]): SourceOutput {
  const ok = answers.find((a) => a.status === 'ok');
  if (ok) return ok;
  const failed = answers.filter((a) => a.status === 'failed');
  const pick = failed.length ? failed : answers;
  return { status: failed.length ? 'failed' : 'nothing', reason: pick.map((a) => a.reason).filter(Boolean).join('; ') || null, servers: [] };
}

/** Source 1: the domain's own autoconfig, both places side by side; autoconfig.<domain> wins over .well-known. */
export async function autoconfigSource(ctx: SourceContext): Promise<SourceOutput> {
  const q = `emailaddress=${encodeURIComponent(ctx.address)}`;
  const urls = [`https://autoconfig.${ctx.domain}/mail/config-v1.1.xml?${q}`, `https://${ctx.domain}/.well-known/autoconfig/mail/config-v1.1.xml`];
  if (ctx.allowHttp) urls.push(`http://autoconfig.${ctx.domain}/mail/config-v1.1.xml?${q}`);
  const answers = await Promise.all(urls.map((u) => fetchClientConfig(ctx, u, ctx.domain)));
  const usable = answers.filter((a) => a.status === 'ok');
  if (usable.length > 1 && JSON.stringify(usable[0]!.servers.map(key)) !== JSON.stringify(usable[1]!.servers.map(key))) {
    ctx.notes.push(`the two autoconfig documents differ; ${usable[0]!.servers[0]!.from} is used`);
  }
  return firstUsable(answers);
}

const key = (s: DiscoveredServer) => `${s.protocol} ${s.host}:${s.port} ${s.tls}`;
