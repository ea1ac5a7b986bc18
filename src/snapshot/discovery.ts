// What discovery (src/discovery/) found from an email address: every source tried and what it said, the
// setting that won per protocol, and what the published endpoints answered. Part of a snapshot (`discovery`)
// when `check ADDRESS` found the servers itself; the discovery rules read it.
import * as z from 'zod';

/** The sources, in the fixed order of priority of their settings (first wins). */
export const DISCOVERY_SOURCES = ['autoconfig', 'srv', 'mx-autoconfig', 'autodiscover', 'guess'] as const;
export const DiscoverySourceSchema = z.enum(DISCOVERY_SOURCES);
export type DiscoverySource = z.infer<typeof DiscoverySourceSchema>;

const PortSchema = z.number().int().min(1).max(65535);

/** One incoming server as a source published (or guessing found) it. */
export const DiscoveredServerSchema = z.object({
  protocol: z.enum(['imap', 'pop3']),
  host: z.string(),
  port: PortSchema,
  tls: z.enum(['implicit', 'starttls', 'none']),
  /** The login name as published: a template (%EMAILADDRESS%, %EMAILLOCALPART%) or a name; null when not said. */
  username: z.string().nullable(),
  /** Autoconfig's <pop3> block, as published (null: not said, so the client's default applies). */
  leaveMessagesOnServer: z.boolean().nullable().optional(),
  daysToLeaveMessagesOnServer: z.number().int().nonnegative().nullable().optional(),
  /** Where the source said it: a URL, an SRV name, a guessed host:port. */
  from: z.string(),
  /** An SRV or MX target outside the address's domain (RFC 6186 §6: such a name proves nothing by itself). */
  outsideDomain: z.boolean(),
});
export type DiscoveredServer = z.infer<typeof DiscoveredServerSchema>;

/** One connection to an endpoint: did it answer, as what, and with which certificate. Never logs in. */
export const EndpointCheckSchema = z.object({
  protocol: z.enum(['imap', 'pop3']),
  host: z.string(),
  port: PortSchema,
  tls: z.enum(['implicit', 'starttls', 'none']),
  answered: z.boolean(),
  greeting: z.string().nullable(),
  /** CAPABILITY / CAPA, as the server listed them. */
  capabilities: z.array(z.string()),
  /** The certificate (after STARTTLS/STLS for 'starttls'): verified against the host contacted, and why not. */
  tlsVerified: z.boolean().nullable(),
  tlsError: z.string().nullable(),
  /** Why it did not answer, or what went wrong after the greeting: one line. */
  error: z.string().nullable(),
  durationMs: z.number().nonnegative(),
});
export type EndpointCheck = z.infer<typeof EndpointCheckSchema>;

export const SourceResultSchema = z.object({
  source: DiscoverySourceSchema,
  /** ok: settings found; nothing: asked and told nothing; failed: an answer we could not use; timed-out: its deadline. */
  status: z.enum(['ok', 'nothing', 'failed', 'timed-out']),
  /** What was asked, in order: URLs, DNS names, host:port. */
  asked: z.array(z.string()),
  /** One line: why nothing or why it failed; null when ok. */
  reason: z.string().nullable(),
  /** In the source's own order of preference (autoconfig's order, SRV priority and weight). */
  servers: z.array(DiscoveredServerSchema),
  /** What else is worth telling: a redirect followed, a target outside the domain, an unverified HTTPS certificate. */
  notes: z.array(z.string()),
  durationMs: z.number().nonnegative(),
  deadlineMs: z.number().nonnegative(),
});
export type SourceResult = z.infer<typeof SourceResultSchema>;

export const ChosenServerSchema = DiscoveredServerSchema.extend({
  source: DiscoverySourceSchema,
  /** The login name the probe uses: the template filled in, else the address. */
  user: z.string(),
});
export type ChosenServer = z.infer<typeof ChosenServerSchema>;

export const DiscoverySchema = z.object({
  address: z.string(),
  domain: z.string(),
  /** --dns-server (HOST:PORT), or null for the system's resolver. */
  dnsServer: z.string().nullable(),
  /** Every source, in order of priority. */
  sources: z.array(SourceResultSchema),
  /** The winning setting per protocol; null when no source had one. */
  chosen: z.object({ imap: ChosenServerSchema.nullable(), pop3: ChosenServerSchema.nullable() }),
  /** Connections to every published endpoint (and the guessed winners): answered? certificate matches? */
  checks: z.array(EndpointCheckSchema),
});
export type Discovery = z.infer<typeof DiscoverySchema>;
