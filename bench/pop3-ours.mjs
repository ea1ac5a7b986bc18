// POP3 UIDL+LIST alone with maildoctor's own client (dist/connectors/pop3): connect (implicit TLS), USER/PASS,
// CAPA, UIDL and LIST (pipelined when the server offers PIPELINING), QUIT. Env as in imapflow-baseline.mjs.
import { readFileSync } from 'node:fs';
import { Pop3Client } from '../dist/connectors/pop3/client.js';

const env = process.env;
const c = new Pop3Client({ host: env.BENCH_HOST, port: Number(env.BENCH_PORT), transport: 'implicit', ca: readFileSync(env.BENCH_CA, 'utf8'), timeoutMs: 60_000 });
await c.connect();
await c.login(env.BENCH_USER, env.BENCH_PASSWORD);
// As the probe does: CAPA after login tells the client whether it may pipeline UIDL and LIST.
await c.capa();
const uidl = await c.uidl();
const list = await c.list();
await c.quit();
if (!uidl || uidl.length !== list.length) throw new Error(`UIDL ${uidl?.length} vs LIST ${list.length}`);
process.stdout.write(`${JSON.stringify({ messages: list.length })}\n`);
