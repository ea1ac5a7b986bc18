// Where a secret comes from, shared by every command: check, probe and watch (--password-file) and scan
// (password_file in the accounts file) read a password file the same way, here; so are OAuth2 access tokens
// (MAILDOCTOR_OAUTH2_TOKEN, --oauth2-token-file, --oauth2-token-command, and scan's oauth2_token_* columns).
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { adminCredentials, oauth2Credentials, passwordCredentials, type Credentials, type OAuth2Mechanism } from './connectors/credentials.js';
import { dueForRefresh, readRenewal, refreshTokenFile } from './oauth/token-file.js';

/** A password file that cannot be used: the message is one line for the user (no secret in it). */
export class SecretFileError extends Error {}

const PASSWORD_FILE_CAP = 4096;
/** Access tokens are longer than passwords (a Microsoft 365 JWT runs to 2-3 KB, more with many groups). */
const TOKEN_CAP = 16384;

/** What a secret file holds, for its messages and its size cap. */
interface SecretFileKind {
  what: string;
  holds: string;
  cap: number;
}
const PASSWORD_FILE: SecretFileKind = { what: 'password file', holds: 'password', cap: PASSWORD_FILE_CAP };
const TOKEN_FILE: SecretFileKind = { what: 'token file', holds: 'token', cap: TOKEN_CAP };

/**
 * The first line of a password file: at most 4 KB are read (so /dev/zero or a huge file ends at once), a UTF-8
 * BOM and a trailing CR are dropped. Shared by `check`/`probe`/`watch` (--password-file) and `scan` (password_file).
 * A token file is read the same way, with a cap of 16 KB.
 */
export async function readSecretLine(path: string, kind: SecretFileKind = PASSWORD_FILE): Promise<string> {
  const { what, holds, cap } = kind;
  let buf: Buffer;
  let n = 0;
  try {
    const fh = await open(path, 'r');
    try {
      buf = Buffer.alloc(cap + 1);
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
    throw new SecretFileError(code === 'ENOENT' ? `${what} not found: ${path}` : `cannot read ${what} ${path}: ${code ?? 'error'}`);
  }
  let bytes = buf.subarray(0, n);
  const nl = bytes.indexOf(0x0a);
  if (nl === -1 && n > cap) throw new SecretFileError(`${what} ${path}: its first line is longer than ${cap} bytes`);
  if (nl !== -1) bytes = bytes.subarray(0, nl);
  let pw = bytes.toString('utf8');
  if (pw.charCodeAt(0) === 0xfeff) pw = pw.slice(1);
  pw = pw.replace(/\r$/, '');
  if (!pw) throw new SecretFileError(`${what} ${path} has an empty first line`);
  if (pw.includes('\0')) throw new SecretFileError(`${what} ${path} holds binary data, not a ${holds}`);
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
  /** OAuth2: the account's own token file and token command (scan: oauth2_token_file, oauth2_token_command). */
  tokenFile?: string;
  tokenCommand?: string;
  /** OAuth2: the shared token file and command (--oauth2-token-file, --oauth2-token-command). */
  sharedTokenFile?: string;
  sharedTokenCommand?: string;
  /** --oauth2-mechanism: only with a token. */
  mechanism?: OAuth2Mechanism;
  /** Deadline of a token command in milliseconds (the --timeout); default 20 s. */
  commandTimeoutMs?: number;
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
 * The credentials of one account, from the first source that has a secret: the account's own (inline, password
 * file, password variable, token file, token command), then the shared ones (--password-file,
 * --oauth2-token-file, --oauth2-token-command), then MAILDOCTOR_PASSWORD or MAILDOCTOR_OAUTH2_TOKEN (not both),
 * then the prompt. The one resolver of check, probe, watch and scan: a password or token file means its first
 * line everywhere; a token from a file or command is read again for each later connection. With `admin`, the
 * secret is the admin's password and the account stays `user`. Throws SecretFileError or CredentialsError.
 */
export async function resolveCredentials(user: string, src: SecretSources, admin?: AdminLogin): Promise<Credentials> {
  if (admin) {
    const problem = adminLoginProblem(user, admin, { user: 'the user', authUser: 'the admin name', separator: 'the master separator' });
    if (problem) throw new CredentialsError(problem);
  }
  const secret = await secretOf(src);
  if (secret.kind === 'password') {
    if (src.mechanism) throw new CredentialsError(`--oauth2-mechanism ${src.mechanism} needs an OAuth2 token, but a password was found first`);
    return admin ? adminCredentials(user, admin.authUser, secret.value, admin.masterSeparator) : passwordCredentials(user, secret.value);
  }
  // An admin logs in with its own password on behalf of the user; a token already names whose mailbox it opens.
  if (admin) throw new CredentialsError(`the admin login ${admin.authUser} takes the admin's password, not an OAuth2 token`);
  const token = secret.value;
  const again = secret.again;
  const credentials = { ...oauth2Credentials(user, token, src.mechanism), ...(secret.renew ? { renew: secret.renew } : {}) };
  if (!again) return credentials;
  // The first connection takes the token just read; each later one reads it again.
  let first = true;
  const reread = async () => {
    if (!first) return again();
    first = false;
    return token;
  };
  return { ...credentials, reread };
}

type Secret = { kind: 'password'; value: string } | { kind: 'oauth2'; value: string; again?: () => Promise<string>; renew?: () => Promise<string> };

async function secretOf(src: SecretSources): Promise<Secret> {
  const password = (value: string): Secret => ({ kind: 'password', value });
  if (src.inline) return password(src.inline);
  if (src.file) return password(await readSecretLine(src.file));
  if (src.envName) {
    const v = src.env[src.envName];
    if (!v) throw new CredentialsError(`environment variable ${src.envName} (password_env) is not set`);
    return password(v);
  }
  const own = await tokenOf(src.tokenFile, src.tokenCommand, src);
  if (own) return own;
  if (src.sharedFile) return password(await readSecretLine(src.sharedFile));
  const shared = await tokenOf(src.sharedTokenFile, src.sharedTokenCommand, src);
  if (shared) return shared;
  const envPassword = src.env.MAILDOCTOR_PASSWORD;
  const envToken = src.env.MAILDOCTOR_OAUTH2_TOKEN;
  if (envPassword && envToken) throw new CredentialsError('both MAILDOCTOR_PASSWORD and MAILDOCTOR_OAUTH2_TOKEN are set: unset the one this account does not use');
  if (envPassword) return password(envPassword);
  if (envToken) return { kind: 'oauth2', value: envToken.trim() };
  if (src.prompt) return password(await src.prompt());
  throw new CredentialsError(src.missing);
}

/** A token from a file or a command (a file wins when both are given), with how to read it again; null for neither. */
async function tokenOf(file: string | undefined, command: string | undefined, src: SecretSources): Promise<Secret | null> {
  if (file) {
    const again = () => tokenFromFile(file, src, false);
    return { kind: 'oauth2', value: await again(), again, renew: () => tokenFromFile(file, src, true) };
  }
  if (command) {
    const argv = commandWords(command);
    const again = () => runTokenCommand(argv, src.commandTimeoutMs ?? 20_000);
    return { kind: 'oauth2', value: await again(), again };
  }
  return null;
}

/**
 * The access token of a token file. A file of `maildoctor token` with a refresh token is refreshed on use: when
 * its token is about to expire, or (`force`) when a server refused it; the new tokens are written back.
 */
async function tokenFromFile(file: string, src: SecretSources, force: boolean): Promise<string> {
  const access = await readSecretLine(file, TOKEN_FILE);
  const renewal = await readRenewal(file);
  if (!renewal) {
    if (force) throw new CredentialsError(`the token file ${file} holds no refresh token (or not where to use it): get a new token with maildoctor token`);
    return access;
  }
  if (!force && !dueForRefresh(renewal, Date.now() / 1000)) return access;
  try {
    const clientSecret = src.env.MAILDOCTOR_OAUTH2_CLIENT_SECRET;
    return await refreshTokenFile(file, renewal, { timeoutMs: src.commandTimeoutMs ?? 20_000, ...(clientSecret ? { clientSecret } : {}) });
  } catch (e) {
    const why = e instanceof Error ? e.message : 'error';
    throw new CredentialsError(`the access token in ${file} ${force ? 'was refused' : 'has expired'} and could not be refreshed (${why}): get a new one with maildoctor token`);
  }
}

/**
 * A command line split into words the way a shell would split it, without running one: blanks separate words,
 * '…' keeps everything literally, "…" and a backslash escape. No variables, globs or pipes: the helper is run
 * directly (like git's credential helpers), so nothing in the line is interpreted.
 */
export function commandWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new CredentialsError(`token command: a ${quote === '"' ? 'double' : 'single'} quote is not closed`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new CredentialsError('token command is empty');
  return words;
}

/**
 * Run a token helper (no shell) and take the first line of its standard output. It gets no input and
 * `timeoutMs` to finish; what it writes to stderr is never shown (helpers print account names, URLs and worse
 * there): a failure is one line with the program's name and its exit code.
 */
export function runTokenCommand(argv: readonly string[], timeoutMs: number): Promise<string> {
  const name = basename(argv[0]!);
  return new Promise((resolve, reject) => {
    let out = Buffer.alloc(0);
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const finish = (err: Error | null, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      // A helper that left a child behind holding the pipes must not keep us waiting for them.
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(new CredentialsError(`token command ${name} gave no token within ${Math.round(timeoutMs / 100) / 10} s (stopped)`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      if (out.length <= TOKEN_CAP) out = Buffer.concat([out, d]);
    });
    // Read and dropped: a full stderr pipe would block the helper.
    child.stderr.resume();
    child.once('error', (e: NodeJS.ErrnoException) =>
      finish(new CredentialsError(e.code === 'ENOENT' ? `token command not found: ${name}` : `token command ${name} could not be run: ${e.code ?? 'error'}`)),
    );
    child.once('close', (code, signal) => {
      if (code !== 0) {
        finish(new CredentialsError(`token command ${name} failed (${code === null ? `killed by ${signal}` : `exit code ${code}`}; its error output is not shown)`));
        return;
      }
      const nl = out.indexOf(0x0a);
      if (nl === -1 && out.length > TOKEN_CAP) return finish(new CredentialsError(`token command ${name}: its first line is longer than ${TOKEN_CAP} bytes`));
      const token = out
        .subarray(0, nl === -1 ? out.length : nl)
        .toString('utf8')
        .replace(/\r$/, '')
        .trim();
      if (!token) return finish(new CredentialsError(`token command ${name} printed no token`));
      finish(null, token);
    });
  });
}
