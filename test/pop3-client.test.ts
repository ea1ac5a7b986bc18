// The POP3 client and probe against a scripted fake server: framing at every byte offset, deadlines, resets,
// response codes, STLS, and the two promises: no password anywhere, and no command outside the read-only set.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pop3Client, POP3_ALLOWED_VERBS } from '../src/connectors/pop3/client.js';
import { probePop3, type Pop3ProbeOptions } from '../src/connectors/pop3/probe.js';
import { Pop3ResultSchema, type Anomaly, type Pop3Evidence, type Pop3Result } from '../src/snapshot/schema.js';
import { multiline, selfSignedCert, startFakePop3, type FakePop3Script, type FakePop3Server } from './support/fake-pop3.js';
import { passwordCredentials } from '../src/connectors/credentials.js';

const USER = 'alice@example.com';
const PASSWORD = 'Sëcret pass:w0rd/Ü';
const SECRETS = [
  PASSWORD,
  Buffer.from(PASSWORD).toString('base64'),
  Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'),
  encodeURIComponent(PASSWORD),
];
const UIDV = 0x6b082d2e;

const CAPA_PRE = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'USER', 'SASL PLAIN LOGIN', '.X-DOTTED vendor line'];
const CAPA_STLS = ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'STLS', 'USER', 'SASL PLAIN'];
const CAPA_POST = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'EXPIRE 0', 'LOGIN-DELAY 300', 'IMPLEMENTATION FakeMail 1.0'];
const MESSAGES = [
  { n: 1, sizeBytes: 120, uid: 1 },
  { n: 2, sizeBytes: 3000, uid: 2 },
  { n: 3, sizeBytes: 45, uid: 5 },
  { n: 4, sizeBytes: 9999, uid: 900 },
];
const dovecotUidl = (uid: number, v = UIDV) => `${uid.toString(16).padStart(8, '0')}${v.toString(16).padStart(8, '0')}`;
const UIDL_REPLY = multiline(MESSAGES.map((m) => `${m.n} ${dovecotUidl(m.uid)}`));
const LIST_REPLY = multiline(MESSAGES.map((m) => `${m.n} ${m.sizeBytes}`), '+OK 4 messages:');
const TOTAL = MESSAGES.reduce((s, m) => s + m.sizeBytes, 0);

/** A Dovecot-like session with USER/PASS and SASL PLAIN. */
function realistic(over: Partial<FakePop3Script['replies']> = {}, rest: Partial<FakePop3Script> = {}): FakePop3Script {
  return {
    greeting: '+OK Dovecot ready.\r\n',
    replies: {
      CAPA: [multiline(CAPA_PRE, '+OK Capability list follows'), multiline(CAPA_POST)],
      USER: '+OK\r\n',
      PASS: '+OK Logged in.\r\n',
      AUTH: '+OK Logged in.\r\n',
      STAT: `+OK ${MESSAGES.length} ${TOTAL}\r\n`,
      UIDL: UIDL_REPLY,
      LIST: LIST_REPLY,
      QUIT: { send: '+OK Logging out.\r\n', end: true },
      ...over,
    },
    ...rest,
  };
}

const expected: Omit<Pop3Evidence, 'sessionMs'> = {
  greeting: 'Dovecot ready.',
  capaPreLogin: CAPA_PRE,
  capaPostLogin: CAPA_POST,
  implementation: 'FakeMail 1.0',
  expire: '0',
  loginDelaySeconds: 300,
  transport: 'none',
  tls: null,
  loginMethod: 'USER/PASS',
  stat: { messages: 4, sizeBytes: TOTAL },
  listing: 'full',
  fullListingReason: 'asked',
  messages: MESSAGES.map((m) => ({ n: m.n, sizeBytes: m.sizeBytes, uidl: dovecotUidl(m.uid) })),
  uidlFormat: 'dovecot',
  uidlMap: { uidValidity: String(UIDV), uids: MESSAGES.map((m) => m.uid) },
};

const servers: FakePop3Server[] = [];
async function fake(script: FakePop3Script, track = true): Promise<FakePop3Server> {
  const s = await startFakePop3(script);
  if (track) servers.push(s);
  return s;
}

function options(srv: FakePop3Server, over: Partial<Pop3ProbeOptions> = {}): Pop3ProbeOptions {
  return {
    host: srv.host,
    port: srv.port,
    tls: 'none',
    allowPlaintext: true,
    credentials: passwordCredentials(USER, PASSWORD),
    timeoutMs: 3000,
    preferSasl: false,
    ...over,
  };
}

/** Every result is a valid snapshot part and carries no secret. */
function checked(result: Pop3Result): Pop3Result {
  Pop3ResultSchema.parse(result);
  const json = JSON.stringify(result);
  for (const s of SECRETS) expect(json).not.toContain(s);
  return result;
}

async function probe(opts: Pop3ProbeOptions): Promise<Pop3Result> {
  // These tests read the full listings (UIDL and LIST of every message); the sampled listing has its own below.
  const r = checked(await probePop3({ fullListing: 'asked', ...opts }));
  // QUIT is sent, not awaited (a slow answer must not hold the report): let the servers read it and see the close.
  // (Capped: a test may keep another session of its own open.)
  await Promise.race([Promise.all(servers.map((s) => s.idle())), new Promise((r) => setTimeout(r, 300))]);
  return r;
}

function evidenceOf(r: Pop3Result): Omit<Pop3Evidence, 'sessionMs'> {
  if (!r.ok) throw new Error(`probe failed: ${JSON.stringify(r.error)}`);
  const { sessionMs, ...rest } = r.evidence;
  expect(sessionMs).toBeGreaterThanOrEqual(0);
  return rest;
}

function errorOf(r: Pop3Result) {
  if (r.ok) throw new Error('probe succeeded where it should have failed');
  return r.error;
}

const verbs = (srv: FakePop3Server) => srv.received.map((c) => c.verb);

afterAll(async () => {
  // The read-only promise, over every session of this file: only these verbs ever reached a server.
  const seen = new Set(servers.flatMap((s) => s.received.map((c) => c.verb)));
  for (const v of seen) expect(POP3_ALLOWED_VERBS as readonly string[]).toContain(v);
  for (const v of ['RETR', 'DELE', 'TOP', 'RSET', 'NOOP', 'LAST', 'APOP']) expect(seen.has(v)).toBe(false);
  await Promise.all(servers.map((s) => s.close()));
});

describe('the fake server', () => {
  /** The chunks in which a raw client receives the CAPA reply (asked once the greeting is in). */
  async function chunksOfCapa(srv: FakePop3Server): Promise<string[]> {
    const sock = net.connect({ host: srv.host, port: srv.port });
    let all = '';
    const chunks: string[] = [];
    let wake: (() => void) | null = null;
    sock.on('data', (d: Buffer) => {
      all += d.toString();
      chunks.push(d.toString());
      wake?.();
    });
    const until = (done: () => boolean) =>
      new Promise<void>((resolve) => {
        wake = () => done() && resolve();
        wake();
      });
    await until(() => all.includes('\n'));
    chunks.length = 0;
    sock.write('CAPA\r\n');
    await until(() => all.endsWith('\r\n.\r\n'));
    sock.destroy();
    return chunks;
  }

  it('really delivers a split reply as two chunks, and byte by byte as single bytes', async () => {
    const srv = await fake(realistic(), false);
    const reply = multiline(CAPA_PRE, '+OK Capability list follows');
    srv.delivery = { mode: 'split', at: 5 };
    expect(await chunksOfCapa(srv)).toEqual([reply.slice(0, 5), reply.slice(5)]);
    srv.delivery = { mode: 'bytewise' };
    const chunks = await chunksOfCapa(srv);
    expect(chunks.join('')).toBe(reply);
    expect(chunks.length).toBeGreaterThan(reply.length / 2);
    await srv.close();
  });
});

describe('a full session', () => {
  it('reads greeting, CAPA (dot-stuffed line), STAT, UIDL, LIST, EXPIRE/LOGIN-DELAY/IMPLEMENTATION', async () => {
    const srv = await fake(realistic());
    expect(evidenceOf(await probe(options(srv)))).toEqual(expected);
    expect(verbs(srv)).toEqual(['CAPA', 'USER', 'PASS', 'CAPA', 'STAT', 'UIDL', 'LIST', 'QUIT']);
    expect(srv.received[2]!.line).toBe(`PASS ${PASSWORD}`);
  });

  it('gives identical evidence with every reply split at every byte offset', async () => {
    const srv = await fake(realistic());
    const replies = [...Object.values(srv.script.replies!).flat(), srv.script.greeting].map((r) =>
      typeof r === 'string' ? r : typeof r === 'object' && r && 'send' in r ? String(r.send) : '',
    );
    const longest = Math.max(...replies.map((r) => Buffer.byteLength(r)));
    expect(longest).toBeGreaterThan(100);
    for (let at = 1; at <= longest; at++) {
      srv.delivery = { mode: 'split', at };
      const got = evidenceOf(await probe(options(srv)));
      if (JSON.stringify(got) !== JSON.stringify(expected)) expect({ at, got }).toEqual({ at, got: expected });
    }
  });

  it('gives identical evidence with replies sent byte by byte', async () => {
    const srv = await fake(realistic(), true);
    srv.delivery = { mode: 'bytewise' };
    expect(evidenceOf(await probe(options(srv)))).toEqual(expected);
  });

  it('logs in with SASL PLAIN (initial response) when offered, unless USER/PASS is preferred', async () => {
    const srv = await fake(realistic());
    const r = evidenceOf(await probe(options(srv, { preferSasl: true })));
    expect(r.loginMethod).toBe('SASL PLAIN');
    expect(verbs(srv)).toEqual(['CAPA', 'AUTH', 'CAPA', 'STAT', 'UIDL', 'LIST', 'QUIT']);
    expect(srv.received[1]!.line).toBe(`AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}`);
  });

  it('answers an empty SASL challenge, and sends a long PLAIN response after it (RFC 5034 255-octet line)', async () => {
    const longPassword = `${PASSWORD}${'x'.repeat(300)}`;
    const srv = await fake(realistic({ AUTH: '+ \r\n' }, { fallback: '+OK Logged in.\r\n' }), false);
    const client = new Pop3Client({ host: srv.host, port: srv.port, transport: 'plain', timeoutMs: 2000 });
    await client.connect();
    await client.authPlain(USER, longPassword);
    await client.quit();
    const blob = Buffer.from(`\0${USER}\0${longPassword}`).toString('base64');
    expect(srv.received.map((c) => c.line)).toEqual(['AUTH PLAIN', blob, 'QUIT']);
    expect(client.commandLog).toEqual(['AUTH PLAIN', '*** (AUTH PLAIN response)', 'QUIT']);
  });

  it('masks the password in the command log of USER/PASS', async () => {
    const srv = await fake(realistic());
    const client = new Pop3Client({ host: srv.host, port: srv.port, transport: 'plain', timeoutMs: 2000 });
    expect((await client.connect()).text).toBe('Dovecot ready.');
    await client.capa();
    await client.login(USER, PASSWORD);
    expect(await client.stat()).toEqual({ messages: 4, sizeBytes: TOTAL });
    await client.quit();
    expect(client.commandLog).toEqual(['CAPA', `USER ${USER}`, 'PASS ***', 'STAT', 'QUIT']);
    expect(client.usable).toBe(false);
  });

  it('records a server without UIDL as uidlFormat none', async () => {
    const srv = await fake(realistic({ UIDL: '-ERR Unknown command: UIDL\r\n' }));
    const r = evidenceOf(await probe(options(srv)));
    expect(r.uidlFormat).toBe('none');
    expect(r.uidlMap).toBeNull();
    expect(r.messages.map((m) => m.uidl)).toEqual([null, null, null, null]);
  });

  it('works without CAPA (an RFC 1939-only server)', async () => {
    const srv = await fake(realistic({ CAPA: '-ERR unknown command\r\n' }));
    const r = evidenceOf(await probe(options(srv, { preferSasl: true })));
    expect(r).toMatchObject({ capaPreLogin: null, capaPostLogin: null, loginMethod: 'USER/PASS', implementation: null, expire: null });
  });

  it('reads an empty mailbox', async () => {
    const srv = await fake(realistic({ STAT: '+OK 0 0\r\n', UIDL: multiline([]), LIST: multiline([], '+OK 0 messages:') }));
    const r = evidenceOf(await probe(options(srv)));
    expect(r).toMatchObject({ stat: { messages: 0, sizeBytes: 0 }, messages: [], uidlFormat: 'dovecot', uidlMap: { uidValidity: null, uids: [] } });
  });

  it('parses a 100k-line UIDL and LIST', async () => {
    const n = 100_000;
    const uidl = multiline(Array.from({ length: n }, (_, i) => `${i + 1} ${dovecotUidl(i + 1)}`));
    const list = multiline(Array.from({ length: n }, (_, i) => `${i + 1} ${1000 + (i % 7)}`));
    const srv = await fake(realistic({ STAT: `+OK ${n} 1234\r\n`, UIDL: uidl, LIST: list }));
    const t0 = performance.now();
    const r = evidenceOf(await probe(options(srv)));
    const t = performance.now() - t0;
    expect(r.messages).toHaveLength(n);
    expect(r.messages[n - 1]).toEqual({ n, sizeBytes: 1000 + ((n - 1) % 7), uidl: dovecotUidl(n) });
    expect(r.uidlFormat).toBe('dovecot');
    expect(r.uidlMap!.uidValidity).toBe(String(UIDV));
    expect(r.uidlMap!.uids.every((u, i) => u === i + 1)).toBe(true);
    console.log(`[measure] probe of a fake server with 100k messages (UIDL ${(uidl.length / 1e6).toFixed(1)} MB + LIST) in ${t.toFixed(0)} ms`);
  });
});

describe('PIPELINING (RFC 2449)', () => {
  /** A server whose UIDL reply waits 80 ms, and when each command reached it. */
  async function timed(capaPost: string[]) {
    const srv = await fake(
      realistic({ CAPA: [multiline(CAPA_PRE, '+OK Capability list follows'), multiline(capaPost)], UIDL: { send: UIDL_REPLY, delayMs: 80 } }),
    );
    const at: Record<string, number> = {};
    const push = srv.received.push.bind(srv.received);
    srv.received.push = (...cmds) => {
      for (const c of cmds) at[c.verb] = performance.now();
      return push(...cmds);
    };
    return { srv, at };
  }

  it('sends LIST with UIDL when the CAPA after login lists PIPELINING, with identical evidence', async () => {
    const { srv, at } = await timed(CAPA_POST);
    expect(evidenceOf(await probe(options(srv)))).toEqual(expected);
    expect(at.LIST! - at.UIDL!).toBeLessThan(40);
    expect(verbs(srv)).toEqual(['CAPA', 'USER', 'PASS', 'CAPA', 'STAT', 'UIDL', 'LIST', 'QUIT']);
  });

  it('waits for the UIDL reply before LIST when PIPELINING is not listed', async () => {
    const post = CAPA_POST.filter((c) => c !== 'PIPELINING');
    const { srv, at } = await timed(post);
    expect(evidenceOf(await probe(options(srv)))).toEqual({ ...expected, capaPostLogin: post });
    expect(at.LIST! - at.UIDL!).toBeGreaterThanOrEqual(75);
  });

  it('uidl() then list(), stat() in between, or no list() at all before QUIT', async () => {
    const srv = await fake(realistic());
    const session = async () => {
      const client = new Pop3Client({ host: srv.host, port: srv.port, transport: 'plain', timeoutMs: 2000 });
      await client.connect();
      await client.login(USER, PASSWORD);
      await client.capa();
      return client;
    };
    let client = await session();
    expect(await client.uidl()).toEqual(MESSAGES.map((m) => ({ n: m.n, uidl: dovecotUidl(m.uid) })));
    expect(await client.stat()).toEqual({ messages: 4, sizeBytes: TOTAL });
    expect(await client.list()).toEqual(MESSAGES.map((m) => ({ n: m.n, sizeBytes: m.sizeBytes })));
    expect((await client.quit()).status).toBe('ok');
    expect(client.commandLog).toEqual([`USER ${USER}`, 'PASS ***', 'CAPA', 'UIDL', 'LIST', 'STAT', 'QUIT']);

    client = await session();
    await client.uidl();
    expect((await client.quit()).text).toBe('Logging out.');
  });

  it('a stall in the pipelined LIST reply is a timeout of LIST', async () => {
    const srv = await fake(realistic({ LIST: { send: LIST_REPLY, stallAfter: 20 } }));
    const e = errorOf(await probe(options(srv, { timeoutMs: 300 })));
    expect(e).toMatchObject({ kind: 'timeout', step: 'list' });
  });

  it('a UIDL -ERR still leaves the pipelined LIST reply to read', async () => {
    const srv = await fake(realistic({ UIDL: '-ERR Unknown command: UIDL\r\n' }));
    const r = evidenceOf(await probe(options(srv)));
    expect(r.uidlFormat).toBe('none');
    expect(r.messages).toEqual(MESSAGES.map((m) => ({ n: m.n, sizeBytes: m.sizeBytes, uidl: null })));
  });
});

describe('failures become classified probe errors', () => {
  it('a stall mid-reply ends in timeout within about timeoutMs, and the socket is closed', async () => {
    const srv = await fake(realistic({ UIDL: { send: UIDL_REPLY, stallAfter: 30 } }));
    const t0 = performance.now();
    const e = errorOf(await probe(options(srv, { timeoutMs: 300 })));
    const t = performance.now() - t0;
    expect(e).toMatchObject({ kind: 'timeout', step: 'uidl' });
    expect(e.message).toMatch(/within 300 ms during uidl/);
    expect(t).toBeGreaterThanOrEqual(290);
    expect(t).toBeLessThan(1500);
    await srv.idle(); // the client destroyed its socket
  });

  it('no greeting at all ends in timeout', async () => {
    const srv = await fake(realistic({}, { greeting: null }));
    const e = errorOf(await probe(options(srv, { timeoutMs: 300 })));
    expect(e).toMatchObject({ kind: 'timeout', step: 'greeting' });
  });

  it('a stall in the middle of the greeting line ends in timeout', async () => {
    const srv = await fake(realistic({}, { greeting: { send: '+OK Dovecot ready.\r\n', stallAfter: 7 } }));
    expect(errorOf(await probe(options(srv, { timeoutMs: 300 })))).toMatchObject({ kind: 'timeout', step: 'greeting' });
  });

  it('a garbage greeting is a protocol error', async () => {
    const srv = await fake(realistic({}, { greeting: 'SSH-2.0-OpenSSH_9.2p1\r\n' }));
    const e = errorOf(await probe(options(srv)));
    expect(e).toMatchObject({ kind: 'protocol', step: 'greeting', serverText: 'SSH-2.0-OpenSSH_9.2p1' });
  });

  it('an -ERR [SYS/TEMP] greeting is sys-temp', async () => {
    const srv = await fake(realistic({}, { greeting: { send: '-ERR [SYS/TEMP] Too many connections, try later\r\n', end: true } }));
    const e = errorOf(await probe(options(srv)));
    expect(e).toMatchObject({ kind: 'sys-temp', step: 'greeting', code: 'SYS/TEMP' });
    expect(e.message).toMatch(/Too many connections/);
  });

  it('an -ERR greeting without a code is sys-temp as well', async () => {
    const srv = await fake(realistic({}, { greeting: '-ERR go away\r\n' }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'sys-temp', step: 'greeting' });
  });

  it('-ERR [IN-USE] at PASS is in-use', async () => {
    const srv = await fake(realistic({ PASS: '-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n' }));
    const e = errorOf(await probe(options(srv)));
    expect(e).toMatchObject({ kind: 'in-use', step: 'login', code: 'IN-USE' });
    expect(e.message).toMatch(/locked by another POP3 session/);
    expect(verbs(srv)).not.toContain('STAT');
  });

  it('-ERR [LOGIN-DELAY] at PASS is login-delay', async () => {
    const srv = await fake(realistic({ PASS: '-ERR [LOGIN-DELAY] Wait 300 seconds between logins\r\n' }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'login-delay', step: 'login', code: 'LOGIN-DELAY' });
  });

  it('-ERR [SYS/PERM] at PASS is sys-perm', async () => {
    const srv = await fake(realistic({ PASS: '-ERR [SYS/PERM] Account disabled\r\n' }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'sys-perm', step: 'login', code: 'SYS/PERM' });
  });

  it('-ERR [AUTH] is auth, and a password the server echoes is scrubbed', async () => {
    const srv = await fake(realistic({ AUTH: `-ERR [AUTH] Authentication failed: bad password ${PASSWORD}\r\n` }));
    const e = errorOf(await probe(options(srv, { preferSasl: true })));
    expect(e).toMatchObject({ kind: 'auth', step: 'login', code: 'AUTH' });
    expect(e.message).toContain('***');
    expect(e.serverText).toBe('-ERR [AUTH] Authentication failed: bad password ***');
  });

  it('-ERR at PASS without a code is auth', async () => {
    const srv = await fake(realistic({ PASS: '-ERR Authentication failed.\r\n' }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'auth', step: 'login' });
  });

  it.each([
    ['reset (RST)', { resetAfter: 40 }],
    ['close (FIN)', { closeAfter: 40 }],
  ])('a connection %s mid-UIDL is unreachable, with no hang', async (_, action) => {
    const srv = await fake(realistic({ UIDL: { send: UIDL_REPLY, ...action } }));
    const t0 = performance.now();
    const e = errorOf(await probe(options(srv, { timeoutMs: 5000 })));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e).toMatchObject({ kind: 'unreachable', step: 'uidl' });
    expect(e.message).toMatch(/closed the connection during UIDL/);
  });

  it('a refused connection is refused', async () => {
    const srv = await fake(realistic());
    const port = srv.port;
    await srv.close();
    expect(errorOf(await probe(options(srv, { port })))).toMatchObject({ kind: 'refused', step: 'connect' });
  });

  it('an overlong line is a protocol error', async () => {
    const srv = await fake(realistic({ UIDL: multiline([`1 ${'a'.repeat(70_000)}`]) }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'protocol', step: 'uidl' });
  });

  it('a malformed LIST or STAT line is a protocol error', async () => {
    const srv = await fake(realistic({ LIST: multiline(['1 120', 'garbage']) }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'protocol', step: 'list', serverText: 'garbage' });
    const srv2 = await fake(realistic({ STAT: '+OK lots\r\n' }));
    expect(errorOf(await probe(options(srv2)))).toMatchObject({ kind: 'protocol', step: 'stat' });
  });

  it('starttls asked but no STLS in CAPA is starttls-missing, before any login', async () => {
    const srv = await fake(realistic());
    expect(errorOf(await probe(options(srv, { tls: 'starttls' })))).toMatchObject({ kind: 'starttls-missing', step: 'starttls' });
    expect(verbs(srv)).toEqual(['CAPA', 'QUIT']);
  });

  it('starttls asked, no CAPA, STLS refused is starttls-missing', async () => {
    const srv = await fake(realistic({ CAPA: '-ERR unknown\r\n' }));
    expect(errorOf(await probe(options(srv, { tls: 'starttls' })))).toMatchObject({ kind: 'starttls-missing', step: 'starttls' });
    expect(verbs(srv)).toEqual(['CAPA', 'STLS']);
  });

  it('tls none without allowPlaintext is plaintext-refused, and no credential is sent', async () => {
    const srv = await fake(realistic({ CAPA: multiline([...CAPA_PRE, 'STLS']) }));
    const e = errorOf(await probe(options(srv, { allowPlaintext: false })));
    expect(e).toMatchObject({ kind: 'plaintext-refused', step: 'login' });
    expect(e.message).toMatch(/offers STLS/);
    expect(verbs(srv)).toEqual(['CAPA', 'QUIT']);
  });

  it('a server refusing USER/PASS without TLS is plaintext-refused', async () => {
    const srv = await fake(realistic({ USER: '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.\r\n' }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'plaintext-refused', step: 'login', code: 'AUTH' });
    expect(verbs(srv)).not.toContain('PASS');
  });

  it('a server listing no plaintext login method is plaintext-refused without trying', async () => {
    const srv = await fake(realistic({ CAPA: multiline(['TOP', 'UIDL', 'STLS', 'SASL']) }));
    expect(errorOf(await probe(options(srv)))).toMatchObject({ kind: 'plaintext-refused', step: 'login' });
    expect(verbs(srv)).toEqual(['CAPA', 'QUIT']);
  });
});

describe('TLS', () => {
  let cert: { key: string; cert: string };
  beforeAll(() => {
    cert = selfSignedCert();
  });

  it('implicit TLS with the CA: verified facts, byte-by-byte replies', async () => {
    const srv = await fake(realistic({}, { tls: cert, implicitTls: true }));
    srv.delivery = { mode: 'bytewise' };
    const r = evidenceOf(await probe(options(srv, { tls: 'implicit', ca: cert.cert, allowPlaintext: false })));
    expect(r).toEqual({ ...expected, transport: 'implicit', tls: r.tls });
    expect(r.tls).toMatchObject({ mode: 'implicit', verified: true, verifyError: null, insecure: false });
    expect(r.tls!.certificate).toMatchObject({ selfSigned: true, subjectAltNames: ['IP Address:127.0.0.1', 'DNS:localhost'] });
  });

  it('implicit TLS with a self-signed certificate and no CA is a tls error naming the reason', async () => {
    const srv = await fake(realistic({}, { tls: cert, implicitTls: true }));
    const e = errorOf(await probe(options(srv, { tls: 'implicit' })));
    expect(e).toMatchObject({ kind: 'tls', step: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(e.message).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT.*self-signed/);
    expect(srv.received).toEqual([]);
  });

  it('--insecure goes on and records the failed verification', async () => {
    const srv = await fake(realistic({}, { tls: cert, implicitTls: true }));
    const r = evidenceOf(await probe(options(srv, { tls: 'implicit', insecure: true })));
    expect(r.tls).toMatchObject({ verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', insecure: true });
  });

  it('STLS upgrades, CAPA is read again, and the pre-TLS CAPA is kept apart', async () => {
    const srv = await fake(
      realistic(
        {
          CAPA: [multiline(CAPA_STLS), multiline(CAPA_PRE), multiline(CAPA_POST)],
          STLS: { send: '+OK Begin TLS negotiation now.\r\n', startTls: true },
        },
        { tls: cert },
      ),
    );
    srv.delivery = { mode: 'split', at: 3 };
    const r = evidenceOf(await probe(options(srv, { tls: 'starttls', ca: cert.cert, allowPlaintext: false, preferSasl: true })));
    expect(r).toEqual({ ...expected, capaBeforeStls: CAPA_STLS, transport: 'starttls', loginMethod: 'SASL PLAIN', tls: r.tls });
    expect(r.tls).toMatchObject({ mode: 'starttls', verified: true });
    expect(verbs(srv)).toEqual(['CAPA', 'STLS', 'CAPA', 'AUTH', 'CAPA', 'STAT', 'UIDL', 'LIST', 'QUIT']);
  });

  it('STLS with an untrusted certificate is a tls error, before any credential is sent', async () => {
    const srv = await fake(
      realistic({ CAPA: multiline(CAPA_STLS), STLS: { send: '+OK Begin TLS negotiation now.\r\n', startTls: true } }, { tls: cert }),
    );
    const e = errorOf(await probe(options(srv, { tls: 'starttls', allowPlaintext: false })));
    expect(e).toMatchObject({ kind: 'tls', step: 'starttls' });
    expect(verbs(srv)).toEqual(['CAPA', 'STLS']);
  });

  it('data sent after the STLS reply, before TLS, is refused (command injection)', async () => {
    const srv = await fake(realistic({ CAPA: multiline(CAPA_STLS), STLS: '+OK Begin TLS\r\n+OK Logged in.\r\n' }, { tls: cert }));
    const e = errorOf(await probe(options(srv, { tls: 'starttls', ca: cert.cert })));
    expect(e).toMatchObject({ kind: 'protocol', step: 'starttls' });
    expect(verbs(srv)).toEqual(['CAPA', 'STLS']);
  });
});

describe('the sampled listing (UIDL n, LIST n)', () => {
  // UIDL n / LIST n answered from MESSAGES; a number beyond them gets -ERR, as RFC 1939 says.
  const one = (verb: 'UIDL' | 'LIST') => (cmd: { args: string }) => {
    if (cmd.args === '') return verb === 'UIDL' ? UIDL_REPLY : LIST_REPLY;
    const m = MESSAGES.find((x) => x.n === Number(cmd.args));
    if (!m) return '-ERR There is no message ' + cmd.args + '.\r\n';
    return `+OK ${m.n} ${verb === 'UIDL' ? dovecotUidl(m.uid) : m.sizeBytes}\r\n`;
  };

  it('asks UIDL n and LIST n of each sampled message only, and maps them as the full listing does', async () => {
    const srv = await fake(realistic({ UIDL: one('UIDL'), LIST: one('LIST') }));
    const e = evidenceOf(await probePop3(options(srv)));
    const { fullListingReason, ...full } = expected;
    expect(fullListingReason).toBe('asked');
    expect(e).toEqual({ ...full, listing: 'sample' });
    const sent = srv.received.map((r) => r.line).filter((l) => /^(UIDL|LIST)/.test(l));
    expect(sent).toEqual(['UIDL 1', 'LIST 1', 'UIDL 2', 'LIST 2', 'UIDL 3', 'LIST 3', 'UIDL 4', 'LIST 4']);
  });

  const noPipelining = [multiline(CAPA_PRE.filter((c) => c !== 'PIPELINING'), '+OK Capability list follows'), multiline(CAPA_POST.filter((c) => c !== 'PIPELINING'))];

  it('without PIPELINING: a server that refuses UIDL n is asked twice, then LIST n alone, one command at a time: uidlFormat none', async () => {
    const srv = await fake(realistic({ CAPA: noPipelining, UIDL: '-ERR Unknown command: UIDL\r\n', LIST: one('LIST') }));
    const e = evidenceOf(await probePop3(options(srv)));
    expect(e.uidlFormat).toBe('none');
    expect(e.uidlMap).toBeNull();
    expect(e.messages.map((m) => m.uidl)).toEqual([null, null, null, null]);
    expect(srv.received.filter((r) => r.verb === 'UIDL')).toHaveLength(2);
  });

  it('with PIPELINING: every UIDL n and LIST n in one flight, the refusals read in order: the same evidence', async () => {
    const srv = await fake(realistic({ UIDL: '-ERR Unknown command: UIDL\r\n', LIST: one('LIST') }));
    const e = evidenceOf(await probePop3(options(srv)));
    expect(e.uidlFormat).toBe('none');
    expect(e.messages.map((m) => [m.n, m.uidl, m.sizeBytes])).toEqual(MESSAGES.map((m) => [m.n, null, m.sizeBytes]));
    expect(srv.received.map((r) => r.line).filter((l) => /^(UIDL|LIST)/.test(l))).toEqual(['UIDL 1', 'LIST 1', 'UIDL 2', 'LIST 2', 'UIDL 3', 'LIST 3', 'UIDL 4', 'LIST 4']);
  });

  it('the pipelined sample gives what the one-at-a-time sample gives', async () => {
    const a = await fake(realistic({ UIDL: one('UIDL'), LIST: one('LIST') }));
    const b = await fake(realistic({ CAPA: noPipelining, UIDL: one('UIDL'), LIST: one('LIST') }));
    const [ea, eb] = [evidenceOf(await probePop3(options(a))), evidenceOf(await probePop3(options(b)))];
    expect(ea.messages).toEqual(eb.messages);
    expect(ea.uidlMap).toEqual(eb.uidlMap);
  });

  it('a LIST n refused for a number STAT counted is a count-mismatch anomaly, and the message is left out', async () => {
    const srv = await fake(realistic({ STAT: `+OK 5 ${TOTAL}\r\n`, UIDL: one('UIDL'), LIST: one('LIST') }));
    const anomalies: Anomaly[] = [];
    const e = evidenceOf(await probePop3({ ...options(srv), anomalies }));
    expect(e.messages.map((m) => m.n)).toEqual([1, 2, 3, 4]);
    expect(anomalies).toEqual([{ protocol: 'pop3', step: 'list', kind: 'count-mismatch', detail: `LIST refuses message 5, STAT counted 5` }]);
  });

  it('a UIDL n reply for another message number is a protocol error, never a wrong mapping', async () => {
    const srv = await fake(realistic({ UIDL: '+OK 7 0000000100000001\r\n', LIST: one('LIST') }));
    const r = await probePop3(options(srv));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'protocol', step: 'uidl' });
  });
});

describe('read-only by construction', () => {
  it('the client has no method for RETR, DELE, TOP, RSET or arbitrary commands', () => {
    const names = Object.getOwnPropertyNames(Pop3Client.prototype);
    for (const banned of ['retr', 'dele', 'top', 'rset', 'noop', 'command', 'send', 'write', 'raw']) {
      expect(names.map((n) => n.toLowerCase())).not.toContain(banned);
    }
    expect(names.sort()).toEqual(
      ['authOAuth2', 'authPlain', 'capa', 'close', 'connect', 'constructor', 'goodbye', 'greeting', 'list', 'login', 'quit', 'scanListings', 'secure', 'stat', 'stls', 'tls', 'uidl', 'usable'].sort(),
    );
  });
});
