// A throwaway Dovecot 2.3 on loopback: config, self-signed certificate, users, start/stop, read-only fingerprint.
// Used by the integration tests (test/global-setup.ts) and `npm run demo`.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddUserOptions, TestbedInfo, TestbedPorts, TestUser } from './types.js';

export interface Testbed extends TestbedInfo {
  /** Stop Dovecot (SIGTERM, SIGKILL after 5 s) and remove the root directory unless `keep`. */
  stop(opts?: { keep?: boolean }): Promise<void>;
  /** The Dovecot master's pid. */
  pid: number;
}

export interface StartTestbedOptions {
  /**
   * Parent directory for the instance's root. Default: $MAILDOCTOR_TESTBED_ROOT, else /dev/shm when writable
   * (tmpfs: creating Maildir files on this machine's ext4 costs ~0.6 ms each, on tmpfs ~0.03 ms), else /tmp.
   * Keep it short: unix sockets live below it.
   */
  root?: string;
  /** Readiness deadline in ms (default 15 000). */
  readyTimeoutMs?: number;
  /** Global `pop3_lock_session` (default no; users can override it with popLockSession). */
  pop3LockSession?: boolean;
  /** Extra lines appended to dovecot.conf (for tests of special server setups). */
  extraConfig?: string;
  /** Also take OAuth2 tokens (XOAUTH2, OAUTHBEARER), checked by introspection at an authorization server. */
  oauth2?: OAuth2PassdbOptions;
  /**
   * How Dovecot writes its log lines, as an admin may have set it (each default: Dovecot's own): the
   * `pop3_logout_format` and `imap_logout_format` of the session's last line, and `log_timestamp` (a strftime
   * format ending in the space before the line).
   */
  logFormat?: TestbedLogFormat;
  /**
   * A Dovecot that looks like Courier IMAP to a client: it advertises only COURIER_CAPABILITIES (no ESEARCH, ESORT,
   * WITHIN, LIST-STATUS, SPECIAL-USE, CONDSTORE, MOVE, ID), defines no special-use folders, and puts every folder
   * under the `INBOX.` prefix with `.` as separator. What the probe's fallbacks are proven against.
   */
  minimal?: boolean;
}

/** What Courier IMAP 5.0 advertises after login (its IMAP4rev1 base), for StartTestbedOptions.minimal. */
export const COURIER_CAPABILITIES = 'IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE';

export interface OAuth2PassdbOptions {
  /** RFC 7662 introspection endpoint (introspection_mode = post), the introspecting client's credentials in it. */
  introspectionUrl: string;
  /** The introspection field that must equal the login name (default client_id). */
  usernameAttribute?: string;
  /** Scopes a token must hold (space separated), when set. */
  scope?: string;
}

/**
 * The oauth2 passdb (Dovecot 2.3) and its settings file: XOAUTH2 and OAUTHBEARER join the mechanisms, and only
 * they reach this passdb; the token is introspected by POST and the answer's username attribute must name the
 * user. Appended at the end of dovecot.conf, so auth_mechanisms here wins over the one above.
 */
function oauth2Config(root: string, o: OAuth2PassdbOptions | undefined): string {
  if (!o) return '';
  const file = join(root, 'dovecot-oauth2.conf.ext');
  writeFileSync(
    file,
    [
      'introspection_mode = post',
      `introspection_url = ${o.introspectionUrl}`,
      `username_attribute = ${o.usernameAttribute ?? 'client_id'}`,
      'active_attribute = active',
      'active_value = true',
      ...(o.scope ? [`scope = ${o.scope}`] : []),
      'timeout_msecs = 10000',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  return `
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${file}
}
`;
}

export interface TestbedLogFormat {
  pop3LogoutFormat?: string;
  imapLogoutFormat?: string;
  logTimestamp?: string;
}

/** A dovecot.conf string value: double-quoted, so leading/trailing spaces and "%" survive. */
function confString(v: string): string {
  if (/["\n\\]/.test(v)) throw new Error(`testbed log format ${JSON.stringify(v)}: quotes, backslashes and newlines are not supported`);
  return `"${v}"`;
}

const DEFAULT_QUOTA_BYTES = 100 * 1024 * 1024;
/** uid/gid that owns mail when we run as root (numeric: needs no /etc/passwd entry). */
export const ROOT_MODE_MAIL_UID = 5000;

/** Whether a program is on PATH. */
export function have(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** Make sure the Dovecot binaries exist; install them with apt when we are root, else say what is missing. */
export function ensureDovecotInstalled(): void {
  const lmtpPresent = existsSync('/usr/lib/dovecot/lmtp');
  const pop3Present = existsSync('/usr/lib/dovecot/pop3');
  const imapPresent = existsSync('/usr/lib/dovecot/imap');
  if (have('dovecot') && have('doveadm') && lmtpPresent && pop3Present && imapPresent) return;
  aptInstall(['dovecot-imapd', 'dovecot-pop3d', 'dovecot-lmtpd'], 'Dovecot is not installed (need the dovecot, doveadm binaries and imap/pop3/lmtp services)');
}

/**
 * Install Debian packages when we are root and apt is there; otherwise throw `what` with the command to run.
 * Used for the testbed's Dovecot and, by the test setup, for the real clients the tests drive.
 */
export function aptInstall(pkgs: string[], what: string): void {
  if (process.getuid?.() !== 0 || !have('apt-get')) {
    throw new Error(`${what}. Install it with: sudo apt-get install ${pkgs.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const upd = spawnSync('apt-get', ['update'], { env, encoding: 'utf8' });
  if (upd.status !== 0) throw new Error(`apt-get update failed: ${tail(upd.stderr ?? '', 5)}`);
  const inst = spawnSync('apt-get', ['install', '-y', ...pkgs], { env, encoding: 'utf8' });
  if (inst.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed: ${tail(inst.stderr ?? '', 5)}`);
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Free TCP ports on 127.0.0.1 (listen on port 0, note the port, close). */
async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      ports.push((s.address() as net.AddressInfo).port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
  return ports;
}

interface Identity {
  root: boolean;
  mailUid: number;
  mailGid: number;
  /** Internal/login users for the config. */
  internalUser: string;
  internalGroup: string;
  loginUser: string;
}

function identity(): Identity {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid === 0) {
    return {
      root: true,
      mailUid: ROOT_MODE_MAIL_UID,
      mailGid: ROOT_MODE_MAIL_UID,
      internalUser: 'dovecot',
      internalGroup: 'dovecot',
      loginUser: 'dovenull',
    };
  }
  const name = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
  const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
  return { root: false, mailUid: uid, mailGid: gid, internalUser: name, internalGroup: group, loginUser: name };
}

function makeCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const r = spawnSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '730', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${tail(r.stderr ?? String(r.error), 5)}`);
  return { certFile, keyFile };
}

function dovecotConf(p: {
  dirs: { run: string; state: string; users: string; homes: string; masters: string };
  logFile: string;
  ports: TestbedPorts;
  certFile: string;
  keyFile: string;
  id: Identity;
  pop3LockSession: boolean;
  extra: string;
  logFormat: TestbedLogFormat;
  minimal: boolean;
}): string {
  const { dirs, ports, id } = p;
  const dh = existsSync('/usr/share/dovecot/dh.pem') ? 'ssl_dh = </usr/share/dovecot/dh.pem' : '';
  // No growing per-IP auth penalty: every test connects from 127.0.0.1, and one wrong-password test would
  // slow every later login (2 → 15 s). The fixed 2 s failure delay stays.
  const anvil = `
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }${id.root ? '' : '\n  chroot ='}
}`;
  const chrootless = id.root
    ? anvil
    : `${anvil}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
`;
  return `# maildoctor testbed (generated)
base_dir = ${dirs.run}
state_dir = ${dirs.state}
instance_name = maildoctor-testbed
log_path = ${p.logFile}
info_log_path = ${p.logFile}
debug_log_path = ${p.logFile}
${p.logFormat.logTimestamp !== undefined ? `log_timestamp = ${confString(p.logFormat.logTimestamp)}\n` : ''}auth_verbose = yes
protocols = imap pop3 lmtp
listen = 127.0.0.1, 127.0.0.2
shutdown_clients = yes

default_internal_user = ${id.internalUser}
default_internal_group = ${id.internalGroup}
default_login_user = ${id.loginUser}
mail_uid = ${id.mailUid}
mail_gid = ${id.mailGid}
first_valid_uid = ${Math.min(id.mailUid, 1000)}
first_valid_gid = ${Math.min(id.mailGid, 1000)}

ssl = yes
ssl_cert = <${p.certFile}
ssl_key = <${p.keyFile}
${dh}
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_max_userip_connections = 1000

# Master users (admins who log in on behalf of a customer): SASL PLAIN with the customer as authzid, or the
# login name customer*admin. They cannot log in as themselves; result_success = continue then looks the
# customer up in the passdb below, so a master login to a customer who does not exist fails.
auth_master_user_separator = *
passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%n ${dirs.masters}/%n
  result_success = continue
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n ${dirs.users}/%n
}
userdb {
  driver = passwd-file
  args = username_format=%n ${dirs.users}/%n
  default_fields = home=${dirs.homes}/%n
}

mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins quota mail_log notify
${p.minimal ? `namespace inbox {
  inbox = yes
  prefix = INBOX.
  separator = .
}` : `namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Trash {
    special_use = \\Trash
  }
  mailbox Archive {
    special_use = \\Archive
  }
}`}

plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=${DEFAULT_QUOTA_BYTES}B
  mail_log_events = delete undelete expunge copy mailbox_delete mailbox_rename flag_change save
  mail_log_fields = uid box msgid size
}

protocol imap {
  mail_plugins = $mail_plugins imap_quota
${p.minimal ? `  imap_capability = ${COURIER_CAPABILITIES}\n` : ''}${p.logFormat.imapLogoutFormat !== undefined ? `  imap_logout_format = ${confString(p.logFormat.imapLogoutFormat)}\n` : ''}}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
  pop3_lock_session = ${p.pop3LockSession ? 'yes' : 'no'}
${p.logFormat.pop3LogoutFormat !== undefined ? `  pop3_logout_format = ${confString(p.logFormat.pop3LogoutFormat)}\n` : ''}}
protocol lmtp {
  postmaster_address = postmaster@localhost
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.imap}
  }
  inet_listener imaps {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.imaps}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.pop3}
  }
  inet_listener pop3s {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.pop3s}
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1, 127.0.0.2
    port = ${ports.lmtp}
  }
}
${chrootless}
${p.extra}
`;
}

/** Read the first line a server sends on `port` (optionally over TLS); null on any failure. */
function readGreeting(port: number, useTls: boolean, ca: string, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    let buf = '';
    const sock: net.Socket = useTls
      ? tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' })
      : net.connect({ host: '127.0.0.1', port });
    const finish = (v: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(null), ms);
    sock.on('error', () => finish(null));
    sock.on('close', () => finish(null));
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) finish(buf.slice(0, i).replace(/\r$/, ''));
    });
  });
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/**
 * A watchdog shell that kills Dovecot when our process dies in any way (its stdin pipe closes),
 * even by SIGKILL, which no 'exit' hook sees.
 */
function spawnWatchdog(pid: number): ChildProcess {
  const w = spawn('sh', ['-c', `while read _; do :; done; kill -TERM ${pid} 2>/dev/null; sleep 5; kill -KILL ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  w.unref();
  (w.stdin as unknown as { unref?: () => void }).unref?.();
  return w;
}

function defaultParent(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    /* no tmpfs there */
  }
  return tmpdir().length <= 20 ? tmpdir() : '/tmp';
}

/** Start a fresh Dovecot on free loopback ports and wait until every listener greets. */
export async function startTestbed(opts: StartTestbedOptions = {}): Promise<Testbed> {
  ensureDovecotInstalled();
  const id = identity();
  const parent = opts.root ?? process.env.MAILDOCTOR_TESTBED_ROOT ?? defaultParent();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'mdv-'));
  chmodSync(root, 0o755);
  const dirs = { run: join(root, 'run'), state: join(root, 'state'), users: join(root, 'users'), homes: join(root, 'homes'), masters: join(root, 'masters') };
  for (const d of Object.values(dirs)) mkdirSync(d, { mode: 0o755 });
  if (dirs.run.length > 60) throw new Error(`testbed base_dir ${dirs.run} is too long for unix sockets; pass a shorter root`);
  const logFile = join(root, 'dovecot.log');
  writeFileSync(logFile, '');
  const { certFile, keyFile } = makeCertificate(root);
  chmodSync(keyFile, 0o600);
  const caPem = readFileSync(certFile, 'utf8');
  const confFile = join(root, 'dovecot.conf');

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [imap, imaps, pop3, pop3s, lmtp] = await freePorts(5);
    const ports: TestbedPorts = { imap: imap!, imaps: imaps!, pop3: pop3!, pop3s: pop3s!, lmtp: lmtp! };
    writeFileSync(
      confFile,
      dovecotConf({
        dirs, logFile, ports, certFile, keyFile, id,
        pop3LockSession: opts.pop3LockSession ?? false,
        extra: `${opts.extraConfig ?? ''}${oauth2Config(root, opts.oauth2)}`,
        logFormat: opts.logFormat ?? {},
        minimal: opts.minimal ?? false,
      }),
    );
    const logStart = statSync(logFile).size;
    const child = spawn('dovecot', ['-F', '-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let exited: number | string | null | undefined;
    const exitPromise = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = code ?? signal;
        live.delete(child);
        resolve();
      }),
    );
    child.once('error', (e) => {
      output += String(e);
    });
    if (child.pid === undefined) {
      throw new Error(`could not start dovecot: ${output}`);
    }
    live.add(child);
    installExitHook();
    const watchdog = spawnWatchdog(child.pid);

    const info: TestbedInfo = {
      host: '127.0.0.1',
      untrustedHost: '127.0.0.2',
      ports,
      caPem,
      caFile: certFile,
      root,
      logFile,
      usersDir: dirs.users,
      homesDir: dirs.homes,
      mastersDir: dirs.masters,
    };
    const confPath = confFile;
    const stop = async (o: { keep?: boolean } = {}) => {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(killer);
      }
      try {
        if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      if (!o.keep) rmSync(root, { recursive: true, force: true });
    };

    const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
    const checks: Array<[string, number, boolean, RegExp]> = [
      ['imap', ports.imap, false, /^\* OK/],
      ['imaps', ports.imaps, true, /^\* OK/],
      ['pop3', ports.pop3, false, /^\+OK/],
      ['pop3s', ports.pop3s, true, /^\+OK/],
      ['lmtp', ports.lmtp, false, /^220 /],
    ];
    const pending = new Set(checks.map((c) => c[0]));
    while (pending.size > 0 && exited === undefined && Date.now() < deadline) {
      for (const [name, port, useTls, re] of checks) {
        if (!pending.has(name)) continue;
        const g = await readGreeting(port, useTls, caPem, 1000);
        if (g && re.test(g)) pending.delete(name);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
    if (pending.size === 0 && exited === undefined) {
      // keep confPath in the info for doveadm
      confFiles.set(root, confPath);
      return Object.assign(info, { stop, pid: child.pid });
    }
    const log = readFileSync(logFile, 'utf8').slice(logStart);
    await stop({ keep: true });
    lastError = new Error(
      `Dovecot did not become ready (${exited !== undefined ? `exited with ${exited}` : `no greeting on ${[...pending].join(', ')}`}).\n` +
        `config: ${confFile}\n--- output ---\n${tail(output, 20)}\n--- log tail ---\n${tail(log, 20)}`,
    );
    // A port taken between our probe and Dovecot's bind: try again with fresh ports.
    if (!/Address already in use/i.test(output + log)) break;
  }
  throw lastError ?? new Error('Dovecot did not start');
}

const confFiles = new Map<string, string>();
/** The dovecot.conf of a testbed (its root + /dovecot.conf). */
export function configFile(info: Pick<TestbedInfo, 'root'>): string {
  return confFiles.get(info.root) ?? join(info.root, 'dovecot.conf');
}

/** Owner of mail files in this testbed (uid/gid). */
export function mailOwner(): { uid: number; gid: number } {
  const id = identity();
  return { uid: id.mailUid, gid: id.mailGid };
}

let userCounter = 0;
/** Create a user: one passwd-file line in its own file (no races between test workers) and a home. */
export async function addUser(info: TestbedInfo, opts: AddUserOptions = {}): Promise<TestUser> {
  const user = opts.user ?? `u${process.pid.toString(36)}${(userCounter++).toString(36)}${randomBytes(3).toString('hex')}`;
  const password = opts.password ?? randomBytes(9).toString('base64url');
  checkPasswdEntry(user, password);
  const home = join(info.homesDir, user);
  const maildir = join(home, 'Maildir');
  const extra: string[] = [];
  const bytes = opts.quotaStorageBytes ?? DEFAULT_QUOTA_BYTES;
  extra.push(`userdb_quota_rule=*:storage=${Math.round(bytes)}B`);
  if (opts.quotaMessages !== undefined) extra.push(`userdb_quota_rule2=*:messages=${Math.round(opts.quotaMessages)}`);
  if (opts.popLockSession !== undefined) extra.push(`userdb_pop3_lock_session=${opts.popLockSession ? 'yes' : 'no'}`);
  for (const [k, v] of Object.entries(opts.settings ?? {})) {
    if (!/^[a-z0-9_]+$/.test(k) || /[\s:]/.test(v)) throw new Error(`addUser: setting ${k}=${v} cannot go in a passwd-file line`);
    // The auth process expands %variables in extra fields: %% keeps a setting's own % (pop3_uidl_format) for it.
    extra.push(`userdb_${k}=${v.replace(/%/g, '%%')}`);
  }
  // user:password:uid:gid:gecos:home:shell:extra fields
  const line = `${user}:{PLAIN}${password}::::${home}::${extra.join(' ')}\n`;
  const { uid, gid } = mailOwner();
  for (const d of [home, maildir, join(maildir, 'cur'), join(maildir, 'new'), join(maildir, 'tmp')]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    chownSync(d, uid, gid);
  }
  writePasswdFile(info.usersDir, user, line);
  return { user, password, home, maildir };
}

/** One passwd-file per name, written whole (rename): Dovecot never reads half a line. */
function writePasswdFile(dir: string, name: string, line: string): void {
  const file = join(dir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, line, { mode: 0o644 });
  renameSync(tmp, file);
}

/**
 * A master user (an admin of the mail service): it logs in on behalf of any user, as customer*admin or with
 * SASL PLAIN authzid = customer, and never as itself. It has no mailbox.
 */
export function addMasterUser(info: TestbedInfo, opts: { user?: string; password?: string } = {}): { user: string; password: string } {
  const user = opts.user ?? `admin${process.pid.toString(36)}${(userCounter++).toString(36)}${randomBytes(3).toString('hex')}`;
  const password = opts.password ?? randomBytes(9).toString('base64url');
  checkPasswdEntry(user, password);
  writePasswdFile(info.mastersDir, user, `${user}:{PLAIN}${password}\n`);
  return { user, password };
}

function checkPasswdEntry(user: string, password: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`user name ${JSON.stringify(user)}: use letters, digits, . _ - only`);
  if (/[:\n]/.test(password)) throw new Error('password must not contain ":" or a newline');
}

export interface MailboxState {
  /** Per folder ('INBOX', 'Junk', ...): sorted Maildir file names in cur/ and new/ (flags included). */
  files: Record<string, string[]>;
  /** Per folder: dovecot-uidlist content (null when absent). */
  uidlists: Record<string, string | null>;
  /** `doveadm mailbox status` output (messages uidnext uidvalidity highestmodseq unseen), lines sorted. */
  status: string;
}

function run(cmd: string, args: string[], ms: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: ms, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Run doveadm against this testbed's config. */
export async function doveadm(info: Pick<TestbedInfo, 'root'>, args: string[], ms = 30_000) {
  return run('doveadm', ['-c', configFile(info), ...args], ms);
}

/** Maildir folders of a user: 'INBOX' plus IMAP names of the `.Name` directories ('/' as separator). */
export function listMaildirFolders(maildir: string): Array<{ name: string; dir: string }> {
  const out = [{ name: 'INBOX', dir: maildir }];
  if (!existsSync(maildir)) return out;
  for (const e of readdirSync(maildir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name.startsWith('.') && e.name !== '.' && e.name !== '..') {
      out.push({ name: e.name.slice(1).split('.').join('/'), dir: join(maildir, e.name) });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A read-only fingerprint of an account: file names with flags, uidlists, and Dovecot's status per folder.
 * doveadm runs first (it may sync: assign UIDs, move new/ to cur/), so two calls in a row are equal
 * unless something changed the mailbox between them.
 */
export async function mailboxState(info: TestbedInfo, user: TestUser | string): Promise<MailboxState> {
  const name = typeof user === 'string' ? user : user.user;
  const maildir = typeof user === 'string' ? join(info.homesDir, name, 'Maildir') : user.maildir;
  const st = await doveadm(info, ['mailbox', 'status', '-u', name, 'messages uidnext uidvalidity highestmodseq unseen', '*']);
  const files: Record<string, string[]> = {};
  const uidlists: Record<string, string | null> = {};
  for (const f of listMaildirFolders(maildir)) {
    const names: string[] = [];
    for (const sub of ['cur', 'new']) {
      const d = join(f.dir, sub);
      if (existsSync(d)) for (const n of readdirSync(d)) names.push(`${sub}/${n}`);
    }
    files[f.name] = names.sort();
    const ul = join(f.dir, 'dovecot-uidlist');
    uidlists[f.name] = existsSync(ul) ? readFileSync(ul, 'utf8') : null;
  }
  if (st.code !== 0) throw new Error(`doveadm mailbox status -u ${name} failed: ${tail(st.stderr, 5)}`);
  const status = st.stdout.split('\n').filter(Boolean).sort().join('\n');
  return { files, uidlists, status };
}
