// Issue 9, items 10 and 11, played by scripted servers (what a real Dovecot will not do): numbers no honest
// server sends become anomalies and unknown values, never evidence; a step that stalls after INBOX keeps what
// was read; a silent port, another protocol's greeting and a BYE right after login are each named; a POP3 QUIT
// that is never answered does not hold the report; a password refused over a port that offers STARTTLS says so.
import { afterEach, describe, expect, it } from 'vitest';
import { analyze } from '../src/analyzer/index.js';
import { probeImap } from '../src/connectors/imap/index.js';
import { probePop3 } from '../src/connectors/pop3/probe.js';
import { buildReport } from '../src/report/build.js';
import { render } from '../src/report/render.js';
import type { Anomaly, ImapResult, Pop3Result, Snapshot } from '../src/snapshot/schema.js';
import { fakeImap } from './support/fake-imap.js';
import { startFakePop3, type FakePop3Script } from './support/fake-pop3.js';
import { fakeServer, type FakeServer } from './support/fake-server.js';
import { passwordCredentials } from '../src/connectors/credentials.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const base = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  tls: 'none' as const,
  allowPlaintext: true,
  credentials: passwordCredentials('alice', 'hunter2-secret'),
  timeoutMs: 1500,
  ...extra,
});

async function imapAgainst(script: Parameters<typeof fakeImap>[0], extra: Record<string, unknown> = {}) {
  const srv = await fakeImap(script);
  open.push(srv);
  const anomalies: Anomaly[] = [];
  const result = await probeImap({ ...base(srv.port, extra), history: false, now: new Date(), anomalies });
  return { result, anomalies, srv };
}

async function popAgainst(script: FakePop3Script, extra: Record<string, unknown> = {}) {
  const srv = await startFakePop3(script);
  open.push(srv);
  const anomalies: Anomaly[] = [];
  const result = await probePop3({ fullListing: 'asked', ...base(srv.port, extra), anomalies });
  return { result, anomalies, srv };
}

function snapshotOf(imap: ImapResult | null, pop: Pop3Result | null, anomalies: Anomaly[] = []): Snapshot {
  const ep = { host: '127.0.0.1', port: 1, tls: 'none' as const };
  return {
    schema: 'maildoctor/snapshot@1',
    tool: { name: 'maildoctor', version: 'test' },
    takenAt: new Date().toISOString(),
    account: { user: 'alice', imap: imap ? ep : null, pop: pop ? ep : null },
    imap,
    pop,
    ...(anomalies.length ? { anomalies } : {}),
  };
}

const POP_LOGIN = { CAPA: '+OK\r\nUSER\r\nUIDL\r\n.\r\n', USER: '+OK\r\n', PASS: '+OK\r\n' };

describe('IMAP numbers no honest server sends', () => {
  it.each([
    ['negative usage', 'STORAGE -5 1000', /negative/],
    ['usage beyond 2^53', 'STORAGE 99999999999999999999 1000', /beyond/],
    ['a limit of 0 with usage', 'STORAGE 10 0', /limit is 0/],
  ])('%s: the quota is unknown, its rules are skipped with the reason, nothing says "not full"', async (_name, quota, detail) => {
    const { result, anomalies } = await imapAgainst({ quota });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const q = result.evidence.quota;
    expect(q.roots).toEqual([]);
    expect(q.error).toMatchObject({ code: 'ANOMALY' });
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ protocol: 'imap', step: 'quota' });
    expect(anomalies[0]!.detail).toMatch(detail);

    const snap = snapshotOf(result, null, anomalies);
    const a = analyze(snap);
    const skip = (id: string) => a.skipped.find((s) => s.rule === id)?.reason ?? '';
    expect(skip('quota-near-limit')).toMatch(/^the quota could not be read/);
    expect(skip('quota-unknown')).toMatch(/^the quota could not be read/);
    expect(a.checked).not.toContain('quota-near-limit');
    const report = buildReport(snap, a);
    expect(report.anomalies).toHaveLength(1);
    expect(report.metrics.quotaStorageRatio).toBeNull();
    const text = render(report, 'text');
    expect(text).toContain('Evidence that could not be used:');
    expect(text).toContain('IMAP quota:');
    expect(text).toContain('(treated as unknown)');
    expect(render(report, 'markdown')).toContain('### Evidence that could not be used');
    expect(render(report, 'nagios')).toMatch(/\(1 piece of evidence unusable\)/);
    expect(render(report, 'junit')).toContain('<system-err>Evidence that could not be used:');
    expect((JSON.parse(render(report, 'json')) as { anomalies: Anomaly[] }).anomalies[0]!.step).toBe('quota');
  });

  it('an EXISTS of 10^20 fails the INBOX step as an anomaly instead of reporting a count', async () => {
    const { result, anomalies } = await imapAgainst({ exists: '100000000000000000000' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ step: 'examine INBOX', code: 'ANOMALY' });
    expect(anomalies[0]).toMatchObject({ protocol: 'imap', step: 'examine INBOX' });
    expect(anomalies[0]!.detail).toMatch(/EXISTS/);
    expect(anomalies[0]!.detail).toMatch(/unreadable/);
  });

  it('a stalled GETQUOTAROOT keeps the INBOX and folder evidence and names the quota as not read', async () => {
    const { result } = await imapAgainst({ on: (verb) => (verb === 'GETQUOTAROOT' ? '' : undefined) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.evidence.inbox.uidValidity).toBe('7');
    expect(result.evidence.quota.error).toMatchObject({ kind: 'timeout', step: 'quota' });
    const snap = snapshotOf(result, null);
    const report = buildReport(snap, analyze(snap));
    expect(report.gaps?.[0]).toMatch(/^IMAP quota not read: /);
    expect(report.skipped.find((s) => s.rule === 'quota-unknown')?.reason).toMatch(/quota could not be read/);
  });

  it('a folder EXAMINE that stalls keeps INBOX, and a rule that found nothing is "not checked", not passed', async () => {
    const { result } = await imapAgainst({
      on: (verb, tag, line) => {
        if (verb === 'LIST') return `* LIST () "/" INBOX\r\n* LIST (\\Junk) "/" Junk\r\n${tag} OK done\r\n`;
        if (verb === 'STATUS' && /Junk/.test(line)) return `* STATUS Junk (MESSAGES 5 UIDNEXT 6 UIDVALIDITY 9 UNSEEN 0)\r\n${tag} OK done\r\n`;
        if (verb === 'EXAMINE' && /Junk/.test(line)) return '';
        return undefined;
      },
    });
    expect(result.ok ? 'ok' : result.error).toBe('ok');
    if (!result.ok) return;
    // (imapflow names it Junk/Junk here, by the scripted server's missing NAMESPACE; the name is not the point.)
    const junk = result.evidence.folders.find((f) => f.specialUse === '\\Junk');
    expect(junk?.status?.messages).toBe(5);
    expect(junk?.activity).toBeNull();
    expect(result.evidence.stepErrors).toHaveLength(1);
    expect(result.evidence.stepErrors?.[0]?.kind).toBe('timeout');
    expect(result.evidence.stepErrors?.[0]?.step).toMatch(/^examine .*Junk$/);
    // The session ended in the folder step, so the quota was not asked: said, not guessed.
    expect(result.evidence.quota.error?.message).toMatch(/not read: the session ended during examine .*Junk$/);
    const snap = snapshotOf(result, null);
    const a = analyze(snap);
    expect(a.skipped.find((s) => s.rule === 'mail-hidden-from-pop')?.reason).toMatch(/^not every folder could be examined \(no answer .* during examine .*Junk\)/);
    expect(buildReport(snap, a).gaps?.[0]).toMatch(/^IMAP examine .*Junk failed and ended the session: /);
    expect(a.skipped.find((s) => s.rule === 'mail-hidden-from-pop')?.kind).toBe('incomplete-evidence');
    expect(a.checked).not.toContain('mail-hidden-from-pop');
  });
});

describe('IMAP sessions that are not what they seem', () => {
  it('a port that accepts and never speaks is named (NO-GREETING), within the deadline', async () => {
    const srv: FakeServer = await fakeServer({});
    open.push(srv);
    const t0 = performance.now();
    const r = await probeImap({ ...base(srv.port, { timeoutMs: 800 }), history: false, now: new Date() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('NO-GREETING');
    expect(r.error.message).toMatch(/^connected to 127\.0\.0\.1:\d+, but the server sent no greeting within 0\.8 s/);
    expect(performance.now() - t0).toBeLessThan(800 * 4);
  });

  it('a POP3 greeting on the IMAP port is named (OTHER-PROTOCOL), and no password is sent', async () => {
    const { result, srv } = await imapAgainst({ greeting: '+OK POP3 ready' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('OTHER-PROTOCOL');
    expect(result.error.message).toMatch(/POP3/);
    expect(srv.received.join('\n')).not.toContain('hunter2-secret');
  });

  it('a BYE right after login is a temporary refusal, not a crash or an empty mailbox', async () => {
    const { result } = await imapAgainst({
      on: (verb, tag, _line, s) => {
        if (verb !== 'LOGIN' && verb !== 'AUTHENTICATE') return undefined;
        s.write(`${tag} OK logged in\r\n* BYE too many connections\r\n`);
        s.end();
        return '';
      },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe('sys-temp');
    expect(result.error.message).toMatch(/closed the session in answer to the login: too many connections/);
  });

  it('plaintext refused on a port that offers STARTTLS: the finding says to use it, not that TLS is missing', async () => {
    const { result, srv } = await imapAgainst({ capabilities: ['IMAP4rev1', 'STARTTLS', 'AUTH=PLAIN'] }, { allowPlaintext: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'plaintext-refused', starttlsOffered: true });
    expect(srv.received.join('\n')).not.toContain('hunter2-secret');
    const snap = snapshotOf(result, null);
    const a = analyze(snap);
    const tls = buildReport(snap, a).findings.find((f) => f.id === 'tls-problem');
    expect(a.findings.find((f) => f.id === 'tls-problem')?.steps.map((s) => s.key)).toEqual(['use-offered-starttls']);
    const problems = (tls?.evidence as { problems: { problem: string }[] }).problems.map((p) => p.problem);
    expect(problems).toEqual(['tls-not-chosen']);
    expect(tls?.title).toMatch(/offers STARTTLS/);
    expect(tls?.steps.join(' ')).toContain('--imap-tls starttls');
    expect(a.status).toBe('unknown');
  });

  it('plaintext refused on a port without STARTTLS still says the server offers no TLS', async () => {
    const { result } = await imapAgainst({}, { allowPlaintext: false });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.starttlsOffered).toBeUndefined();
    const tls = analyze(snapshotOf(result, null)).findings.find((f) => f.id === 'tls-problem');
    expect((tls?.evidence as { problems: { problem: string }[] }).problems.map((p) => p.problem)).toEqual(['no-tls-offered']);
  });
});

describe('POP3 listings that contradict themselves', () => {
  it('a STAT count beyond 2^53 fails the probe as an anomaly', async () => {
    const { result, anomalies } = await popAgainst({ replies: { ...POP_LOGIN, STAT: '+OK 99999999999999999999 5\r\n' } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ step: 'stat', code: 'ANOMALY' });
    expect(anomalies).toEqual([expect.objectContaining({ protocol: 'pop3', step: 'stat', kind: 'out-of-range' })]);
  });

  it('UIDL and LIST counts against STAT, and a repeated unique-id, are recorded', async () => {
    const { result, anomalies } = await popAgainst({
      replies: {
        ...POP_LOGIN,
        STAT: '+OK 2 200\r\n',
        UIDL: '+OK\r\n1 aaa\r\n2 aaa\r\n3 ccc\r\n.\r\n',
        LIST: '+OK\r\n1 100\r\n2 100\r\n.\r\n',
      },
    });
    expect(result.ok).toBe(true);
    expect(anomalies.map((x) => `${x.step}:${x.kind}`).sort()).toEqual(['uidl:count-mismatch', 'uidl:duplicate']);
    expect(anomalies.find((x) => x.kind === 'duplicate')?.detail).toMatch(/1 UIDL line repeats a unique-id already given \(first: aaa\)/);
  });

  it('a LIST far longer than STAT stops being read and fails as LISTING-OVERRUN', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${i + 1} 100\r\n`).join('');
    const { result } = await popAgainst({ replies: { ...POP_LOGIN, STAT: '+OK 1 100\r\n', UIDL: '+OK\r\n1 a\r\n.\r\n', LIST: `+OK\r\n${lines}.\r\n` } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: 'protocol', code: 'LISTING-OVERRUN' });
  });

  it('a QUIT that is never answered does not hold the probe until its deadline', async () => {
    const { result, srv } = await popAgainst(
      { replies: { ...POP_LOGIN, STAT: '+OK 0 0\r\n', UIDL: '+OK\r\n.\r\n', LIST: '+OK\r\n.\r\n', QUIT: { send: '' } } },
      { timeoutMs: 4000 },
    );
    expect(result.ok).toBe(true);
    // Every step answered at once; only QUIT is silent. Waiting for it would take the whole 4 s deadline.
    expect(result.durationMs).toBeLessThan(2000);
    await srv.idle();
    expect(srv.received.map((c) => c.verb)).toContain('QUIT');
  });

  it('a port that never speaks, and an IMAP greeting on the POP3 port, are each named', async () => {
    const silent = await fakeServer({});
    const imap = await fakeServer({ onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1] ready\r\n') });
    open.push(silent, imap);
    const a = await probePop3(base(silent.port, { timeoutMs: 800 }));
    const b = await probePop3(base(imap.port));
    expect(!a.ok && a.error.code).toBe('NO-GREETING');
    expect(!b.ok && b.error.code).toBe('OTHER-PROTOCOL');
    expect(!b.ok && b.error.message).toMatch(/IMAP/);
  });
});
