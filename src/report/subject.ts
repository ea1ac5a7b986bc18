// Who and what a report is about, for its first lines in every format: the account, the servers with their
// ports and TLS (and software when known), and when the check ran. A pasted report names its mailbox.
import type { Endpoint } from '../snapshot/schema.js';
import { zonedTime } from './format.js';
import { SOURCE_NAME } from './discovery-phrases.js';
import type { DiscoverySource } from '../snapshot/discovery.js';
import type { Report } from './types.js';
import type { HostedProvider, IdentitySource, ServerIdentity, ServerSoftware } from '../analyzer/server-identity.js';

const TLS_WORD: Record<Endpoint['tls'], string> = { implicit: 'TLS', starttls: 'STARTTLS', none: 'no TLS' };

/** "alice@example.com on mail.example.com (IMAP 993 TLS, Dovecot; POP3 995 TLS, Dovecot)". */
export function subjectLine(report: Report): string {
  const { user, imap, pop } = report.account;
  const hosts = [...new Set([imap?.host, pop?.host].filter((h): h is string => Boolean(h)))];
  const oneHost = hosts.length === 1;
  // Found from the address: which source named the server ("IMAP 993 TLS from autoconfig").
  const from = (source: string | null | undefined) => (source ? ` from ${SOURCE_NAME[source as DiscoverySource] ?? source}` : '');
  const part = (name: string, e: Endpoint | null, software: string | null | undefined, source: string | null | undefined) =>
    e ? `${name} ${oneHost ? '' : `${e.host}:`}${e.port} ${TLS_WORD[e.tls]}${from(source)}${software ? `, ${software}` : ''}` : null;
  const parts = [part('IMAP', imap, report.probes.imap.software, report.foundBy?.imap), part('POP3', pop, report.probes.pop.software, report.foundBy?.pop)].filter((p): p is string => p !== null);
  if (parts.length === 0) return user;
  return oneHost ? `${user} on ${hosts[0]} (${parts.join('; ')})` : `${user} (${parts.join('; ')})`;
}

/**
 * Whose credentials logged in, when not the user's own: "logged in as support on behalf of alice@example.com
 * (SASL PLAIN authorization identity)". Null for the user's own login.
 */
export function loginLine(report: Report): string | null {
  const { user, authUser, masterSeparator } = report.account;
  if (authUser === undefined) return null;
  const how = masterSeparator !== undefined ? `master user login ${user}${masterSeparator}${authUser}` : 'SASL PLAIN authorization identity';
  return `logged in as ${authUser} on behalf of ${user} (${how})`;
}

/** "checked 2026-12-02 15:52:53 UTC", in the report's zone. */
export function checkedLine(report: Report): string {
  return `checked ${zonedTime(report.snapshotTakenAt, report.timeZone)}`;
}

export const SOFTWARE_NAME: Record<ServerSoftware, string> = {
  dovecot: 'Dovecot',
  cyrus: 'Cyrus',
  courier: 'Courier',
  gmail: 'Gmail',
  microsoft: 'Microsoft Exchange',
  zimbra: 'Zimbra',
  'uw-imap': 'UW IMAP',
};

export const PROVIDER_NAME: Record<HostedProvider, string> = {
  gmail: 'Gmail',
  microsoft: 'Microsoft 365 / Outlook.com',
  icloud: 'iCloud Mail',
  yahoo: 'Yahoo Mail',
};

const SOURCE_WORD: Record<IdentitySource, string> = {
  'imap-id': 'IMAP ID',
  'imap-greeting': 'IMAP greeting',
  'imap-capability': 'IMAP capability X-GM-EXT-1',
  'imap-folders': '[Gmail] folders',
  'pop-implementation': 'POP3 CAPA IMPLEMENTATION',
  'pop-greeting': 'POP3 greeting',
  'host-name': 'host name',
};

/** "Cyrus 3.6.1", "Microsoft Exchange at Microsoft 365 / Outlook.com", "iCloud Mail", with what said so; null: nothing named. */
function identityPart(id: ServerIdentity | null): { what: string; how: string[] } | null {
  if (!id || (id.software === null && id.provider === null)) return null;
  const software = id.software ? `${SOFTWARE_NAME[id.software]}${id.version ? ` ${id.version}` : ''}` : null;
  const provider = id.provider && !(id.software === 'gmail' && id.provider === 'gmail') ? PROVIDER_NAME[id.provider] : null;
  const what = software && provider ? `${software} at ${provider}` : (software ?? provider!);
  const how = [id.source, id.providerSource].filter((x, i, all): x is IdentitySource => x !== null && all.indexOf(x) === i).map((x) => SOURCE_WORD[x]);
  return { what, how };
}

/**
 * "Server: Cyrus 3.6.1 (IMAP greeting, POP3 CAPA IMPLEMENTATION)", or per protocol when they differ; "Server: not
 * named" when a server answered without naming its software. Null when no server answered and none is known.
 */
export function serverLine(report: Report): string | null {
  const parts = (['imap', 'pop'] as const).map((p) => ({ p, part: identityPart(report.server[p]) })).filter((x) => x.part !== null);
  if (parts.length === 0) return report.probes.imap.state === 'ok' || report.probes.pop.state === 'ok' ? 'Server: not named by the server' : null;
  const name = (p: 'imap' | 'pop') => (p === 'imap' ? 'IMAP' : 'POP3');
  if (new Set(parts.map((x) => x.part!.what)).size === 1) {
    const how = [...new Set(parts.flatMap((x) => x.part!.how))];
    return `Server: ${parts[0]!.part!.what} (${how.join(', ')})`;
  }
  return `Server: ${parts.map((x) => `${name(x.p)} ${x.part!.what} (${x.part!.how.join(', ')})`).join('; ')}`;
}
