// The adapter around imapflow: the only module that imports it (a dependency-cruiser rule says so), and the
// only one that reaches into its internals (the socket, the greeting, the command runner, exec, the login
// state). Everything else uses the ImapSession type and the functions here, so an imapflow upgrade that
// moves an internal breaks this one file, and a new credentials kind is one more case in sessionAuth().
import { ImapFlow, type ImapFlowOptions, type ListResponse } from 'imapflow';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { VERSION } from '../../version.js';
import { secureContextFor, transportMode, type ConnectOptions } from '../common.js';
import { chooseOAuth2Mechanism, needsAuthzid, noOAuth2Mechanism, oauth2ErrorFields, plainIdentities, type Credentials, type OAuth2Credentials } from '../credentials.js';
import { fail, markOAuth2Refusal, ProbeFailure } from './errors.js';
import type { Namespace, Namespaces } from '../../snapshot/schema.js';

export type ImapSession = ImapFlow;
export type ImapListEntry = ListResponse;

/** imapflow's `auth` setting for these credentials. */
function sessionAuth(credentials: Credentials): NonNullable<ImapFlowOptions['auth']> {
  switch (credentials.kind) {
    case 'password':
      return { user: credentials.user, pass: credentials.password };
    case 'oauth2':
      return { user: credentials.user, accessToken: credentials.token };
    case 'admin': {
      const id = plainIdentities(credentials);
      // The authzid rides only on AUTHENTICATE PLAIN: forced here, and plainOnly() refuses anything else.
      return id.authzid ? { user: id.authcid, pass: id.password, authzid: id.authzid, loginMethod: 'AUTH=PLAIN' } : { user: id.authcid, pass: id.password };
    }
  }
}

/**
 * imapflow takes OAUTHBEARER over XOAUTH2 by itself and cannot be told otherwise. Right before its AUTHENTICATE the
 * mechanism is chosen here (forced, else OAUTHBEARER, else XOAUTH2); an offered one it must not take is hidden from
 * its capabilities for that command only. A refusal is marked with the mechanism and what the server's base64 JSON
 * error challenge said (imapflow decodes it and answers it as RFC 7628 wants: ^A for OAUTHBEARER, empty for XOAUTH2).
 */
function steerOAuth2(client: ImapFlow, c: OAuth2Credentials, endpoint: string): void {
  aroundEachCommand(client, async (command, run) => {
    if (command !== 'AUTHENTICATE') return run();
    const caps = client.capabilities;
    const mechanism = chooseOAuth2Mechanism(c, (m) => caps.has(`AUTH=${m}`));
    if (!mechanism) throw new ProbeFailure({ kind: 'unsupported', step: 'login', code: 'NO-OAUTH2', message: `${endpoint} ${noOAuth2Mechanism(c, 'AUTH=')}` });
    const hidden = mechanism === 'XOAUTH2' ? caps.get('AUTH=OAUTHBEARER') : undefined;
    if (hidden !== undefined) caps.delete('AUTH=OAUTHBEARER');
    try {
      return await run();
    } catch (e) {
      if (e && typeof e === 'object' && (e as { authenticationFailed?: unknown }).authenticationFailed) {
        markOAuth2Refusal(e, { mechanism, ...oauth2ErrorFields((e as { oauthError?: unknown }).oauthError) });
      }
      throw e;
    } finally {
      // A CAPABILITY update after login replaces the map: only the one we changed gets it back.
      if (hidden !== undefined && client.capabilities === caps) caps.set('AUTH=OAUTHBEARER', hidden);
    }
  });
}

/**
 * imapflow falls back to LOGIN when the server lists no AUTH=PLAIN, which would log the admin in as itself:
 * the login is refused before it is sent, with a probe error that says why.
 */
function plainOnly(client: ImapFlow, opts: ConnectOptions): void {
  beforeEachCommand(client, (command) => {
    if ((command === 'LOGIN' || command === 'AUTHENTICATE') && !client.capabilities.has('AUTH=PLAIN')) {
      fail(
        'unsupported',
        'login',
        `${opts.host}:${opts.port} offers no AUTHENTICATE PLAIN, the only IMAP login that carries the authorization identity ` +
          `of an admin login on behalf of ${opts.credentials.user} (for Dovecot master users, try --master-separator)`,
        { code: 'NO-AUTH-PLAIN' },
      );
    }
  });
}

/**
 * An imapflow session with maildoctor's settings: our deadlines, no logger (its default writes to stdout), our
 * name in ID, and no ENABLE (CONDSTORE, UTF8=ACCEPT, IMAP4rev2): the probe only reads, and rev2 changes SEARCH
 * answers. Callers attach their own 'error' listener.
 */
export function newImapSession(opts: ConnectOptions): ImapSession {
  const ms = opts.timeoutMs;
  const mode = transportMode(opts.tls);
  const client = new ImapFlow({
    host: opts.host,
    port: opts.port,
    secure: mode === 'implicit',
    // true: STARTTLS is required (imapflow fails when it is missing or refused); false: never upgrade.
    doSTARTTLS: mode === 'starttls',
    auth: sessionAuth(opts.credentials),
    // imapflow spreads `tls` into its net/tls.connect options: a `lookup` there resolves the host (--dns-server),
    // while host stays the name for SNI and the certificate check.
    tls: { secureContext: secureContextFor(opts.ca), rejectUnauthorized: !opts.insecure, lookup: opts.lookup },
    logger: false,
    clientInfo: { name: 'maildoctor', version: VERSION, vendor: 'maildoctor' },
    connectionTimeout: ms,
    greetingTimeout: ms,
    // Each step has our own deadline of `ms` (withDeadline): imapflow's idle timer is set a second later, so a
    // stalled command is named a timeout of that step, never a connection that imapflow dropped first.
    socketTimeout: ms + 1000,
    disableAutoEnable: true,
    disableAutoIdle: true,
  });
  if (opts.credentials.kind === 'oauth2') steerOAuth2(client, opts.credentials, `${opts.host}:${opts.port}`);
  if (needsAuthzid(opts.credentials)) plainOnly(client, opts);
  return client;
}

/** The capabilities the session knows now, as the server wrote them (`APPENDLIMIT=n` keeps its value). */
export function capabilityList(client: ImapSession): string[] {
  return [...client.capabilities.entries()].map(([k, v]) => (typeof v === 'number' ? `${k}=${v}` : k));
}

/** How imapflow logged in: LOGIN, AUTHENTICATE <mechanism>, PREAUTH, or unknown. */
export function loginMethodOf(client: ImapSession, preauth: boolean): string {
  if (preauth) return 'PREAUTH';
  const auth = (client as unknown as { authCapabilities?: Map<string, boolean> }).authCapabilities;
  for (const [k, used] of auth ?? []) {
    if (!used) continue;
    return k === 'LOGIN' ? 'LOGIN' : `AUTHENTICATE ${k.replace(/^AUTH=/, '')}`;
  }
  return 'unknown';
}

/** The socket under the session (null before connect()); a TLS socket once TLS is up. */
export function sessionSocket(client: ImapSession): net.Socket | TLSSocket | null {
  return (client as unknown as { socket?: net.Socket | null }).socket ?? null;
}

/** The text of the server's greeting after "* OK" (empty when none was kept). */
export function sessionGreeting(client: ImapSession): string {
  return (client as unknown as { greeting?: string }).greeting ?? '';
}

/** Whether the session got as far as an authenticated state, and the BYE text the server ended it with. */
export function sessionEnd(client: ImapSession): { authenticated: boolean; bye: unknown } {
  const c = client as unknown as { authenticated?: unknown; byeReason?: unknown };
  return { authenticated: Boolean(c.authenticated), bye: c.byeReason };
}

/**
 * Call `before(command)` right before imapflow sends each command (STARTTLS, AUTHENTICATE, LOGIN, ...): what
 * the session knew at that moment (the capabilities before TLS, before login) is read there.
 */
export function beforeEachCommand(client: ImapSession, before: (command: string) => void): void {
  aroundEachCommand(client, (command, run) => {
    before(command);
    return run();
  });
}

/**
 * Wrap imapflow's command runner (its run(): STARTTLS, AUTHENTICATE, LOGIN, ...): `around` gets each command's
 * name and a `run` that sends it as imapflow would. The one place that replaces that internal.
 */
function aroundEachCommand(client: ImapSession, around: (command: string, run: () => Promise<unknown>) => Promise<unknown>): void {
  const runner = client as unknown as { run: (command: string, ...args: unknown[]) => Promise<unknown> };
  const run = runner.run.bind(client);
  runner.run = (command: string, ...args: unknown[]) => around(command, () => run(command, ...args));
}

/**
 * Call `sent(command, mailbox)` as each command goes to the wire (every one goes through imapflow's exec, its
 * own and our raw ones); the callback it returns runs when the tagged answer came (null) or the command failed.
 * `target` is the mailbox (or quota root) of the commands that name one, else null: the other arguments (a
 * LOGIN's password, an AUTHENTICATE's response) never leave this function. `mechanism` is AUTHENTICATE's SASL name.
 */
export function onEachCommand(
  client: ImapSession,
  sent: (command: string, named: { target: string | null; mechanism: string | null }) => ((error: unknown) => void) | void,
): void {
  const runner = client as unknown as { exec: (command: string, attributes?: unknown[], options?: unknown) => Promise<unknown> };
  const exec = runner.exec.bind(client);
  runner.exec = (command: string, attributes?: unknown[], options?: unknown) => {
    const first = Array.isArray(attributes) ? (attributes[0] as { value?: unknown } | undefined) : undefined;
    const value = typeof first?.value === 'string' ? first.value : null;
    const verb = command.toUpperCase();
    const target = NAMING_COMMANDS.has(verb) ? value : null;
    const mechanism = verb === 'AUTHENTICATE' && value && /^[A-Z0-9_-]{1,20}$/i.test(value) ? value.toUpperCase() : null;
    const settled = sent(verb, { target, mechanism });
    const answer = exec(command, attributes, options);
    if (settled) answer.then(() => settled(null), settled);
    return answer;
  };
}

/**
 * The server's own NAMESPACE response, read on the NAMESPACE command imapflow sends after login (no round trip of
 * ours). imapflow keeps only an edited copy (a delimiter appended to each prefix, a made-up personal namespace when
 * the server sent NIL or none), so the response's attributes are read here as they came. The getter returns null
 * until a NAMESPACE response was read: no NAMESPACE capability, or the command refused.
 */
export function watchNamespaces(client: ImapSession): () => Namespaces | null {
  let seen: Namespaces | null = null;
  const runner = client as unknown as { exec: (command: string, attributes?: unknown, options?: { untagged?: Record<string, (u: Untagged) => unknown> }) => Promise<unknown> };
  const exec = runner.exec.bind(client);
  runner.exec = (command, attributes, options) => {
    const own = options?.untagged?.NAMESPACE;
    if (command.toUpperCase() !== 'NAMESPACE' || !own) return exec(command, attributes, options);
    const NAMESPACE = (u: Untagged) => {
      const a = u.attributes ?? [];
      seen = { personal: namespaceList(a[0]), other: namespaceList(a[1]), shared: namespaceList(a[2]) };
      return own(u);
    };
    return exec(command, attributes, { ...options, untagged: { ...options.untagged, NAMESPACE } });
  };
  return () => seen;
}

/** One section of a NAMESPACE response: NIL (none) or a list of (prefix delimiter [extensions]). */
function namespaceList(section: Attr | null | undefined): Namespace[] {
  if (!Array.isArray(section)) return [];
  const out: Namespace[] = [];
  for (const entry of section) {
    if (!Array.isArray(entry) || entry.length < 2) continue;
    const prefix = attrText(entry[0]);
    const delimiter = entry[1] === null ? null : attrText(entry[1]);
    if (prefix === null || (entry[1] !== null && delimiter === null)) continue;
    out.push({ prefix, delimiter });
  }
  return out;
}

/** The text of a parsed atom, string or literal; null for NIL, a list, or nothing. */
export function attrText(n: Attr | null | undefined): string | null {
  if (!n || Array.isArray(n)) return null;
  const v = n.value;
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null;
}

/** Commands whose first argument is a mailbox name (a quota root for GETQUOTA). */
const NAMING_COMMANDS = new Set(['SELECT', 'EXAMINE', 'STATUS', 'GETQUOTAROOT', 'GETQUOTA']);

/** One untagged response as imapflow's parser hands it to exec() handlers. */
export interface Untagged {
  command?: string;
  attributes?: Attr[];
  /** imapflow reads a plain "* SEARCH 1 2 3" line straight into numbers. */
  numbers?: number[];
}
export interface Node {
  type?: string;
  value?: unknown;
}
export type Attr = Node | Attr[];

interface ExecClient {
  exec(
    command: string,
    attributes: unknown[],
    options: { untagged: Record<string, (u: Untagged) => Promise<void>> },
  ): Promise<{ next: () => void }>;
}

/** Send one command through imapflow's exec(); untagged handlers collect what it returns. Rejects on NO/BAD. */
export async function execCommand(
  client: ImapSession,
  command: string,
  attributes: unknown[],
  untagged: Record<string, (u: Untagged) => void>,
): Promise<void> {
  const handlers: Record<string, (u: Untagged) => Promise<void>> = {};
  for (const [k, fn] of Object.entries(untagged)) handlers[k] = async (u) => fn(u);
  const res = await (client as unknown as ExecClient).exec(command, attributes, { untagged: handlers });
  res.next();
}

/** LOGOUT sent, not waited for, and the socket closed: nothing a slow reply could change. */
export async function closeQuietly(client: ImapSession): Promise<void> {
  try {
    if (client.usable) void client.logout().catch(() => undefined);
  } catch {
    /* the evidence is already complete */
  } finally {
    try {
      client.close();
    } catch {
      /* already closed */
    }
  }
}
