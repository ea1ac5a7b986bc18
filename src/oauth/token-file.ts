// The token file of `maildoctor token`, and its refresh on use. Line 1: the access token (all that
// --oauth2-token-file needs, so a file written by hand or by another tool works too). Line 2: the refresh token.
// Line 3: what refreshing needs besides it, as JSON: {"token_endpoint", "client_id", "expires_at"} (seconds
// since the epoch). A client secret, when the provider wants one, is never stored: MAILDOCTOR_OAUTH2_CLIENT_SECRET.
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { DeviceFlowError, refreshAccessToken, type DeviceTokens } from './device.js';

/** Access tokens run to a few KB; with a refresh token and the JSON line the file stays well below this. */
const FILE_CAP = 64 * 1024;
/** A token this close to its expiry is refreshed before use: a probe's logins must not race the clock. */
const EARLY_SECONDS = 60;

export interface Renewal {
  refreshToken: string;
  tokenEndpoint: string;
  clientId: string;
  /** Seconds since the epoch; absent when the server did not say how long the token lives. */
  expiresAt?: number;
}

/** The file's lines 2 and 3 as a renewal, or nothing when they are absent or unreadable. */
export function parseRenewal(lines: string[]): Renewal | undefined {
  const refreshToken = lines[1]?.trim();
  const meta = lines[2]?.trim();
  if (!refreshToken || !meta) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(meta);
  } catch {
    return undefined;
  }
  if (!json || typeof json !== 'object') return undefined;
  const { token_endpoint: tokenEndpoint, client_id: clientId, expires_at: expiresAt } = json as Record<string, unknown>;
  if (typeof tokenEndpoint !== 'string' || typeof clientId !== 'string' || !tokenEndpoint || !clientId) return undefined;
  return { refreshToken, tokenEndpoint, clientId, ...(typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? { expiresAt } : {}) };
}

/** The file's text for these tokens; the JSON line only when a refresh token and its endpoint are known. */
export function formatTokenFile(tokens: DeviceTokens, clientId: string | undefined, nowSeconds: number): string {
  let text = `${tokens.accessToken}\n`;
  if (!tokens.refreshToken) return text;
  text += `${tokens.refreshToken}\n`;
  if (tokens.tokenEndpoint && clientId) {
    const expiresAt = tokens.expiresInSeconds ? Math.floor(nowSeconds + tokens.expiresInSeconds) : undefined;
    text += `${JSON.stringify({ token_endpoint: tokens.tokenEndpoint, client_id: clientId, ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) })}\n`;
  }
  return text;
}

/**
 * Write the tokens, mode 0600 from the start: to a new file beside it, then renamed over the old one, so a
 * reader sees the old file or the new one, never half of one.
 */
export async function writeTokenFile(path: string, tokens: DeviceTokens, clientId?: string, nowSeconds = Date.now() / 1000): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(formatTokenFile(tokens, clientId, nowSeconds));
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new DeviceFlowError(`cannot write the token file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** The renewal part of a token file (its first line is read and checked by the credentials' own reader). */
export async function readRenewal(path: string): Promise<Renewal | undefined> {
  try {
    if ((await stat(path)).size > FILE_CAP) return undefined;
    return parseRenewal((await readFile(path, 'utf8')).split('\n'));
  } catch {
    return undefined;
  }
}

export interface RefreshContext {
  timeoutMs: number;
  clientSecret?: string;
  now?: () => number;
  fetch?: typeof fetch;
}

/** Whether a token with this renewal is to be refreshed before it is used. */
export function dueForRefresh(r: Renewal, nowSeconds: number): boolean {
  return r.expiresAt !== undefined && r.expiresAt - EARLY_SECONDS <= nowSeconds;
}

// One refresh per file at a time in this process: the IMAP and POP3 halves of a probe (and scan rows sharing a
// file) ask together, and a server that rotates refresh tokens would take a second use of the old one as theft.
const inFlight = new Map<string, Promise<string>>();

/**
 * Exchange the file's refresh token for a new access token and write both back. Returns the new access token;
 * throws DeviceFlowError with the server's reason (never a token) when the refresh is refused or fails.
 */
export function refreshTokenFile(path: string, renewal: Renewal, ctx: RefreshContext): Promise<string> {
  const running = inFlight.get(path);
  if (running) return running;
  const job = (async () => {
    const tokens = await refreshAccessToken({
      tokenEndpoint: renewal.tokenEndpoint,
      clientId: renewal.clientId,
      refreshToken: renewal.refreshToken,
      timeoutMs: ctx.timeoutMs,
      ...(ctx.clientSecret ? { clientSecret: ctx.clientSecret } : {}),
      ...(ctx.fetch ? { fetch: ctx.fetch } : {}),
    });
    await writeTokenFile(path, tokens, renewal.clientId, (ctx.now ?? Date.now)() / 1000);
    return tokens.accessToken;
  })().finally(() => inFlight.delete(path));
  inFlight.set(path, job);
  return job;
}
