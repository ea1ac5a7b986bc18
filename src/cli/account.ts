// Account options shared by `check` and `probe`, and where the password comes from.
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import type { AccountOptions } from '../probe.js';
import type { Endpoint, Transport } from '../snapshot/schema.js';
import { DEFAULT_PORTS } from '../connectors/common.js';
import { adminLoginFrom, CredentialsError, resolveCredentials, SecretFileError } from '../credentials.js';
import { OAUTH2_MECHANISMS, type Credentials, type OAuth2Mechanism } from '../connectors/credentials.js';
import { UsageError } from './errors.js';

const TRANSPORTS = ['implicit', 'starttls', 'none'] as const;

export function withAccountOptions<T>(y: Argv<T>) {
  return y
    .option('host', { type: 'string', describe: 'Mail server for both protocols', group: 'Account:' })
    .option('user', { type: 'string', describe: 'Login name (often the full address)', group: 'Account:' })
    .option('imap-host', { type: 'string', describe: 'IMAP server (default: --host)', group: 'Account:' })
    .option('pop-host', { type: 'string', describe: 'POP3 server (default: --host)', group: 'Account:' })
    .option('imap-port', { type: 'number', describe: 'IMAP port (default 993, or 143 with starttls/none)', group: 'Account:' })
    .option('pop-port', { type: 'number', describe: 'POP3 port (default 995, or 110 with starttls/none)', group: 'Account:' })
    .option('imap-tls', { choices: TRANSPORTS, default: 'implicit', describe: 'How IMAP reaches TLS', group: 'Account:' })
    .option('pop-tls', { choices: TRANSPORTS, default: 'implicit', describe: 'How POP3 reaches TLS', group: 'Account:' })
    .option('only', { choices: ['imap', 'pop'] as const, describe: 'Probe one protocol only', group: 'Account:' })
    .option('password-file', {
      type: 'string',
      describe: 'Read the password from this file (else MAILDOCTOR_PASSWORD, else a prompt on a terminal); with --auth-user, the admin\'s password',
      group: 'Account:',
    })
    .option('auth-user', {
      type: 'string',
      describe: 'Log in as this admin on behalf of --user (SASL PLAIN with --user as authorization identity); the account stays --user',
      group: 'Account:',
    })
    .option('master-separator', {
      type: 'string',
      describe: 'With --auth-user: log in as USER<SEP>ADMIN instead (Dovecot master users, auth_master_user_separator, e.g. \'*\')',
      group: 'Account:',
    })
    .option('oauth2-token-file', {
      type: 'string',
      describe: 'Log in with the OAuth2 access token on the first line of this file (else MAILDOCTOR_OAUTH2_TOKEN)',
      group: 'Account:',
    })
    .option('oauth2-token-command', {
      type: 'string',
      describe: 'Run this command (no shell) and log in with the access token on the first line it prints',
      group: 'Account:',
    })
    .option('oauth2-mechanism', { choices: OAUTH2_MECHANISMS, describe: 'Use this SASL mechanism for the token (default: OAUTHBEARER if offered, else XOAUTH2)', group: 'Account:' })
    .option('ca', { type: 'string', describe: 'Trust this CA or self-signed certificate (PEM file)', group: 'Connection:' })
    .option('insecure', { type: 'boolean', default: false, describe: 'Do not verify TLS certificates (reported as a finding)', group: 'Connection:' })
    .option('allow-plaintext', {
      type: 'boolean',
      default: false,
      describe: 'Allow sending the password without TLS (with --imap-tls/--pop-tls none)',
      group: 'Connection:',
    })
    .option('timeout', { type: 'number', default: 20, describe: 'Deadline of each network step, in seconds', group: 'Connection:' })
    .option('full-pop-listing', {
      type: 'boolean',
      default: false,
      describe: 'Read POP3 UIDL and LIST of every message (default: a sample of them checked against IMAP, and the full listings only when the two differ)',
      group: 'Connection:',
    });
}

export interface RawAccountArgs {
  host?: string;
  user?: string;
  imapHost?: string;
  popHost?: string;
  imapPort?: number;
  popPort?: number;
  imapTls: Transport;
  popTls: Transport;
  only?: 'imap' | 'pop';
  passwordFile?: string;
  oauth2TokenFile?: string;
  oauth2TokenCommand?: string;
  oauth2Mechanism?: OAuth2Mechanism;
  authUser?: string;
  masterSeparator?: string;
  ca?: string;
  insecure: boolean;
  allowPlaintext: boolean;
  timeout: number;
  fullPopListing?: boolean;
}

function endpoint(kind: 'imap' | 'pop', host: string | undefined, port: number | undefined, tls: Transport): Endpoint {
  if (!host) throw new UsageError(`no ${kind === 'imap' ? 'IMAP' : 'POP3'} server: give --host or --${kind}-host`);
  const p = port ?? DEFAULT_PORTS[kind][tls];
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new UsageError(`--${kind}-port must be a port number (1-65535), got ${port}`);
  return { host, port: p, tls };
}

/** The PEM of --ca, or a one-line usage error. */
export async function readCaFile(path: string): Promise<string> {
  let ca: string;
  try {
    ca = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --ca file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca file ${path} holds no PEM certificate`);
  return ca;
}

/** Ask on the terminal without echo. */
export function promptPassword(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let pw = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(pw);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('password prompt cancelled'));
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** At most one of --password-file, --oauth2-token-file and --oauth2-token-command: a usage error otherwise. */
export function checkSecretOptions(args: Pick<RawAccountArgs, 'passwordFile' | 'oauth2TokenFile' | 'oauth2TokenCommand'>): void {
  const given = [
    ['--password-file', args.passwordFile],
    ['--oauth2-token-file', args.oauth2TokenFile],
    ['--oauth2-token-command', args.oauth2TokenCommand],
  ].filter(([, v]) => v !== undefined);
  if (given.length > 1) throw new UsageError(`${given.map(([k]) => k).join(' and ')} cannot be used together: give one`);
}

/**
 * The account's credentials from --password-file, --oauth2-token-file, --oauth2-token-command,
 * MAILDOCTOR_PASSWORD, MAILDOCTOR_OAUTH2_TOKEN or a prompt (the shared resolver).
 */
export async function resolveAccountCredentials(args: RawAccountArgs, user: string, host: string): Promise<Credentials> {
  checkSecretOptions(args);
  try {
    // --auth-user and --master-separator: checked before any password is asked for.
    const admin = adminLoginFrom(user, args.authUser, args.masterSeparator, { user: '--user', authUser: '--auth-user', separator: '--master-separator' });
    const whose = admin ? `${admin.authUser} (admin for ${user})` : user;
    return await resolveCredentials(
      user,
      {
        sharedFile: args.passwordFile,
        sharedTokenFile: args.oauth2TokenFile,
        sharedTokenCommand: args.oauth2TokenCommand,
        mechanism: args.oauth2Mechanism,
        commandTimeoutMs: Math.round(args.timeout * 1000),
        env: process.env,
        prompt: process.stdin.isTTY && !args.oauth2Mechanism ? () => promptPassword(`Password for ${whose} at ${host}: `) : undefined,
        missing: admin
          ? `no password for the admin ${admin.authUser}: set MAILDOCTOR_PASSWORD, use --password-file FILE, or run on a terminal to be asked`
          : 'no password: set MAILDOCTOR_PASSWORD, use --password-file FILE, or run on a terminal to be asked (or an OAuth2 token: MAILDOCTOR_OAUTH2_TOKEN, --oauth2-token-file, --oauth2-token-command)',
      },
      admin,
    );
  } catch (err) {
    throw err instanceof SecretFileError || err instanceof CredentialsError ? new UsageError(err.message) : err;
  }
}

export async function resolveAccount(args: RawAccountArgs, extra: { history?: boolean } = {}): Promise<AccountOptions> {
  if (!args.user) throw new UsageError('no account: give --user');
  if (!(args.timeout > 0) || args.timeout > 3600) throw new UsageError(`--timeout must be between 0 and 3600 seconds, got ${args.timeout}`);
  const imap = args.only === 'pop' ? null : endpoint('imap', args.imapHost ?? args.host, args.imapPort, args.imapTls);
  const pop = args.only === 'imap' ? null : endpoint('pop', args.popHost ?? args.host, args.popPort, args.popTls);
  const ca = args.ca ? await readCaFile(args.ca) : undefined;
  const credentials = await resolveAccountCredentials(args, args.user, (imap ?? pop)!.host);
  return {
    credentials,
    imap,
    pop,
    ca,
    insecure: args.insecure,
    allowPlaintext: args.allowPlaintext,
    timeoutMs: Math.round(args.timeout * 1000),
    history: extra.history,
    ...(args.fullPopListing ? { fullPopListing: true } : {}),
  };
}
