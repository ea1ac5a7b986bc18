// Real mail clients playing a customer's devices against the testbed: Debian's fetchmail as a POP3 device
// (deleting after download, or leaving mail on the server), mbsync as a laptop keeping an offline IMAP copy,
// and imapflow acting like a desktop mail client over IMAP (reads, replies with a copy in Sent, forwards, files
// into folders, drafts, "mark as deleted").
// New mail arrives through deliverLmtp (real delivery); old history comes from seedMaildir.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import type { TestAccount, TestbedEndpoints } from '../../src/testbed/types.js';

// ---------------------------------------------------------------------------------------------------------
// POP3 device: fetchmail
// ---------------------------------------------------------------------------------------------------------

export interface FetchmailOptions {
  /** Leave mail on the server (fetchmail `keep`); false deletes after download (`nokeep`, its default). */
  keep: boolean;
  /** Default: the testbed's pop3s port (implicit TLS) or pop3 port (STLS), after `tls`. */
  port?: number;
  tls?: 'implicit' | 'starttls';
  /**
   * Download every message on each poll (`fetchall`). Default: true without keep; with keep false, so the
   * device behaves like a leave-on-server client: fetchmail remembers the UIDLs it has downloaded in
   * FETCHMAILHOME/.fetchids and fetches only new mail on the next poll (give `home` to keep that memory).
   */
  fetchall?: boolean;
  /** The device's state directory (FETCHMAILHOME), kept across polls; default a fresh one removed afterwards. */
  home?: string;
  /** Local delivery command; default discards what was downloaded. */
  mda?: string;
  /** Deadline for the whole fetchmail run (default 30 s); the process is killed after it. */
  timeoutMs?: number;
}

export interface FetchmailResult {
  /** fetchmail's exit code: 0 mail retrieved, 1 no mail (both fine), anything else an error. */
  code: number;
  stdout: string;
  stderr: string;
  /** Messages read from the server in this poll ("reading message … of N" lines). */
  downloaded: number;
  /** Of those, deleted on the server ("flushed"). */
  flushed: number;
  /** What the server announced ("N messages for …"), or 0 when it said there is no mail. */
  onServer: number;
}

/** fetchmail's string syntax: double quotes, backslash escapes. */
function rcString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function fetchmailRc(tb: TestbedEndpoints, user: TestAccount, opts: FetchmailOptions): string {
  const tls = opts.tls ?? 'implicit';
  const port = opts.port ?? (tls === 'implicit' ? tb.ports.pop3s : tb.ports.pop3);
  const fetchall = opts.fetchall ?? !opts.keep;
  // The testbed certificate names IP:127.0.0.1, but fetchmail 6.4 matches the host only against DNS names
  // ("Server CommonName mismatch: localhost != 127.0.0.1"), so we connect to the IP and tell it which name to
  // expect (sslcommonname localhost = the certificate's DNS SAN): the chain and the name are still verified.
  const tlsOptions = [
    ...(tls === 'implicit' ? ['ssl'] : ['sslproto "TLS1.2+"']), // without `ssl`, sslproto TLS1.2+ requires STLS
    'sslcertck',
    `sslcertfile ${rcString(tb.caFile)}`,
    'sslcommonname "localhost"',
  ];
  return [
    'set no bouncemail',
    'set no syslog',
    `poll ${tb.host} with proto POP3 port ${port} timeout 15`,
    `  user ${rcString(user.user)} there with password ${rcString(user.password)} is ${rcString(userInfo().username)} here`,
    `  options ${[...tlsOptions, opts.keep ? 'keep' : 'nokeep', fetchall ? 'fetchall' : 'no fetchall'].join(' ')}`,
    `  mda ${rcString(opts.mda ?? '/bin/cat >/dev/null')}`,
    '',
  ].join('\n');
}

function parseFetchmailOutput(text: string): Pick<FetchmailResult, 'downloaded' | 'flushed' | 'onServer'> {
  let downloaded = 0;
  let flushed = 0;
  let onServer = 0;
  for (const line of text.split('\n')) {
    const announce = /^(\d+) messages? (?:\(\d+ seen\) )?for /.exec(line);
    if (announce) onServer = Number(announce[1]);
    if (/^reading message \S+ of \d+ /.test(line)) {
      downloaded++;
      if (/ flushed\s*$/.test(line) && !/ not flushed\s*$/.test(line)) flushed++;
    }
  }
  return { downloaded, flushed, onServer };
}

interface Spawned {
  done: Promise<FetchmailResult>;
  kill(): void;
}

function spawnFetchmail(tb: TestbedEndpoints, user: TestAccount, opts: FetchmailOptions, home: string): Spawned {
  const rc = join(home, 'fetchmailrc');
  // The password lives only in this 0600 file (fetchmail refuses a group/world-readable rcfile anyway).
  writeFileSync(rc, fetchmailRc(tb, user, opts), { mode: 0o600 });
  const ms = opts.timeoutMs ?? 30_000;
  // Its own lock file: as root fetchmail would otherwise share /var/run/fetchmail.pid with every other run.
  const child = spawn('fetchmail', ['--nodetach', '--nosyslog', '--pidfile', join(home, 'fetchmail.pid'), '-f', rc], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, FETCHMAILHOME: home, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<FetchmailResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fetchmail for ${user.user} did not finish within ${ms} ms\n${stdout}${stderr}`));
    }, ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ...parseFetchmailOutput(stdout) });
    });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

function checked(r: FetchmailResult, user: TestAccount): FetchmailResult {
  if (r.code !== 0 && r.code !== 1) {
    throw new Error(`fetchmail for ${user.user} failed with exit ${r.code}:\n${r.stdout}${r.stderr}`.trimEnd());
  }
  return r;
}

/**
 * One POP3 poll with fetchmail, the way a customer's POP device downloads mail. Throws on any exit other than
 * 0 (mail retrieved) or 1 (no mail). Without `home` it runs in a fresh FETCHMAILHOME removed afterwards.
 */
export async function runFetchmail(tb: TestbedEndpoints, user: TestAccount, opts: FetchmailOptions): Promise<FetchmailResult> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'md-fetchmail-'));
  try {
    return checked(await spawnFetchmail(tb, user, opts, home).done, user);
  } finally {
    if (!opts.home) rmSync(home, { recursive: true, force: true });
  }
}

export interface PopDevice {
  /** The device's FETCHMAILHOME (its .fetchids remembers what it downloaded). */
  readonly home: string;
  poll(): Promise<FetchmailResult>;
  dispose(): void;
}

/** A POP device that polls repeatedly with the same state (what fetchmail in a cron job or a daemon does). */
export function popDevice(tb: TestbedEndpoints, user: TestAccount, opts: Omit<FetchmailOptions, 'home'>): PopDevice {
  const home = mkdtempSync(join(tmpdir(), 'md-popdev-'));
  return {
    home,
    poll: () => runFetchmail(tb, user, { ...opts, home }),
    dispose: () => rmSync(home, { recursive: true, force: true }),
  };
}

export interface HeldPopSession {
  /** The fetchmail run; settles after release(). */
  release(): Promise<FetchmailResult>;
}

/**
 * A POP3 device caught in the middle of a download: fetchmail logs in and retrieves the first message, and its
 * MDA blocks until release(), so the POP3 session (and, with pop3_lock_session, the mailbox lock) stays held.
 * Resolves once the session is logged in and busy. INBOX must hold at least one message.
 */
export async function holdPopSession(tb: TestbedEndpoints, user: TestAccount, opts: { keep?: boolean; timeoutMs?: number } = {}): Promise<HeldPopSession> {
  const home = mkdtempSync(join(tmpdir(), 'md-pophold-'));
  const busy = join(home, 'in-mda');
  const go = join(home, 'release');
  const mda = `/bin/cat >/dev/null; : > ${busy}; while [ ! -e ${go} ]; do sleep 0.05; done`;
  const run = spawnFetchmail(tb, user, { keep: opts.keep ?? true, fetchall: true, mda, timeoutMs: opts.timeoutMs ?? 90_000 }, home);
  const cleanup = () => rmSync(home, { recursive: true, force: true });
  const state: { settled: FetchmailResult | Error | null } = { settled: null };
  run.done.then(
    (r) => (state.settled = r),
    (e: Error) => (state.settled = e),
  );
  const deadline = Date.now() + 15_000;
  while (!existsSync(busy)) {
    const settled = state.settled;
    if (settled !== null || Date.now() > deadline) {
      run.kill();
      cleanup();
      const detail = settled instanceof Error ? settled.message : settled ? `${settled.stdout}${settled.stderr}` : 'timeout';
      throw new Error(`holdPopSession: fetchmail for ${user.user} never reached the MDA: ${detail}`);
    }
    await sleep(25);
  }
  return {
    release: async () => {
      writeFileSync(go, '');
      try {
        return checked(await run.done, user);
      } finally {
        cleanup();
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// IMAP device: mbsync (isync) keeping a laptop's local Maildir in step with the server
// ---------------------------------------------------------------------------------------------------------

export interface MbsyncOptions {
  /**
   * The laptop's local store (a Maildir tree), kept across syncs; default a fresh one removed afterwards.
   */
  dir?: string;
  /** mbsync's Sync: 'pull' copies the server's mail and flags down only; 'all' also sends local changes up. */
  sync?: 'pull' | 'all';
  /** Deadline for the whole run (default 30 s); mbsync is killed after it. */
  timeoutMs?: number;
}

export interface MbsyncResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Messages in the local copy after the sync, per folder as mbsync names it (INBOX, Sent, INBOX.Junk …). */
  local: Record<string, number>;
}

/** mbsync's string syntax: double quotes, backslash escapes. */
const mbString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function mbsyncRc(tb: TestbedEndpoints, user: TestAccount, store: string, sync: 'pull' | 'all'): string {
  return [
    'IMAPAccount laptop',
    // isync matches the certificate's DNS names only; the testbed certificate names localhost (loopback).
    'Host localhost',
    `Port ${tb.ports.imaps}`,
    `User ${mbString(user.user)}`,
    `Pass ${mbString(user.password)}`,
    'SSLType IMAPS',
    `CertificateFile ${mbString(tb.caFile)}`,
    'AuthMechs PLAIN LOGIN',
    'Timeout 15',
    '',
    'IMAPStore server',
    'Account laptop',
    '',
    'MaildirStore laptop',
    `Path ${mbString(`${store}/`)}`,
    `Inbox ${mbString(join(store, 'INBOX'))}`,
    'SubFolders Verbatim',
    '',
    'Channel laptop',
    'Far :server:',
    'Near :laptop:',
    'Patterns *',
    'Create Near',
    'Expunge None',
    `Sync ${sync === 'pull' ? 'Pull' : 'All'}`,
    'SyncState *',
    '',
  ].join('\n');
}

/** Messages in each Maildir folder under `store` (cur + new), by folder name relative to it. */
function localCounts(store: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string, name: string) => {
    if (existsSync(join(dir, 'cur'))) {
      out[name] = ['cur', 'new'].reduce((n, sub) => n + (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).length : 0), 0);
    }
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && !['cur', 'new', 'tmp'].includes(e.name)) walk(join(dir, e.name), name ? `${name}/${e.name}` : e.name);
    }
  };
  if (existsSync(store)) walk(store, '');
  return out;
}

/**
 * One sync of a laptop's mail with mbsync, the way a customer's IMAP device keeps an offline copy: every folder,
 * selected (not examined) on the server, mail and flags copied down. Throws unless mbsync exits 0.
 */
export async function runMbsync(tb: TestbedEndpoints, user: TestAccount, opts: MbsyncOptions = {}): Promise<MbsyncResult> {
  const home = mkdtempSync(join(tmpdir(), 'md-mbsync-'));
  const store = opts.dir ?? join(home, 'mail');
  mkdirSync(store, { recursive: true });
  const rc = join(home, 'mbsyncrc');
  // The password lives only in this 0600 file.
  writeFileSync(rc, mbsyncRc(tb, user, store, opts.sync ?? 'pull'), { mode: 0o600 });
  const ms = opts.timeoutMs ?? 30_000;
  try {
    const child = spawn('mbsync', ['-c', rc, '-a'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`mbsync for ${user.user} did not finish within ${ms} ms\n${stdout}${stderr}`));
      }, ms);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c ?? -1);
      });
    });
    if (code !== 0) throw new Error(`mbsync for ${user.user} failed with exit ${code}:\n${stdout}${stderr}`.trimEnd());
    return { code, stdout, stderr, local: localCounts(store) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// IMAP mail client: imapflow acting like Thunderbird on a laptop
// ---------------------------------------------------------------------------------------------------------

interface OutgoingMessage {
  subject?: string;
  to?: string;
  /** Default now. */
  date?: Date;
  inReplyTo?: string;
  bodyBytes?: number;
}

export interface MailClient {
  /** The live connection, for anything the helpers do not cover. */
  readonly imap: ImapFlow;
  readonly address: string;
  /** Create the folder unless it exists (Thunderbird creates Sent/Drafts/Archive on first use). */
  ensureFolder(path: string): Promise<void>;
  /** UIDs in INBOX, oldest first. */
  inboxUids(): Promise<number[]>;
  /** Open INBOX and read every unread message (sets \Seen, as opening a message in the client does). */
  readInbox(): Promise<number>;
  /** Reply to INBOX messages: a copy of each reply is saved to Sent (\Seen, dated now), the original gets \Answered. */
  reply(uids: number[]): Promise<void>;
  /** Forward INBOX messages: copy in Sent, $Forwarded on the original. */
  forward(uids: number[]): Promise<void>;
  /** Save a sent message to Sent with \Seen (what the client does after SMTP submission). */
  appendSent(msg?: OutgoingMessage): Promise<void>;
  /** Save a draft to Drafts with \Draft \Seen. */
  saveDraft(msg?: OutgoingMessage): Promise<void>;
  /** Move INBOX messages to a folder (created if missing): filing into Archive or a filter folder. */
  moveFromInbox(uids: number[], folder: string): Promise<void>;
  /** Flag INBOX messages \Deleted without expunging them (the "mark as deleted" delete model). */
  markDeleted(uids: number[]): Promise<void>;
}

function composeMessage(from: string, msg: OutgoingMessage): string {
  const date = msg.date ?? new Date();
  const id = `<${Date.now().toString(36)}.${randomBytes(6).toString('hex')}@laptop.example.com>`;
  const body = 'Thanks, see you on Monday.\r\n'.repeat(Math.max(1, Math.ceil((msg.bodyBytes ?? 120) / 28)));
  const headers = [
    `From: ${from}`,
    `To: ${msg.to ?? 'Friend <friend@example.org>'}`,
    `Subject: ${msg.subject ?? 'Hello'}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: ${id}`,
    ...(msg.inReplyTo ? [`In-Reply-To: ${msg.inReplyTo}`, `References: ${msg.inReplyTo}`] : []),
    'User-Agent: maildoctor-test-laptop',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

class ImapMailClient implements MailClient {
  readonly address: string;
  private known = new Set<string>();

  constructor(
    readonly imap: ImapFlow,
    user: TestAccount,
  ) {
    this.address = `${user.user}@example.com`;
  }

  /**
   * A folder's full name as a mail app makes it: under the server's personal namespace prefix (Courier's
   * `INBOX.`; none on Dovecot and the testbed's Cyrus), as Thunderbird does.
   */
  path(folder: string): string {
    const prefix = this.imap.namespace?.prefix ?? '';
    if (folder.toUpperCase() === 'INBOX' || !prefix || folder.startsWith(prefix)) return folder;
    return `${prefix}${folder}`;
  }

  async ensureFolder(folder: string): Promise<void> {
    const path = this.path(folder);
    if (this.known.has(path)) return;
    const list = await this.imap.list();
    if (!list.some((f) => f.path === path)) await this.imap.mailboxCreate(path);
    this.known.add(path);
  }

  private async inInbox<T>(fn: () => Promise<T>): Promise<T> {
    const lock = await this.imap.getMailboxLock('INBOX');
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  inboxUids(): Promise<number[]> {
    return this.inInbox(async () => {
      const uids = await this.imap.search({ all: true }, { uid: true });
      if (!uids) throw new Error('UID SEARCH ALL failed in INBOX');
      return [...uids].sort((a, b) => a - b);
    });
  }

  readInbox(): Promise<number> {
    return this.inInbox(async () => {
      const unseen = await this.imap.search({ seen: false }, { uid: true });
      if (!unseen) throw new Error('UID SEARCH UNSEEN failed in INBOX');
      if (unseen.length === 0) return 0;
      // The client downloads what it displays, then marks it read.
      await this.imap.fetchAll(unseen, { envelope: true, bodyStructure: true, flags: true }, { uid: true });
      await this.store(unseen, ['\\Seen']);
      return unseen.length;
    });
  }

  private async store(uids: number[], flags: string[]): Promise<void> {
    if (uids.length === 0) return;
    const ok = await this.imap.messageFlagsAdd(uids, flags, { uid: true });
    if (!ok) throw new Error(`UID STORE +FLAGS (${flags.join(' ')}) failed`);
  }

  private async respond(uids: number[], flag: string, prefix: string): Promise<void> {
    if (uids.length === 0) return;
    const originals = await this.inInbox(() => this.imap.fetchAll(uids, { envelope: true }, { uid: true }));
    for (const m of originals) {
      await this.appendSent({ subject: `${prefix}${m.envelope?.subject ?? ''}`, inReplyTo: m.envelope?.messageId });
    }
    await this.inInbox(() => this.store(uids, [flag, '\\Seen']));
  }

  reply(uids: number[]): Promise<void> {
    return this.respond(uids, '\\Answered', 'Re: ');
  }

  forward(uids: number[]): Promise<void> {
    return this.respond(uids, '$Forwarded', 'Fwd: ');
  }

  async appendSent(msg: OutgoingMessage = {}): Promise<void> {
    await this.ensureFolder('Sent');
    const r = await this.imap.append(this.path('Sent'), composeMessage(this.address, msg), ['\\Seen'], msg.date ?? new Date());
    if (!r) throw new Error('APPEND to Sent failed');
  }

  async saveDraft(msg: OutgoingMessage = {}): Promise<void> {
    await this.ensureFolder('Drafts');
    const r = await this.imap.append(this.path('Drafts'), composeMessage(this.address, { subject: 'Draft', ...msg }), ['\\Draft', '\\Seen'], msg.date ?? new Date());
    if (!r) throw new Error('APPEND to Drafts failed');
  }

  async moveFromInbox(uids: number[], folder: string): Promise<void> {
    if (uids.length === 0) return;
    await this.ensureFolder(folder);
    await this.inInbox(async () => {
      const r = await this.imap.messageMove(uids, this.path(folder), { uid: true });
      if (!r) throw new Error(`UID MOVE to ${folder} failed`);
    });
  }

  markDeleted(uids: number[]): Promise<void> {
    return this.inInbox(() => this.store(uids, ['\\Deleted']));
  }
}

/**
 * One session of an IMAP mail client on the customer's laptop: connect over implicit TLS (testbed CA), run
 * `fn` with the helpers, log out. A connection error during the session fails it.
 */
export async function imapClientSession<T>(
  tb: TestbedEndpoints,
  user: TestAccount,
  fn: (client: MailClient) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const ms = opts.timeoutMs ?? 15_000;
  const imap = new ImapFlow({
    host: tb.host,
    port: tb.ports.imaps,
    secure: true,
    auth: { user: user.user, pass: user.password },
    tls: { ca: tb.caPem, servername: 'localhost' },
    logger: false,
    clientInfo: { name: 'maildoctor-test-laptop', version: '1.0' },
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    disableAutoIdle: true,
  });
  let failure: unknown = null;
  imap.on('error', (e: unknown) => {
    failure ??= e;
  });
  await imap.connect();
  try {
    const result = await fn(new ImapMailClient(imap, user));
    if (failure) throw failure instanceof Error ? failure : new Error('IMAP client error event', { cause: failure });
    return result;
  } finally {
    if (imap.usable) await imap.logout().catch(() => imap.close());
    else imap.close();
  }
}
