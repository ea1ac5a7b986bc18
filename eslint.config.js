// ESLint: the code part of `npm run lint`. TypeScript gets typescript-eslint's recommended rules with type
// information (the project service reads tsconfig.json, so no second list of files); the plain .js/.mjs
// scripts get ESLint's own recommended rules. The import layers are dependency-cruiser's job
// (.dependency-cruiser.cjs); here only what an import graph cannot see: the pure core reads no clock.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** DESIGN.md: pure code (analyzer, report, snapshot diff) gets time as a value, so fixtures replay exactly. */
const PURE = ['src/analyzer/**/*.ts', 'src/report/**/*.ts', 'src/snapshot/compare.ts'];
const PURE_MESSAGE = 'pure code gets the time as a value (the `now` it is given), so fixtures replay exactly';
/** structuredClone turns a MessageList into a plain object that has lost its items: silently wrong data. */
const NO_CLONE = { name: 'structuredClone', message: 'a snapshot may hold a MessageList, which structuredClone empties: use cloneSnapshot() (src/snapshot/io.ts)' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { secret: _secret, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // An async function without await is how this code keeps a Promise-returning API whose throws become
      // rejections (closeQuietly, addUser, test probes): not a mistake here.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...PURE, 'src/snapshot/io.ts'],
    rules: { 'no-restricted-globals': ['error', NO_CLONE] },
  },
  {
    files: PURE,
    rules: {
      'no-restricted-globals': [
        'error',
        NO_CLONE,
        ...['process', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'fetch'].map((name) => ({
          name,
          message: `no ${name} in pure code: it works on the values it is given (snapshot, options, now)`,
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: PURE_MESSAGE },
        { object: 'Math', property: 'random', message: 'pure code is deterministic: no Math.random' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: `new Date() reads the clock: ${PURE_MESSAGE}` },
        { selector: 'CallExpression[callee.name="Date"]', message: `Date() reads the clock: ${PURE_MESSAGE}` },
      ],
    },
  },
);
