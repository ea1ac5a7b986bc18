// The HTML report in a real browser: Debian's chromium, headless (installed by the test setup like fetchmail).
// The mixed scenario with history and a server log is opened as it is (its console must stay silent: no
// blocked load, no error) and screenshotted at 1280x800; a copy with a measuring script (the only change: the
// page's policy lets that one inline script run) reports the layout: the verdict inside the first screen, every
// finding id in the DOM, the hostile server text as text, no secret. Then `check --format html` end to end on
// the real Dovecot with a history of two probes.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { render } from '../../src/report/render.js';
import { accountArgs, runCli } from '../support/cli.js';
import { chromium, consoleLines } from '../support/chromium.js';
import { HOSTILE_FOLDER, mixedWithHistory, TEST_PASSWORD } from '../support/html-fixture.js';
import { daysAgo, deliverLmtp, newUser, seedMaildir, testbed } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-html-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Where the mixed scenario's screenshot is kept in the repository (MAILDOCTOR_UPDATE_SCREENSHOT=1 writes it). */
const SCREENSHOT = fileURLToPath(new URL('../../docs/html-report-mixed.png', import.meta.url));
const POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`;

interface Layout {
  width: number;
  height: number;
  scrollY: number;
  verdict: { top: number; bottom: number };
  parts: { name: string; top: number; bottom: number }[];
  ids: string[];
  scripts: number;
  images: number;
  svgs: { width: number; height: number }[];
  violations: string[];
  text: string;
}

/** The page with a script that measures it once loaded and writes the numbers into the DOM for --dump-dom. */
function measuringCopy(html: string): string {
  if (!html.includes(POLICY)) throw new Error('the page lost its policy');
  const probe = `<script>
const violations = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('load', () => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; };
  const header = document.getElementById('verdict');
  const out = {
    width: window.innerWidth, height: window.innerHeight, scrollY: window.scrollY,
    verdict: box(header),
    parts: ['.status', 'h1', '.when', '.summary'].map((s) => ({ name: s, ...box(header.querySelector(s)) })),
    ids: [...document.querySelectorAll('[data-finding-id]')].map((e) => e.dataset.findingId),
    scripts: document.scripts.length - 1, images: document.images.length,
    svgs: [...document.querySelectorAll('svg')].map((s) => { const r = s.getBoundingClientRect(); return { width: r.width, height: r.height }; }),
    violations, text: document.body.innerText,
  };
  const pre = document.createElement('pre');
  pre.id = 'layout';
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
});
</script>`;
  return html.replace(POLICY, `${POLICY}; script-src 'unsafe-inline'`).replace('<head>\n', `<head>\n${probe}\n`);
}

function layoutOf(file: string): Layout {
  const { stdout } = chromium(['--virtual-time-budget=10000', '--dump-dom', `file://${file}`]);
  const m = /<pre id="layout">([\s\S]*?)<\/pre>/.exec(stdout);
  if (!m) throw new Error(`no layout in the DOM Chromium dumped: ${stdout.slice(0, 500)}`);
  const json = m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return JSON.parse(json) as Layout;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('the HTML report in headless Chromium', () => {
  const { report } = mixedWithHistory();
  const html = render(report, 'html');
  const page = join(DIR, 'mixed.html');
  writeFileSync(page, html);

  it('opens with a silent console (nothing blocked, no error) and screenshots at 1280x800', () => {
    const shot = join(DIR, 'mixed.png');
    const { stderr } = chromium(['--enable-logging=stderr', '--v=0', `--screenshot=${shot}`, `file://${page}`]);
    expect(consoleLines(stderr)).toEqual([]);
    expect(pngSize(shot)).toEqual({ width: 1280, height: 800 });
    if (process.env.MAILDOCTOR_UPDATE_SCREENSHOT === '1') copyFileSync(shot, SCREENSHOT);
  });

  it('shows the verdict without scrolling, every finding id, the pictures, hostile text as text, no secret', () => {
    const copy = join(DIR, 'mixed-measured.html');
    writeFileSync(copy, measuringCopy(html));
    const l = layoutOf(copy);
    // --dump-dom lays the page out in a 1280x800 window whose viewport is a little shorter (the window's own
    // frame): the verdict must fit in that, which is stricter than the 800 px of the screenshot.
    expect(l.width).toBe(1280);
    expect(l.height).toBeGreaterThan(500);
    expect(l.height).toBeLessThanOrEqual(800);
    expect(l.scrollY).toBe(0);
    for (const p of l.parts) {
      expect(p.top, p.name).toBeGreaterThanOrEqual(0);
      expect(p.bottom, p.name).toBeLessThanOrEqual(l.height);
    }
    expect(l.verdict.top).toBeGreaterThanOrEqual(0);
    expect(l.ids).toEqual(report.findings.map((f) => f.id));
    expect(l.ids.length).toBeGreaterThanOrEqual(4);
    expect(l.violations).toEqual([]);
    expect(l.scripts).toBe(0);
    expect(l.images).toBe(0);
    expect(l.svgs).toHaveLength(3);
    for (const s of l.svgs) expect(s.width).toBeGreaterThan(300);
    expect(l.text).toContain(HOSTILE_FOLDER);
    expect(l.text).not.toContain(TEST_PASSWORD);
    expect(l.text).toContain(report.verdict);
  });
});

describe('check --format html on Dovecot', () => {
  it('check --help lists the format and shows it in an example', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/choices: .*"openmetrics", "html"/);
    expect(r.stdout).toContain('--format html > alice.html');
  });

  it('with a history of two probes draws the INBOX, tabulates the probes, and carries no password', async () => {
    const tb = testbed();
    const u = await newUser();
    seedMaildir(tb, u, 'INBOX', Array.from({ length: 5 }, (_, i) => ({ date: daysAgo(3 - i * 0.2), subject: `Seeded ${i}` })));
    const db = join(DIR, 'history.db');
    const args = ['check', ...accountArgs(tb, u), '--history', db, '--quiet', '--tz', 'UTC'];
    const env = { MAILDOCTOR_PASSWORD: u.password };
    const first = await runCli([...args, '--format', 'json'], { env });
    expect(first.stderr).toBe('');
    for (let i = 0; i < 3; i++) expect((await deliverLmtp(tb, u, { subject: `New ${i}` })).code).toBe(250);
    const second = await runCli([...args, '--format', 'html'], { env });
    expect(second.stderr).toBe('');
    expect([0, 1]).toContain(second.code);
    const out = second.stdout;
    expect(out.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out).not.toContain(u.password);
    expect(out).toContain(`${u.user} on ${tb.host}`);
    expect(out).toContain('>Earlier probes</h2>');
    expect(out).toContain('>INBOX size over the stored probes</h3>');
    expect(out).toContain('>+3</text>');
    expect(out).toMatch(/<td>INBOX<\/td><td><\/td><td class="n">8<\/td>/);
    const file = join(DIR, 'check.html');
    writeFileSync(file, out);
    expect(consoleLines(chromium(['--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`]).stderr)).toEqual([]);
  });
});
