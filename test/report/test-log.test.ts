// The test log in the report (check --include-log) and a login-only check (check --just-login) in the analyzer
// and the renderers, from snapshot fixtures: where each format puts the log (and which leave it out), escaping of
// server text in it, and a login-only snapshot that never reads as a healthy mailbox.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import { render } from '../../src/report/render.js';
import { ReportSchema } from '../../src/report/schema.js';
import { testLogLine } from '../../src/report/test-log.js';
import type { ImapEvidence, Pop3Evidence, ProbeError, Snapshot } from '../../src/snapshot/schema.js';
import type { TestLogEntry } from '../../src/snapshot/trace.js';
import { scenario } from '../support/snapshot-builder.js';
import { assertWellFormedXml } from './xml-check.js';

const LOG: TestLogEntry[] = [
  { atMs: 3, protocol: 'dns', step: 'resolve', outcome: 'ok', ms: 2, detail: 'mail.example.com: 192.0.2.7' },
  { atMs: 9, protocol: 'imap', step: 'connect', outcome: 'ok', ms: 5, detail: '192.0.2.7:993' },
  { atMs: 12, protocol: 'imap', step: 'greeting', outcome: 'info', ms: 2, detail: '* OK <b>"hi"</b> & ```fenced``` ready' },
  { atMs: 30, protocol: 'imap', step: 'EXAMINE INBOX', outcome: 'ok', ms: 12, detail: null },
  { atMs: 31, protocol: 'pop3', step: 'capabilities', outcome: 'info', ms: null, detail: 'USER UIDL' },
  { atMs: 44, protocol: 'pop3', step: 'login', outcome: 'failed', ms: 9, detail: '-ERR [AUTH] no' },
];

function report(snapshot: Snapshot, testLog?: TestLogEntry[]) {
  return buildReport(snapshot, analyze(snapshot), { ...(testLog ? { testLog } : {}) });
}

/** The snapshot of a login-only check of the same servers: what the logins showed, no mailbox. */
function loginOnly(from: Snapshot, popError?: ProbeError): Snapshot {
  const i = (from.imap as { evidence: ImapEvidence }).evidence;
  const p = (from.pop as { evidence: Pop3Evidence }).evidence;
  return {
    ...from,
    imap: null,
    pop: null,
    login: {
      imap: { ok: true, durationMs: 40, evidence: { greeting: i.greeting, capabilitiesPreLogin: i.capabilitiesPreLogin, capabilities: i.capabilities, serverId: i.serverId, transport: i.transport, tls: i.tls, loginMethod: i.loginMethod } },
      pop: popError
        ? { ok: false, durationMs: 20, error: popError }
        : { ok: true, durationMs: 20, evidence: { greeting: p.greeting, capaPreLogin: p.capaPreLogin, implementation: p.implementation, transport: p.transport, tls: p.tls, loginMethod: p.loginMethod } },
    },
  };
}

describe('the test log in the report (--include-log)', () => {
  const snap = scenario('mixed');
  const withLog = report(snap, LOG);
  const without = report(snap);

  it('is data in JSON, valid against the zod schema and schema/report.schema.json', () => {
    const json = JSON.parse(render(withLog, 'json')) as Record<string, unknown>;
    expect(ReportSchema.parse(json).testLog).toEqual(LOG);
    const file = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(file);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(JSON.parse(render(without, 'json'))).not.toHaveProperty('testLog');
  });

  it('is the last section of text and markdown, one line per step', () => {
    const text = render(withLog, 'text');
    expect(text.startsWith(render(without, 'text').trimEnd())).toBe(true);
    expect(text.endsWith(`\n\nTest log:\n${LOG.map(testLogLine).join('\n')}\n`)).toBe(true);
    expect(testLogLine(LOG[3]!)).toBe('    30 ms  IMAP  EXAMINE INBOX       ok         12 ms');
    expect(testLogLine(LOG[4]!)).toBe('    31 ms  POP3  capabilities        info              USER UIDL');

    const md = render(withLog, 'markdown');
    // The server's ``` cannot close the block: the fence is longer than any run of backticks inside.
    expect(md).toMatch(/\n### Test log\n\n````text\n[\s\S]*```fenced```[\s\S]*\n````\n$/);
  });

  it('is a table in HTML with the server text escaped', () => {
    const html = render(withLog, 'html');
    expect(html).toContain('<h2 id="test-log">Test log</h2>');
    expect(html).toContain('<td>* OK &lt;b&gt;&quot;hi&quot;&lt;/b&gt; &amp; ```fenced``` ready</td>');
    expect(html).not.toContain('<b>"hi"</b>');
    expect(html.indexOf('id="test-log"')).toBeGreaterThan(html.indexOf('id="servers"'));
  });

  it('goes to the suite system-out in JUnit; nagios and openmetrics leave it out', () => {
    const xml = render(withLog, 'junit');
    assertWellFormedXml(xml);
    expect(xml).toMatch(/<\/testcase>\n {4}<system-out>Test log:\n[^<]*&lt;b&gt;[^<]*EXAMINE INBOX[^<]*<\/system-out>/);
    expect(render(without, 'junit')).not.toContain('Test log');
    for (const f of ['nagios', 'openmetrics'] as const) expect(render(withLog, f)).toBe(render(without, f));
  });
});

describe('a login-only check (--just-login)', () => {
  it('runs the login rules only; every mailbox rule is skipped as login-only, none passes', () => {
    const snap = loginOnly(scenario('mixed'));
    const a = analyze(snap);
    expect([...a.checked].sort()).toEqual(['connect-failed', 'login-failed', 'tls-problem']);
    const kinds = new Map<string, string>(a.skipped.map((s) => [s.rule, s.kind]));
    for (const id of ['mixed-protocol-use', 'pop-deletes-mail', 'mail-hidden-from-pop', 'quota-near-limit', 'quota-unknown', 'pop-imap-disagree', 'pop-mailbox-locked', 'mail-vanished']) {
      expect(kinds.get(id), id).toBe('login-only');
    }
    expect(kinds.get('quota-rejected-mail')).toBe('waits-for-log');
    expect(a.status).toBe('ok');
    // The mixed scenario's mailbox findings are not made up from a login.
    expect(a.findings).toEqual([]);
  });

  it('says so first in every format, and the probes still name the servers and their software', () => {
    const r = report(loginOnly(scenario('mixed')));
    expect(r.verdict).toMatch(/^Only the logins were checked \(the mailbox was not read; \d+ checks not run\): the IMAP and POP3 logins work\.$/);
    expect(r.coverage).toMatchObject({ loginOnly: true, partial: false, observed: ['imap', 'pop'] });
    expect(r.probes.imap).toMatchObject({ state: 'ok', durationMs: 40 });
    expect(r.metrics.inboxMessages).toBeNull();
    expect(render(r, 'text').split('\n')[0]).toMatch(/^✔ OK \(logins only\) {2}/);
    expect(render(r, 'markdown').split('\n')[0]).toContain('OK (logins only) for');
    expect(render(r, 'html')).toContain('<p class="status">✔ OK (logins only)</p>');
    expect(render(r, 'junit')).toContain('<property name="loginOnly" value="true"/>');
    expect(render(r, 'nagios')).toContain('Only the logins were checked');
    expect(ReportSchema.safeParse(JSON.parse(render(r, 'json'))).success).toBe(true);
  });

  it('a refused login is login-failed (critical), and a POP3 lock at the login is pop-mailbox-locked', () => {
    const refused = loginOnly(scenario('mixed'), { kind: 'auth', step: 'login', code: 'AUTH', message: 'h:995 rejected the login: no' });
    const a = analyze(refused);
    expect(a.status).toBe('critical');
    expect(a.findings.map((f) => f.id)).toEqual(['login-failed']);
    expect(a.findings[0]!.evidence).toMatchObject({ otherProtocolWorks: true });

    const locked = analyze(loginOnly(scenario('mixed'), { kind: 'in-use', step: 'login', code: 'IN-USE', message: 'h:995: mailbox locked' }));
    expect(locked.findings.map((f) => f.id)).toEqual(['pop-mailbox-locked']);
    expect(locked.status).toBe('warning');
  });

  it('a failed TLS verification at the login is tls-problem, as in a full probe', () => {
    const snap = loginOnly(scenario('mixed'));
    const imap = snap.login!.imap!;
    if (imap.ok && imap.evidence.tls) imap.evidence.tls = { ...imap.evidence.tls, verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', insecure: true };
    const a = analyze(snap);
    expect(a.findings.map((f) => f.id)).toEqual(['tls-problem']);
  });
});
