// The analyzer's public API.
export { analyze, type AnalyzeOptions } from './run.js';
export { RULES, type RuleId, type RuleOptionOverrides } from './registry.js';
export * from './types.js';
