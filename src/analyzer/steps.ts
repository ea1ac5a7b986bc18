// step(): how a rule names what to do, as a key with typed parameters (the words are in src/report/steps.ts).
import type { StepKey, StepParamsMap, StepRef } from './types.js';

type NoParams<K extends StepKey> = StepParamsMap[K] extends Record<string, never> ? K : never;
type ParamKeys = Exclude<StepKey, { [K in StepKey]: NoParams<K> }[StepKey]>;

/** step('quota-raise') or step('quota-clean', { folders }). */
export function step<K extends StepKey>(
  key: K,
  ...params: K extends ParamKeys ? [StepParamsMap[K]] : []
): StepRef {
  return { key, params: (params[0] ?? {}) as StepParamsMap[K] } as StepRef;
}
