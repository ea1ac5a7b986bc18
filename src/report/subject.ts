// Who and what a report is about, for its first lines in every format: the account, the servers with their
// ports and TLS (and software when known), and when the check ran. A pasted report names its mailbox.
import type { Endpoint } from '../snapshot/schema.js';
import { zonedTime } from './format.js';
import { SOURCE_NAME } from './discovery-phrases.js';
import type { DiscoverySource } from '../snapshot/discovery.js';
import type { Report } from './types.js';

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
