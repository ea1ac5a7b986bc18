// `npm run demo`: the main job end to end on an embedded default. Starts a local Dovecot (installed with apt
// when missing and running as root), seeds one account the way a mixed POP3 + IMAP customer has it, runs the
// real `maildoctor check` once, lets the customer's POP3 phone take INBOX, checks again and prints that report
// (the second check proves with history what one probe can only suspect), then stops the server again.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser, doveadm, ensureDovecotInstalled, startTestbed, type Testbed } from './testbed/dovecot.js';
import { createFolder, deliverLmtp, seedMaildir } from './testbed/seed.js';
import type { SeedMessage } from './testbed/types.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function say(line: string): void {
  process.stderr.write(`demo: ${line}\n`);
}

/** The account before the phone's next poll: two months of mail in INBOX, an IMAP laptop, a spam filter. */
async function seedAccount(tb: Testbed) {
  const now = Date.now();
  const u = await addUser(tb, { user: 'demo', quotaStorageBytes: 8 * 1024 * 1024 });
  // Two months of mail arrived in INBOX.
  const old: SeedMessage[] = Array.from({ length: 240 }, (_, i) => ({
    date: new Date(now - (60 - i / 4) * DAY),
    flags: ['\\Seen'],
    subject: `Order ${1000 + i}`,
    bodyBytes: 2_000,
  }));
  seedMaildir(tb, u, 'INBOX', old);
  // The laptop uses IMAP: it sends mail (saved to Sent), files mail away and drafts replies.
  seedMaildir(tb, u, 'Sent', Array.from({ length: 18 }, (_, i) => ({ date: new Date(now - i * 9 * HOUR), flags: ['\\Seen'], bodyBytes: 1_500 })));
  seedMaildir(tb, u, 'Drafts', [{ date: new Date(now - 2 * HOUR), flags: ['\\Draft', '\\Seen'] }]);
  seedMaildir(tb, u, 'Archive', Array.from({ length: 12 }, (_, i) => ({ date: new Date(now - (40 + i) * DAY), flags: ['\\Seen'] })));
  // The server's spam filter put recent mail into Junk, which a POP3 device never sees.
  seedMaildir(tb, u, 'Junk', Array.from({ length: 7 }, (_, i) => ({ date: new Date(now - i * 20 * HOUR), keywords: ['$Junk'], bodyBytes: 3_000 })));
  createFolder(tb, u, 'Trash');
  return u;
}

/** The phone polls: its POP3 client downloads INBOX and deletes it from the server; then new mail arrives. */
async function phonePollsAndMailArrives(tb: Testbed, user: string) {
  // Played here by doveadm expunge; `fetchmail` without --keep does the same to a real account.
  const expunge = await doveadm(tb, ['expunge', '-u', user, 'mailbox', 'INBOX', 'all']);
  if (expunge.code !== 0) throw new Error(`doveadm expunge failed: ${expunge.stderr.trim()}`);
  // Since then: one message the laptop has already answered, and three delivered for real (LMTP).
  seedMaildir(tb, user, 'INBOX', [{ date: new Date(Date.now() - 3 * HOUR), flags: ['\\Seen', '\\Answered'], bodyBytes: 1_800 }]);
  for (let i = 0; i < 3; i++) {
    const reply = await deliverLmtp(tb, user, { subject: `New message ${i + 1}`, bodyBytes: 1_200 });
    if (reply.code !== 250) throw new Error(`LMTP delivery failed: ${reply.code} ${reply.text}`);
  }
}

function runCheck(tb: Testbed, user: string, password: string, history: string, show: boolean): Promise<number> {
  const cli = fileURLToPath(new URL('./cli/main.js', import.meta.url));
  const args = [
    cli,
    'check',
    '--host', tb.host,
    '--imap-port', String(tb.ports.imaps),
    '--pop-port', String(tb.ports.pop3s),
    '--user', user,
    '--ca', tb.caFile,
    '--history', history,
    ...(show ? process.argv.slice(2) : ['--quiet']),
  ];
  if (show) say(`maildoctor ${args.slice(1).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', show ? 'inherit' : 'ignore', 'inherit'],
      env: { ...process.env, MAILDOCTOR_PASSWORD: password },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 3));
  });
}

async function main(): Promise<void> {
  say('making sure Dovecot is installed …');
  ensureDovecotInstalled();
  const tb = await startTestbed();
  let code: number;
  try {
    say(`Dovecot runs on ${tb.host} (IMAPS ${tb.ports.imaps}, POP3S ${tb.ports.pop3s}); seeding account "demo" …`);
    const u = await seedAccount(tb);
    const history = join(tb.root, 'history.db');
    say('the account: a laptop uses IMAP, a spam filter files into Junk, and a phone reads INBOX over POP3.');
    say('first check (recorded in a throwaway history database) …');
    const first = await runCheck(tb, u.user, u.password, history, false);
    if (first === 3) throw new Error('the first check could not run');
    say('the phone polls: it downloads INBOX over POP3 and deletes it from the server; then new mail arrives …');
    await phonePollsAndMailArrives(tb, u.user);
    say('second check:');
    process.stderr.write('\n');
    code = await runCheck(tb, u.user, u.password, history, true);
  } finally {
    await tb.stop();
  }
  const names = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
  process.stderr.write('\n');
  say(`maildoctor exited with ${code} (${names[code] ?? '?'}); the test mailbox is stopped and removed.`);
  // The demo succeeds when the diagnosis ran; CRITICAL is the expected verdict for this account.
  process.exitCode = code === 3 ? 1 : 0;
}

main().catch((err: unknown) => {
  say(`failed: ${(err as Error)?.message ?? String(err)}`);
  process.exitCode = 1;
});
