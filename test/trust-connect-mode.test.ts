// Fail closed on the TLS mode: a value other than implicit|starttls|none (e.g. ['implicit','implicit'] from a
// repeated flag) must never reach a connection, let alone a login in clear text.
import { afterEach, describe, expect, it } from 'vitest';
import { probeImap } from '../src/connectors/imap/index.js';
import { probePop3 } from '../src/connectors/pop3/probe.js';
import { plaintextAllowed, transportMode } from '../src/connectors/common.js';
import { fakeServer, type FakeServer } from './support/fake-server.js';
import { startFakePop3, type FakePop3Server } from './support/fake-pop3.js';
import { imapOptions, newUser, pop3Options, testbed } from './support/testbed.js';
import { passwordCredentials } from '../src/connectors/credentials.js';

const BAD_MODES: unknown[] = [['implicit', 'implicit'], 'IMPLICIT', 'tls', '', undefined, null, true];

describe('transportMode', () => {
  it('accepts exactly the three modes', () => {
    for (const m of ['implicit', 'starttls', 'none'] as const) expect(transportMode(m)).toBe(m);
  });
  it.each(BAD_MODES.map((m) => [m]))('throws for %j', (m) => {
    expect(() => transportMode(m)).toThrow(/unknown TLS mode/);
  });
  it('allows a plaintext password only for exactly none + allowPlaintext', () => {
    expect(plaintextAllowed({ tls: 'none', allowPlaintext: true })).toBe(true);
    expect(plaintextAllowed({ tls: 'none' })).toBe(false);
    expect(plaintextAllowed({ tls: 'starttls', allowPlaintext: true })).toBe(false);
    expect(() => plaintextAllowed({ tls: ['none'] as never, allowPlaintext: true })).toThrow(/unknown TLS mode/);
  });
});

describe('probes refuse an unknown TLS mode before sending anything', () => {
  let servers: Array<FakeServer | FakePop3Server> = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('IMAP: a recording plain server receives no command, the result is an error', async () => {
    const srv = await fakeServer({
      onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n'),
      onLine: (line, s) => {
        const tag = line.split(' ')[0];
        s.write(`${tag} OK done\r\n`);
      },
    });
    servers.push(srv);
    const r = await probeImap({
      host: '127.0.0.1',
      port: srv.port,
      tls: ['implicit', 'implicit'] as never,
      allowPlaintext: true,
      credentials: passwordCredentials('alice', 'hunter2-secret'),
      timeoutMs: 2000,
      history: false,
      now: new Date(),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/unknown TLS mode/);
    expect(r.error.message).not.toContain('hunter2-secret');
    expect(srv.received).toEqual([]);
  });

  it('POP3: a recording plain server receives no USER/PASS, the result is an error', async () => {
    const srv = await startFakePop3({ replies: { CAPA: '+OK\r\nUSER\r\n.\r\n', USER: '+OK', PASS: '+OK' } });
    servers.push(srv);
    const r = await probePop3({
      host: srv.host,
      port: srv.port,
      tls: ['implicit', 'implicit'] as never,
      allowPlaintext: true,
      credentials: passwordCredentials('alice', 'hunter2-secret'),
      timeoutMs: 2000,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(/unknown TLS mode/);
    expect(srv.received).toEqual([]);
    expect(srv.connections).toBe(0);
  });

  it('against the testbed plain ports: IMAP and POP3 end in an error, not ok', async () => {
    const user = await newUser();
    const tb = testbed();
    const imap = await probeImap({
      ...imapOptions(user, { tls: ['implicit', 'implicit'] as never, port: tb.ports.imap, allowPlaintext: true }),
      history: false,
      now: new Date(),
    });
    expect(imap.ok).toBe(false);
    if (!imap.ok) expect(imap.error.code).toBe('TLS_MODE');
    const pop = await probePop3(pop3Options(user, { tls: ['implicit', 'implicit'] as never, port: tb.ports.pop3, allowPlaintext: true }));
    expect(pop.ok).toBe(false);
    if (!pop.ok) expect(pop.error.code).toBe('TLS_MODE');
  });
});

describe('implicit TLS against a plain-text port', () => {
  it('IMAP on the testbed STARTTLS port: a port/mode mismatch naming --imap-tls, not a certificate problem', async () => {
    const user = await newUser();
    const tb = testbed();
    const r = await probeImap({ ...imapOptions(user, { tls: 'implicit', port: tb.ports.imap }), history: false, now: new Date() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('tls');
    expect(r.error.message).toContain(`port ${tb.ports.imap} speaks plain text`);
    expect(r.error.message).toContain('--imap-tls starttls');
    expect(r.error.message).not.toMatch(/certificate/i);
  });
  it('POP3 on the testbed STLS port names --pop-tls', async () => {
    const user = await newUser();
    const tb = testbed();
    const r = await probePop3(pop3Options(user, { tls: 'implicit', port: tb.ports.pop3 }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('tls');
    expect(r.error.message).toContain(`port ${tb.ports.pop3} speaks plain text`);
    expect(r.error.message).toContain('--pop-tls starttls');
  });
});

describe('one deadline per step', () => {
  it('an IMAP port that accepts TCP and never greets ends within about one --timeout', async () => {
    const srv = await fakeServer({});
    try {
      const t0 = performance.now();
      const r = await probeImap({ host: '127.0.0.1', port: srv.port, tls: 'starttls', credentials: passwordCredentials('a', 'p'), timeoutMs: 1000, history: false, now: new Date() });
      const elapsed = performance.now() - t0;
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('timeout');
      expect(elapsed).toBeLessThan(1600);
    } finally {
      await srv.close();
    }
  });
});
