// Baseline: node-pop3 0.11 reading the same UIDL+LIST (its UIDL() logs in with USER/PASS itself).
import { readFileSync } from 'node:fs';
import Pop3Command from 'node-pop3';

const env = process.env;
const pop3 = new Pop3Command({
  host: env.BENCH_HOST,
  port: Number(env.BENCH_PORT),
  tls: true,
  user: env.BENCH_USER,
  password: env.BENCH_PASSWORD,
  timeout: 60_000,
  tlsOptions: { ca: readFileSync(env.BENCH_CA, 'utf8') },
});
const uidl = await pop3.UIDL();
const [, stream] = await pop3.command('LIST');
const list = Pop3Command.listify(await Pop3Command.stream2String(stream));
await pop3.QUIT();
if (uidl.length !== list.length) throw new Error(`UIDL ${uidl.length} vs LIST ${list.length}`);
process.stdout.write(`${JSON.stringify({ messages: list.length })}\n`);
