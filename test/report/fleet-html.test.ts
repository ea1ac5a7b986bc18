// The fleet page of `scan --format html` as a pure function: order, escaping, unique anchors, an empty fleet.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import { fleetAccount, renderFleetHtml } from '../../src/report/render-fleet-html.js';
import { scenario } from '../support/snapshot-builder.js';

const meta = { startedAt: '2026-12-04T12:00:00.000Z', timeZone: 'Europe/Berlin', version: '0.0.0-test' };
const report = (name: Parameters<typeof scenario>[0]) => {
  const s = scenario(name);
  return buildReport(s, analyze(s), { timeZone: 'Europe/Berlin' });
};

describe('renderFleetHtml', () => {
  it('puts the worst first, escapes what the accounts file and servers wrote, keeps anchors unique', () => {
    const page = renderFleetHtml(
      [
        fleetAccount(report('healthy-imap-only'), 'ok@example.com', null, 1),
        fleetAccount(report('mixed'), '<b>mixed</b>@example.com', null, 2),
        fleetAccount(report('mixed'), 'again@example.com', null, 3),
      ],
      meta,
    );
    expect(page.indexOf('&lt;b&gt;mixed&lt;/b&gt;@example.com')).toBeGreaterThan(0);
    expect(page).not.toContain('<b>mixed</b>');
    expect(page.indexOf('again@example.com')).toBeLessThan(page.indexOf('ok@example.com'));
    expect(page).toContain('scan started 2026-12-04 13:00:00 CET');
    const ids = [...page.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(page).toContain('href="#account-2"');
  });

  it('says so when no account was scanned', () => {
    const page = renderFleetHtml([], meta);
    expect(page).toContain('<p>No account was scanned.</p>');
    expect(page).toContain('<h1>0 accounts scanned</h1>');
  });
});
