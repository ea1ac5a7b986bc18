// `npm run schema`: writes schema/report.schema.json from the built zod schema (run `npm run build` first;
// `npm run schema` does). test/report/json-schema.test.ts fails while the file in the repository differs.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportJsonSchema } from '../dist/report/json-schema.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'report.schema.json');
writeFileSync(out, `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
process.stderr.write(`wrote ${out}\n`);
