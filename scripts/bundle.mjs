// Second half of `npm run build` (after tsc): bundles the CLI into dist/cli/main.js, in place of the file tsc
// wrote there, so `maildoctor` (the package's bin), the tests and the benchmarks all run the bundle.
//
// Why: start-up. Unbundled, Node resolves, reads and compiles several hundred files before `check` sends its
// first byte (imapflow and its dependencies alone are ~80 modules); one file per load step instead cuts the fixed
// cost of every run by a few hundred milliseconds on a small machine. Each import() in the sources becomes a
// chunk of its own (dist/cli/chunks/), so a command still loads only what it uses: `--version` never parses
// imapflow or zod.
//
// better-sqlite3 stays outside the bundle (a native addon, loaded from node_modules as before). The rest of
// dist/ (tsc's output: the .d.ts files, src/testbed for the benchmarks, the demo) is left as tsc wrote it.
import { rmSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outdir = join(root, 'dist/cli');

// yargs finds its translations (y18n) next to its own module file, through import.meta.url. Inside the bundle
// that URL would be dist/cli/main.js, so point the shim at the file it came from in node_modules/yargs, which
// is installed anyway (a dependency): messages stay translated as before. If yargs cannot be resolved at run
// time, the bundle's own URL is used and yargs falls back to its built-in English texts.
const YARGS_SHIM = /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/;
const yargsShimUrl = {
  name: 'yargs-shim-url',
  setup(b) {
    b.onLoad({ filter: YARGS_SHIM }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const uses = source.split('import.meta.url').length - 1;
      if (uses === 0) throw new Error(`${args.path}: no import.meta.url to replace (yargs changed; review scripts/bundle.mjs)`);
      const shimUrl =
        "(() => { try { return new URL('./lib/platform-shims/esm.mjs', import.meta.resolve('yargs/package.json')).href; } catch { return import.meta.url; } })()";
      return { contents: `const __yargsShimUrl = ${shimUrl};\n${source.replaceAll('import.meta.url', '__yargsShimUrl')}`, loader: 'js' };
    });
  },
};

// Old chunks would pile up: their names carry a content hash.
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  tsconfig: 'tsconfig.build.json',
  external: ['better-sqlite3'],
  // CommonJS dependencies (pino, iconv-lite, socks, …) call require() for Node's built-in modules.
  banner: { js: "import { createRequire as __maildoctorCreateRequire } from 'node:module';\nconst require = __maildoctorCreateRequire(import.meta.url);" },
  // src/version.ts reads package.json when it runs unbundled; the bundle carries the version instead.
  define: { MAILDOCTOR_VERSION: JSON.stringify(pkg.version) },
  plugins: [yargsShimUrl],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
