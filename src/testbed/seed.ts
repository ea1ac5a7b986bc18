// Filling a testbed mailbox: Maildir files written directly (fast, any INTERNALDATE and flags), and real
// delivery through Dovecot's LMTP (quota checks, mail_log lines).
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchownSync,
  futimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  chownSync,
  writeFileSync,
  writeSync,
  renameSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { mailOwner } from './dovecot.js';
import type { SeedMessage, TestAccount, TestbedEndpoints, TestbedInfo, TestUser } from './types.js';

const SYSTEM_FLAG_LETTERS: Record<string, string> = {
  '\\draft': 'D',
  '\\flagged': 'F',
  '\\answered': 'R',
  '\\seen': 'S',
  '\\deleted': 'T',
};

/** IMAP modified UTF-7 (RFC 3501 5.1.3), as Dovecot stores folder names on disk. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const buf = Buffer.alloc(pending.length * 2);
    pending.forEach((c, i) => buf.writeUInt16BE(c, i * 2));
    out += `&${buf.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? '&-' : name[i];
    } else {
      pending.push(c);
    }
  }
  flush();
  return out;
}

/** Directory of an IMAP folder in the Maildir++ layout ('INBOX' = the Maildir itself, 'A/B' = .A.B). */
export function folderDir(maildir: string, folder: string): string {
  if (folder.toUpperCase() === 'INBOX') return maildir;
  return join(maildir, `.${folder.split('/').map(encodeMailboxName).join('.')}`);
}

let seq = 0;
const host = hostname().replace(/[/:.]/g, '_') || 'testbed';

function rfc2822Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** The raw message (LF line endings, as Dovecot stores Maildir files). */
export function buildMessage(m: SeedMessage, index: number): string {
  const date = m.date ?? new Date();
  const messageId = m.messageId ?? `<seed.${Date.now().toString(36)}.${index}.${randomBytes(4).toString('hex')}@testbed.invalid>`;
  const headers = [
    `Return-Path: <${m.from ?? 'sender@example.com'}>`,
    `From: ${m.from ?? 'Sender <sender@example.com>'}`,
    `To: ${m.to ?? 'Recipient <recipient@example.com>'}`,
    `Subject: ${m.subject ?? `Test message ${index}`}`,
    `Date: ${rfc2822Date(date)}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
  ];
  const want = m.bodyBytes ?? 200;
  const line = 'The quick brown fox jumps over the lazy dog 0123456789.';
  const lines: string[] = [];
  let size = 0;
  while (size < want) {
    const l = want - size >= line.length + 1 ? line : line.slice(0, Math.max(0, want - size - 1));
    lines.push(l);
    size += l.length + 1;
  }
  return `${headers.join('\n')}\n\n${lines.join('\n')}\n`;
}

function ensureFolder(maildir: string, folder: string, uid: number, gid: number): string {
  const dir = folderDir(maildir, folder);
  const isInbox = dir === maildir;
  for (const d of [maildir, dir, join(dir, 'cur'), join(dir, 'new'), join(dir, 'tmp')]) {
    if (!existsSync(d)) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      chownSync(d, uid, gid);
    }
  }
  if (!isInbox) {
    const marker = join(dir, 'maildirfolder');
    if (!existsSync(marker)) {
      writeFileSync(marker, '');
      chownSync(marker, uid, gid);
    }
    subscribe(maildir, folder, uid, gid);
  }
  return dir;
}

function subscribe(maildir: string, imapName: string, uid: number, gid: number): void {
  // The subscriptions file holds storage names: Maildir++ hierarchy separator '.', modified UTF-7.
  const folder = imapName.split('/').map(encodeMailboxName).join('.');
  const file = join(maildir, 'subscriptions');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n');
  if (lines.includes(folder)) return;
  // Dovecot 2.3 reads both the old format (one name a line) and its "V\t2" format (header, empty line, names).
  const next = `${text}${text && !text.endsWith('\n') ? '\n' : ''}${folder}\n`;
  const tmp = `${file}.seed-${process.pid}`;
  writeFileSync(tmp, next);
  chownSync(tmp, uid, gid);
  renameSync(tmp, file);
}

/** Keyword letters (a, b, ...) for this folder's dovecot-keywords file, adding new keywords as needed. */
function keywordLetters(dir: string, keywords: Set<string>, uid: number, gid: number): Map<string, string> {
  const file = join(dir, 'dovecot-keywords');
  const byName = new Map<string, number>();
  if (existsSync(file)) {
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      const m = /^(\d+) (.+)$/.exec(l);
      if (m) byName.set(m[2]!, Number(m[1]));
    }
  }
  let changed = false;
  for (const k of keywords) {
    if (byName.has(k)) continue;
    const used = new Set(byName.values());
    let i = 0;
    while (used.has(i)) i++;
    if (i >= 26) throw new Error('a Maildir folder holds at most 26 keywords');
    byName.set(k, i);
    changed = true;
  }
  if (changed) {
    const text = [...byName.entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([k, i]) => `${i} ${k}`)
      .join('\n');
    writeFileSync(file, `${text}\n`);
    chownSync(file, uid, gid);
  }
  const out = new Map<string, string>();
  for (const [k, i] of byName) out.set(k, String.fromCharCode(97 + i));
  return out;
}

export interface SeedResult {
  /** File names written, in arrival (UID) order. */
  files: string[];
  /** Message-ID header values, in the same order. */
  messageIds: string[];
  /** Virtual (CRLF) sizes = IMAP RFC822.SIZE, in the same order. */
  sizes: number[];
}

/**
 * Write messages straight into a Maildir folder's cur/ (INBOX or e.g. 'Junk', 'Archive/2024'). Arrival order
 * (and so UID order) is the array order; messages seeded later get higher UIDs. Synchronous writes: ~5k
 * messages in well under a second.
 */
export function seedMaildir(info: TestbedInfo, user: TestUser | string, folder: string, messages: SeedMessage[]): SeedResult {
  const maildir = typeof user === 'string' ? join(info.homesDir, user, 'Maildir') : user.maildir;
  return seedMaildirAs(maildir, folder, messages, mailOwner());
}

/** seedMaildir for any server's Maildir++ (Dovecot, Courier): files owned by `owner`. */
export function seedMaildirAs(maildir: string, folder: string, messages: SeedMessage[], owner: { uid: number; gid: number }): SeedResult {
  const { uid, gid } = owner;
  const dir = ensureFolder(maildir, folder, uid, gid);
  const allKeywords = new Set<string>();
  for (const m of messages) for (const k of m.keywords ?? []) allKeywords.add(k);
  const letters = allKeywords.size > 0 ? keywordLetters(dir, allKeywords, uid, gid) : new Map<string, string>();
  const cur = join(dir, 'cur');
  // One timestamp for the batch; the M<n> part grows so Dovecot's name sort (secs, then M usecs) keeps our order.
  const ts = Math.floor(Date.now() / 1000);
  const res: SeedResult = { files: [], messageIds: [], sizes: [] };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const raw = buildMessage(m, i);
    const body = Buffer.from(raw, 'utf8');
    let lf = 0;
    for (let j = 0; j < body.length; j++) if (body[j] === 0x0a) lf++;
    const vsize = body.length + lf;
    let flagLetters = '';
    for (const f of m.flags ?? []) {
      const l = SYSTEM_FLAG_LETTERS[f.toLowerCase()];
      if (!l) throw new Error(`unknown system flag ${f} (keywords go in keywords)`);
      if (!flagLetters.includes(l)) flagLetters += l;
    }
    flagLetters = [...flagLetters].sort().join('');
    const kw = [...new Set((m.keywords ?? []).map((k) => letters.get(k)!))].sort().join('');
    const n = ++seq;
    const name = `${ts}.M${String(n).padStart(9, '0')}P${process.pid}.${host},S=${body.length},W=${vsize}:2,${flagLetters}${kw}`;
    const file = join(cur, name);
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, body);
      const when = (m.date ?? new Date()).getTime() / 1000;
      futimesSync(fd, when, when);
      fchownSync(fd, uid, gid);
    } finally {
      closeSync(fd);
    }
    res.files.push(name);
    res.messageIds.push(/^Message-ID: (.*)$/m.exec(raw)![1]!);
    res.sizes.push(vsize);
  }
  return res;
}

/** Create an empty folder (with subscription) without messages. */
export function createFolder(info: TestbedInfo, user: TestUser | string, folder: string): void {
  const maildir = typeof user === 'string' ? join(info.homesDir, user, 'Maildir') : user.maildir;
  const { uid, gid } = mailOwner();
  ensureFolder(maildir, folder, uid, gid);
}

export interface LmtpReply {
  code: number;
  /** The reply text (lines joined with '\n', codes stripped). */
  text: string;
}

/**
 * Deliver one message through a testbed's LMTP, Dovecot's or Cyrus's (real delivery: quota, mail_log, Sieve-less
 * INBOX). Returns the reply that decided the delivery: the first failure (MAIL/RCPT/DATA) or the final DATA reply.
 */
export async function deliverLmtp(
  info: Pick<TestbedEndpoints, 'host' | 'ports'>,
  rcptUser: TestAccount | string,
  message: string | SeedMessage,
  opts: { timeoutMs?: number; from?: string } = {},
): Promise<LmtpReply> {
  const rcpt = typeof rcptUser === 'string' ? rcptUser : rcptUser.user;
  const raw = typeof message === 'string' ? message : buildMessage(message, seq++);
  const ms = opts.timeoutMs ?? 10_000;
  const sock = net.connect({ host: info.host, port: info.ports.lmtp });
  sock.setEncoding('utf8');
  let buf = '';
  let failure: Error | null = null;
  let waiter: (() => void) | null = null;
  sock.on('data', (d: string) => {
    buf += d;
    waiter?.();
  });
  sock.on('error', (e) => {
    failure = e;
    waiter?.();
  });
  sock.on('close', () => {
    failure ??= new Error('LMTP connection closed');
    waiter?.();
  });
  const reply = (step: string): Promise<LmtpReply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = null;
        reject(new Error(`LMTP ${step}: no reply within ${ms} ms`));
      }, ms);
      const check = () => {
        // A reply is complete when a line has "NNN " (space after the code).
        const lines = buf.split('\r\n');
        for (let i = 0; i < lines.length - 1; i++) {
          if (/^\d{3} /.test(lines[i]!) || /^\d{3}$/.test(lines[i]!)) {
            const used = lines.slice(0, i + 1);
            buf = lines.slice(i + 1).join('\r\n');
            clearTimeout(timer);
            waiter = null;
            resolve({ code: Number(used[i]!.slice(0, 3)), text: used.map((l) => l.slice(4)).join('\n') });
            return;
          }
        }
        if (failure) {
          clearTimeout(timer);
          waiter = null;
          reject(new Error(`LMTP ${step}: ${failure.message}`));
        }
      };
      waiter = check;
      check();
    });
  const send = (line: string) => sock.write(`${line}\r\n`);
  try {
    const greet = await reply('greeting');
    if (greet.code !== 220) return greet;
    send('LHLO testbed.local');
    const lhlo = await reply('LHLO');
    if (lhlo.code !== 250) return lhlo;
    send(`MAIL FROM:<${opts.from ?? 'sender@example.com'}>`);
    const mail = await reply('MAIL');
    if (mail.code !== 250) return mail;
    send(`RCPT TO:<${rcpt}>`);
    const r = await reply('RCPT');
    if (r.code !== 250) return r;
    send('DATA');
    const data = await reply('DATA');
    if (data.code !== 354) return data;
    const crlf = raw.replace(/\r?\n/g, '\r\n');
    const stuffed = crlf.replace(/(^|\r\n)\./g, '$1..');
    sock.write(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    const final = await reply('end of DATA');
    send('QUIT');
    await reply('QUIT').catch(() => undefined);
    return final;
  } finally {
    sock.destroy();
  }
}
