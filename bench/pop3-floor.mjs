// The server's floor for POP3 UIDL+LIST: a minimal TLS session that only counts bytes and looks for the end
// of each reply, no parsing at all. Whatever our client takes beyond this is client overhead; the rest is
// Dovecot (its first command after login reads the size of every message). Env as in imapflow-baseline.mjs.
import tls from 'node:tls';
import { readFileSync } from 'node:fs';

const env = process.env;
const s = tls.connect({ host: env.BENCH_HOST, port: Number(env.BENCH_PORT), ca: readFileSync(env.BENCH_CA, 'utf8') });
let tail = '';
let lines = 0;
let wake = null;
s.on('data', (d) => {
  for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
  tail = (tail + d.toString('latin1', Math.max(0, d.length - 8))).slice(-8);
  wake?.();
});
s.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
const reply = (multi) =>
  new Promise((resolve) => {
    const check = () => {
      if (multi ? tail.endsWith('\r\n.\r\n') : tail.endsWith('\r\n')) {
        wake = null;
        tail = '';
        resolve();
      }
    };
    wake = check;
    check();
  });
await reply(false);
s.write(`USER ${env.BENCH_USER}\r\n`);
await reply(false);
s.write(`PASS ${env.BENCH_PASSWORD}\r\n`);
await reply(false);
const before = lines;
s.write('UIDL\r\n');
await reply(true);
s.write('LIST\r\n');
await reply(true);
s.write('QUIT\r\n');
await reply(false);
s.end();
// Two status lines and two terminating dots around the two listings.
process.stdout.write(`${JSON.stringify({ messages: (lines - before - 5) / 2 })}\n`);
