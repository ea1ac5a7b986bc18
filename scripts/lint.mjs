// `npm run lint [-- NAME...]`: runs every guard rail of the project (the lint:* scripts of package.json, listed
// below), all of them even when one fails, then prints one line with each tool's result and its seconds.
// Exit 1 when any failed. `npm run lint -- layers dead` runs just those.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** name → what it checks (the command itself is the `lint:NAME` script in package.json). */
const TOOLS = {
  code: 'ESLint + typescript-eslint',
  layers: 'dependency-cruiser: layer rules, cycles',
  dead: 'knip: unused files, exports, dependencies',
  package: 'publint: the package as npm would publish it',
};

const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !(n in TOOLS));
if (unknown.length > 0) {
  process.stderr.write(`lint: no tool named ${unknown.join(', ')} (there are: ${Object.keys(TOOLS).join(', ')})\n`);
  process.exit(2);
}
const names = asked.length > 0 ? asked : Object.keys(TOOLS);

const results = [];
for (const name of names) {
  process.stderr.write(`\n── lint:${name} (${TOOLS[name]})\n`);
  if (name === 'package' && !existsSync(join(root, 'dist'))) {
    process.stderr.write('lint: publint reads the built package and dist/ is missing: run `npm run build` first (npm test does)\n');
  }
  const started = process.hrtime.bigint();
  const run = spawnSync('npm', ['run', '--silent', `lint:${name}`], { cwd: root, stdio: 'inherit' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const ok = run.status === 0;
  if (run.error) process.stderr.write(`lint: could not run lint:${name}: ${run.error.message}\n`);
  results.push({ name, ok, seconds });
}

const line = results.map((r) => `${r.name} ${r.ok ? 'ok' : 'FAILED'} ${r.seconds.toFixed(1)}s`).join(' · ');
process.stderr.write(`\nlint: ${line}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
