// Catching a server's syslog(3) lines in the testbed: Cyrus logs only that way, and Courier's daemons log
// through courierlogger, which writes to syslog too. The server runs in a private mount namespace whose /dev/log
// is the socket of our own receiver (scripts/testbed-syslog.py), which appends each message to a file in
// rsyslog's default file format ("Dec  6 13:05:01 testbed imapd-ssl[77]: LOGIN, user=…"), so that what maildoctor
// reads is what an admin's /var/log/mail.log holds. Nothing outside the namespace changes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { guardChild } from './server-process.js';

const SYSLOG_SINK = fileURLToPath(new URL('../../scripts/testbed-syslog.py', import.meta.url));

/**
 * Runs its command in a fresh /dev (this machine may have no /dev/log, and it belongs to the system when it
 * does): a tmpfs holding the host's device nodes, /dev/shm and /dev/pts (bind mounts), and /dev/log as a link to
 * the receiver's socket. For `sh -c` inside `unshare -m`; arguments: the socket, then the command.
 */
export const PRIVATE_DEV_LOG = `set -e
sock=$1; shift
hd=$(mktemp -d /tmp/mdc-hostdev.XXXXXX)
mount --rbind /dev "$hd"
mount -t tmpfs -o mode=0755,size=1m maildoctor-dev /dev
for n in null zero full random urandom tty; do : > "/dev/$n"; mount --bind "$hd/$n" "/dev/$n"; done
mkdir /dev/shm /dev/pts
mount --rbind "$hd/shm" /dev/shm
mount --rbind "$hd/pts" /dev/pts
ln -s /proc/self/fd /dev/fd; ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
ln -s "$sock" /dev/log
umount -l "$hd"; rmdir "$hd"
exec "$@"`;

/** Whether syslog can be caught here: root (for the mount namespace), unshare and python3. */
export function canCatchSyslog(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/unshare') && existsSync('/usr/bin/python3');
}

/** Start the syslog receiver on `sock`, appending to `file`; resolves once it listens, with its stop. */
export async function startSyslogSink(sock: string, file: string): Promise<() => Promise<void>> {
  const sink = spawn('/usr/bin/python3', [SYSLOG_SINK, sock, file, 'testbed'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const release = guardChild(sink);
  let output = '';
  const exited = new Promise<void>((resolve) => sink.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the syslog receiver did not start: ${output}`)), 10_000);
    sink.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    sink.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    sink.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the syslog receiver exited with ${code}: ${output}`));
    });
  });
  return async () => {
    sink.kill('SIGTERM');
    await exited;
    release();
  };
}
