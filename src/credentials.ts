// Where a secret comes from, shared by every command: check, probe and watch (--password-file) and scan
// (password_file in the accounts file) read a password file the same way, here.
import { open } from 'node:fs/promises';
import { adminCredentials, passwordCredentials, type Credentials } from './connectors/credentials.js';

/** A password file that cannot be used: the message is one line for the user (no secret in it). */
export class SecretFileError extends Error {}

const PASSWORD_FILE_CAP = 4096;

/**
 * The first line of a password file: at most 4 KB are read (so /dev/zero or a huge file ends at once), a UTF-8
 * BOM and a trailing CR are dropped. Shared by `check`/`probe`/`watch` (--password-file) and `scan` (password_file).
 */
export async function readSecretLine(path: string): Promise<string> {
  let buf: Buffer;
  let n = 0;
  try {
    const fh = await open(path, 'r');
    try {
      buf = Buffer.alloc(PASSWORD_FILE_CAP + 1);
      while (n < buf.length) {
        const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
        if (bytesRead === 0) break;
        const nl = buf.indexOf(0x0a, n);
        n += bytesRead;
        if (nl !== -1 && nl < n) break;
      }
    } finally {
      await fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SecretFileError(code === 'ENOENT' ? `password file not found: ${path}` : `cannot read password file ${path}: ${code ?? 'error'}`);
  }
  let bytes = buf.subarray(0, n);
  const nl = bytes.indexOf(0x0a);
  if (nl === -1 && n > PASSWORD_FILE_CAP) throw new SecretFileError(`password file ${path}: its first line is longer than ${PASSWORD_FILE_CAP} bytes`);
  if (nl !== -1) bytes = bytes.subarray(0, nl);
  let pw = bytes.toString('utf8');
  if (pw.charCodeAt(0) === 0xfeff) pw = pw.slice(1);
  pw = pw.replace(/\r$/, '');
  if (!pw) throw new SecretFileError(`password file ${path} has an empty first line`);
  if (pw.includes('\0')) throw new SecretFileError(`password file ${path} holds binary data, not a password`);
  return pw;
}

/** Where one account's secret may come from; resolveCredentials tries them in this order. */
export interface SecretSources {
  /** An inline password (scan, with --allow-inline-passwords). */
  inline?: string;
  /** The account's own password file, as a path (scan: password_file). */
  file?: string;
  /** The name of an environment variable that holds it (scan: password_env). */
  envName?: string;
  /** The shared password file (--password-file). */
  sharedFile?: string;
  /** The environment: the variable named by envName, then MAILDOCTOR_PASSWORD. */
  env: Readonly<Record<string, string | undefined>>;
  /** Asked last (check, probe and watch on a terminal). */
  prompt?: () => Promise<string>;
  /** What to say when no source gives a secret (one line, naming the sources the command has). */
  missing: string;
}

/** No usable secret for an account: the message is one line for the user (no secret in it). */
export class CredentialsError extends Error {}

/** An admin login on behalf of the account's user (check --auth-user, scan's auth_user column). */
export interface AdminLogin {
  /** The admin's login name; the secret sources then hold the admin's password. */
  authUser: string;
  /** Dovecot master-user form `user<sep>authUser`; absent: SASL PLAIN with the user as authzid. */
  masterSeparator?: string;
}

/** How the command names the three settings in its messages (--user / --auth-user / --master-separator, or scan's columns). */
export interface AdminLoginNames {
  user: string;
  authUser: string;
  separator: string;
}

/**
 * The admin login these settings ask for, or undefined for the user's own login. Throws CredentialsError (one
 * line naming the setting) for a separator without an admin, or for a login that cannot work (adminLoginProblem).
 */
export function adminLoginFrom(user: string | undefined, authUser: string | undefined, masterSeparator: string | undefined, names: AdminLoginNames): AdminLogin | undefined {
  if (authUser === undefined) {
    if (masterSeparator !== undefined) throw new CredentialsError(`${names.separator} needs ${names.authUser} (the admin who logs in on behalf of ${names.user})`);
    return undefined;
  }
  const login: AdminLogin = { authUser, ...(masterSeparator !== undefined ? { masterSeparator } : {}) };
  const problem = user === undefined ? null : adminLoginProblem(user, login, names);
  if (problem) throw new CredentialsError(problem);
  return login;
}

/**
 * Why this admin login cannot be sent as asked (one line for the user), or null. A user that holds the
 * separator is refused: it is the master-user form typed by hand, and the account would be keyed by it.
 */
export function adminLoginProblem(user: string, login: AdminLogin, names: AdminLoginNames): string | null {
  const sep = login.masterSeparator;
  if (!login.authUser) return `${names.authUser} is empty`;
  for (const [what, value] of [[names.user, user], [names.authUser, login.authUser]] as const) {
    if (/[\0\r\n]/.test(value)) return `${what} holds a line break or NUL`;
  }
  if (sep === undefined) return null;
  if (!sep || /[\s\0]/.test(sep)) return `${names.separator} must be one or more characters without spaces`;
  if (user.includes(sep)) {
    return `${names.user} ${JSON.stringify(user)} holds the master separator ${JSON.stringify(sep)}: give the customer's own name, and the admin with ${names.authUser}`;
  }
  if (login.authUser.includes(sep)) return `${names.authUser} ${JSON.stringify(login.authUser)} holds the master separator ${JSON.stringify(sep)}`;
  return null;
}

/**
 * The credentials of one account, from the first source that has a secret. The one resolver of check, probe,
 * watch and scan: a password file means its first line everywhere. With `admin`, the secret is the admin's
 * password and the account stays `user`. Throws SecretFileError or CredentialsError.
 */
export async function resolveCredentials(user: string, src: SecretSources, admin?: AdminLogin): Promise<Credentials> {
  if (!admin) return passwordCredentials(user, await secretOf(src));
  const problem = adminLoginProblem(user, admin, { user: 'the user', authUser: 'the admin name', separator: 'the master separator' });
  if (problem) throw new CredentialsError(problem);
  return adminCredentials(user, admin.authUser, await secretOf(src), admin.masterSeparator);
}

async function secretOf(src: SecretSources): Promise<string> {
  if (src.inline) return src.inline;
  if (src.file) return readSecretLine(src.file);
  if (src.envName) {
    const v = src.env[src.envName];
    if (!v) throw new CredentialsError(`environment variable ${src.envName} (password_env) is not set`);
    return v;
  }
  if (src.sharedFile) return readSecretLine(src.sharedFile);
  const shared = src.env.MAILDOCTOR_PASSWORD;
  if (shared) return shared;
  if (src.prompt) return src.prompt();
  throw new CredentialsError(src.missing);
}
