// maildoctor as a library, the way a CI pipeline written in Node gets it: `npm pack` the built package, install
// the tarball into a scratch project, and `import { probe, analyze, buildReport, render } from 'maildoctor'`
// there, against the real Dovecot. Also: the published files leave the testbed out.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { newUser, seedMaildir, testbed, daysAgo, type TestUser } from '../support/testbed.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the packed library', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'md-lib-'));
  let files: string[] = [];
  let user: TestUser;

  beforeAll(async () => {
    expect(existsSync(join(root, 'dist/index.js')), 'dist is built by npm test').toBe(true);
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((f) => f.path);
    // Install the tarball as npm would (unpacked under node_modules), its dependencies linked from ours: no network.
    const into = join(scratch, 'node_modules', 'maildoctor');
    mkdirSync(into, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, packed!.filename), '-C', into, '--strip-components=1']);
    const deps = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const d of deps) symlinkSync(join(root, 'node_modules', d), join(scratch, 'node_modules', d), 'dir');
    user = await newUser();
    seedMaildir(testbed(), user, 'INBOX', [{ date: daysAgo(2), flags: ['\\Seen'] }, { date: daysAgo(0.2) }]);
  }, 120_000);

  it('ships dist and the README, without the testbed or the demo', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/main.js');
    expect(files.filter((f) => f.startsWith('dist/testbed/') || f.startsWith('dist/demo.'))).toEqual([]);
  });

  it("import { probe, analyze, buildReport, render } from 'maildoctor' probes a real mailbox", () => {
    const tb = testbed();
    const script = `
      import { probe, passwordCredentials, analyze, buildReport, render, exitCode, ReportSchema } from 'maildoctor';
      const [user, password, host, imapPort, popPort, ca] = JSON.parse(process.argv[2]);
      const snapshot = await probe({
        credentials: passwordCredentials(user, password), ca, timeoutMs: 10000,
        imap: { host, port: imapPort, tls: 'implicit' },
        pop: { host, port: popPort, tls: 'implicit' },
      });
      const report = buildReport(snapshot, analyze(snapshot));
      ReportSchema.parse(JSON.parse(render(report, 'json')));
      console.log(JSON.stringify({ status: report.status, exit: exitCode(report.status), inbox: report.metrics.inboxMessages, pop: report.metrics.popMessages, text: render(report, 'text').split('\\n')[0] }));
    `;
    writeFileSync(join(scratch, 'use.mjs'), script);
    const args = JSON.stringify([user.user, user.password, tb.host, tb.ports.imaps, tb.ports.pop3s, tb.caPem]);
    const r = spawnSync(process.execPath, [join(scratch, 'use.mjs'), args], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(r.stdout) as { status: string; exit: number; inbox: number; pop: number; text: string };
    expect(got).toMatchObject({ inbox: 2, pop: 2 });
    expect(['ok', 'warning', 'critical', 'unknown']).toContain(got.status);
    expect(got.text).toContain(user.user);
  });
});
