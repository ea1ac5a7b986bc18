// A throwaway Courier IMAP 5.0 / Courier POP3 on loopback, beside the testbed's Dovecot and Cyrus: the minimal
// server (no ESEARCH, LIST-STATUS, SPECIAL-USE, CONDSTORE, MOVE, ID; folders under `INBOX.`; EXAMINE sends no
// UIDNEXT). scripts/testbed-courier.sh unpacks Debian's packages into a private prefix; their binaries have
// /etc/courier, /usr/lib/courier and /run/courier/authdaemon compiled in, so the whole server runs in a private
// mount namespace (`unshare -m`): the prefix's /usr laid over the real /usr (overlayfs, read-only), this
// instance's own directory bound over /etc/courier, and a fresh tmpfs on /run. Nothing of the system changes.
// Passwords: authuserdb (SHA-512 crypt) through authdaemond. IMAP (STARTTLS), IMAPS, POP3 (STLS), POP3S on free
// high ports; Courier has no LMTP, so new mail is delivered by its own `deliverquota`, which honours the quota.
// Mail is seeded as Maildir files (INTERNALDATE = mtime), read back over IMAP.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapSession } from './imap-session.js';
import { imapMailboxState, type ImapFolderState } from './imap-state.js';
import { buildMessage, seedMaildirAs, type SeedResult } from './seed.js';
import { awaitGreetings, guardChild, lastLines, mailListeners, pickLoopbackPorts, shortTempParent, writeTestCertificate } from './server-process.js';
import { PRIVATE_DEV_LOG, startSyslogSink } from './syslog.js';
import type { AddUserOptions, SeedMessage, TestAccount, TestbedEndpoints, TestbedPorts } from './types.js';

/** Where scripts/testbed-courier.sh unpacks Courier (same variable as the script). */
export const COURIER_PREFIX = process.env.MAILDOCTOR_COURIER_PREFIX ?? '/opt/maildoctor-testbed/courier';
const INSTALL_SCRIPT = fileURLToPath(new URL('../../scripts/testbed-courier.sh', import.meta.url));
/** The named system user the mail files belong to (the script creates it). */
const MAIL_USER = process.env.MAILDOCTOR_COURIER_USER ?? 'maildoctor-courier';
const DEFAULT_QUOTA_BYTES = 100 * 1024 * 1024;
/** What Debian's /etc/courier/imapd announces (without the CRAM mechanisms, which need clear passwords). */
const IMAP_CAPABILITY = 'IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE';

/**
 * The private mount namespace (inside the private /dev of syslog.ts, whose /dev/log is our receiver), then the
 * services. Each listener's stderr goes through courierlogger, as Courier's own rc scripts run it, so its log
 * lines reach syslog under the daemon's name (imapd, imapd-ssl, pop3d, pop3d-ssl). Arguments: prefix, instance root. The listeners' settings
 * come in the environment (Courier's daemons are configured by environment variables, as its rc scripts do).
 */
const NAMESPACE_SCRIPT = `set -e
prefix=$1; root=$2
mount -t overlay mdc-courier-usr -o "lowerdir=$prefix/usr:/usr" /usr
mount -t overlay mdc-courier-etc -o "lowerdir=$root/stub:/etc" /etc
mount --bind "$root/courier" /etc/courier
mount -t tmpfs -o mode=0755,size=1m mdc-courier-run /run
mkdir -p /run/courier/authdaemon
export LD_LIBRARY_PATH=/usr/lib
makeuserdb
/usr/lib/courier/courier-authlib/authdaemond &
i=0; while [ ! -S /run/courier/authdaemon/socket ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
tcpd="/usr/sbin/couriertcpd -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=64 -maxperip=64 -stderrlogger=/usr/sbin/courierlogger"
tls="/usr/bin/couriertls -server -tcpd"
imap="/usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir"
pop="/usr/lib/courier/courier/courierpop3login /usr/lib/courier/courier/courierpop3d Maildir"
IMAP_STARTTLS=YES $tcpd -stderrloggername=imapd "$PORT_IMAP" $imap &
IMAP_STARTTLS=NO IMAP_TLS=1 $tcpd -stderrloggername=imapd-ssl "$PORT_IMAPS" $tls $imap &
POP3_STARTTLS=YES $tcpd -stderrloggername=pop3d "$PORT_POP3" $pop &
POP3_STARTTLS=NO POP3_TLS=1 $tcpd -stderrloggername=pop3d-ssl "$PORT_POP3S" $tls $pop &
trap 'kill 0' TERM INT
wait`;

export interface CourierInfo extends TestbedEndpoints {
  server: 'courier';
  /** Root directory of this instance (its /etc/courier, homes, certificate, log). */
  root: string;
  /** What the namespace itself prints (authdaemond's start, errors before the listeners run). */
  logFile: string;
  /**
   * Courier's own log lines as syslog writes them, through courierlogger ("Dec  6 13:05:01 testbed
   * pop3d-ssl[812]: LOGOUT, user=alice, ip=[::ffff:127.0.0.1], port=[47498], top=0, retr=2425, …").
   */
  syslogFile: string;
  /** Each user's home is `${homesDir}/${user}`, the Maildir `${home}/Maildir`. */
  homesDir: string;
  /** What the IMAP greeting says, e.g. "Courier-IMAP ready. Copyright 1998-2019 Double Precision, Inc." */
  software: string;
}

export interface CourierTestbed extends CourierInfo {
  /** Stop the namespace's processes (SIGTERM to the group, SIGKILL after 5 s) and remove the root unless `keep`. */
  stop(opts?: { keep?: boolean }): Promise<void>;
  /** The namespace's first process (nsenter target). */
  pid: number;
}

export interface StartCourierOptions {
  /** Parent directory of the instance's root (default $MAILDOCTOR_TESTBED_ROOT, else /dev/shm or /tmp). */
  root?: string;
  /** Readiness deadline in ms (default 20 000). */
  readyTimeoutMs?: number;
}

/** Whether the private prefix holds a working Courier (the install script's own check). */
export function courierInstalled(): boolean {
  return spawnSync('bash', [INSTALL_SCRIPT, '--check'], { stdio: 'ignore' }).status === 0;
}

/** Install Courier with scripts/testbed-courier.sh when we are root; otherwise say what to run. */
export function ensureCourierInstalled(): void {
  if (process.getuid?.() !== 0) throw new Error(`the Courier testbed needs root (a private mount namespace); run as root after: sudo ${INSTALL_SCRIPT}`);
  if (courierInstalled()) return;
  const r = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed: ${lastLines(`${r.stdout}${r.stderr}`, 8)}`);
}

let owner: { uid: number; gid: number } | null = null;
/** The mail user's uid and gid, looked up once (seeding and delivery ask for them on every call). */
function mailOwner(): { uid: number; gid: number } {
  if (owner) return owner;
  const uid = Number(spawnSync('id', ['-u', MAIL_USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', MAIL_USER], { encoding: 'utf8' }).stdout.trim());
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`no user ${MAIL_USER}: run ${INSTALL_SCRIPT}`);
  owner = { uid, gid };
  return owner;
}

/** The environment of Courier's daemons (what /etc/courier/imapd, imapd-ssl, pop3d, pop3d-ssl set). */
function daemonEnv(root: string, ports: TestbedPorts): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    PORT_IMAP: String(ports.imap),
    PORT_IMAPS: String(ports.imaps),
    PORT_POP3: String(ports.pop3),
    PORT_POP3S: String(ports.pop3s),
    IMAP_CAPABILITY,
    IMAP_CAPABILITY_TLS: `${IMAP_CAPABILITY} AUTH=PLAIN`,
    IMAP_KEYWORDS: '1',
    IMAP_ACL: '1',
    IMAP_IDLE_TIMEOUT: '60',
    IMAP_MAILBOX_SANITY_CHECK: '1',
    IMAP_USELOCKS: '1',
    IMAP_UMASK: '022',
    IMAP_TRASHFOLDERNAME: 'Trash',
    // No automatic purge of Trash at login: back-dated test mail there would vanish.
    IMAP_EMPTYTRASH: '',
    IMAP_MOVE_EXPUNGE_TO_TRASH: '0',
    IMAP_TLS_REQUIRED: '0',
    POP3AUTH: '',
    POP3AUTH_TLS: '',
    POP3_TLS_REQUIRED: '0',
    COURIERTLS: '/usr/bin/couriertls',
    TLS_CERTFILE: join(root, 'courier', 'server.pem'),
    TLS_VERIFYPEER: 'NONE',
    TLS_PROTOCOL: 'TLS1_2:TLS1_3',
    MAILDIRPATH: 'Maildir',
  };
}

/** Start a fresh Courier on free loopback ports and wait until every listener greets. */
export async function startCourier(opts: StartCourierOptions = {}): Promise<CourierTestbed> {
  ensureCourierInstalled();
  const parent = opts.root ?? process.env.MAILDOCTOR_TESTBED_ROOT ?? shortTempParent();
  mkdirSync(parent, { recursive: true });
  const root = mkdtempSync(join(parent, 'mdc-'));
  chmodSync(root, 0o755);
  const conf = join(root, 'courier');
  const homesDir = join(root, 'homes');
  mkdirSync(join(root, 'stub', 'courier'), { recursive: true });
  mkdirSync(conf, { mode: 0o755 });
  mkdirSync(homesDir, { mode: 0o755 });
  writeFileSync(
    join(conf, 'authdaemonrc'),
    'authmodulelist="authuserdb"\ndaemons=3\nauthdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=""\nLOGGEROPTS=""\n',
  );
  writeFileSync(join(conf, 'userdb'), '', { mode: 0o600 });
  const cert = writeTestCertificate(root);
  writeFileSync(join(conf, 'server.pem'), readFileSync(cert.keyFile, 'utf8') + readFileSync(cert.certFile, 'utf8'), { mode: 0o600 });
  const caPem = readFileSync(cert.certFile, 'utf8');
  const logFile = join(root, 'courier.log');
  const syslogFile = join(root, 'syslog');
  const stopSink = await startSyslogSink(join(root, 'syslog.sock'), syslogFile);

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [imap, imaps, pop3, pop3s] = await pickLoopbackPorts(4);
    const ports: TestbedPorts = { imap: imap!, imaps: imaps!, pop3: pop3!, pop3s: pop3s!, lmtp: 0 };
    const log = openSync(logFile, 'a');
    const namespace = ['sh', '-c', NAMESPACE_SCRIPT, 'sh', COURIER_PREFIX, root];
    const child = spawn('/usr/bin/unshare', ['-m', '--propagation', 'private', 'sh', '-c', PRIVATE_DEV_LOG, 'sh', join(root, 'syslog.sock'), ...namespace], {
      env: daemonEnv(root, ports),
      stdio: ['ignore', log, log],
      detached: true,
    });
    let exited: number | string | null | undefined;
    const exit = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = code ?? signal;
        resolve();
      }),
    );
    child.once('error', (e) => appendFileSync(logFile, `${String(e)}\n`));
    const release = guardChild(child);
    /** last: false while another attempt follows (the syslog receiver stays). */
    const stop = async (o: { keep?: boolean; last?: boolean } = {}) => {
      if (exited === undefined) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        const killer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 5000);
        await exit;
        clearTimeout(killer);
      }
      release();
      if (o.last !== false) await stopSink();
      if (!o.keep) rmSync(root, { recursive: true, force: true });
    };
    const silent = await awaitGreetings(
      mailListeners(ports),
      caPem,
      Date.now() + (opts.readyTimeoutMs ?? 20_000),
      () => exited === undefined,
    );
    if (silent.length === 0) {
      const info: CourierInfo = { server: 'courier', host: '127.0.0.1', ports, caPem, caFile: cert.certFile, root, logFile, syslogFile, homesDir, software: '' };
      const s = await ImapSession.open({ host: info.host, port: ports.imaps, ca: caPem });
      info.software = /(Courier-IMAP[^.]*\.(?: Copyright [^.]*\.)?)/.exec(s.greeting)?.[1]?.trim() ?? s.greeting;
      await s.logout();
      return Object.assign(info, { stop, pid: child.pid! });
    }
    await stop({ keep: true, last: false });
    lastError = new Error(
      `Courier did not become ready (${exited !== undefined ? `the namespace exited with ${exited}` : `no greeting on ${silent.join(', ')}`}).\n` +
        [logFile, syslogFile].map((f) => `--- ${f} ---\n${lastLines(existsSync(f) ? readFileSync(f, 'utf8') : '', 20)}`).join('\n'),
    );
    if (exited !== undefined) break;
  }
  await stopSink();
  throw lastError ?? new Error('Courier did not start');
}

function sha512Crypt(password: string): string {
  const r = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: password, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl passwd: ${lastLines(r.stderr, 3)}`);
  return r.stdout.trim();
}

/** Run a command inside the server's mount namespace (its /etc/courier and prefix /usr). */
function inNamespace(info: CourierTestbed, args: string[]): void {
  const r = spawnSync('nsenter', ['-t', String(info.pid), '-m', '--', 'env', 'LD_LIBRARY_PATH=/usr/lib', ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} in Courier's namespace: ${lastLines(`${r.stdout}${r.stderr}`, 5)}`);
}

function quotaSpec(limits: { storageBytes?: number; messages?: number }): string {
  return [...(limits.storageBytes !== undefined ? [`${Math.round(limits.storageBytes)}S`] : []), ...(limits.messages !== undefined ? [`${Math.round(limits.messages)}C`] : [])].join(',');
}

let userCounter = 0;

/**
 * Create a user: a userdb line (uid of the mail user, SHA-512 crypt password, quota) compiled with makeuserdb
 * in the namespace, and a Maildir with a maildirsize quota file made by Courier's own maildirmake.
 */
export async function addCourierUser(info: CourierTestbed, opts: AddUserOptions = {}): Promise<TestAccount & { maildir: string }> {
  if (opts.popLockSession !== undefined || opts.settings) throw new Error('popLockSession and settings are Dovecot options; Courier has none of them');
  const user = opts.user ?? `k${process.pid.toString(36)}${(userCounter++).toString(36)}${randomBytes(3).toString('hex')}`;
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(user)) throw new Error(`user name ${JSON.stringify(user)}: use a-z, 0-9, _ and - only`);
  const password = opts.password ?? randomBytes(9).toString('base64url');
  const { uid, gid } = mailOwner();
  const home = join(info.homesDir, user);
  const maildir = join(home, 'Maildir');
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, uid, gid);
  const quota = quotaSpec({ storageBytes: opts.quotaStorageBytes ?? DEFAULT_QUOTA_BYTES, messages: opts.quotaMessages });
  const make = spawnSync(join(COURIER_PREFIX, 'usr/bin/maildirmake.courier'), ['-q', quota, maildir], {
    uid,
    gid,
    env: { LD_LIBRARY_PATH: join(COURIER_PREFIX, 'usr/lib') },
    encoding: 'utf8',
  });
  if (make.status !== 0) throw new Error(`maildirmake ${maildir}: ${lastLines(`${make.stdout}${make.stderr}${make.error ?? ''}`, 3)}`);
  appendFileSync(join(info.root, 'courier', 'userdb'), `${user}\tuid=${uid}|gid=${gid}|home=${home}|mail=${maildir}|systempw=${sha512Crypt(password)}|quota=${quota}\n`);
  inNamespace(info, ['makeuserdb']);
  return { user, password, maildir };
}

export function courierMaildir(info: CourierInfo, account: TestAccount | string): string {
  return join(info.homesDir, typeof account === 'string' ? account : account.user, 'Maildir');
}

/**
 * Write messages into a folder as Maildir files (INTERNALDATE = mtime, flags in the name): 'INBOX', or a folder
 * name as the client sees it without Courier's personal prefix ('Sent' is `INBOX.Sent`, on disk `.Sent`). Their
 * sizes go into maildirsize as a usage line, as Courier's own delivery writes it. Keywords are not supported (Courier keeps
 * them in its own courierimapkeywords/ files).
 */
export function seedCourier(info: CourierInfo, account: TestAccount | string, folder: string, messages: SeedMessage[]): SeedResult {
  if (messages.some((m) => (m.keywords ?? []).length > 0)) throw new Error('keywords cannot be seeded on Courier (set them over IMAP)');
  const maildir = courierMaildir(info, account);
  const res = seedMaildirAs(maildir, folder.replace(/^INBOX\./i, ''), messages, mailOwner());
  if (folder.toUpperCase() !== 'INBOX') subscribe(maildir, `INBOX.${folder.replace(/^INBOX\./i, '')}`);
  // Courier counts the file sizes (S= of the name) in maildirsize, one "bytes count" line per change; mail in
  // Trash (IMAP_TRASHFOLDERNAME) is outside its quota, as its own recount of the Maildir leaves it out.
  const bytes = res.files.reduce((sum, f) => sum + Number(/,S=(\d+)/.exec(f)?.[1] ?? 0), 0);
  if (!/^(INBOX\.)?Trash$/i.test(folder)) addUsage(maildir, bytes, res.files.length);
  return res;
}

function subscribe(maildir: string, name: string): void {
  const file = join(maildir, 'courierimapsubscribed');
  const have = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  if (!have.includes(name)) {
    appendFileSync(file, `${name}\n`);
    const { uid, gid } = mailOwner();
    chownSync(file, uid, gid);
  }
}

/** Add a usage line to maildirsize, as Courier's own delivery does. */
function addUsage(maildir: string, bytes: number, count: number): void {
  const file = join(maildir, 'maildirsize');
  if (existsSync(file) && count > 0) appendFileSync(file, `${bytes} ${count}\n`);
}

export interface DeliveryReply {
  /** 250 delivered, 452 refused for quota (552 when deliverquota exits 77), 451 any other failure. */
  code: number;
  text: string;
}

/** Deliver one message with Courier's deliverquota (as the mail user): real quota enforcement, no LMTP here. */
export function deliverCourier(info: CourierInfo, account: TestAccount | string, message: string | SeedMessage): DeliveryReply {
  const raw = (typeof message === 'string' ? message : buildMessage(message, Date.now() % 1_000_000)).replace(/\r\n/g, '\n');
  const { uid, gid } = mailOwner();
  const r = spawnSync(join(COURIER_PREFIX, 'usr/bin/deliverquota.courier'), ['-c', courierMaildir(info, account)], {
    uid,
    gid,
    input: raw,
    env: { LD_LIBRARY_PATH: join(COURIER_PREFIX, 'usr/lib') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const text = `${r.stdout}${r.stderr}`.trim();
  if (r.status === 0) return { code: 250, text: 'delivered' };
  // deliverquota says "Mail quota exceeded." and exits EX_TEMPFAIL (75): a temporary refusal, as LMTP's 452 4.2.2.
  if (/quota/i.test(text)) return { code: r.status === 77 ? 552 : 452, text };
  return { code: 451, text: text || `deliverquota exited with ${r.status ?? r.signal}` };
}

/** A read-only fingerprint of the account over IMAPS as the user (see imapMailboxState). */
export async function courierMailboxState(info: CourierInfo, account: TestAccount): Promise<Record<string, ImapFolderState>> {
  const s = await ImapSession.open({ host: info.host, port: info.ports.imaps, ca: info.caPem });
  try {
    await s.authenticate(account.user, account.password);
    return await imapMailboxState(s, 'MESSAGES UIDNEXT UIDVALIDITY UNSEEN');
  } finally {
    await s.logout();
  }
}
