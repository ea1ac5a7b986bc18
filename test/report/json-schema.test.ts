// report@1 as a JSON Schema file (schema/report.schema.json) for readers outside Node: it is what the zod schema
// says, and real reports of every scenario, and of a check that failed, validate against it with Ajv.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import { reportJsonSchema } from '../../src/report/json-schema.js';
import { render } from '../../src/report/render.js';
import { SCENARIOS, scenario, type ScenarioName } from '../support/snapshot-builder.js';

const file = JSON.parse(readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('schema/report.schema.json', () => {
  it('is the zod schema the CLI validates with (npm run schema writes it)', () => {
    expect(file).toEqual(reportJsonSchema());
  });

  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(file);
  it.each(Object.keys(SCENARIOS) as ScenarioName[])('accepts the JSON report of the %s scenario', (name) => {
    const s = scenario(name);
    const json: unknown = JSON.parse(render(buildReport(s, analyze(s), { answers: { devices: 2, offline: false } }), 'json'));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a report that breaks the contract', () => {
    const s = scenario('mixed');
    const json = JSON.parse(render(buildReport(s, analyze(s)), 'json')) as { status: string; findings: { id: string }[] };
    expect(validate({ ...json, status: 'fine' })).toBe(false);
    expect(validate({ ...json, findings: [{ ...json.findings[0], id: 'Not Kebab' }] })).toBe(false);
  });
});
