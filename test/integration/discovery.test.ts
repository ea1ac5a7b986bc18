// Discovery against real parts on 127.0.0.1: dnsmasq answering for test domains, an HTTPS server (certificate
// signed by the testbed CA) serving autoconfig and Autodiscover, and the testbed Dovecot as the mail server.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover, type DiscoverOptions } from '../../src/discovery/index.js';
import type { Discovery, SourceResult } from '../../src/snapshot/discovery.js';
import { clientConfig, closedPort, startDnsmasq, startWebServer, testbedSignedCertificate, xml, type Dnsmasq, type WebServer } from '../support/discovery-lab.js';
import { newUser, testbed, type TestUser } from '../support/testbed.js';
import { runCli } from '../support/cli.js';

const L = '127.0.0.1';
let dns: Dnsmasq;
let web: WebServer;
let dead: number;
const stalled: (() => void)[] = [];

function source(d: Discovery, id: SourceResult['source']): SourceResult {
  return d.sources.find((s) => s.source === id)!;
}

function options(over: Partial<DiscoverOptions> = {}): DiscoverOptions {
  const tb = testbed();
  return {
    dnsServer: dns.server,
    ca: tb.caPem,
    timeoutMs: 3000,
    ports: { https: web.port, guess: { imap: { implicit: tb.ports.imaps, starttls: tb.ports.imap }, pop3: { implicit: tb.ports.pop3s, starttls: tb.ports.pop3 } } },
    ...over,
  };
}

beforeAll(async () => {
  const tb = testbed();
  dead = await closedPort();
  const names = ['ac', 'agree', 'disagree', 'popdel', 'stall', 'bad', 'mx', 'srv', 'tlsbad'].map((d) => `autoconfig.${d}.test`);
  web = await startWebServer(testbedSignedCertificate(tb, [...names, 'autoconfig.provider.test', 'loop.test', 'autodiscover.loop.test']));
  dns = await startDnsmasq({
    a: Object.fromEntries([...names, 'autoconfig.provider.test', 'loop.test', 'autodiscover.loop.test', 'imap.guess.test', 'pop3.guess.test', 'mail.disagree.test', 'mail.tlsbad.test', 'localhost'].map((n) => [n, L])),
    srv: [
      ['_imaps._tcp.srv.test', 'localhost', tb.ports.imaps, 0, 10],
      ['_pop3s._tcp.srv.test', 'localhost', tb.ports.pop3s, 0, 10],
      ['_imap._tcp.srv.test', '.', 0],
      ['_imaps._tcp.agree.test', 'localhost', tb.ports.imaps],
      ['_imaps._tcp.disagree.test', 'mail.disagree.test', dead],
      ['_imaps._tcp.stall.test', 'localhost', tb.ports.imaps],
    ],
    mx: [['mx.test', 'mx1.provider.test', 10]],
  });
  const imaps = { type: 'imap' as const, host: 'localhost', port: tb.ports.imaps, socket: 'SSL' as const, username: '%EMAILLOCALPART%' };
  const pop3s = { type: 'pop3' as const, host: 'localhost', port: tb.ports.pop3s, socket: 'SSL' as const, username: '%EMAILLOCALPART%' };
  const at = (d: string) => `autoconfig.${d} /mail/config-v1.1.xml`;
  web.routes.set(at('ac.test'), xml(clientConfig('ac.test', [imaps, { ...pop3s, pop3: '<leaveMessagesOnServer>true</leaveMessagesOnServer>' }])));
  web.routes.set(at('agree.test'), xml(clientConfig('agree.test', [imaps])));
  web.routes.set(at('disagree.test'), xml(clientConfig('disagree.test', [imaps])));
  web.routes.set(at('popdel.test'), xml(clientConfig('popdel.test', [{ ...pop3s, pop3: '<leaveMessagesOnServer>false</leaveMessagesOnServer>' }, imaps])));
  // Published under a name the testbed's certificate does not cover, and POP3 without TLS.
  web.routes.set(at('tlsbad.test'), xml(clientConfig('tlsbad.test', [{ ...imaps, host: 'mail.tlsbad.test' }, { ...pop3s, port: tb.ports.pop3, socket: 'plain' }])));
  web.routes.set(at('provider.test'), xml(clientConfig('provider.test', [{ ...imaps, username: '%EMAILADDRESS%' }])));
  web.routes.set(at('bad.test'), xml('<clientConfig version="1.1"><emailProvider id="bad.test"><incomingServer type="imap"><hostname>x</hostname></emailProvider></clientConfig>'));
  // Holds the request until the test ends: the source's deadline must cut it off.
  web.routes.set(at('stall.test'), (_req, res) => stalled.push(() => res.destroy()));
  // Autodiscover on loop.test sends the client to autodiscover.loop.test, which sends it back.
  const pox = (to: string) => xml(`<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType><Action>redirectUrl</Action><RedirectUrl>${to}</RedirectUrl></Account></Response></Autodiscover>`);
  web.routes.set('loop.test /autodiscover/autodiscover.xml', pox('https://autodiscover.loop.test/autodiscover/autodiscover.xml'));
  web.routes.set('autodiscover.loop.test /autodiscover/autodiscover.xml', (_req, res) => {
    res.writeHead(302, { location: 'https://loop.test/autodiscover/autodiscover.xml' }).end();
  });
}, 60_000);

afterAll(async () => {
  for (const f of stalled) f();
  await web?.stop();
  await dns?.stop();
});

describe('discovery from an address', () => {
  it('autoconfig only: autoconfig wins for both protocols, the template fills the login, the others say nothing', async () => {
    const tb = testbed();
    const d = await discover('alice@ac.test', options());
    expect(source(d, 'autoconfig')).toMatchObject({ status: 'ok', reason: null });
    expect(source(d, 'autoconfig').asked).toEqual(['https://autoconfig.ac.test/mail/config-v1.1.xml?emailaddress=alice%40ac.test', 'https://ac.test/.well-known/autoconfig/mail/config-v1.1.xml']);
    expect(source(d, 'autoconfig').servers.map((s) => [s.protocol, s.host, s.port, s.tls, s.username])).toEqual([
      ['imap', 'localhost', tb.ports.imaps, 'implicit', '%EMAILLOCALPART%'],
      ['pop3', 'localhost', tb.ports.pop3s, 'implicit', '%EMAILLOCALPART%'],
    ]);
    expect(source(d, 'autoconfig').servers[1]!.leaveMessagesOnServer).toBe(true);
    for (const id of ['srv', 'mx-autoconfig', 'autodiscover', 'guess'] as const) expect(source(d, id).status, id).toBe('nothing');
    expect(source(d, 'srv').reason).toBe('no IMAP or POP3 SRV records for ac.test');
    expect(d.chosen.imap).toMatchObject({ source: 'autoconfig', host: 'localhost', port: tb.ports.imaps, user: 'alice' });
    expect(d.chosen.pop3).toMatchObject({ source: 'autoconfig', port: tb.ports.pop3s, user: 'alice' });
    // The published endpoints were looked at: Dovecot greets, and the certificate matches "localhost".
    const imap = d.checks.find((c) => c.protocol === 'imap')!;
    expect(imap).toMatchObject({ answered: true, tlsVerified: true, tlsError: null, error: null });
    expect(imap.greeting).toMatch(/^\* OK/);
    expect(imap.capabilities).toContain('IMAP4rev1');
    expect(d.dnsServer).toBe(dns.server);
  });

  it('SRV only: priority order, "." read as not offered, a target outside the domain noted, no login template', async () => {
    const tb = testbed();
    const d = await discover('bob@srv.test', options());
    const srv = source(d, 'srv');
    expect(srv.status).toBe('ok');
    expect(srv.servers.map((s) => [s.protocol, s.host, s.port, s.tls, s.outsideDomain])).toEqual([
      ['imap', 'localhost', tb.ports.imaps, 'implicit', true],
      ['pop3', 'localhost', tb.ports.pop3s, 'implicit', true],
    ]);
    expect(srv.notes).toContain('SRV _imap._tcp.srv.test: target "." (the domain says: not offered)');
    expect(srv.notes.some((n) => n.includes('points outside srv.test, to localhost'))).toBe(true);
    expect(source(d, 'autoconfig').status).toBe('nothing');
    expect(d.chosen.imap).toMatchObject({ source: 'srv', user: 'bob@srv.test' });
  });

  it('autoconfig and SRV agreeing: one endpoint, autoconfig named as the winner', async () => {
    const d = await discover('carol@agree.test', options());
    expect(source(d, 'autoconfig').status).toBe('ok');
    expect(source(d, 'srv').status).toBe('ok');
    expect(d.chosen.imap!.source).toBe('autoconfig');
    expect(d.checks.filter((c) => c.protocol === 'imap')).toHaveLength(1);
  });

  it('autoconfig and SRV disagreeing: autoconfig wins, the SRV port is looked at and does not answer', async () => {
    const tb = testbed();
    const d = await discover('dave@disagree.test', options());
    expect(source(d, 'srv').servers[0]).toMatchObject({ host: 'mail.disagree.test', port: dead });
    expect(d.chosen.imap).toMatchObject({ source: 'autoconfig', host: 'localhost', port: tb.ports.imaps });
    expect(d.checks.find((c) => c.port === dead)).toMatchObject({ answered: false, error: 'connection refused' });
  });

  it('autoconfig with POP3 first and leaveMessagesOnServer false: read as published', async () => {
    const d = await discover('erin@popdel.test', options());
    const servers = source(d, 'autoconfig').servers;
    expect(servers[0]).toMatchObject({ protocol: 'pop3', leaveMessagesOnServer: false, daysToLeaveMessagesOnServer: null });
    expect(d.chosen.imap!.source).toBe('autoconfig');
  });

  it('only guessing works: the usual names on the usual ports (here the testbed ports), certificate judged against the name', async () => {
    const tb = testbed();
    const d = await discover('frank@guess.test', options());
    for (const id of ['autoconfig', 'srv', 'mx-autoconfig', 'autodiscover'] as const) expect(source(d, id).status, id).toBe('nothing');
    const g = source(d, 'guess');
    expect(g.status).toBe('ok');
    expect(g.servers.map((s) => [s.protocol, s.host, s.port, s.tls])).toEqual([
      ['imap', 'imap.guess.test', tb.ports.imaps, 'implicit'],
      ['pop3', 'pop3.guess.test', tb.ports.pop3s, 'implicit'],
    ]);
    expect(g.asked).toContain(`IMAP imap.guess.test:${tb.ports.imap}`);
    expect(g.notes[0]).toMatch(/^not resolving: mail\.guess\.test, guess\.test, pop\.guess\.test/);
    const imaps = d.checks.find((c) => c.host === 'imap.guess.test' && c.tls === 'implicit')!;
    // The testbed's certificate names localhost and 127.0.0.1, not imap.guess.test.
    expect(imaps).toMatchObject({ answered: true, tlsVerified: false, tlsError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const starttls = d.checks.find((c) => c.host === 'imap.guess.test' && c.tls === 'starttls')!;
    expect(starttls.capabilities).toContain('STARTTLS');
    expect(starttls).toMatchObject({ answered: true, tlsVerified: false });
    expect(d.chosen.imap).toMatchObject({ source: 'guess', host: 'imap.guess.test' });
  });

  it('a source that stalls ends at its deadline, and the others still answer', async () => {
    const d = await discover('gina@stall.test', options({ deadlinesMs: { autoconfig: 1500 } }));
    const ac = source(d, 'autoconfig');
    expect(ac.status).toBe('timed-out');
    expect(ac.reason).toBe('no answer within its deadline of 1.5 s');
    expect(ac.asked[0]).toMatch(/^https:\/\/autoconfig\.stall\.test\//);
    expect(ac.durationMs).toBeGreaterThanOrEqual(1400);
    expect(source(d, 'srv').status).toBe('ok');
    expect(d.chosen.imap!.source).toBe('srv');
  });

  it('a malformed document fails its source with the reason', async () => {
    const d = await discover('hank@bad.test', options());
    const ac = source(d, 'autoconfig');
    expect(ac.status).toBe('failed');
    expect(ac.reason).toMatch(/^https:\/\/autoconfig\.bad\.test\/mail\/config-v1\.1\.xml\?emailaddress=hank%40bad\.test: malformed XML at character \d+: <\/emailProvider> does not close <incomingServer>/);
    expect(d.chosen.imap).toBeNull();
  });

  it('an Autodiscover redirect loop is named, never followed round', async () => {
    const d = await discover('ivy@loop.test', options());
    const ad = source(d, 'autodiscover');
    expect(ad.status).toBe('failed');
    expect(ad.reason).toBe('a redirect loop: https://loop.test/autodiscover/autodiscover.xml → https://autodiscover.loop.test/autodiscover/autodiscover.xml → https://loop.test/autodiscover/autodiscover.xml');
    expect(web.seen.filter((r) => r.startsWith('POST') && r.includes('loop.test')).length).toBe(2);
  });

  it("the MX host's provider: its autoconfig, marked outside the domain", async () => {
    const d = await discover('jo@mx.test', options());
    const mx = source(d, 'mx-autoconfig');
    expect(mx.status).toBe('ok');
    expect(mx.asked).toEqual(['MX mx.test', 'https://autoconfig.provider.test/mail/config-v1.1.xml?emailaddress=jo%40mx.test']);
    expect(mx.servers[0]).toMatchObject({ host: 'localhost', outsideDomain: true });
    expect(d.chosen.imap).toMatchObject({ source: 'mx-autoconfig', user: 'jo@mx.test' });
  });

  it('without --ca the autoconfig certificate is refused; with --insecure it is read and noted', async () => {
    const refused = await discover('alice@ac.test', options({ ca: undefined }));
    expect(source(refused, 'autoconfig').status).toBe('failed');
    expect(source(refused, 'autoconfig').reason).toMatch(/the certificate was not accepted/);
    const insecure = await discover('alice@ac.test', options({ ca: undefined, insecure: true }));
    expect(source(insecure, 'autoconfig').status).toBe('ok');
    expect(source(insecure, 'autoconfig').notes[0]).toMatch(/the certificate did not verify .*--insecure/);
  });
});

describe('maildoctor discover ADDRESS', () => {
  const env = () => {
    const tb = testbed();
    return { MAILDOCTOR_DISCOVERY_PORTS: `https=${web.port},imaps=${tb.ports.imaps},imap=${tb.ports.imap},pop3s=${tb.ports.pop3s},pop3=${tb.ports.pop3}` };
  };
  const discoverCli = (address: string, extra: string[] = []) => runCli(['discover', address, '--ca', testbed().caFile, '--timeout', '3', ...extra], { env: { ...env(), MAILDOCTOR_DNS_SERVER: dns.server } });

  it('text: every source, what it said, which setting wins, the endpoints; exit 0', async () => {
    const tb = testbed();
    const r = await discoverCli('alice@ac.test');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Discovery for alice@ac.test (domain ac.test; DNS ${dns.server})`);
    expect(r.stdout).toMatch(/ {2}1\. autoconfig +ok /);
    expect(r.stdout).toMatch(/ {2}2\. SRV records +nothing .*no IMAP or POP3 SRV records for ac\.test/);
    expect(r.stdout).toContain(`said   IMAP localhost:${tb.ports.imaps} (TLS), user %EMAILLOCALPART%`);
    expect(r.stdout).toContain(`  IMAP  localhost:${tb.ports.imaps} (TLS) from autoconfig, login alice`);
    expect(r.stdout).toMatch(new RegExp(`✔ IMAP localhost:${tb.ports.imaps} \\(TLS\\): answered \\(\\* OK .*\\), certificate verified`));
    expect(r.stdout).toContain('✔ No problems found in what the domain publishes.');
  });

  it('json: maildoctor/discovery@1 with the findings; POP3 first and no copy left is critical (exit 2)', async () => {
    const r = await discoverCli('erin@popdel.test', ['--format', 'json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout) as { schema: string; status: string; sources: { source: string; status: string }[]; chosen: { imap: { source: string } }; findings: { id: string; severity: string; steps: string[] }[] };
    expect(j.schema).toBe('maildoctor/discovery@1');
    expect(j.status).toBe('critical');
    expect(j.sources.map((s) => s.source)).toEqual(['autoconfig', 'srv', 'mx-autoconfig', 'autodiscover', 'guess']);
    expect(j.findings.map((f) => [f.id, f.severity])).toEqual([['published-settings-delete-mail', 'critical']]);
    expect(j.findings[0]!.steps[0]).toMatch(/list the IMAP server before the POP3 one/);
  });

  it('only guessing: nothing-published is a warning (exit 1)', async () => {
    const r = await discoverCli('frank@guess.test', ['--format', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { findings: { id: string }[] };
    expect(j.findings.map((f) => f.id)).toEqual(['nothing-published']);
  });

  it('disagreeing sources: the finding names both, and the port that does not answer', async () => {
    const r = await discoverCli('dave@disagree.test');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`⚠ WARNING  The published settings disagree: autoconfig says IMAP localhost:${testbed().ports.imaps}, SRV records says mail.disagree.test:${dead}`);
    expect(r.stdout).toContain(`Not answering: IMAP mail.disagree.test:${dead} (TLS) from SRV records: connection refused`);
  });

  it('a published name the certificate does not cover, and POP3 without TLS: published-without-tls is critical', async () => {
    const tb = testbed();
    const r = await discoverCli('kim@tlsbad.test', ['--format', 'json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout) as { findings: { id: string; severity: string; evidence: { problems: { host: string; port: number; problem: string; tlsError: string | null }[] } }[] };
    expect(j.findings.map((f) => [f.id, f.severity])).toEqual([['published-without-tls', 'critical']]);
    expect(j.findings[0]!.evidence.problems.map((p) => [p.host, p.port, p.problem, p.tlsError])).toEqual([
      ['mail.tlsbad.test', tb.ports.imaps, 'certificate-not-verified', 'ERR_TLS_CERT_ALTNAME_INVALID'],
      ['localhost', tb.ports.pop3, 'no-tls', null],
    ]);
  });

  it('nothing usable (a malformed autoconfig, nothing else): exit 3, the reason shown', async () => {
    const r = await discoverCli('hank@bad.test');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/1\. autoconfig +failed .*malformed XML/);
    expect(r.stdout).toContain('✖ Nothing usable was found: no source names an IMAP or POP3 server.');
  });

  it('a --dns-server that is not HOST[:PORT] is a usage error', async () => {
    const r = await runCli(['discover', 'a@b.test', '--dns-server', 'a:b:c']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^maildoctor: --dns-server must be HOST or HOST:PORT/);
  });
});

describe('check ADDRESS / probe ADDRESS without --host', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser();
  });
  const run = (args: string[], o: { history?: boolean } = {}) => {
    const tb = testbed();
    return runCli([...args, '--ca', tb.caFile, '--timeout', '5', ...(args[0] === 'check' && !o.history ? ['--no-history'] : []), '-q'], {
      env: {
        MAILDOCTOR_PASSWORD: user.password,
        MAILDOCTOR_DNS_SERVER: dns.server,
        MAILDOCTOR_DISCOVERY_PORTS: `https=${web.port},imaps=${tb.ports.imaps},imap=${tb.ports.imap},pop3s=${tb.ports.pop3s},pop3=${tb.ports.pop3}`,
      },
    });
  };
  type Json = { account: { user: string; imap: { host: string; port: number } | null; pop: { port: number } | null }; foundBy?: { address: string; imap: string | null; pop: string | null }; probes: { imap: { state: string }; pop: { state: string } }; findings: { id: string; evidence: { failures?: { message: string }[] } }[]; checked: string[] };

  it("autoconfig's %EMAILLOCALPART% gives the login; both servers from autoconfig, and the report names the source", async () => {
    const tb = testbed();
    const r = await run(['check', `${user.user}@ac.test`, '--format', 'json']);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.account.user).toBe(user.user);
    expect(j.account.imap).toEqual({ host: 'localhost', port: tb.ports.imaps, tls: 'implicit' });
    expect(j.account.pop).toEqual({ host: 'localhost', port: tb.ports.pop3s, tls: 'implicit' });
    expect(j.foundBy).toEqual({ address: `${user.user}@ac.test`, imap: 'autoconfig', pop: 'autoconfig' });
    expect(j.probes.imap.state).toBe('ok');
    expect(j.probes.pop.state).toBe('ok');
    expect(j.checked).toContain('published-settings-delete-mail');
    expect(j.findings.filter((f) => ['published-settings-delete-mail', 'discovery-sources-disagree', 'nothing-published', 'published-without-tls'].includes(f.id))).toEqual([]);
    const text = await run(['check', `${user.user}@ac.test`]);
    expect(text.stdout).toContain(`${user.user} on localhost (IMAP ${tb.ports.imaps} TLS from autoconfig, Dovecot; POP3 ${tb.ports.pop3s} TLS from autoconfig, Dovecot)`);
  }, 60_000);

  it('SRV names no login: the address is the user, and --user overrides it', async () => {
    // The testbed's Dovecot takes the local part of a full address, so both log in.
    const asAddress = JSON.parse((await run(['check', `${user.user}@srv.test`, '--format', 'json'])).stdout) as Json;
    expect(asAddress.account.user).toBe(`${user.user}@srv.test`);
    expect(asAddress.foundBy).toMatchObject({ imap: 'srv', pop: 'srv' });
    expect(asAddress.probes.imap.state).toBe('ok');
    const r = await run(['check', `${user.user}@srv.test`, '--user', user.user, '--format', 'json']);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.account.user).toBe(user.user);
    expect(j.probes.imap.state).toBe('ok');
    expect(j.probes.pop.state).toBe('ok');
  }, 60_000);

  it('disagreeing sources: the check logs in where autoconfig says, and reports the disagreement', async () => {
    const tb = testbed();
    // With history: the snapshot with its discovery part is stored like any other.
    const r = await run(['check', `${user.user}@disagree.test`, '--only', 'imap', '--format', 'json'], { history: true });
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as Json;
    expect(j.account.imap).toMatchObject({ host: 'localhost', port: tb.ports.imaps });
    expect(j.probes.imap.state).toBe('ok');
    expect(j.findings.map((f) => f.id)).toContain('discovery-sources-disagree');
    expect(r.code).toBe(1);
  }, 60_000);

  it('probe ADDRESS --out: the snapshot records the discovery, and analyze reads it again', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'md-disc-')), 'snap.json');
    const r = await run(['probe', `${user.user}@popdel.test`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const snap = JSON.parse(readFileSync(out, 'utf8')) as { discovery: Discovery };
    expect(snap.discovery.chosen.pop3).toMatchObject({ source: 'autoconfig', user: user.user, leaveMessagesOnServer: false });
    expect(snap.discovery.sources.map((s) => s.status)).toEqual(['ok', 'nothing', 'nothing', 'nothing', 'nothing']);
    const a = await runCli(['analyze', out, '--no-history', '--format', 'json']);
    const j = JSON.parse(a.stdout) as Json;
    expect(j.findings.map((f) => f.id)).toContain('published-settings-delete-mail');
    expect(a.code).toBe(2);
  }, 60_000);

  it('only guessing works: the guessed names, known only to --dns-server, resolve through it for the login too', async () => {
    const tb = testbed();
    // --insecure: the testbed's certificate names localhost, not imap.guess.test (the report says so).
    const r = await run(['check', `${user.user}@guess.test`, '--insecure', '--format', 'json']);
    const j = JSON.parse(r.stdout) as Json;
    expect(j.account.imap).toEqual({ host: 'imap.guess.test', port: tb.ports.imaps, tls: 'implicit' });
    expect(j.foundBy).toMatchObject({ imap: 'guess', pop: 'guess' });
    expect(j.probes.imap.state).toBe('ok');
    expect(j.probes.pop.state).toBe('ok');
  }, 60_000);

  it('check --host NAME --dns-server: the given host resolves through that server (STARTTLS and POP3 too)', async () => {
    const tb = testbed();
    const args = ['check', '--host', 'imap.guess.test', '--user', user.user, '--dns-server', dns.server, '--insecure', '--format', 'json'];
    const ports = ['--imap-port', String(tb.ports.imap), '--imap-tls', 'starttls', '--pop-host', 'pop3.guess.test', '--pop-port', String(tb.ports.pop3s)];
    const j = JSON.parse((await run([...args, ...ports])).stdout) as Json;
    expect(j.account.imap).toEqual({ host: 'imap.guess.test', port: tb.ports.imap, tls: 'starttls' });
    expect(j.probes.imap.state).toBe('ok');
    expect(j.probes.pop.state).toBe('ok');
  }, 60_000);

  it('watch ADDRESS without --host: discovered once like check, every probe logs in there, the report names the source', async () => {
    const tb = testbed();
    const r = await run(['watch', `${user.user}@ac.test`, '--every', '5s', '--for', '5s', '--format', 'json']);
    const j = JSON.parse(r.stdout) as Json & { watch: { probes: number } };
    expect(j.account).toMatchObject({ user: user.user, imap: { host: 'localhost', port: tb.ports.imaps }, pop: { port: tb.ports.pop3s } });
    expect(j.foundBy).toEqual({ address: `${user.user}@ac.test`, imap: 'autoconfig', pop: 'autoconfig' });
    expect(j.probes.imap.state).toBe('ok');
    expect(j.probes.pop.state).toBe('ok');
    expect(j.watch.probes).toBeGreaterThanOrEqual(1);
    expect(j.checked).toContain('published-settings-delete-mail');
  }, 60_000);

  it('scan rows without host columns: one discovery per domain, each row logs in where its domain says, a domain with nothing found is its own UNKNOWN', async () => {
    const tb = testbed();
    const other = await newUser();
    const dir = mkdtempSync(join(tmpdir(), 'md-scan-disc-'));
    const accounts = join(dir, 'accounts.csv');
    writeFileSync(accounts, `user,password_env\n${user.user}@ac.test,PW1\n${other.user}@ac.test,PW2\n${user.user}@srv.test,PW1\n${user.user}@bad.test,PW1\n`);
    const asked = () => web.seen.filter((r) => r.includes('autoconfig.ac.test')).length;
    const before = asked();
    const r = await runCli(['scan', accounts, '--ca', tb.caFile, '--timeout', '5', '--concurrency', '4', '-q'], {
      env: { PW1: user.password, PW2: other.password, MAILDOCTOR_DNS_SERVER: dns.server, MAILDOCTOR_DISCOVERY_PORTS: `https=${web.port},imaps=${tb.ports.imaps},imap=${tb.ports.imap},pop3s=${tb.ports.pop3s},pop3=${tb.ports.pop3}` },
      timeoutMs: 90_000,
    });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Json & { status: string; scan: { key: string; error?: string } });
    const byKey = new Map(lines.map((l) => [l.scan.key, l]));
    expect(lines).toHaveLength(4);
    for (const u of [user, other]) {
      const l = byKey.get(`${u.user}@ac.test`)!;
      expect(l.account).toMatchObject({ user: u.user, imap: { host: 'localhost', port: tb.ports.imaps }, pop: { port: tb.ports.pop3s } });
      expect(l.foundBy).toEqual({ address: `${u.user}@ac.test`, imap: 'autoconfig', pop: 'autoconfig' });
      expect(l.probes.imap.state).toBe('ok');
      expect(l.probes.pop.state).toBe('ok');
      expect(l.scan.error).toBeUndefined();
    }
    // Both ac.test rows came from one discovery: autoconfig.ac.test was asked once, not once per row.
    expect(asked() - before).toBe(1);
    const srv = byKey.get(`${user.user}@srv.test`)!;
    expect(srv.account.user).toBe(`${user.user}@srv.test`);
    expect(srv.foundBy).toMatchObject({ imap: 'srv', pop: 'srv' });
    expect(srv.probes.imap.state).toBe('ok');
    const bad = byKey.get(`${user.user}@bad.test`)!;
    expect(bad.status).toBe('unknown');
    expect(bad.scan.error).toMatch(/^no IMAP or POP3 server found for .*@bad\.test \(autoconfig failed, .*\): give the row a host column/);
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain(user.password);
    expect(r.stdout).not.toContain(other.password);
  }, 120_000);

  it('nothing found for the address: one line, exit 3, nothing probed', async () => {
    const r = await run(['check', `${user.user}@bad.test`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^maildoctor: no IMAP or POP3 server found for .*@bad\.test \(autoconfig failed, srv nothing, mx-autoconfig nothing, autodiscover nothing, guess nothing\): give --host/);
  }, 60_000);
});
