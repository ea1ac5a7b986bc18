// dependency-cruiser: part of `npm run lint`. The layer rules of DESIGN.md, written down so a change that breaks
// them fails before review. From the bottom up:
//
//   snapshot  (plain data, schema, load/save)        imports no other layer
//   analyzer  (rules: snapshot -> findings)          snapshot only   ┐ pure: no network, no files,
//   report    (words and renderers)                  analyzer, snapshot ┘ no history store, no CLI
//   connectors, history, watch, scan, canary, probe.ts    the I/O around them
//   discovery (address -> endpoints)                 snapshot, connectors/common.ts and transport.ts only
//   cli       (yargs wiring)                         the top: nothing below imports it
//
// src/testbed (a local Dovecot for the tests, the demo and the benchmarks) is used by src/demo.ts and nothing
// else in src/. Type-only imports count: a layer that needs another's types depends on it all the same.

/** Every layer of src/ that sits above the one a rule is about, as a path pattern. */
const above = {
  snapshot: '^src/(analyzer|report|history|connectors|discovery|cli|watch|scan|canary|testbed)/|^src/(probe|demo|index)\\.ts$',
  core: '^src/(connectors|discovery|history|cli|watch|scan|canary|testbed)/|^src/(probe|demo|index)\\.ts$',
  connectors: '^src/(analyzer|report|history|discovery|cli|watch|scan|canary|testbed)/|^src/(probe|demo|index)\\.ts$',
};

/** Node built-ins and packages that do I/O: the pure core (analyzer, report) imports none of them. */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|net|tls|dns|dns/promises|dgram|http|https|http2|child_process|readline|worker_threads|cluster)$',
  '^node_modules/(imapflow|better-sqlite3)/',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not import each other, directly or through others: pull the shared part out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'snapshot-is-the-bottom',
      severity: 'error',
      comment: 'src/snapshot is plain data and its load/save: it imports no layer above it.',
      from: { path: '^src/snapshot/' },
      to: { path: above.snapshot },
    },
    {
      name: 'analyzer-not-report',
      severity: 'error',
      comment: 'Findings are data: the analyzer emits ids, evidence and step keys; their words live in src/report.',
      from: { path: '^src/analyzer/' },
      to: { path: '^src/report/' },
    },
    {
      name: 'pure-core-no-io-layers',
      severity: 'error',
      comment: 'The analyzer and the report layer import no connector, no history store and no CLI.',
      from: { path: '^src/(analyzer|report)/' },
      to: { path: above.core },
    },
    {
      name: 'pure-core-no-io-modules',
      severity: 'error',
      comment: 'The analyzer and the report layer never touch the network, files or a database.',
      from: { path: '^src/(analyzer|report)/' },
      to: { dependencyTypes: ['core', 'npm'], path: IO_MODULES },
    },
    {
      name: 'connectors-below-analysis',
      severity: 'error',
      comment: 'Connectors observe and record into a snapshot: no analyzer, report, history, CLI or orchestration.',
      from: { path: '^src/connectors/' },
      to: { path: above.connectors },
    },
    {
      name: 'discovery-beside-connectors',
      severity: 'error',
      comment: 'Discovery finds endpoints and records what it saw: it uses the shared transport (connectors/common.ts, transport.ts) and the snapshot types, nothing above them and no protocol connector.',
      from: { path: '^src/discovery/' },
      to: { path: '^src/(analyzer|report|history|cli|watch|scan|canary|testbed)/|^src/(probe|demo|index|credentials)\\.ts$|^src/connectors/(?!common\\.ts$|transport\\.ts$)' },
    },
    {
      name: 'imapflow-behind-its-adapter',
      severity: 'error',
      comment: 'Only src/connectors/imap/imapflow.ts imports imapflow: every touch of its internals stays in that one adapter.',
      from: { path: '^src/', pathNot: '^src/connectors/imap/imapflow\\.ts$' },
      to: { path: '^node_modules/imapflow/' },
    },
    {
      name: 'cli-is-the-top',
      severity: 'error',
      comment: 'Only src/cli decides exit codes and parses options: nothing else in src/ imports it.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'testbed-only-for-demo',
      severity: 'error',
      comment: 'src/testbed (apt, Dovecot config, certificates) serves the tests, the demo and the benchmarks only.',
      from: { path: '^src/', pathNot: '^src/(testbed/|demo\\.ts$)' },
      to: { path: '^src/testbed/' },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Shipped code does not import tests, benchmarks or build scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'src-not-to-dev-deps',
      severity: 'error',
      comment: 'A devDependency is not installed for the package\'s users: shipped code may not import one.',
      from: { path: '^src/', pathNot: '^src/testbed/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing. The benchmarks import the build (../dist/), which lint does not need.',
      from: {},
      to: { couldNotResolve: true, pathNot: '^\\.\\./dist/' },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package imported without being in package.json works only by luck of hoisting.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: '^node_modules/' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    cache: false,
  },
};
