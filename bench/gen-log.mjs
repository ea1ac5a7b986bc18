#!/usr/bin/env node
// Generates a large Dovecot 2.3 log (log_path format, or syslog with --syslog) for the log parser's
// benchmark: many accounts logging in over IMAP and POP3, mail_log events, LMTP deliveries, a few quota
// refusals and auth failures, and one account ("alice" by default) whose POP3 device polls every 5 minutes and
// deletes what it downloads while an IMAP client logs in from another address.
//
//   node bench/gen-log.mjs --size 1G --out /tmp/big.log [--gzip] [--syslog] [--user alice] [--seed 1]
//   node bench/parse-log.mjs /tmp/big.log --user alice        # then measure (see README "Server logs")
//
// Deterministic for a given seed and size. Plain JavaScript so it runs on Node 20 without a build step.
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(String(s));
  if (!m) throw new Error(`bad --size ${s} (e.g. 50M, 1G)`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]);
}

const size = parseSize(arg('size', '50M'));
const out = arg('out', null);
const gzip = arg('gzip', false) === true;
const syslog = arg('syslog', false) === true;
const target = String(arg('user', 'alice'));
let seed = Number(arg('seed', 1)) >>> 0 || 1;

// xorshift32: fast, deterministic
function rnd() {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
}
const pick = (n) => Math.floor(rnd() * n);

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n) => (n < 10 ? `0${n}` : String(n));
let t = Date.UTC(2025, 9, 1, 0, 0, 0); // Oct 1 (treated as local time text; only the text matters)
function stamp() {
  const d = new Date(t);
  const s = `${MON[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} `;
  return syslog ? `${s}mx1 dovecot: ` : s;
}
const level = syslog ? '' : 'Info: ';
const SESSION = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function session() {
  let s = '';
  for (let i = 0; i < 16; i++) s += SESSION[pick(64)];
  return s;
}

const USERS = 20_000;
const user = (i) => (i % 3 === 0 ? `user${i}@example.com` : `user${i}`);
const ip = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

let pid = 1000;
let nextAlicePoll = t;
let nextAliceImap = t + 3_600_000;
let uid = 1;

function aliceLines() {
  const lines = [];
  if (t >= nextAlicePoll) {
    nextAlicePoll += 300_000;
    const s = session();
    const p = ++pid;
    const n = pick(4);
    lines.push(`${stamp()}pop3-login: ${level}Login: user=<${target}>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.10, mpid=${p}, TLS, session=<${s}>`);
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const size = 2000 + pick(50_000);
      bytes += size;
      lines.push(`${stamp()}pop3(${target})<${p}><${s}>: ${level}expunge: box=INBOX, uid=${uid++}, msgid=<m${uid}@example.org>, size=${size}`);
    }
    lines.push(`${stamp()}pop3(${target})<${p}><${s}>: ${level}Disconnected: Logged out top=0/0, retr=${n}/${bytes + n * 40}, del=${n}/${n}, size=${bytes}`);
  }
  if (t >= nextAliceImap) {
    nextAliceImap += 3_600_000 * (1 + pick(5));
    const s = session();
    const p = ++pid;
    lines.push(`${stamp()}imap-login: ${level}Login: user=<${target}@example.com>, method=PLAIN, rip=203.0.113.20, lip=192.0.2.10, mpid=${p}, TLS, session=<${s}>`);
    lines.push(`${stamp()}imap(${target}@example.com)<${p}><${s}>: ${level}Disconnected: Logged out in=300 out=4000 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0`);
  }
  return lines;
}

function noise() {
  const u = pick(USERS);
  const name = user(u);
  const s = session();
  const p = ++pid;
  const r = rnd();
  if (r < 0.3) {
    return [
      `${stamp()}imap-login: ${level}Login: user=<${name}>, method=PLAIN, rip=${ip(u)}, lip=192.0.2.10, mpid=${p}, TLS, session=<${s}>`,
      `${stamp()}imap(${name})<${p}><${s}>: ${level}Disconnected: Logged out in=${pick(5000)} out=${pick(90000)} deleted=${pick(3)} expunged=${pick(3)} trashed=${pick(2)} hdr_count=0 hdr_bytes=0 body_count=${pick(9)} body_bytes=${pick(200000)}`,
    ];
  }
  if (r < 0.5) {
    const n = pick(3);
    return [
      `${stamp()}pop3-login: ${level}Login: user=<${name}>, method=PLAIN, rip=${ip(u)}, lip=192.0.2.10, mpid=${p}, TLS, session=<${s}>`,
      `${stamp()}pop3(${name})<${p}><${s}>: ${level}Disconnected: Logged out top=0/0, retr=${n}/${n * 9000}, del=0/${20 + n}, size=${(20 + n) * 9000}`,
    ];
  }
  if (r < 0.85) {
    return [
      `${stamp()}lmtp(${p}): ${level}Connect from local`,
      `${stamp()}lmtp(${name})<${p}><${s}>: ${level}save: box=INBOX, uid=${pick(99999)}, msgid=<${s}@mail.example.net>, size=${1000 + pick(90000)}`,
      `${stamp()}lmtp(${name})<${p}><${s}>: ${level}msgid=<${s}@mail.example.net>: saved mail to INBOX`,
      `${stamp()}lmtp(${p}): ${level}Disconnect from local: Logged out (state=READY)`,
    ];
  }
  if (r < 0.97) {
    return [`${stamp()}imap(${name})<${p}><${s}>: ${level}flag_change: box=INBOX, uid=${pick(99999)}, msgid=<${s}@mail.example.net>, size=${1000 + pick(90000)}`];
  }
  if (r < 0.99) {
    return [`${stamp()}lmtp(${name})<${p}><${s}>: ${level}msgid=<${s}@mail.example.net>: save failed to INBOX: Quota exceeded (mailbox for user is full)`];
  }
  if (r < 0.995) {
    return [`${stamp()}pop3-login: ${level}Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): user=<${name}>, method=PLAIN, rip=${ip(u)}, lip=192.0.2.10, TLS, session=<${s}>`];
  }
  return ['-- garbage: a line cut by rotation in the middle of a w'];
}

const file = out ? createWriteStream(out) : process.stdout;
const sink = gzip ? createGzip({ level: 6 }) : file;
if (gzip) sink.pipe(file);

// Sizes count the uncompressed text, so --gzip gives the same log, compressed.
let written = 0;
let chunk = [];
let chunkBytes = 0;
const started = Date.now();
while (written < size) {
  t += 1 + pick(1600); // ~0.8 s per step (~2.6 log lines): about a month for 1 GB
  const lines = aliceLines();
  for (const l of noise()) lines.push(l);
  for (const l of lines) {
    chunk.push(l);
    chunkBytes += l.length + 1;
  }
  if (chunkBytes >= 1 << 20) {
    const text = `${chunk.join('\n')}\n`;
    written += chunkBytes;
    chunk = [];
    chunkBytes = 0;
    if (!sink.write(text)) await once(sink, 'drain');
  }
}
if (chunk.length) sink.write(`${chunk.join('\n')}\n`), (written += chunkBytes);
sink.end();
await once(file === process.stdout ? sink : file, 'finish');
process.stderr.write(`gen-log: ${(written / 1024 ** 2).toFixed(0)} MiB of log text${gzip ? ' (gzip)' : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
