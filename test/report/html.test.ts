// The HTML report and its SVG pictures, as strings: escaping of hostile server text, a finding complete on its
// own, nothing external, the details the pictures are drawn from (and their report@1 schema), the charts' own
// geometry. The page in a real browser is test/integration/html-chromium.test.ts.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import { historyPoints } from '../../src/report/details.js';
import { renderHtml } from '../../src/report/render-html.js';
import { render } from '../../src/report/render.js';
import { ReportSchema } from '../../src/report/schema.js';
import { niceTicks, seriesChart, timelineChart } from '../../src/report/svg/chart.js';
import { esc } from '../../src/report/svg/escape.js';
import { axisTime } from '../../src/report/svg/report-charts.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { HOSTILE_FOLDER, HOSTILE_GREETING, mixedWithHistory, TEST_PASSWORD } from '../support/html-fixture.js';
import { SCENARIOS, scenario, TAKEN_AT, type ScenarioName } from '../support/snapshot-builder.js';
import { assertWellFormedXml } from './xml-check.js';

const fixture = mixedWithHistory();
const page = renderHtml(fixture.report);

/** The text of the page as a reader sees it: tags dropped, the five entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function sectionOf(html: string, index: number, id: string): string {
  const start = html.indexOf(`<section class="finding`, html.indexOf(`id="finding-${index + 1}-${id}"`) - 40);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('esc', () => {
  it('escapes the five characters that make markup, in text and in attributes', () => {
    expect(esc(`<script>alert('x')</script> & "q"`)).toBe('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;');
    expect(esc('&amp;')).toBe('&amp;amp;');
    expect(esc(42)).toBe('42');
  });

  it('shows control characters as U+FFFD and keeps tab, line feed and other text', () => {
    expect(esc('a\u0000b\u001bc\u007fd\te\nf é ✔')).toBe('a\ufffdb\ufffdc\ufffdd\te\nf é ✔');
  });
});

describe('renderHtml', () => {
  it('is one document with a policy that loads nothing and runs nothing, and no reference outside itself', () => {
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|@import|url\(/i);
    expect(page).not.toMatch(/<[^>]*\s(src|srcset|action|on[a-z]+)=/i);
    for (const [, href] of page.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^#finding-\d+-[a-z-]+$/);
    expect(page).toContain('@media print');
  });

  it('shows hostile server text as text: the folder name and greeting are escaped, never markup', () => {
    expect(page).not.toContain(HOSTILE_FOLDER);
    expect(page).not.toContain('<img src=x');
    expect(page).toContain(esc(HOSTILE_FOLDER));
    expect(page).toContain(esc(HOSTILE_GREETING));
    expect(visibleText(page)).toContain(HOSTILE_FOLDER);
    expect(visibleText(page)).toContain(HOSTILE_GREETING);
  });

  it('escapes an account name too, in the title and the verdict', () => {
    const s = structuredClone(scenario('mixed'));
    s.account.user = '<b>eve</b>@example.com';
    const html = renderHtml(buildReport(s, analyze(s)));
    expect(html).not.toContain('<b>eve</b>');
    expect(html).toContain('<title>maildoctor: CRITICAL for &lt;b&gt;eve&lt;/b&gt;@example.com</title>');
  });

  it('never carries a password that came in with the account', () => {
    expect(page).not.toContain(TEST_PASSWORD);
  });

  it('puts the verdict first: status, account and servers, when, before any finding', () => {
    const header = page.slice(page.indexOf('<header'), page.indexOf('</header>'));
    expect(page.indexOf('<header')).toBeLessThan(page.indexOf('<section'));
    expect(header).toContain('✖ CRITICAL');
    expect(header).toContain('alice@example.com on mail.example.com (IMAP 993 TLS, Dovecot; POP3 995 TLS, Dovecot)');
    expect(header).toContain('checked 2025-06-02 14:00:00 CEST');
    expect(header).toContain(esc(fixture.report.verdict));
  });

  it('gives every finding in full: id, title, why, evidence and every one of its steps in its own section', () => {
    expect(fixture.report.findings.length).toBeGreaterThanOrEqual(4);
    fixture.report.findings.forEach((f, i) => {
      const section = sectionOf(page, i, f.id);
      expect(section).toContain(`data-finding-id="${f.id}"`);
      expect(section).toContain(esc(f.title));
      expect(section).toContain(esc(f.explanation));
      const steps = [...section.matchAll(/<ol class="steps">([\s\S]*?)<\/ol>/g)].map((m) => m[1]!);
      expect(steps).toHaveLength(f.steps.length ? 1 : 0);
      expect([...(steps[0] ?? '').matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1])).toEqual(f.steps.map(esc));
      expect(section).not.toMatch(/as under|above/);
    });
  });

  it('tabulates servers, folders with counts, quota, earlier probes and the devices of the log', () => {
    for (const h of ['Servers', 'Folders', 'Quota', 'Earlier probes', 'Devices in the server log']) expect(page).toContain(`>${h}</h2>`);
    const text = visibleText(page);
    expect(text).toMatch(/Sent\s+\\Sent\s+180\s+0\s+9 MB/);
    expect(text).toMatch(/User quota\s+STORAGE\s+700 MB\s+1 GB\s+68\.3%/);
    expect(text).toMatch(/TLSv1\.3, TLS_AES_256_GCM_SHA384, certificate verified/);
    expect(text).toContain('IMAP capabilities:');
    expect(text).toMatch(/POP3\s+192\.0\.2\.10\s+180/);
    expect(text).toMatch(/2025-06-02 14:00:00 CEST\s+12\s+0\s+3\s+700 MB/);
  });

  it('draws INBOX over the probes (arrivals, departures, vanished), quota towards its limit, and devices', () => {
    const svgs = [...page.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(3);
    for (const svg of svgs) assertWellFormedXml(`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`);
    const [inbox, quota, devices] = svgs as [string, string, string];
    expect(inbox).toContain('>+12</text>');
    expect(inbox).toContain('>−18</text>');
    expect(inbox).toContain('>3 vanished</text>');
    expect(quota).toContain('>limit 1 GB</text>');
    expect(quota).toContain('>warning 80%</text>');
    expect(quota).toContain('class="projection"');
    expect(devices).toContain('>POP3 192.0.2.10</text>');
    expect(devices).toContain('>1 login</text>');
  });

  it('without history or log draws nothing and says nothing about earlier probes', () => {
    const s = scenario('mixed');
    const html = renderHtml(buildReport(s, analyze(s), { details: true }));
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('Earlier probes');
    expect(html).toContain('>Folders</h2>');
  });

  it.each(Object.keys(SCENARIOS) as ScenarioName[])('the %s scenario renders with every finding id and skipped rule', (name) => {
    const s = scenario(name);
    const report = buildReport(s, analyze(s), { details: true });
    const html = render(report, 'html');
    for (const f of report.findings) expect(html).toContain(`data-finding-id="${f.id}"`);
    for (const sk of report.skipped) expect(html).toContain(`<td>${esc(sk.rule)}</td><td>${esc(sk.reason)}</td>`);
    expect(html.endsWith('</html>\n')).toBe(true);
  });
});

describe('details', () => {
  it('are built only when asked for, so the JSON of every other format stays as it was', () => {
    const s = scenario('mixed');
    expect(buildReport(s, analyze(s))).not.toHaveProperty('details');
    expect(fixture.report.details?.history).toHaveLength(7);
  });

  it('validate against report@1, in zod and in the JSON Schema file, with times UTC ISO', () => {
    const json: unknown = JSON.parse(render(fixture.report, 'json'));
    expect(ReportSchema.parse(json).details?.devices[0]?.first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const file = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(file);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });

  it('count arrivals by UIDNEXT growth and departures by what is missing, and not across a renumbered INBOX', () => {
    const at = (h: number) => new Date(Date.parse(TAKEN_AT) - h * 3_600_000).toISOString();
    const probe = (h: number, uidNext: number, messages: number, uidValidity = '1'): Snapshot => {
      const s = structuredClone(scenario('healthy-imap-only'));
      s.takenAt = at(h);
      if (!s.imap?.ok) throw new Error('fixture without IMAP');
      Object.assign(s.imap.evidence.inbox, { uidNext, messages, uidValidity });
      return s;
    };
    const failed = structuredClone(scenario('wrong-password'));
    failed.takenAt = at(3);
    const points = historyPoints([probe(4, 100, 10), failed, probe(2, 110, 15), probe(1, 115, 12), probe(0, 5, 4, '2')]);
    expect(points.map((p) => [p.inboxMessages, p.arrived, p.leftInbox, p.uidValidityChanged])).toEqual([
      [10, null, null, false],
      [null, null, null, false],
      [15, null, null, false], // the probe before it could not say
      [12, 5, 8, false],
      [4, null, null, true],
    ]);
  });
});

describe('charts', () => {
  const fmt = axisTime('UTC');
  const t = (h: number) => Date.parse(TAKEN_AT) + h * 3_600_000;

  it('niceTicks steps by 1, 2 or 5 times a power of ten and reaches the maximum', () => {
    expect(niceTicks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(13)).toEqual([0, 5, 10, 15]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(0.7)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
  });

  it('breaks the line where a probe could not say, instead of bridging the gap', () => {
    const svg = seriesChart({
      title: 't',
      points: [{ t: t(0), value: 1 }, { t: t(1), value: 2 }, { t: t(2), value: null }, { t: t(3), value: 3 }, { t: t(4), value: 2 }],
      formatValue: String,
      formatTime: fmt,
    });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(4);
  });

  it('cuts a projection far beyond the points at the edge and says so with an arrow', () => {
    const base = { title: 't', points: [{ t: t(0), value: 10 }, { t: t(10), value: 20 }], formatValue: String, formatTime: fmt };
    const near = seriesChart({ ...base, projection: { t: t(20), value: 100, label: 'full' } });
    const far = seriesChart({ ...base, projection: { t: t(1000), value: 100, label: 'full' } });
    expect(near).toContain('>full</text>');
    expect(far).toContain('>full →</text>');
    // The far one ends at the right edge (x = 720 - 24), the near one there too (it is the last time on the axis).
    expect(far).toMatch(/class="projection" x1="[\d.]+" y1="[\d.]+" x2="696"/);
  });

  it('axis times are the clock for a short span and the date for a long one, in the zone asked for', () => {
    expect(fmt(t(0), 3_600_000)).toBe('12:00');
    expect(axisTime('Europe/Berlin')(t(0), 3 * 86_400_000)).toBe('06-02 14:00');
    expect(fmt(t(0), 30 * 86_400_000)).toBe('2025-06-02');
  });

  it('a timeline draws a bar for a span and a dot for a single moment, labels escaped', () => {
    const svg = timelineChart('d', [
      { label: 'IMAP <x>', from: t(0), to: t(5), note: '3 logins', kind: 'imap' },
      { label: 'POP3 192.0.2.1', from: t(2), to: t(2), note: '1 login', kind: 'pop3' },
    ], fmt);
    expect(svg).toContain('<rect class="bar imap"');
    expect(svg).toContain('<circle class="bar pop3"');
    expect(svg).toContain('>IMAP &lt;x&gt;</text>');
    assertWellFormedXml(`<?xml version="1.0" encoding="UTF-8"?>\n${svg}`);
  });
});
