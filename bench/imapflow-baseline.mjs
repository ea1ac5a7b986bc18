// Baseline: what a naive tool does — fetch uid, flags, INTERNALDATE, size and the envelope (Message-ID) of every
// INBOX message with imapflow. Env: BENCH_HOST, BENCH_PORT, BENCH_USER, BENCH_PASSWORD, BENCH_CA (file).
import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';

const env = process.env;
const client = new ImapFlow({
  host: env.BENCH_HOST,
  port: Number(env.BENCH_PORT),
  secure: true,
  auth: { user: env.BENCH_USER, pass: env.BENCH_PASSWORD },
  tls: { ca: readFileSync(env.BENCH_CA, 'utf8') },
  logger: false,
  clientInfo: { name: 'maildoctor-bench-baseline' },
});
client.on('error', (e) => {
  console.error(`imapflow error: ${e.message}`);
  process.exit(1);
});
await client.connect();
await client.mailboxOpen('INBOX', { readOnly: true });
let count = 0;
let newest = 0;
for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true, envelope: true })) {
  count++;
  const t = m.internalDate ? new Date(m.internalDate).getTime() : 0;
  if (t > newest) newest = t;
  if (!m.envelope?.messageId) throw new Error(`no Message-ID for uid ${m.uid}`);
}
await client.logout();
process.stdout.write(`${JSON.stringify({ messages: count, newest: new Date(newest).toISOString() })}\n`);
