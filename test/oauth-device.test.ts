// The device grant's client side against a scripted authorization server: discovery order, the poll interval
// and slow_down, the two endings that stop it, HTTPS only, per-request deadlines, and the token file.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceFlowError, runDeviceFlow, type DeviceFlowOptions } from '../src/oauth/device.js';
import { dueForRefresh, formatTokenFile, parseRenewal, refreshTokenFile, writeTokenFile } from '../src/oauth/token-file.js';

const ISSUER = 'https://id.example.net/tenant';
const META = { device_authorization_endpoint: 'https://id.example.net/device', token_endpoint: 'https://id.example.net/token' };
const DEVICE = { device_code: 'dc-1', user_code: 'WXYZ-1234', verification_uri: 'https://id.example.net/activate', expires_in: 60, interval: 2 };

type Answer = [number, unknown];

/** A fake fetch answering by path; token polls take their answers in order. Records every request. */
function server(polls: Answer[], meta: Record<string, Answer> = { '/.well-known/oauth-authorization-server/tenant': [200, META] }) {
  const seen: { path: string; body: string }[] = [];
  const fetch = (async (input: URL | string, init?: RequestInit) => {
    const url = new URL(String(input));
    seen.push({ path: url.pathname, body: typeof init?.body === 'string' ? init.body : '' });
    const [status, body] = url.pathname === '/device' ? [200, DEVICE] : url.pathname === '/token' ? (polls.shift() ?? [500, {}]) : (meta[url.pathname] ?? [404, 'not here']);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;
  return { fetch, seen };
}

function options(fetch: typeof globalThis.fetch, over: Partial<DeviceFlowOptions> = {}) {
  const waits: number[] = [];
  let clock = 0;
  const prompts: string[] = [];
  const o: DeviceFlowOptions = {
    issuer: ISSUER,
    clientId: 'app-1',
    scope: 'mail',
    timeoutMs: 1000,
    onPrompt: (p) => prompts.push(`${p.verificationUri} ${p.userCode}`),
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => clock,
    fetch,
    ...over,
  };
  return { o, waits, prompts };
}

describe('runDeviceFlow', () => {
  it('polls at the interval, adds 5 s on slow_down, and returns the tokens', async () => {
    const s = server([[400, { error: 'authorization_pending' }], [400, { error: 'slow_down' }], [400, { error: 'authorization_pending' }], [200, { access_token: 'at-1', refresh_token: 'rt-1', expires_in: 3600 }]]);
    const { o, waits, prompts } = options(s.fetch);
    expect(await runDeviceFlow(o)).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresInSeconds: 3600, tokenEndpoint: 'https://id.example.net/token' });
    expect(waits).toEqual([2000, 2000, 7000, 7000]);
    expect(prompts).toEqual(['https://id.example.net/activate WXYZ-1234']);
    const poll = new URLSearchParams(s.seen.at(-1)!.body);
    expect(Object.fromEntries(poll)).toEqual({ client_id: 'app-1', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc-1' });
    expect(new URLSearchParams(s.seen.find((r) => r.path === '/device')!.body).get('scope')).toBe('mail');
  });

  it('falls back from RFC 8414 metadata to OpenID discovery under the issuer path', async () => {
    const s = server([[200, { access_token: 'at-2' }]], { '/tenant/.well-known/openid-configuration': [200, META] });
    const { o } = options(s.fetch);
    expect(await runDeviceFlow(o)).toEqual({ accessToken: 'at-2', tokenEndpoint: 'https://id.example.net/token' });
    expect(s.seen.slice(0, 2).map((r) => r.path)).toEqual(['/.well-known/oauth-authorization-server/tenant', '/tenant/.well-known/openid-configuration']);
  });

  it.each([
    ['expired_token', /^the code WXYZ-1234 expired before it was entered/],
    ['access_denied', /^the sign-in was declined \(access_denied\)/],
    ['invalid_client', /^the token request refused: invalid_client$/],
  ])('stops on %s with one line', async (error, message) => {
    const { o } = options(server([[400, { error: 'authorization_pending' }], [400, { error }]]).fetch);
    await expect(runDeviceFlow(o)).rejects.toThrow(message);
  });

  it('stops by itself once expires_in has passed, whatever the server says', async () => {
    const { o, waits } = options(server(Array.from({ length: 100 }, (): Answer => [400, { error: 'authorization_pending' }])).fetch);
    await expect(runDeviceFlow(o)).rejects.toThrow(/expired after 60 s/);
    expect(waits.length).toBe(31);
  });

  it('refuses plain http:// endpoints other than 127.0.0.1, also when the metadata names them', async () => {
    const { o } = options(server([]).fetch, { issuer: 'http://id.example.net' });
    await expect(runDeviceFlow(o)).rejects.toThrow('the issuer http://id.example.net is not HTTPS (plain http:// only on 127.0.0.1)');
    const bad = server([], { '/.well-known/oauth-authorization-server/tenant': [200, { ...META, token_endpoint: 'http://id.example.net/token' }] });
    await expect(runDeviceFlow(options(bad.fetch).o)).rejects.toThrow('the token endpoint http://id.example.net is not HTTPS');
  });

  it('gives each request its deadline', async () => {
    const hang = ((_u: unknown, init?: RequestInit) =>
      new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)))) as typeof globalThis.fetch;
    await expect(runDeviceFlow(options(hang, { timeoutMs: 50 }).o)).rejects.toThrow(new DeviceFlowError('https://id.example.net/.well-known/oauth-authorization-server/tenant: no answer within 0.05 s'));
  });
});

describe('writeTokenFile', () => {
  it('writes the access token on the first line and the refresh token on the second, mode 0600', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'md-tokenfile-')), 'token');
    await writeTokenFile(path, { accessToken: 'at-3', refreshToken: 'rt-3' });
    expect(readFileSync(path, 'utf8')).toBe('at-3\nrt-3\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeTokenFile(path, { accessToken: 'at-4' });
    expect(readFileSync(path, 'utf8')).toBe('at-4\n');
  });
});

describe('the token file keeps what refreshing needs', () => {
  it('line 3 holds the token endpoint, the client id and the expiry; parseRenewal reads it back', () => {
    const text = formatTokenFile({ accessToken: 'at-5', refreshToken: 'rt-5', expiresInSeconds: 3600, tokenEndpoint: 'https://id.example.net/token' }, 'client-1', 1_000_000);
    expect(text).toBe('at-5\nrt-5\n{"token_endpoint":"https://id.example.net/token","client_id":"client-1","expires_at":1003600}\n');
    const r = parseRenewal(text.split('\n'));
    expect(r).toEqual({ refreshToken: 'rt-5', tokenEndpoint: 'https://id.example.net/token', clientId: 'client-1', expiresAt: 1003600 });
    expect(dueForRefresh(r!, 1003500)).toBe(false);
    expect(dueForRefresh(r!, 1003541)).toBe(true);
  });

  it('a file without the JSON line, or with a broken one, is used as it is (no renewal)', () => {
    expect(parseRenewal(['at', 'rt'])).toBeUndefined();
    expect(parseRenewal(['at', 'rt', '{not json'])).toBeUndefined();
    expect(parseRenewal(['at', 'rt', '{"client_id":"c"}'])).toBeUndefined();
    expect(parseRenewal(['at', '', '{"token_endpoint":"https://x/t","client_id":"c"}'])).toBeUndefined();
    expect(parseRenewal(['at', 'rt', '{"token_endpoint":"https://x/t","client_id":"c"}'])).toEqual({ refreshToken: 'rt', tokenEndpoint: 'https://x/t', clientId: 'c' });
  });

  it('refreshTokenFile: one refresh for callers at once, the rotated refresh token kept, the old one when none comes back', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'md-refresh-')), 'token');
    const bodies: string[] = [];
    let rotate = true;
    const fake = (async (_u: unknown, init?: RequestInit) => {
      bodies.push(init?.body as string);
      await new Promise((r) => setTimeout(r, 20));
      const n = bodies.length;
      return new Response(JSON.stringify({ access_token: `at-new-${n}`, expires_in: 600, ...(rotate ? { refresh_token: `rt-new-${n}` } : {}) }), { status: 200 });
    }) as typeof globalThis.fetch;
    const renewal = { refreshToken: 'rt-old', tokenEndpoint: 'https://id.example.net/token', clientId: 'c1', expiresAt: 0 };
    const [a, b] = await Promise.all([
      refreshTokenFile(path, renewal, { timeoutMs: 1000, fetch: fake, now: () => 2_000_000_000 }),
      refreshTokenFile(path, renewal, { timeoutMs: 1000, fetch: fake, now: () => 2_000_000_000 }),
    ]);
    expect([a, b]).toEqual(['at-new-1', 'at-new-1']);
    expect(bodies).toEqual(['client_id=c1&grant_type=refresh_token&refresh_token=rt-old']);
    expect(readFileSync(path, 'utf8')).toBe('at-new-1\nrt-new-1\n{"token_endpoint":"https://id.example.net/token","client_id":"c1","expires_at":2000600}\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    rotate = false;
    await refreshTokenFile(path, { ...renewal, refreshToken: 'rt-new-1' }, { timeoutMs: 1000, fetch: fake, now: () => 2_000_000_000 });
    expect(readFileSync(path, 'utf8').split('\n').slice(0, 2)).toEqual(['at-new-2', 'rt-new-1']);
  });

  it('a refused refresh is the endpoint’s reason, never a token', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'md-refresh-')), 'token');
    const refuse = (async () => new Response(JSON.stringify({ error: 'invalid_grant', error_description: 'grant request is invalid' }), { status: 400 })) as typeof globalThis.fetch;
    const renewal = { refreshToken: 'rt-secret-1', tokenEndpoint: 'https://id.example.net/token', clientId: 'c1' };
    await expect(refreshTokenFile(path, renewal, { timeoutMs: 1000, fetch: refuse })).rejects.toThrow(new DeviceFlowError('the refresh request refused: invalid_grant: grant request is invalid'));
    expect(() => statSync(path)).toThrow();
  });
});
