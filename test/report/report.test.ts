import { describe, expect, it } from 'vitest';
import { analyze, RULES } from '../../src/analyzer/index.js';
import {
  buildReport,
  exitCode,
  render,
  renderJunit,
  renderMarkdown,
  renderNagios,
  renderText,
  REPORT_FORMATS,
  ReportSchema,
  type ReportFormat,
} from '../../src/report/index.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { cloneSnapshot } from '../../src/snapshot/io.js';
import { MessageList } from '../../src/snapshot/message-list.js';
import { buildSnapshot, junkWithPopUserSpec, SCENARIOS, scenario, type ImapSpec, type ScenarioName } from '../support/snapshot-builder.js';
import { assertWellFormedXml } from './xml-check.js';
import { checkedLine, loginLine, subjectLine } from '../../src/report/subject.js';
import { knownTimeZone, zonedTime } from '../../src/report/format.js';
import { withList } from '../rules/rule-tester.js';
import { md } from '../../src/report/render-markdown.js';

const EXT: Record<ReportFormat, string> = { text: 'txt', json: 'json', markdown: 'md', junit: 'xml', nagios: 'nagios.txt', openmetrics: 'om.txt', html: 'html' };
const ALL = Object.keys(SCENARIOS) as ScenarioName[];
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function reportOf(s: Snapshot) {
  return buildReport(s, analyze(s));
}

describe('report snapshots (mixed, healthy)', () => {
  for (const name of ['mixed', 'healthy-imap-only'] as const) {
    for (const format of REPORT_FORMATS) {
      it(`${name} as ${format}`, async () => {
        await expect(render(reportOf(scenario(name)), format)).toMatchFileSnapshot(`__snapshots__/${name}.${EXT[format]}`);
      });
    }
  }
});

describe('json', () => {
  it.each(ALL)('%s validates against report@1', (name) => {
    const report = reportOf(scenario(name));
    const parsed = ReportSchema.parse(JSON.parse(render(report, 'json')));
    expect(parsed.schema).toBe('maildoctor/report@1');
    expect(parsed.status).toBe(report.status);
    expect(parsed.findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
  });

  it('replays identically: same snapshot → same report bytes, time taken from the snapshot', () => {
    const s = scenario('mixed');
    expect(render(reportOf(s), 'json')).toBe(render(reportOf(s), 'json'));
    expect(reportOf(s).generatedAt).toBe(s.takenAt);
    expect(buildReport(s, analyze(s), { generatedAt: '2030-01-01T00:00:00.000Z', toolVersion: '9.9.9' })).toMatchObject({
      generatedAt: '2030-01-01T00:00:00.000Z',
      tool: { name: 'maildoctor', version: '9.9.9' },
    });
  });

  it('carries only user and endpoints of the account, never anything else', () => {
    const s = scenario('wrong-password');
    const account = { ...s.account, password: 'hunter2', imap: { ...s.account.imap!, password: 'hunter2' } } as unknown as Snapshot['account'];
    const out = render(buildReport(s, analyze(s), { account }), 'json');
    expect(out).not.toContain('hunter2');
    expect(ReportSchema.parse(JSON.parse(out)).account).toEqual(s.account);
  });
});

describe('text', () => {
  it.each(ALL)('%s without colour has no ANSI escapes; with colour the same text plus escapes', (name) => {
    const report = reportOf(scenario(name));
    const plain = renderText(report, { color: false });
    const colored = renderText(report, { color: true });
    expect(plain).not.toMatch(ANSI);
    expect(colored).toMatch(ANSI);
    expect(colored.replace(ANSI, '')).toBe(plain);
  });

  it.each(ALL)('%s: every finding shows its symbol and severity word, not only a colour', (name) => {
    const report = reportOf(scenario(name));
    const plain = renderText(report);
    const symbol = { critical: '✖ CRITICAL', warning: '⚠ WARNING', info: 'ℹ INFO' } as const;
    for (const f of report.findings) expect(plain).toContain(`${symbol[f.severity]}  ${f.title}`);
  });

  it('a clean account is one short line', () => {
    const out = renderText(reportOf(scenario('healthy-imap-only')));
    expect(out).toBe(
      `✔ OK  alice@example.com on mail.example.com (IMAP 993 TLS, Dovecot; POP3 995 TLS, Dovecot): no problems found (${RULES.filter((r) => !(r.needs as readonly string[]).includes('discovery')).length - 4} checks over IMAP and POP3, 2025-06-02 12:00:00 UTC; 3 wait for an earlier probe, 1 for a server log).\n`,
    );
  });

  it('shows what was not checked, with the reason, verdict first', () => {
    const out = renderText(reportOf(scenario('wrong-password')));
    const lines = out.split('\n');
    expect(lines[0]).toBe('✖ CRITICAL  alice@example.com on mail.example.com (IMAP 993 TLS; POP3 995 TLS)');
    expect(lines[1]).toBe('  checked 2025-06-02 12:00:00 UTC');
    expect(lines[2]).toBe('  The server refuses the login, so no device gets new mail.');
    expect(out).toContain('Not checked:');
    expect(out).toMatch(/quota-near-limit, quota-unknown, .*: IMAP probe failed: auth \(/);
  });

  it('an unknown result says nothing could be checked', () => {
    const s = buildSnapshot({ imap: null, pop: null });
    const out = renderText(reportOf(s));
    expect(out.split('\n')[0]).toBe('? UNKNOWN  alice@example.com');
    expect(out).toContain('Nothing could be checked reliably: neither IMAP nor POP3 was probed.');
    expect(exitCode(reportOf(s).status)).toBe(3);
  });

  it('numbers the steps and indents multi-line steps under their text', () => {
    const out = renderText(reportOf(scenario('mixed')));
    expect(out).toContain('    2. Where each program shows the protocol:\n       - Outlook for Windows:');
  });
});

describe('the subject line: account, servers, software, time (issue 11)', () => {
  it('names each server with its port, TLS mode and software, on one host or two', () => {
    const report = reportOf(scenario('mixed'));
    expect(subjectLine(report)).toBe('alice@example.com on mail.example.com (IMAP 993 TLS, Dovecot; POP3 995 TLS, Dovecot)');
    const two = { ...report, account: { ...report.account, pop: { host: 'pop.example.net', port: 110, tls: 'starttls' as const } }, probes: { ...report.probes, imap: { ...report.probes.imap, software: null } } };
    expect(subjectLine(two)).toBe('alice@example.com (IMAP mail.example.com:993 TLS; POP3 pop.example.net:110 STARTTLS, Dovecot)');
    expect(checkedLine(report)).toBe('checked 2025-06-02 12:00:00 UTC');
    for (const format of ['text', 'markdown', 'nagios', 'junit'] as const) expect(render(report, format), format).toContain(md(subjectLine(report)).replace(/\\/g, ''));
    expect(report.probes.imap.software).toBe('Dovecot');
  });
});

describe('an admin login on behalf of the user (issue 14)', () => {
  const admin = (s: Snapshot, extra: Partial<Snapshot['account']>): Snapshot => ({ ...s, account: { ...s.account, ...extra } });
  it('is named in every format for people, and carried as data in JSON; the account stays the user', () => {
    for (const name of ['mixed', 'healthy-imap-only'] as const) {
      const report = reportOf(admin(scenario(name), { authUser: 'support' }));
      const line = 'logged in as support on behalf of alice@example.com (SASL PLAIN authorization identity)';
      expect(loginLine(report)).toBe(line);
      for (const format of ['text', 'markdown', 'html', 'junit'] as const) expect(render(report, format), `${name} ${format}`).toContain(line);
      const json = ReportSchema.parse(JSON.parse(render(report, 'json')));
      expect(json.account).toMatchObject({ user: 'alice@example.com', authUser: 'support' });
      expect(json.account).not.toHaveProperty('masterSeparator');
    }
    const master = reportOf(admin(scenario('mixed'), { authUser: 'support', masterSeparator: '*' }));
    expect(loginLine(master)).toBe('logged in as support on behalf of alice@example.com (master user login alice@example.com*support)');
    expect(ReportSchema.parse(JSON.parse(render(master, 'json'))).account).toMatchObject({ authUser: 'support', masterSeparator: '*' });
    expect(render(master, 'markdown')).toContain('master user login alice@example.com\\*support');
  });

  it('a clean account keeps its one success line, with the admin on the line under it', () => {
    const text = render(reportOf(admin(scenario('healthy-imap-only'), { authUser: 'support' })), 'text').split('\n');
    expect(text[0]).toMatch(/no problems found/);
    expect(text[1]).toBe('  logged in as support on behalf of alice@example.com (SASL PLAIN authorization identity)');
  });

  it("the user's own login adds nothing", () => {
    const report = reportOf(scenario('mixed'));
    expect(loginLine(report)).toBeNull();
    for (const format of REPORT_FORMATS) expect(render(report, format)).not.toContain('on behalf of');
  });
});

describe('times in the reader\'s zone (--tz, issue 11)', () => {
  it('writes times to the second with the zone name; JSON fields stay UTC ISO', () => {
    expect(zonedTime('2025-06-02T12:00:00.000Z')).toBe('2025-06-02 12:00:00 UTC');
    expect(zonedTime('2025-06-02T12:00:00.000Z', 'Europe/Berlin')).toBe('2025-06-02 14:00:00 CEST');
    expect(zonedTime('2025-12-02T12:00:00.000Z', 'Europe/Berlin')).toBe('2025-12-02 13:00:00 CET');
    expect(zonedTime('2025-06-02T12:00:00.000Z', 'Asia/Kolkata')).toBe('2025-06-02 17:30:00 GMT+5:30');
    expect(knownTimeZone('Europe/Berlin')).toBe(true);
    expect(knownTimeZone('Mars/Olympus')).toBe(false);
    const s = scenario('mixed');
    const report = buildReport(s, analyze(s), { timeZone: 'Europe/Berlin' });
    expect(renderText(report).split('\n')[1]).toBe('  checked 2025-06-02 14:00:00 CEST');
    const json = JSON.parse(render(report, 'json')) as { timeZone: string; snapshotTakenAt: string };
    expect(json).toMatchObject({ timeZone: 'Europe/Berlin', snapshotTakenAt: '2025-06-02T12:00:00.000Z' });
  });

  it('says the window of vanished mail as two checks, in the zone, never "(UTC)" after a raw ISO time', () => {
    const now = withList(scenario('healthy-imap-only'));
    const before = cloneSnapshot(now);
    before.takenAt = '2025-06-02T11:59:23.000Z';
    if (now.imap?.ok) {
      const l = MessageList.from(now.imap.evidence.inbox.messageList!.toArray().slice(3));
      now.imap.evidence.inbox.messageList = l;
      now.imap.evidence.inbox.messages = l.length;
    }
    const report = buildReport(now, analyze(now, { previous: before }), { timeZone: 'Europe/Berlin' });
    const f = report.findings.find((x) => x.id === 'mail-vanished')!;
    expect(f.title).toMatch(/left INBOX between two checks 37 seconds apart and are in no folder/);
    expect(f.steps[0]).toContain('between the check at 2025-06-02 13:59:23 CEST and the one at 2025-06-02 14:00:00 CEST');
    expect(renderText(report)).toContain('Between the checks at 2025-06-02 13:59:23 CEST and 2025-06-02 14:00:00 CEST (37 seconds apart)');
    expect(renderText(report)).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(UTC\)/);
  });
});

describe('recommendation in the report (check --devices …)', () => {
  it('is absent without answers and present, validated and rendered with them', () => {
    const s = scenario('mixed');
    expect(reportOf(s).recommendation).toBeUndefined();
    const report = buildReport(s, analyze(s), { answers: { devices: 1, offline: true } });
    expect(report.recommendation?.protocol).toBe('imap');
    expect(ReportSchema.parse(JSON.parse(render(report, 'json'))).recommendation?.protocol).toBe('imap');
    expect(renderText(report)).toContain('Recommended protocol: IMAP\n  - One device was named, but the probe found both a POP client and IMAP clients');
    expect(renderMarkdown(report)).toContain('### Recommended protocol: IMAP');
    assertWellFormedXml(renderJunit(report));
  });

  it('follows the success line of a clean account', () => {
    const s = scenario('healthy-pop-only');
    const out = renderText(buildReport(s, analyze(s), { answers: { devices: 1, offline: true } }));
    expect(out.split('\n')[0]).toMatch(/^✔ OK {2}alice@example\.com on mail\.example\.com \(IMAP 993 TLS, Dovecot; POP3 995 TLS, Dovecot\): no problems found /);
    expect(out).toContain('Recommended protocol: POP3');
  });
});

describe('junit', () => {
  it.each(ALL)('%s is well-formed XML with one testcase per rule', (name) => {
    const report = reportOf(scenario(name));
    const xml = renderJunit(report);
    assertWellFormedXml(xml);
    expect(xml.match(/<testcase /g)?.length).toBe(report.checked.length + report.skipped.length);
    const failing = new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.id));
    expect(xml.match(/<failure /g)?.length ?? 0).toBe(failing.size);
    expect(xml.match(/<skipped /g)?.length ?? 0).toBe(report.skipped.length);
    expect(xml).toContain(`failures="${failing.size}"`);
  });

  it('escapes markup and drops control characters coming from the server or the account', () => {
    const spec = junkWithPopUserSpec();
    (spec.imap as ImapSpec).folders!.push({ path: 'A&B <"x"> \u0001\'q\'', ages: { lt1d: 1 } });
    const s = buildSnapshot({ ...spec, user: 'o\'brien&co<x>@example.com' });
    const xml = renderJunit(reportOf(s));
    assertWellFormedXml(xml);
    expect(xml).toContain('A&amp;B &lt;&quot;x&quot;&gt; &apos;q&apos;');
  });

  it('marks a failing rule with its worst severity as type', () => {
    const xml = renderJunit(reportOf(scenario('mixed')));
    expect(xml).toMatch(/<testcase classname="maildoctor\.alice@example\.com" name="mixed-protocol-use" time="0">\n\s+<failure message="[^"]+" type="critical">/);
  });
});

describe('nagios', () => {
  const LINE = /^MAILDOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| ('[a-z_]+'=-?\d+(\.\d+)?(%|s|B)?(;(-?\d+(\.\d+)?)?){0,4})( '[a-z_]+'=-?\d+(\.\d+)?(%|s|B)?(;(-?\d+(\.\d+)?)?){0,4})*\n$/;

  it.each(ALL)('%s is one line with valid perfdata and the status word of the exit code', (name) => {
    const report = reportOf(scenario(name));
    const out = renderNagios(report);
    expect(out).toMatch(LINE);
    expect(out.split('\n')).toHaveLength(2);
    const word = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'][exitCode(report.status)];
    expect(out.startsWith(`MAILDOCTOR ${word} - `)).toBe(true);
  });

  it('gives quota in percent with warn/crit/min/max, and in bytes', () => {
    const out = renderNagios(reportOf(scenario('quota-over-95')));
    expect(out).toContain("'quota_storage'=97%;80;95;0;100");
    expect(out).toContain("'quota_storage_bytes'=1041529856B;858993459;1020054732;0;1073741824");
    expect(out).toContain('[quota-near-limit]');
  });

  it('keeps a pipe in the text out of the perfdata', () => {
    const report = reportOf(scenario('healthy-imap-only'));
    const out = renderNagios({ ...report, account: { ...report.account, user: 'a|b@example.com' } });
    expect(out.split('|')).toHaveLength(2);
  });
});

describe('markdown', () => {
  it('escapes markup in names from the server', () => {
    const spec = junkWithPopUserSpec();
    (spec.imap as ImapSpec).folders!.push({ path: 'Lists|*new*_', ages: { lt1d: 1 } });
    const out = renderMarkdown(reportOf(buildSnapshot(spec)));
    expect(out).toContain('Lists\\|\\*new\\*\\_');
    expect(out).not.toContain('Lists|*new*_');
  });
});

describe('exitCode', () => {
  it('maps status to the monitoring convention', () => {
    expect([exitCode('ok'), exitCode('warning'), exitCode('critical'), exitCode('unknown')]).toEqual([0, 1, 2, 3]);
  });
});

describe('steps shared by several findings', () => {
  it('are given in full under every finding, so one finding pasted alone is complete (text and markdown)', () => {
    const base = reportOf(scenario('mixed'));
    // Findings about one cause share steps (mail-vanished and pop-deletes-mail do): make the last finding repeat
    // the first finding's first step.
    const findings = base.findings.map((f, i) => (i === base.findings.length - 1 ? { ...f, steps: [...f.steps, base.findings[0]!.steps[0]!] } : f));
    const report = { ...base, findings };
    expect(findings.length).toBeGreaterThan(1);
    for (const format of ['text', 'markdown'] as const) {
      const out = render(report, format, { color: false });
      expect(out).not.toMatch(/as under|given above/);
      // Where each finding's block begins: its heading (text: "LABEL  title"; markdown: "### … : title").
      let from = 0;
      const starts = report.findings.map((f) => (from = out.indexOf(format === 'markdown' ? `: ${md(f.title)}\n` : `  ${f.title}\n`, from + 1)));
      expect(starts.every((n) => n > 0)).toBe(true);
      report.findings.forEach((f, i) => {
        const block = out.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined);
        for (const step of f.steps) expect(block, `${format}: ${f.id}`).toContain((format === 'markdown' ? md(step) : step).split('\n')[0]);
      });
    }
  });
});

describe('durations in words', () => {
  it('a window under a second is "less than a second", never "0 seconds"', async () => {
    const { duration } = await import('../../src/report/format.js');
    expect([duration(0), duration(0.4), duration(1), duration(59), duration(60), duration(7200)]).toEqual([
      'less than a second',
      'less than a second',
      '1 second',
      '59 seconds',
      '1 minute',
      '2 hours',
    ]);
  });
});
