// dist/cli/main.js is a bundle (scripts/bundle.mjs): what it must still do that the unbundled files did on their
// own, namely know maildoctor's version and find yargs' translations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the bundled CLI', () => {
  it('--version prints the version of package.json', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('yargs still finds its locale files (German headings with a German locale)', async () => {
    const r = await runCli(['check', '--help'], { env: { LC_ALL: 'de_DE.UTF-8', LC_MESSAGES: undefined, LANG: 'de_DE.UTF-8', LANGUAGE: undefined } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Optionen:');
  });
});
