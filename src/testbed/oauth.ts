// A real OAuth 2.0 authorization server on 127.0.0.1 for the tests: oidc-provider (the certified Node
// implementation) with the client credentials grant, token introspection (RFC 7662) for Dovecot's oauth2 passdb,
// and revocation (RFC 7009). Each mail user is a client whose client_id is the user name, so the introspection
// answer names the user in client_id (Dovecot: username_attribute = client_id). Tokens are opaque.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/** The scope the testbed's Dovecot asks tokens for (its oauth2 passdb `scope`). */
export const MAIL_SCOPE = 'mail';

export interface AuthServerClient {
  /** The client_id: the mail user's name. */
  id: string;
  /** Lifetime of its access tokens (default 600 s): a short one makes an expired token. */
  ttlSeconds?: number;
  /** A public client of the device authorization grant (RFC 8628) instead of the client credentials grant. */
  device?: boolean;
}

export interface AuthServer {
  issuer: string;
  /** Where Dovecot introspects tokens (introspection_mode = post), with its own client's credentials in it. */
  introspectionUrl: string;
  /** An access token for this client by the client credentials grant; scope `mail` unless given ('' for none). */
  token(clientId: string, scope?: string): Promise<string>;
  /** Revoke an access token (RFC 7009), as its own client. */
  revoke(clientId: string, token: string): Promise<void>;
  /** The user's answer to a device flow's user code, as the verification page would record it. */
  approveDevice(userCode: string): Promise<void>;
  denyDevice(userCode: string): Promise<void>;
  stop(): Promise<void>;
}

const INTROSPECTOR = 'dovecot';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Start the server on a free loopback port with these clients (and Dovecot's own, for introspection). */
export async function startAuthServer(opts: { clients: AuthServerClient[] }): Promise<AuthServer> {
  const secrets = new Map<string, string>([[INTROSPECTOR, randomBytes(18).toString('base64url')]]);
  const ttls = new Map<string, number>();
  const devices = opts.clients.filter((c) => c.device).map((c) => c.id);
  for (const c of opts.clients) {
    if (c.ttlSeconds !== undefined) ttls.set(c.id, c.ttlSeconds);
    if (!c.device) secrets.set(c.id, randomBytes(18).toString('base64url'));
  }
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      ...devices.map((id): ClientMetadata => ({
        client_id: id,
        grant_types: [DEVICE_GRANT, 'refresh_token'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'none',
        id_token_signed_response_alg: 'ES256',
      })),
      ...[...secrets].map(([id, secret]): ClientMetadata => ({
        client_id: id,
        client_secret: secret,
        grant_types: id === INTROSPECTOR ? [] : ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // The one signing key is an EC key (quick to make): no client may ask for RS256.
        id_token_signed_response_alg: 'ES256',
      })),
    ],
    scopes: [MAIL_SCOPE, 'offline_access'],
    // The account of a device code is its client's mail user: introspection names the client either way.
    // oidc-provider drops offline_access from a device request without prompt=consent: a device client gets its
    // refresh token all the same, for the token file's second line.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    jwks: { keys: [{ ...key, kid: 'testbed', use: 'sig', alg: 'ES256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      // Dovecot introspects every client's tokens; each client revokes its own.
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    },
    ttl: {
      ClientCredentials: (_ctx, _token, client) => ttls.get(client.clientId) ?? 600,
      AccessToken: (_ctx, _token, client) => ttls.get(client.clientId) ?? 600,
    },
  });
  const handle = provider.callback();
  // Koa's handler settles its own errors (an HTTP 500): nothing is left to await here.
  server.on('request', (req, res) => void handle(req, res));

  const basic = (id: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secrets.get(id) ?? '')}`).toString('base64')}`;
  const post = async (path: string, id: string, body: Record<string, string>) => {
    const res = await fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { authorization: basic(id), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path} for ${id}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return text;
  };
  // The user code as shown (XXXX-XXXX) is stored without its dash.
  const deviceCode = async (userCode: string) => {
    const code = (await provider.DeviceCode.findByUserCode(userCode)) ?? (await provider.DeviceCode.findByUserCode(userCode.replace(/[^A-Za-z0-9]/g, '').toUpperCase()));
    if (!code) throw new Error(`no device code for user code ${userCode}`);
    return code;
  };
  return {
    issuer,
    introspectionUrl: `http://${INTROSPECTOR}:${secrets.get(INTROSPECTOR)}@127.0.0.1:${port}/token/introspection`,
    async token(clientId, scope = MAIL_SCOPE) {
      const body = JSON.parse(await post('/token', clientId, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) })) as { access_token?: unknown };
      if (typeof body.access_token !== 'string') throw new Error(`/token for ${clientId}: no access_token`);
      return body.access_token;
    },
    async revoke(clientId, token) {
      await post('/token/revocation', clientId, { token, token_type_hint: 'access_token' });
    },
    async approveDevice(userCode) {
      const code = await deviceCode(userCode);
      const grant = new provider.Grant({ clientId: code.clientId, accountId: code.clientId });
      // The code keeps the request's parameters; its scope is what the user grants (here all of it).
      const requested = (code.params as { scope?: unknown } | undefined)?.scope;
      const scope = typeof requested === 'string' ? requested : '';
      grant.addOIDCScope(scope);
      code.scope = scope;
      code.grantId = await grant.save();
      code.accountId = code.clientId;
      code.authTime = Math.floor(Date.now() / 1000);
      await code.save();
    },
    async denyDevice(userCode) {
      const code = await deviceCode(userCode);
      code.error = 'access_denied';
      code.errorDescription = 'the user said no';
      await code.save();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
