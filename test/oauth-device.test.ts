// The device grant's client side against a scripted authorization server: discovery order, the poll interval
// and slow_down, the two endings that stop it, HTTPS only, per-request deadlines, and the token file.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceFlowError, runDeviceFlow, writeTokenFile, type DeviceFlowOptions } from '../src/oauth/device.js';

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
    expect(await runDeviceFlow(o)).toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresInSeconds: 3600 });
    expect(waits).toEqual([2000, 2000, 7000, 7000]);
    expect(prompts).toEqual(['https://id.example.net/activate WXYZ-1234']);
    const poll = new URLSearchParams(s.seen.at(-1)!.body);
    expect(Object.fromEntries(poll)).toEqual({ client_id: 'app-1', grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'dc-1' });
    expect(new URLSearchParams(s.seen.find((r) => r.path === '/device')!.body).get('scope')).toBe('mail');
  });

  it('falls back from RFC 8414 metadata to OpenID discovery under the issuer path', async () => {
    const s = server([[200, { access_token: 'at-2' }]], { '/tenant/.well-known/openid-configuration': [200, META] });
    const { o } = options(s.fetch);
    expect(await runDeviceFlow(o)).toEqual({ accessToken: 'at-2' });
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
