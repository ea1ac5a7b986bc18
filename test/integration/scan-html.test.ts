// `scan --format html`: one page for a fleet, on the real Dovecot. A healthy account, one with a wrong password
// and one that cannot be probed at all: the table puts the worst first and links each row to the account's
// section, which holds its findings with their steps; no password appears; the page is self-contained and opens
// in headless Chromium without a console message.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, consoleLines } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { daysAgo, newUser, seedMaildir, testbed } from '../support/testbed.js';

const DIR = mkdtempSync(join(tmpdir(), 'md-scan-html-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('scan --format html (real Dovecot, headless Chromium)', () => {
  it('a table, worst first, each row linking to an account section with its findings and steps', async () => {
    const tb = testbed();
    const [good, wrong] = [await newUser(), await newUser()];
    seedMaildir(tb, good, 'INBOX', [{ date: daysAgo(1) }, { date: daysAgo(0.1) }]);
    writeFileSync(join(DIR, 'good.pw'), `${good.password}\n`);
    writeFileSync(join(DIR, 'wrong.pw'), 'Not-The-Password-9\n');
    const file = join(DIR, 'accounts.csv');
    writeFileSync(file, `user,password_file\n${good.user},good.pw\n${wrong.user},wrong.pw\nnobody-${good.user},missing.pw\n`);
    const out = join(DIR, 'fleet.html');
    const r = await runCli(
      ['scan', file, '--host', tb.host, '--imap-port', String(tb.ports.imaps), '--pop-port', String(tb.ports.pop3s), '--ca', tb.caFile, '--no-history', '--quiet', '--format', 'html', '--out', out, '--tz', 'UTC'],
      { timeoutMs: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3); // the account without a password file is unknown, the worst exit code
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`default-src 'none'`);
    expect(html).not.toMatch(/<script|<link|src="http/i);
    for (const secret of [good.password, 'Not-The-Password-9']) expect(html).not.toContain(secret);
    expect(html).toContain('<h1>3 accounts scanned: 1 critical, 1 unknown, 1 ok</h1>');

    // The rows, worst first, and each link lands on a section of that account.
    const rows = [...html.matchAll(/<tr class="(\w+)"><td>.*?<\/td><td><a href="#(account-\d+)">([^<]+)<\/a><\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => ({
      status: m[1],
      id: m[2]!,
      key: m[3],
      what: m[4],
    }));
    expect(rows.map((x) => [x.status, x.key])).toEqual([
      ['critical', wrong.user],
      ['unknown', `nobody-${good.user}`],
      ['ok', good.user],
    ]);
    expect(rows[1]!.what).toMatch(/^not checked: password file not found: /);
    // An account's section: from its opening tag to the next account's (or the end of the page).
    const section = (id: string) => {
      const start = html.lastIndexOf('<section class="account', html.indexOf(`id="${id}"`));
      const next = html.indexOf('<section class="account', start + 1);
      return html.slice(start, next === -1 ? undefined : next);
    };
    for (const row of rows) expect(html).toContain(`id="${row.id}"`);
    const critical = section(rows[0]!.id);
    expect(critical).toContain(`<h2><span class="sev">✖ CRITICAL</span> ${wrong.user}</h2>`);
    expect(critical).toContain('data-finding-id="login-failed"');
    expect(critical).toMatch(/<h3>What to do<\/h3>\s*<ol class="steps"><li>Check the user name and password/);
    expect(critical).not.toContain(good.user);
    // Finding anchors stay unique across accounts.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);

    expect(consoleLines(chromium(['--enable-logging=stderr', '--v=0', '--dump-dom', `file://${out}`]).stderr)).toEqual([]);
  }, 120_000);
});
