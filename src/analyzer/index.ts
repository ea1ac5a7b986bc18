// The analyzer's public API.
export { analyze, type AnalyzeOptions } from './run.js';
export { RULES, type RuleId, type RuleOptionOverrides } from './registry.js';
export { defineRule } from './define-rule.js';
export { FINDING_TEXT, SIGN_TEXT, POP_SIGN_LABEL, PROBE_ERROR_TEXT, DISAGREE_REASON_TEXT, TLS_PROBLEM_TEXT, PROTOCOL_NAME } from './wording.js';
export { recommend, measuredFrom, renderRecommendation, type CustomerAnswers, type Measured, type Recommendation } from './recommend.js';
export * from './types.js';
