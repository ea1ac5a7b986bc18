// The transport under our own protocol code (src/connectors/transport.ts) against local net and TLS servers on
// 127.0.0.1: opening (TCP, implicit TLS, refused, a silent handshake), lines cut anywhere, an overlong line, the
// per-read and per-step deadlines, the STARTTLS swap with one consumer across it, and a close or reset mid-read.
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TransportEvent } from '../src/connectors/common.js';
import { ConnectionClosed, LineReader, OpenFailure, openConnection, raceDeadline, type Connection, type OpenOptions } from '../src/connectors/transport.js';
import { probeImap } from '../src/connectors/imap/index.js';
import { probePop3 } from '../src/connectors/pop3/probe.js';
import { passwordCredentials } from '../src/connectors/credentials.js';
import { fakeImap } from './support/fake-imap.js';
import { multiline, selfSignedCert, startFakePop3 } from './support/fake-pop3.js';
import { closedPort } from './support/fake-server.js';

/** The protocol's timeout error, as a caller gives it. */
class Timeout extends Error {
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super(`timeout during ${step}`);
  }
}
const timeoutError = (step: string, ms: number) => new Timeout(step, ms);

let cert: { key: string; cert: string };
beforeAll(() => {
  cert = selfSignedCert();
});

const servers: net.Server[] = [];
const peers = new Set<net.Socket>();
afterEach(async () => {
  for (const s of peers) s.destroy();
  peers.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as net.AddressInfo).port;
}

/** A plain TCP server; `onClient` runs for each connection. */
function plainServer(onClient: (s: net.Socket) => void = () => undefined): Promise<number> {
  return listen(
    net.createServer((s) => {
      peers.add(s);
      s.on('error', () => undefined);
      onClient(s);
    }),
  );
}

/** An implicit-TLS server with the self-signed certificate. */
function tlsServer(onClient: (s: tls.TLSSocket) => void = () => undefined): Promise<number> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (s) => {
    peers.add(s);
    onClient(s);
  });
  server.on('tlsClientError', () => undefined);
  server.on('connection', (s: net.Socket) => {
    peers.add(s);
    s.on('error', () => undefined);
  });
  return listen(server);
}

/** Write the pieces one by one, with a pause between them, so the client gets them as separate chunks. */
async function trickle(s: net.Socket, pieces: string[], pauseMs = 20): Promise<void> {
  for (const p of pieces) {
    s.write(p);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** CRLF lines a server socket receives. */
function onLines(s: net.Socket, f: (line: string) => void): void {
  let buf = '';
  s.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      f(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
}

const options = (port: number, over: Partial<OpenOptions> = {}): OpenOptions => ({
  host: '127.0.0.1',
  port,
  mode: 'plain',
  timeoutMs: 3000,
  timeoutError,
  ...over,
});

const lines = (c: Connection, maxLineBytes = 64) => new LineReader(c, { maxLineBytes, overlong: () => new Error('overlong line') });

const opened: Connection[] = [];
async function open(o: OpenOptions): Promise<Connection> {
  const c = await openConnection(o);
  opened.push(c);
  return c;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.destroy();
});

async function openFailure(o: OpenOptions): Promise<OpenFailure> {
  const e = await openConnection(o).then(
    (c) => {
      c.destroy();
      return null;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OpenFailure);
  return e as OpenFailure;
}

describe('opening a connection', () => {
  it('plain TCP: no TLS facts, and a connect event', async () => {
    const events: TransportEvent[] = [];
    const port = await plainServer((s) => s.write('hi\r\n'));
    const c = await open(options(port, { onEvent: (e) => events.push(e) }));
    expect(c.tls).toBeNull();
    expect(c.endpoint).toBe(`127.0.0.1:${port}`);
    expect(await lines(c).line('greeting', 2000)).toBe('hi');
    expect(events).toEqual([{ step: 'connect', what: `connected to 127.0.0.1:${port}`, ms: expect.any(Number) as number, ok: true }]);
  });

  it('a refused connection fails in the connect phase with the socket error', async () => {
    const events: TransportEvent[] = [];
    const f = await openFailure(options(await closedPort(), { onEvent: (e) => events.push(e) }));
    expect(f.phase).toBe('connect');
    expect((f.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(events).toMatchObject([{ step: 'connect', what: 'failed: ECONNREFUSED', ok: false }]);
  });

  it('implicit TLS with the CA: verified facts, and connect and tls events with the certificate', async () => {
    const events: TransportEvent[] = [];
    const port = await tlsServer();
    const c = await open(options(port, { mode: 'implicit', ca: cert.cert, onEvent: (e) => events.push(e) }));
    expect(c.tls).toMatchObject({ mode: 'implicit', verified: true, verifyError: null, insecure: false });
    expect(c.tls!.certificate).toMatchObject({ subject: 'CN=localhost', selfSigned: true });
    expect(events.map((e) => `${e.step}:${e.ok}`)).toEqual(['connect:true', 'tls:true']);
    expect(events[1]!.tls).toMatchObject({ mode: 'implicit', subject: 'CN=localhost', verified: true, validTo: c.tls!.certificate!.validTo });
    expect(events[1]!.tls!.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(events[1]!.what).toContain('CN=localhost');
  });

  it('implicit TLS without the CA fails in the tls phase, unless the caller judges the certificate itself', async () => {
    const port = await tlsServer();
    const f = await openFailure(options(port, { mode: 'implicit' }));
    expect(f.phase).toBe('tls');
    expect((f.error as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    const judged = await open(options(port, { mode: 'implicit', verify: 'caller' }));
    expect(judged.tls).toMatchObject({ verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', insecure: false });
    const insecure = await open(options(port, { mode: 'implicit', insecure: true }));
    expect(insecure.tls).toMatchObject({ verified: false, insecure: true });
  });

  it('implicit TLS against a port that never answers the handshake: the timeout error of connect, phase tls', async () => {
    const events: TransportEvent[] = [];
    const port = await plainServer();
    const f = await openFailure(options(port, { mode: 'implicit', timeoutMs: 300, onEvent: (e) => events.push(e) }));
    expect(f.phase).toBe('tls');
    expect(f.error).toBeInstanceOf(Timeout);
    expect(f.error).toMatchObject({ step: 'connect', ms: 300 });
    expect(events.map((e) => `${e.step}:${e.ok}`)).toEqual(['connect:true', 'tls:false']);
    expect(events[1]!.what).toBe('no answer within 300 ms');
  });
});

describe('the line reader', () => {
  it('reads whole lines however the bytes are cut (CRLF or a bare LF)', async () => {
    const port = await plainServer((s) => void trickle(s, ['one\r\ntw', 'o\r\nthr', 'ee\nfour\r', '\n', 'fi', 've\r\n']));
    const r = lines(await open(options(port)));
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await r.line('read', 2000));
    expect(got).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(r.pending).toBe(0);
  });

  it('an overlong line fails the read with the protocol error, after the lines before it', async () => {
    const port = await plainServer((s) => s.write(`ok\r\n${'x'.repeat(100)}`));
    const r = lines(await open(options(port)), 64);
    expect(await r.line('read', 2000)).toBe('ok');
    await expect(r.line('read', 2000)).rejects.toThrow('overlong line');
  });

  it('a read that gets nothing ends in the timeout error of its step; the connection stays open', async () => {
    const port = await plainServer();
    const c = await open(options(port));
    const r = lines(c);
    const e = await r.line('greeting', 150).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Timeout);
    expect(e).toMatchObject({ step: 'greeting', ms: 150 });
    expect(c.destroyed).toBe(false);
  });

  it('a close during a read: the lines already received, then ConnectionClosed', async () => {
    const port = await plainServer((s) => {
      s.write('last\r\n');
      onLines(s, () => s.end());
    });
    const c = await open(options(port));
    const r = lines(c);
    expect(await r.line('read', 2000)).toBe('last');
    const waiting = r.line('read', 2000);
    c.write('bye\r\n');
    const e = await waiting.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ConnectionClosed);
    expect(e).toMatchObject({ code: 'ECONNRESET' });
    await c.closed;
  });

  it('a reset during a read rejects with the socket error', async () => {
    const port = await plainServer((s) => onLines(s, () => s.resetAndDestroy()));
    const c = await open(options(port));
    const r = lines(c);
    const waiting = r.line('read', 2000);
    c.write('go\r\n');
    await expect(waiting).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('one consumer', () => {
  it('data and the end that came before consume() are handed over in order', async () => {
    const port = await plainServer((s) => s.end('early\r\n'));
    const c = await open(options(port));
    await c.closed;
    const r = lines(c);
    expect(await r.line('read', 2000)).toBe('early');
    await expect(r.line('read', 2000)).rejects.toBeInstanceOf(ConnectionClosed);
    expect(() => c.consume({ data: () => undefined })).toThrow(/one consumer/);
  });

  it('a reset while nobody consumes does not crash the process (an error listener is always there)', async () => {
    const port = await plainServer((s) => onLines(s, () => s.resetAndDestroy()));
    const c = await open(options(port));
    c.write('reset me\r\n');
    await c.closed;
    expect(c.destroyed).toBe(true);
  });
});

describe('upgrade (STARTTLS / STLS)', () => {
  /** Greets, answers STARTTLS with OK and switches to TLS, then echoes each line over TLS. */
  const startTlsServer = (handshake = true) =>
    plainServer((s) => {
      s.write('* OK hello\r\n');
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString('latin1');
        if (!buf.includes('\n')) return;
        s.off('data', onData);
        s.write('OK begin TLS\r\n');
        if (!handshake) return;
        const t = new tls.TLSSocket(s, { isServer: true, key: cert.key, cert: cert.cert });
        t.on('error', () => undefined);
        onLines(t, (line) => (line === 'RESET' ? s.resetAndDestroy() : t.write(`echo ${line}\r\n`)));
      };
      s.on('data', onData);
    });

  it('swaps the socket, keeps the one consumer, records the facts, and no event carries what was sent', async () => {
    const events: TransportEvent[] = [];
    const port = await startTlsServer();
    const c = await open(options(port, { ca: cert.cert, onEvent: (e) => events.push(e) }));
    const r = lines(c);
    expect(await r.line('greeting', 2000)).toBe('* OK hello');
    c.write('a1 STARTTLS\r\n');
    expect(await r.line('starttls', 2000)).toBe('OK begin TLS');
    expect(r.pending).toBe(0);
    const facts = await c.upgrade('starttls', 2000);
    expect(facts).toMatchObject({ mode: 'starttls', verified: true });
    expect(c.tls).toBe(facts);
    c.write('a2 LOGIN alice secret-password\r\n');
    expect(await r.line('login', 2000)).toBe('echo a2 LOGIN alice secret-password');
    expect(events.map((e) => `${e.step}:${e.ok}`)).toEqual(['connect:true', 'upgrade:true', 'tls:true']);
    expect(events[2]!.tls).toMatchObject({ mode: 'starttls', subject: 'CN=localhost' });
    expect(JSON.stringify(events)).not.toMatch(/secret|LOGIN|STARTTLS/);
  });

  it('a reset after the upgrade fails the read, and neither socket crashes the process', async () => {
    const port = await startTlsServer();
    const c = await open(options(port, { ca: cert.cert }));
    const r = lines(c);
    await r.line('greeting', 2000);
    c.write('a1 STARTTLS\r\n');
    await r.line('starttls', 2000);
    await c.upgrade('starttls', 2000);
    const waiting = r.line('read', 2000);
    c.write('RESET\r\n');
    await expect(waiting).rejects.toMatchObject({ code: 'ECONNRESET' });
    await c.closed;
    // A late error on either socket finds a listener.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('an untrusted certificate fails the upgrade with the socket error', async () => {
    const port = await startTlsServer();
    const c = await open(options(port));
    const r = lines(c);
    await r.line('greeting', 2000);
    c.write('a1 STARTTLS\r\n');
    await r.line('starttls', 2000);
    await expect(c.upgrade('starttls', 2000)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(c.upgrade('starttls', 2000)).rejects.toThrow(/already uses TLS|closed|destroyed|EPIPE|ECONNRESET/i);
  });

  it('a handshake that gets no answer ends in the timeout error of its step, and the connection is closed', async () => {
    const port = await startTlsServer(false);
    const c = await open(options(port, { ca: cert.cert }));
    const r = lines(c);
    await r.line('greeting', 2000);
    c.write('a1 STARTTLS\r\n');
    await r.line('starttls', 2000);
    const e = await c.upgrade('starttls', 200).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Timeout);
    expect(e).toMatchObject({ step: 'starttls', ms: 200 });
    await c.closed;
    expect(c.destroyed).toBe(true);
  });
});

describe('step deadlines', () => {
  it('a step that does not finish fails with the timeout error of its step and destroys the connection', async () => {
    const port = await plainServer();
    const c = await open(options(port));
    const e = await c.deadline('list', 150, () => new Promise<never>(() => undefined)).catch((err: unknown) => err);
    expect(e).toMatchObject({ step: 'list', ms: 150 });
    await c.closed;
  });

  it('idle: the timer starts again with every chunk, so a slow but steady transfer completes', async () => {
    // Ten bytes 60 ms apart, then a line end: at least 600 ms in all, against a 400 ms deadline.
    const transfer = async (idle: boolean) => {
      const port = await plainServer((s) => void trickle(s, [...'0123456789', '\n'], 60));
      const c = await open(options(port));
      let got = '';
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      c.consume({
        data: (d) => {
          got += d.toString();
          if (got.includes('\n')) done();
        },
      });
      return c.deadline('fetch', 400, () => finished, { idle }).then(
        () => got.trim(),
        (err: unknown) => err,
      );
    };
    expect(await transfer(true)).toBe('0123456789');
    expect(await transfer(false)).toMatchObject({ step: 'fetch', ms: 400 });
  });

  it('raceDeadline settles on the timeout even when the expiry handler fails the work at once', async () => {
    let failWork: (e: Error) => void = () => undefined;
    const order: string[] = [];
    const e = await raceDeadline(
      50,
      () => new Promise<never>((_, reject) => (failWork = reject)),
      () => {
        order.push('expired');
        return new Timeout('step', 50);
      },
      {
        onExpiry: () => {
          order.push('onExpiry');
          failWork(new Error('connection closed'));
        },
      },
    ).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Timeout);
    expect(order).toEqual(['expired', 'onExpiry']);
  });

  it('raceDeadline passes the work through when it finishes first', async () => {
    await expect(raceDeadline(1000, async () => 42, () => new Timeout('x', 1000))).resolves.toBe(42);
    await expect(raceDeadline(1000, () => Promise.reject(new Error('no')), () => new Timeout('x', 1000))).rejects.toThrow('no');
  });
});

describe('the probes pass their connection events on (ConnectOptions.onEvent)', () => {
  const PASSWORD = 'hunter2-secret';
  const account = (port: number, onEvent: (e: TransportEvent) => void) => ({
    host: '127.0.0.1',
    port,
    tls: 'none' as const,
    allowPlaintext: true,
    credentials: passwordCredentials('alice', PASSWORD),
    timeoutMs: 3000,
    onEvent,
  });

  it('IMAP preflight and POP3: a connect event each, and no command or password in any event', async () => {
    const imapEvents: TransportEvent[] = [];
    const imap = await fakeImap();
    try {
      const r = await probeImap({ ...account(imap.port, (e) => imapEvents.push(e)), history: false, now: new Date() });
      expect(r.ok).toBe(true);
    } finally {
      await imap.close();
    }
    expect(imapEvents).toEqual([expect.objectContaining({ step: 'connect', ok: true })]);

    const popEvents: TransportEvent[] = [];
    const pop = await startFakePop3({
      replies: { CAPA: multiline(['USER', 'UIDL']), USER: '+OK\r\n', PASS: '+OK\r\n', STAT: '+OK 0 0\r\n', UIDL: multiline([]), LIST: multiline([]) },
    });
    try {
      const r = await probePop3(account(pop.port, (e) => popEvents.push(e)));
      expect(r.ok).toBe(true);
    } finally {
      await pop.close();
    }
    expect(popEvents).toEqual([expect.objectContaining({ step: 'connect', ok: true })]);
    expect(JSON.stringify([...imapEvents, ...popEvents])).not.toMatch(/hunter2|alice|PASS|LOGIN|CAPA/);
  });
});
