// Source 4: Microsoft Autodiscover, the POX form Outlook and others POST to autodiscover.xml. HTTPS only; at most
// two redirects in all (HTTP Location, redirectUrl, redirectAddr), and a redirect back to a place already asked
// is a loop, told as such.
import type { DiscoveredServer } from '../snapshot/discovery.js';
import type { Transport } from '../snapshot/schema.js';
import { request, requestFailure } from './http.js';
import { childOf, childrenOf, parseXml, textOf, type XmlElement } from './xml.js';
import type { SourceContext, SourceOutput } from './source.js';

const MAX_REDIRECTS = 2;
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

function requestBody(address: string): string {
  const esc = address.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">\n' +
    `  <Request>\n    <EMailAddress>${esc}</EMailAddress>\n    <AcceptableResponseSchema>${RESPONSE_SCHEMA}</AcceptableResponseSchema>\n  </Request>\n` +
    '</Autodiscover>\n'
  );
}

function transportOf(p: XmlElement, port: number): Transport {
  const enc = textOf(p, 'Encryption')?.toLowerCase();
  if (enc === 'ssl') return 'implicit';
  if (enc === 'tls') return 'starttls';
  if (enc === 'none') return 'none';
  if (textOf(p, 'SSL')?.toLowerCase() === 'off') return 'none';
  // SSL on (the default): implicit TLS, unless the port is a STARTTLS one.
  return port === 143 || port === 110 ? 'starttls' : 'implicit';
}

type Parsed = { kind: 'servers'; servers: DiscoveredServer[] } | { kind: 'redirect-url'; to: string } | { kind: 'redirect-addr'; to: string } | { kind: 'error'; reason: string };

export function parseAutodiscover(xml: string, from: string): Parsed {
  const root = parseXml(xml);
  if (root.name !== 'Autodiscover') throw new Error(`the document is <${root.name}>, not an Autodiscover response`);
  const response = childOf(root, 'Response');
  const error = childOf(response, 'Error') ?? childOf(root, 'Error');
  if (error) return { kind: 'error', reason: `the server answered with an error: ${textOf(error, 'Message') ?? textOf(error, 'ErrorCode') ?? 'no message'}` };
  const account = childOf(response, 'Account');
  if (!account) throw new Error('the response has no <Account>');
  const action = textOf(account, 'Action')?.toLowerCase();
  if (action === 'redirecturl') return { kind: 'redirect-url', to: textOf(account, 'RedirectUrl') ?? '' };
  if (action === 'redirectaddr') return { kind: 'redirect-addr', to: textOf(account, 'RedirectAddr') ?? '' };
  const servers: DiscoveredServer[] = [];
  for (const p of childrenOf(account, 'Protocol')) {
    const type = textOf(p, 'Type')?.toUpperCase();
    if (type !== 'IMAP' && type !== 'POP3') continue;
    const host = textOf(p, 'Server');
    const port = Number(textOf(p, 'Port') ?? (type === 'IMAP' ? 993 : 995));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    servers.push({ protocol: type === 'IMAP' ? 'imap' : 'pop3', host: host.toLowerCase(), port, tls: transportOf(p, port), username: textOf(p, 'LoginName'), from, outsideDomain: false });
  }
  return { kind: 'servers', servers };
}

export async function autodiscoverSource(ctx: SourceContext): Promise<SourceOutput> {
  const first = [`https://${ctx.domain}/autodiscover/autodiscover.xml`, `https://autodiscover.${ctx.domain}/autodiscover/autodiscover.xml`];
  const reasons: string[] = [];
  let sawFailure = false;
  for (const start of first) {
    const r = await follow(ctx, start);
    if (r.status === 'ok') return r;
    if (r.status === 'failed') sawFailure = true;
    if (r.reason) reasons.push(r.reason);
    if (r.final) return { status: r.status, reason: reasons.join('; '), servers: [] };
  }
  return { status: sawFailure ? 'failed' : 'nothing', reason: reasons.join('; ') || null, servers: [] };
}

/** One chain of requests from `start`. `final`: a loop or too many redirects, where trying the next URL would hide it. */
async function follow(ctx: SourceContext, start: string): Promise<SourceOutput & { final?: boolean }> {
  let url = start;
  let address = ctx.address;
  const seen: string[] = [];
  for (let redirects = 0; ; redirects++) {
    const place = `${url} for ${address}`;
    if (seen.includes(place)) return { status: 'failed', reason: `a redirect loop: ${[...seen, place].map((p) => p.split(' for ')[0]).join(' → ')}`, servers: [], final: true };
    if (redirects > MAX_REDIRECTS) return { status: 'failed', reason: `more than ${MAX_REDIRECTS} redirects (${seen.map((p) => p.split(' for ')[0]).join(' → ')}); not followed further`, servers: [], final: true };
    seen.push(place);
    if (!url.startsWith('https://')) return { status: 'failed', reason: `a redirect to ${url}, which is not HTTPS: not followed`, servers: [], final: true };
    ctx.asked.push(`POST ${url}`);
    let answer;
    try {
      answer = await request(ctx.http, url, { method: 'POST', body: requestBody(address), contentType: 'text/xml' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { status: code === 'ENOTFOUND' || code === 'ENODATA' || code === 'ECONNREFUSED' ? 'nothing' : 'failed', reason: requestFailure(url, e), servers: [] };
    }
    if (answer.unverified) ctx.notes.push(`${url}: the certificate did not verify (${answer.unverified}); read anyway (--insecure)`);
    if ([301, 302, 303, 307, 308].includes(answer.status) && answer.location) {
      url = new URL(answer.location, url).toString();
      ctx.notes.push(`${place.split(' for ')[0]} redirects to ${url} (HTTP ${answer.status})`);
      continue;
    }
    if (answer.status === 404 || answer.status === 401 || answer.status === 403) return { status: 'nothing', reason: `${url}: HTTP ${answer.status}`, servers: [] };
    if (answer.status !== 200) return { status: 'failed', reason: `${url}: HTTP ${answer.status}`, servers: [] };
    let parsed: Parsed;
    try {
      parsed = parseAutodiscover(answer.body, url);
    } catch (e) {
      return { status: 'failed', reason: `${url}: ${(e as Error).message}`, servers: [] };
    }
    if (parsed.kind === 'error') return { status: 'failed', reason: `${url}: ${parsed.reason}`, servers: [] };
    if (parsed.kind === 'servers') {
      return parsed.servers.length ? { status: 'ok', reason: null, servers: parsed.servers } : { status: 'nothing', reason: `${url}: no IMAP or POP3 settings in the answer`, servers: [] };
    }
    if (parsed.kind === 'redirect-url') {
      ctx.notes.push(`${url} redirects to ${parsed.to} (redirectUrl)`);
      url = parsed.to;
    } else {
      const domain = parsed.to.split('@')[1];
      if (!domain) return { status: 'failed', reason: `${url}: redirectAddr ${JSON.stringify(parsed.to)} is not an address`, servers: [], final: true };
      ctx.notes.push(`${url} redirects to the address ${parsed.to} (redirectAddr)`);
      address = parsed.to;
      url = `https://autodiscover.${domain}/autodiscover/autodiscover.xml`;
    }
  }
}
