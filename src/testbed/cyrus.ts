// A throwaway Cyrus IMAP 3.6 on loopback, beside the testbed's Dovecot: our own imapd.conf and cyrus.conf under
// a temp dir (never /etc/imapd.conf), the `master` process from the private prefix scripts/testbed-cyrus.sh
// unpacks, IMAP (STARTTLS), IMAPS, POP3 (STLS), POP3S and LMTP on free high ports, passwords in our own sasldb,
// and an administrator for mailboxes and quota. Cyrus keeps its own index, so mail goes in through the server
// (LMTP, or IMAP APPEND with a past INTERNALDATE) and state is read back over IMAP.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapSession, Literal, internalDate, quoted } from './imap-session.js';
import { imapMailboxState, type ImapFolderState } from './imap-state.js';
import { buildMessage } from './seed.js';
import { awaitGreetings, guardChild, lastLines, mailListeners, pickLoopbackPorts, shortTempParent, writeTestCertificate } from './server-process.js';
import { canCatchSyslog, PRIVATE_DEV_LOG, startSyslogSink } from './syslog.js';
import type { AddUserOptions, SeedMessage, TestAccount, TestbedEndpoints, TestbedPorts } from './types.js';

/** Where scripts/testbed-cyrus.sh unpacks Cyrus (same variable as the script). */
export const CYRUS_PREFIX = process.env.MAILDOCTOR_CYRUS_PREFIX ?? '/opt/maildoctor-testbed/cyrus';
const BIN = join(CYRUS_PREFIX, 'usr/lib/cyrus/bin');
const LIBS = join(CYRUS_PREFIX, 'usr/lib/x86_64-linux-gnu');
const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/testbed-cyrus.sh', import.meta.url));
/** The services' user when we are root (Cyrus refuses to run as root); the script creates it. */
const ROOT_MODE_USER = process.env.MAILDOCTOR_CYRUS_USER ?? 'maildoctor-cyrus';
/** servername, and the SASL realm of every sasldb entry (Cyrus asks SASL with servername as its realm). */
const SERVER_NAME = 'localhost';
/** Folders every user gets at first login, marked with their special use (imapd.conf xlist-*). */
const SPECIAL_FOLDERS = ['Sent', 'Drafts', 'Junk', 'Trash', 'Archive'] as const;
const DEFAULT_QUOTA_BYTES = 100 * 1024 * 1024;

export interface CyrusInfo extends TestbedEndpoints {
  server: 'cyrus';
  /** Root directory of this instance (configs, configdirectory, spool, certificate). */
  root: string;
  /** Its imapd.conf (for Cyrus's own tools: `-C`). */
  configFile: string;
  /** In imapd.conf `admins`: creates mailboxes, sets quota, and may log in as any user (SASL PLAIN authzid). */
  admin: TestAccount;
  /** What the IMAP greeting says, e.g. "Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5". */
  software: string;
  /**
   * The file Cyrus's syslog lines go to, in rsyslog's file format ("Dec  6 13:05:01 testbed
   * maildoctor-testbed/pop3[812]: login: ..."); null when they cannot be caught (not root: no mount namespace).
   */
  syslogFile: string | null;
}

export interface CyrusTestbed extends CyrusInfo {
  /** Stop master and its services (SIGTERM, SIGKILL after 5 s) and remove the root directory unless `keep`. */
  stop(opts?: { keep?: boolean }): Promise<void>;
  /** The master process's pid. */
  pid: number;
}

export interface StartCyrusOptions {
  /** Parent directory of the instance's root (default $MAILDOCTOR_TESTBED_ROOT, else /dev/shm or /tmp). */
  root?: string;
  /** Readiness deadline in ms (default 20 000). */
  readyTimeoutMs?: number;
  /** Extra imapd.conf lines (popminpoll, uidl_format, popexpiretime, auditlog, ... for tests of those settings). */
  extraConfig?: string;
}


/** Whether the private prefix holds a working Cyrus (the install script's own check). */
export function cyrusInstalled(): boolean {
  return spawnSync('bash', [INSTALL_SCRIPT, '--check'], { stdio: 'ignore' }).status === 0;
}

/** Install Cyrus with scripts/testbed-cyrus.sh when we are root; otherwise say what to run. */
export function ensureCyrusInstalled(): void {
  if (cyrusInstalled()) return;
  if (process.getuid?.() !== 0) throw new Error(`Cyrus is not installed in ${CYRUS_PREFIX}. Install it with: sudo ${INSTALL_SCRIPT}`);
  const r = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed: ${lastLines(`${r.stdout}${r.stderr}`, 8)}`);
}

/** The instance's password file, in its configdirectory. */
function sasldbFile(root: string): string {
  return join(root, 'conf', 'sasldb2');
}

interface Dirs {
  config: string;
  spool: string;
  sieve: string;
}

function imapdConf(p: { root: string; dirs: Dirs; cert: { certFile: string; keyFile: string }; user: string; admin: string; extra: string }): string {
  const xlist = SPECIAL_FOLDERS.map((f) => `xlist-${f.toLowerCase()}: ${f}`);
  return `# maildoctor testbed (generated)
configdirectory: ${p.dirs.config}
partition-default: ${p.dirs.spool}
defaultpartition: default
sievedir: ${p.dirs.sieve}
servername: ${SERVER_NAME}
cyrus_user: ${p.user}
admins: ${p.admin}
syslog_prefix: maildoctor-testbed

sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: ${sasldbFile(p.root)}
sasl_mech_list: PLAIN LOGIN
allowplaintext: 0
tls_server_cert: ${p.cert.certFile}
tls_server_key: ${p.cert.keyFile}

# The first login creates INBOX and the special-use folders (quota is set afterwards by the admin).
autocreate_quota: 0
autocreate_post: 1
autocreate_inbox_folders: ${SPECIAL_FOLDERS.join(' | ')}
autocreate_subscribe_folders: ${SPECIAL_FOLDERS.join(' | ')}
${xlist.join('\n')}
${p.extra}
`;
}

function cyrusConf(conf: string, ports: TestbedPorts): string {
  const service = (name: string, program: string, flags: string, port: number) =>
    `  ${name} cmd="${join(BIN, program)} ${flags}-C ${conf}" listen="127.0.0.1:${port}" prefork=0`;
  return `# maildoctor testbed (generated)
START {
  recover cmd="${join(BIN, 'ctl_cyrusdb')} -r -C ${conf}"
}
SERVICES {
${service('imap', 'imapd', '', ports.imap)}
${service('imaps', 'imapd', '-s ', ports.imaps)}
${service('pop3', 'pop3d', '', ports.pop3)}
${service('pop3s', 'pop3d', '-s ', ports.pop3s)}
${service('lmtp', 'lmtpd', '-a ', ports.lmtp)}
}
EVENTS {
  checkpoint cmd="${join(BIN, 'ctl_cyrusdb')} -c -C ${conf}" period=30
}
`;
}

/** The user Cyrus's services run as, and whether files must be handed to it. */
function servicesUser(): { name: string; chown: { uid: number; gid: number } | null } {
  if (process.getuid?.() !== 0) return { name: userInfo().username, chown: null };
  const uid = Number(spawnSync('id', ['-u', ROOT_MODE_USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', ROOT_MODE_USER], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`no user ${ROOT_MODE_USER}: run ${INSTALL_SCRIPT}`);
  return { name: ROOT_MODE_USER, chown: { uid, gid } };
}

/** Start a fresh Cyrus on free loopback ports, with its administrator, and wait until every listener greets. */
export async function startCyrus(opts: StartCyrusOptions = {}): Promise<CyrusTestbed> {
  ensureCyrusInstalled();
  const parent = opts.root ?? process.env.MAILDOCTOR_TESTBED_ROOT ?? shortTempParent();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'mdc-'));
  chmodSync(root, 0o755);
  const dirs: Dirs = { config: join(root, 'conf'), spool: join(root, 'spool'), sieve: join(root, 'sieve') };
  const services = servicesUser();
  const cert = writeTestCertificate(root);
  const admin: TestAccount = { user: 'cyradmin', password: randomBytes(12).toString('base64url') };
  const configFile = join(root, 'imapd.conf');
  const masterConf = join(root, 'cyrus.conf');
  const logFile = join(root, 'master.log');
  const syslogFile = canCatchSyslog() ? join(root, 'syslog') : null;
  const owned = [dirs.config, dirs.spool, dirs.sieve];
  for (const d of owned) mkdirSync(d, { mode: 0o750 });
  writeFileSync(configFile, imapdConf({ root, dirs, cert, user: services.name, admin: admin.user, extra: opts.extraConfig ?? '' }));
  await setPassword(root, admin);
  if (services.chown) {
    for (const f of [...owned, sasldbFile(root), cert.keyFile]) chownSync(f, services.chown.uid, services.chown.gid);
  }
  chmodSync(cert.keyFile, 0o600);
  const caPem = readFileSync(cert.certFile, 'utf8');

  const stopSink = syslogFile ? await startSyslogSink(join(root, 'syslog.sock'), syslogFile) : async () => {};
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [imap, imaps, pop3, pop3s, lmtp] = await pickLoopbackPorts(5);
    const ports: TestbedPorts = { imap: imap!, imaps: imaps!, pop3: pop3!, pop3s: pop3s!, lmtp: lmtp! };
    writeFileSync(masterConf, cyrusConf(configFile, ports));
    const master = [join(BIN, 'master'), '-C', configFile, '-M', masterConf, '-p', join(root, 'master.pid'), '-L', logFile];
    const [cmd, ...args] = syslogFile ? ['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c', PRIVATE_DEV_LOG, 'sh', join(root, 'syslog.sock'), ...master] : master;
    const child = spawn(cmd!, args, {
      env: { ...process.env, LD_LIBRARY_PATH: LIBS },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: on SIGTERM master signals its whole group, which would otherwise be ours
      // (our process, and any other Cyrus this process started).
      detached: true,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.once('error', (e) => (output += String(e)));
    let exited: number | string | null | undefined;
    const exit = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = code ?? signal;
        resolve();
      }),
    );
    const release = guardChild(child);
    /** last: false while another attempt follows (the syslog receiver stays). */
    const stop = async (o: { keep?: boolean; last?: boolean } = {}) => {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(killer);
      }
      release();
      if (o.last !== false) await stopSink();
      if (!o.keep) rmSync(root, { recursive: true, force: true });
    };
    const silent = await awaitGreetings(
      [...mailListeners(ports), { name: 'lmtp', port: ports.lmtp, tls: false, greeting: /^220 / }],
      caPem,
      Date.now() + (opts.readyTimeoutMs ?? 20_000),
      () => exited === undefined,
    );
    if (silent.length === 0) {
      const info: CyrusInfo = { server: 'cyrus', host: '127.0.0.1', ports, caPem, caFile: cert.certFile, root, configFile, admin, software: '', syslogFile };
      try {
        info.software = await greetingSoftware(info);
      } catch (e) {
        await stop({ keep: true });
        throw e;
      }
      return Object.assign(info, { stop, pid: child.pid! });
    }
    const log = [logFile, syslogFile].map((f) => (f && existsSync(f) ? readFileSync(f, 'utf8') : '')).join('');
    await stop({ keep: true, last: false });
    // Cyrus logs a failed bind only to syslog (caught when we are root): a silent listener may be a port taken meanwhile.
    lastError = new Error(
      `Cyrus did not become ready (${exited !== undefined ? `master exited with ${exited}` : `no greeting on ${silent.join(', ')}`}).\n` +
        `config: ${configFile}, ${masterConf}\n--- output ---\n${lastLines(output + log, 20)}`,
    );
    if (exited !== undefined) break;
  }
  await stopSink();
  throw lastError ?? new Error('Cyrus did not start');
}

async function greetingSoftware(info: CyrusInfo): Promise<string> {
  const s = await ImapSession.open(imapsOf(info));
  try {
    return /(Cyrus IMAP \S+)/.exec(s.greeting)?.[1] ?? s.greeting;
  } finally {
    await s.logout();
  }
}

function imapsOf(info: CyrusInfo) {
  return { host: info.host, port: info.ports.imaps, ca: info.caPem };
}

function runTool(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${lastLines(String(stderr) || err.message, 5)}`));
      else resolve();
    });
    child.stdin?.end(input);
  });
}

// saslpasswd2 writes one Berkeley DB file without locking: one writer at a time in this process.
let sasldbQueue: Promise<unknown> = Promise.resolve();
function setPassword(root: string, account: TestAccount): Promise<void> {
  const args = ['-p', '-c', '-f', sasldbFile(root), '-u', SERVER_NAME, account.user];
  const next = sasldbQueue.then(() => runTool('saslpasswd2', args, account.password));
  sasldbQueue = next.catch(() => undefined);
  return next;
}

/** An IMAPS session as the administrator, or (SASL PLAIN authzid) as `asUser` with the administrator's password. */
export async function adminSession(info: CyrusInfo, asUser?: string): Promise<ImapSession> {
  const s = await ImapSession.open(imapsOf(info));
  try {
    await s.authenticate(info.admin.user, info.admin.password, asUser);
  } catch (e) {
    await s.logout();
    throw e;
  }
  return s;
}

async function withSession<T>(info: CyrusInfo, asUser: string | undefined, fn: (s: ImapSession) => Promise<T>): Promise<T> {
  const s = await adminSession(info, asUser);
  try {
    return await fn(s);
  } finally {
    await s.logout();
  }
}

let userCounter = 0;

/**
 * Create a user: a sasldb password, a first login (which creates INBOX and the special-use folders), and the
 * quota the administrator sets on the user's root (`user/<name>`; Cyrus counts STORAGE in KiB).
 */
export async function addCyrusUser(info: CyrusInfo, opts: AddUserOptions = {}): Promise<TestAccount> {
  if (opts.popLockSession !== undefined) throw new Error('popLockSession is a Dovecot setting; Cyrus has no such option');
  const user = opts.user ?? `c${process.pid.toString(36)}${(userCounter++).toString(36)}${randomBytes(3).toString('hex')}`;
  // Lower case: Cyrus's LMTP folds recipients to lower case (lmtp_downcase_rcpt); '.' is a hierarchy character.
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(user)) throw new Error(`user name ${JSON.stringify(user)}: use a-z, 0-9, _ and - only`);
  const account: TestAccount = { user, password: opts.password ?? randomBytes(9).toString('base64url') };
  await setPassword(info.root, account);
  const first = await ImapSession.open(imapsOf(info));
  try {
    await first.authenticate(account.user, account.password);
  } finally {
    await first.logout();
  }
  await setCyrusQuota(info, account, { storageBytes: opts.quotaStorageBytes ?? DEFAULT_QUOTA_BYTES, messages: opts.quotaMessages });
  return account;
}

/** Set the user's quota root limits (as the administrator). */
export async function setCyrusQuota(info: CyrusInfo, account: TestAccount | string, limits: { storageBytes?: number; messages?: number }): Promise<void> {
  const name = typeof account === 'string' ? account : account.user;
  const parts = [
    ...(limits.storageBytes !== undefined ? [`STORAGE ${Math.round(limits.storageBytes / 1024)}`] : []),
    ...(limits.messages !== undefined ? [`MESSAGE ${Math.round(limits.messages)}`] : []),
  ];
  await withSession(info, undefined, (s) => s.ok(`SETQUOTA ${quoted(`user/${name}`)} (${parts.join(' ')})`));
}

/** Create a folder as the user, optionally with a special use (CREATE-SPECIAL-USE); an existing one is kept. */
export async function createCyrusFolder(info: CyrusInfo, account: TestAccount | string, folder: string, specialUse?: string): Promise<void> {
  const name = typeof account === 'string' ? account : account.user;
  await withSession(info, name, (s) => ensureFolder(s, folder, specialUse));
}

async function ensureFolder(s: ImapSession, folder: string, specialUse?: string): Promise<void> {
  if (folder.toUpperCase() === 'INBOX') return;
  const r = await s.run(`CREATE ${quoted(folder)}${specialUse ? ` (USE (${specialUse}))` : ''}`);
  if (r.status !== 'OK' && !/ALREADYEXISTS|already exists/i.test(r.text)) throw new Error(`CREATE ${folder}: ${r.status} ${r.text}`);
}

export interface AppendResult {
  /** Message-ID header values, in APPEND (UID) order. */
  messageIds: string[];
  /** RFC822.SIZE of each message (CRLF), in the same order. */
  sizes: number[];
}

/** Messages per APPEND command: MULTIAPPEND sends a batch in one round trip. */
const APPEND_BATCH = 200;

/**
 * Put messages into a folder through the server, as the user: APPEND with the message's date as INTERNALDATE,
 * its flags and keywords, in array order (so UIDs follow it). The folder is created when missing.
 */
export async function appendCyrusMessages(info: CyrusInfo, account: TestAccount | string, folder: string, messages: SeedMessage[]): Promise<AppendResult> {
  const name = typeof account === 'string' ? account : account.user;
  const out: AppendResult = { messageIds: [], sizes: [] };
  await withSession(info, name, async (s) => {
    await ensureFolder(s, folder);
    const batch = s.capabilities.has('MULTIAPPEND') ? APPEND_BATCH : 1;
    for (let i = 0; i < messages.length; i += batch) {
      const parts: Array<string | Literal> = [`APPEND ${quoted(folder)}`];
      messages.slice(i, i + batch).forEach((m, j) => {
        const raw = Buffer.from(buildMessage(m, i + j).replace(/\r?\n/g, '\r\n'), 'utf8');
        const flags = [...(m.flags ?? []), ...(m.keywords ?? [])].join(' ');
        parts.push(` (${flags}) ${quoted(internalDate(m.date ?? new Date()))} `, new Literal(raw));
        out.messageIds.push(/^Message-ID: (.*)$/m.exec(raw.toString('utf8'))![1]!.trim());
        out.sizes.push(raw.length);
      });
      await s.ok(...parts);
    }
  });
  return out;
}

export type CyrusFolderState = ImapFolderState;

/**
 * A read-only fingerprint of an account, read over IMAP as the user (administrator with authzid): see
 * imapMailboxState. Two calls in a row are equal unless something changed the mail.
 */
export async function cyrusMailboxState(info: CyrusInfo, account: TestAccount | string): Promise<Record<string, CyrusFolderState>> {
  const name = typeof account === 'string' ? account : account.user;
  return withSession(info, name, (s) => imapMailboxState(s, 'MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ UNSEEN'));
}
