import { readFileSync } from 'node:fs';

// Set by the bundler (scripts/bundle.mjs): inside the bundle, package.json is not where import.meta.url says.
declare const MAILDOCTOR_VERSION: string | undefined;

/** maildoctor's own version: built into the bundle, else read once from package.json next to dist/ or src/. */
export const VERSION: string =
  typeof MAILDOCTOR_VERSION === 'string'
    ? MAILDOCTOR_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
