// defineRule(): identity at run time, a typed shape at compile time (the ESLint createRule pattern).
import type { FindingId, Rule, RuleOptions } from './types.js';

export function defineRule<K extends FindingId, O extends RuleOptions>(rule: Rule<K, O>): Rule<K, O> {
  return rule;
}
