// report@1 as a JSON Schema (draft 2020-12), made from the zod schema the CLI validates with, so the two cannot
// drift: schema/report.schema.json in the repository is this, and a test fails when they differ.
import * as z from 'zod';
import { REPORT_SCHEMA, ReportSchema } from './schema.js';

export function reportJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(ReportSchema);
  return { $schema, $id: `urn:${REPORT_SCHEMA.replace('/', ':')}`, title: `${REPORT_SCHEMA}: the report of maildoctor --format json`, ...rest };
}
