// The OAuth 2.0 device authorization grant (RFC 8628) for `maildoctor token`: the endpoints from the issuer's
// metadata (RFC 8414, else OpenID discovery), the device authorization request, then polling the token endpoint
// until the user has entered the code. Tokens are returned and written to a file, never printed or put in errors.
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Issuers whose users supply only a client id: their default scopes are the mail ones (IMAP and POP). */
export const PROVIDERS = {
  microsoft: {
    issuer: 'https://login.microsoftonline.com/organizations/v2.0',
    scope: 'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All offline_access',
  },
  google: { issuer: 'https://accounts.google.com', scope: 'https://mail.google.com/' },
} as const;

/** The grant could not end with a token: one line to show, exit 3. */
export class DeviceFlowError extends Error {
  override name = 'DeviceFlowError';
}

export interface DevicePrompt {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresInSeconds: number;
}

export interface DeviceTokens {
  accessToken: string;
  refreshToken?: string;
  expiresInSeconds?: number;
  /** Where a refresh token is exchanged for a new access token (kept in the token file). */
  tokenEndpoint?: string;
}

export interface DeviceFlowOptions {
  issuer: string;
  clientId: string;
  /** Only for providers that want one from every client (Google); never on the command line. */
  clientSecret?: string;
  scope: string;
  /** Deadline of each HTTP request. */
  timeoutMs: number;
  onPrompt: (p: DevicePrompt) => void;
  /** For tests: waiting between polls, and the clock. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  fetch?: typeof fetch;
}

/** HTTPS only, except loopback 127.0.0.1 (tests and labs): a code or token never crosses the network in clear. */
export function checkEndpoint(raw: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new DeviceFlowError(`${what} is not a URL: ${JSON.stringify(String(raw).slice(0, 200))}`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && url.hostname === '127.0.0.1')) return url;
  throw new DeviceFlowError(`${what} ${url.origin} is not HTTPS (plain http:// only on 127.0.0.1)`);
}

type Json = Record<string, unknown>;

async function request(o: { timeoutMs: number; fetch?: typeof fetch }, url: URL, body?: URLSearchParams): Promise<{ status: number; json: Json | null }> {
  const doFetch = o.fetch ?? fetch;
  let res: Response;
  let text: string;
  try {
    res = await doFetch(url, {
      method: body ? 'POST' : 'GET',
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: body?.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const err = e as Error;
    const why = err.name === 'TimeoutError' ? `no answer within ${o.timeoutMs / 1000} s` : ((err.cause as Error | undefined)?.message ?? err.message);
    throw new DeviceFlowError(`${url.origin}${url.pathname}: ${why}`);
  }
  let json: Json | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Json;
  } catch {
    // not JSON: the caller says what it expected
  }
  return { status: res.status, json };
}

/** The device authorization and token endpoints: RFC 8414 metadata first, then OpenID discovery. */
export async function discoverEndpoints(o: DeviceFlowOptions): Promise<{ device: URL; token: URL }> {
  const issuer = checkEndpoint(o.issuer, 'the issuer');
  const path = issuer.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin),
    new URL(`${path}/.well-known/openid-configuration`, issuer.origin),
  ];
  const tried: string[] = [];
  for (const url of candidates) {
    const { status, json } = await request(o, url);
    if (status !== 200 || !json) {
      tried.push(`${url.pathname} HTTP ${status}${json ? '' : ' (no JSON)'}`);
      continue;
    }
    if (json.device_authorization_endpoint === undefined) throw new DeviceFlowError(`${issuer.origin} publishes no device_authorization_endpoint: it does not offer the device grant`);
    return {
      device: checkEndpoint(json.device_authorization_endpoint, 'the device authorization endpoint'),
      token: checkEndpoint(json.token_endpoint, 'the token endpoint'),
    };
  }
  throw new DeviceFlowError(`no authorization server metadata at ${issuer.origin} (${tried.join(', ')})`);
}

/** A token endpoint's answer with an access token, in our shape; anything else is the endpoint's refusal. */
function tokensOf(what: string, res: { status: number; json: Json | null }, tokenEndpoint: URL): DeviceTokens {
  const t = res.json;
  if (res.status !== 200 || !t) throw oauthError(what, res.status, t);
  if (typeof t.access_token !== 'string' || !t.access_token) throw new DeviceFlowError('the token endpoint answered without an access_token');
  return {
    accessToken: t.access_token,
    ...(typeof t.refresh_token === 'string' && t.refresh_token ? { refreshToken: t.refresh_token } : {}),
    ...(typeof t.expires_in === 'number' && Number.isFinite(t.expires_in) && t.expires_in > 0 ? { expiresInSeconds: t.expires_in } : {}),
    tokenEndpoint: tokenEndpoint.href,
  };
}

export interface RefreshOptions {
  tokenEndpoint: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * A new access token for a refresh token (RFC 6749 §6). The answer's refresh token replaces the old one when the
 * server rotates them; otherwise the old one stays valid and is kept.
 */
export async function refreshAccessToken(o: RefreshOptions): Promise<DeviceTokens> {
  const endpoint = checkEndpoint(o.tokenEndpoint, 'the token endpoint');
  const body = new URLSearchParams({ client_id: o.clientId, ...(o.clientSecret ? { client_secret: o.clientSecret } : {}), grant_type: 'refresh_token', refresh_token: o.refreshToken });
  const got = tokensOf('the refresh request', await request(o, endpoint, body), endpoint);
  return { ...got, refreshToken: got.refreshToken ?? o.refreshToken };
}

function oauthError(what: string, status: number, json: Json | null): DeviceFlowError {
  const error = typeof json?.error === 'string' ? json.error : `HTTP ${status}`;
  const desc = typeof json?.error_description === 'string' ? `: ${json.error_description.slice(0, 200)}` : '';
  return new DeviceFlowError(`${what} refused: ${error}${desc}`);
}

const positive = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

/** The whole grant: discovery, the device authorization request, the prompt, then polling until a token. */
export async function runDeviceFlow(o: DeviceFlowOptions): Promise<DeviceTokens> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const { device, token } = await discoverEndpoints(o);
  const client = { client_id: o.clientId, ...(o.clientSecret ? { client_secret: o.clientSecret } : {}) };

  const auth = await request(o, device, new URLSearchParams({ ...client, scope: o.scope }));
  const a = auth.json;
  if (auth.status !== 200 || !a) throw oauthError('the device authorization request', auth.status, a);
  // Google names it verification_url (an older draft's word).
  const verification = a.verification_uri ?? a.verification_url;
  if (typeof a.device_code !== 'string' || typeof a.user_code !== 'string' || typeof verification !== 'string') {
    throw new DeviceFlowError('the device authorization answer lacks device_code, user_code or verification_uri');
  }
  const expiresIn = positive(a.expires_in, 600);
  o.onPrompt({
    userCode: a.user_code,
    verificationUri: checkEndpoint(verification, 'the verification URL').href,
    ...(typeof a.verification_uri_complete === 'string' ? { verificationUriComplete: checkEndpoint(a.verification_uri_complete, 'the verification URL').href } : {}),
    expiresInSeconds: expiresIn,
  });

  const deadline = now() + expiresIn * 1000;
  let interval = positive(a.interval, 5); // RFC 8628 §3.2: 5 s when not given
  for (;;) {
    await sleep(interval * 1000);
    if (now() > deadline) throw new DeviceFlowError(`the code ${a.user_code} expired after ${expiresIn} s without being entered: run maildoctor token again`);
    const res = await request(o, token, new URLSearchParams({ ...client, grant_type: DEVICE_GRANT, device_code: a.device_code }));
    const t = res.json;
    if (res.status === 200 && t) return tokensOf('the token request', res, token);
    const error = t?.error;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      interval += 5; // RFC 8628 §3.5
      continue;
    }
    if (error === 'expired_token') throw new DeviceFlowError(`the code ${a.user_code} expired before it was entered: run maildoctor token again`);
    if (error === 'access_denied') throw new DeviceFlowError('the sign-in was declined (access_denied): no token was issued');
    throw oauthError('the token request', res.status, t);
  }
}
