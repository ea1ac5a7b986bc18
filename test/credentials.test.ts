// The one credentials path: the resolver shared by check, probe, watch and scan (its order and its errors), and
// the per-protocol choice of login for a credentials kind.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminLoginProblem, commandWords, CredentialsError, resolveCredentials, SecretFileError } from '../src/credentials.js';
import { adminCredentials, forConnection, passwordCredentials, plainIdentities, saslPlainResponse, secretsOf, type Credentials } from '../src/connectors/credentials.js';
import { imapLoginCommand } from '../src/connectors/imap/login.js';
import { popLoginMethod } from '../src/connectors/pop3/login.js';
import { parseCapa } from '../src/connectors/pop3/capa.js';
import { scrub } from '../src/snapshot/scrub.js';

/** The password of password credentials (undefined for any other kind). */
const passwordOf = (c: Credentials) => (c.kind === 'password' ? c.password : undefined);

const dir = mkdtempSync(join(tmpdir(), 'md-cred-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('resolveCredentials', () => {
  const missing = 'no password here';
  it('tries inline, own file, named variable, shared file, MAILDOCTOR_PASSWORD, then the prompt', async () => {
    const own = file('own', 'Own-1\nsecond line\n');
    const shared = file('shared', 'Shared-2\n');
    const env = { PW_X: 'Env-3', MAILDOCTOR_PASSWORD: 'Md-4' };
    const prompt = async () => 'Asked-5';
    const pw = async (src: Partial<Parameters<typeof resolveCredentials>[1]>) =>
      passwordOf(await resolveCredentials('alice', { env: {}, missing, ...src }));
    expect(await pw({ inline: 'Inline-0', file: own, envName: 'PW_X', sharedFile: shared, env, prompt })).toBe('Inline-0');
    expect(await pw({ file: own, envName: 'PW_X', sharedFile: shared, env, prompt })).toBe('Own-1');
    expect(await pw({ envName: 'PW_X', sharedFile: shared, env, prompt })).toBe('Env-3');
    expect(await pw({ sharedFile: shared, env, prompt })).toBe('Shared-2');
    expect(await pw({ env, prompt })).toBe('Md-4');
    expect(await pw({ prompt })).toBe('Asked-5');
    expect(await resolveCredentials('alice', { env, missing })).toEqual({ kind: 'password', user: 'alice', password: 'Md-4' });
  });

  it('a two-line file gives its first line, whichever source names it', async () => {
    const two = file('two', '\uFEFFFirst-Line-6\r\nSecond-Line\n');
    const a = await resolveCredentials('u', { file: two, env: {}, missing });
    const b = await resolveCredentials('u', { sharedFile: two, env: {}, missing });
    expect(passwordOf(a)).toBe('First-Line-6');
    expect(passwordOf(b)).toBe('First-Line-6');
  });

  it('an admin login: the account stays the user, the secret is the admin password', async () => {
    const env = { MAILDOCTOR_PASSWORD: 'Admin-Pw-9' };
    expect(await resolveCredentials('alice', { env, missing }, { authUser: 'admin' })).toEqual({ kind: 'admin', user: 'alice', authUser: 'admin', password: 'Admin-Pw-9' });
    expect(await resolveCredentials('alice', { env, missing }, { authUser: 'admin', masterSeparator: '*' })).toEqual({
      kind: 'admin',
      user: 'alice',
      authUser: 'admin',
      password: 'Admin-Pw-9',
      masterSeparator: '*',
    });
    await expect(resolveCredentials('alice*admin', { env, missing }, { authUser: 'admin', masterSeparator: '*' })).rejects.toThrow(CredentialsError);
  });

  it('says which source failed, in one line without a secret', async () => {
    await expect(resolveCredentials('u', { env: {}, missing })).rejects.toThrow(new CredentialsError(missing));
    await expect(resolveCredentials('u', { envName: 'UNSET_VAR', env: {}, missing })).rejects.toThrow('environment variable UNSET_VAR (password_env) is not set');
    await expect(resolveCredentials('u', { file: join(dir, 'absent'), env: {}, missing })).rejects.toBeInstanceOf(SecretFileError);
    await expect(resolveCredentials('u', { file: file('empty', '\n'), env: {}, missing })).rejects.toThrow(/empty first line/);
  });
});

describe('a login per protocol for a credentials kind', () => {
  const c = passwordCredentials('alice@example.com', 'p"w\\1');
  it('IMAP: AUTHENTICATE PLAIN with SASL-IR, else LOGIN with quoted strings, else none', () => {
    expect(imapLoginCommand(c, new Set(['AUTH=PLAIN', 'SASL-IR']))).toBe(`AUTHENTICATE PLAIN ${saslPlainResponse(c)}`);
    expect(Buffer.from(saslPlainResponse(c), 'base64').toString()).toBe('\0alice@example.com\0p"w\\1');
    expect(imapLoginCommand(c, new Set(['AUTH=PLAIN']))).toBe('LOGIN "alice@example.com" "p\\"w\\\\1"');
    expect(imapLoginCommand(c, new Set(['LOGINDISABLED']))).toBeNull();
    expect(imapLoginCommand(passwordCredentials('u', 'line\nbreak'), new Set())).toBeNull();
  });

  it('POP3: SASL PLAIN when offered (unless USER/PASS is preferred), USER/PASS otherwise, a refusal without either', () => {
    const both = parseCapa(['SASL PLAIN', 'USER']);
    expect(popLoginMethod(c, both, true, true, true, 'h:995')).toBe('SASL PLAIN');
    expect(popLoginMethod(c, both, true, true, false, 'h:995')).toBe('USER/PASS');
    expect(popLoginMethod(c, parseCapa(null), false, false, true, 'h:110')).toBe('USER/PASS');
    expect(popLoginMethod(c, parseCapa(['STLS']), true, false, true, 'h:110')).toMatchObject({ kind: 'plaintext-refused', starttlsOffered: true });
  });

  it('an admin with authzid: PLAIN only (IMAP with SASL-IR, else the main session; POP3 AUTH PLAIN, else a refusal)', () => {
    const a = adminCredentials('alice@example.com', 'admin', 'Adm1n"pw');
    expect(plainIdentities(a)).toEqual({ authzid: 'alice@example.com', authcid: 'admin', password: 'Adm1n"pw' });
    expect(Buffer.from(saslPlainResponse(a), 'base64').toString()).toBe('alice@example.com\0admin\0Adm1n"pw');
    expect(imapLoginCommand(a, new Set(['AUTH=PLAIN', 'SASL-IR']))).toBe(`AUTHENTICATE PLAIN ${saslPlainResponse(a)}`);
    // Never LOGIN: it would log the admin in as itself.
    expect(imapLoginCommand(a, new Set(['AUTH=PLAIN']))).toBeNull();
    expect(imapLoginCommand(a, new Set())).toBeNull();
    expect(popLoginMethod(a, parseCapa(['SASL PLAIN', 'USER']), true, true, false, 'h:995')).toBe('SASL PLAIN');
    expect(popLoginMethod(a, parseCapa(['USER']), true, true, true, 'h:995')).toMatchObject({ kind: 'unsupported', step: 'login', code: 'NO-SASL-PLAIN' });
    expect(popLoginMethod(a, parseCapa(null), false, true, true, 'h:995')).toMatchObject({ kind: 'unsupported', message: /did not answer CAPA/ });
  });

  it('an admin as a Dovecot master user: user*admin in LOGIN, USER/PASS, or PLAIN without authzid', () => {
    const m = adminCredentials('alice@example.com', 'admin', 'pw', '*');
    expect(plainIdentities(m)).toEqual({ authzid: '', authcid: 'alice@example.com*admin', password: 'pw' });
    expect(imapLoginCommand(m, new Set(['AUTH=PLAIN']))).toBe('LOGIN "alice@example.com*admin" "pw"');
    expect(Buffer.from(saslPlainResponse(m), 'base64').toString()).toBe('\0alice@example.com*admin\0pw');
    expect(popLoginMethod(m, parseCapa(['USER']), true, true, true, 'h:995')).toBe('USER/PASS');
    expect(secretsOf(m)).toEqual(['pw', saslPlainResponse(m)]);
  });

  it('an admin login that cannot work is refused in one line naming the option', () => {
    const names = { user: '--user', authUser: '--auth-user', separator: '--master-separator' };
    expect(adminLoginProblem('alice*admin', { authUser: 'admin', masterSeparator: '*' }, names)).toBe(
      '--user "alice*admin" holds the master separator "*": give the customer\'s own name, and the admin with --auth-user',
    );
    expect(adminLoginProblem('alice', { authUser: 'ad*min', masterSeparator: '*' }, names)).toMatch(/^--auth-user "ad\*min" holds the master separator/);
    expect(adminLoginProblem('alice', { authUser: 'admin', masterSeparator: '' }, names)).toMatch(/^--master-separator must be/);
    expect(adminLoginProblem('alice', { authUser: '' }, names)).toBe('--auth-user is empty');
    expect(adminLoginProblem('alice\0x', { authUser: 'admin' }, names)).toMatch(/^--user holds a line break or NUL/);
    // Without a separator, a "*" in the user is just a character.
    expect(adminLoginProblem('alice*x', { authUser: 'admin' }, names)).toBeNull();
  });

  it('every secret of the credentials, and its base64 form, is scrubbed', () => {
    const secrets = secretsOf(c);
    const b64 = Buffer.from('p"w\\1').toString('base64');
    expect(scrub(`NO [AUTH] p"w\\1 / ${b64} for alice@example.com`, secrets, ['alice@example.com'])).toBe('NO [AUTH] *** / *** for alice@example.com');
    expect(scrub('a Token-7 and Pw-8', ['Token-7', 'Pw-8'])).toBe('a *** and ***');
  });
});

describe('OAuth2 token sources', () => {
  const missing = 'nothing';
  const node = JSON.stringify(process.execPath);
  // A helper that prints a new token each run (tok-1, tok-2, ...), and a line of noise after it.
  const counter = file('counter.mjs', [
    "import { readFileSync, writeFileSync } from 'node:fs';",
    'const f = process.argv[2];',
    "let n = 0; try { n = Number(readFileSync(f, 'utf8')); } catch {}",
    'writeFileSync(f, String(n + 1));',
    'console.log(`tok-${n + 1}`); console.log("second line");',
  ].join('\n'));
  const tokenOf = (c: Credentials) => (c.kind === 'oauth2' ? c.token : null);

  it('MAILDOCTOR_OAUTH2_TOKEN gives oauth2 credentials; --oauth2-mechanism is kept; both env variables at once are refused', async () => {
    expect(await resolveCredentials('u', { env: { MAILDOCTOR_OAUTH2_TOKEN: 'Env-Tok' }, missing })).toEqual({ kind: 'oauth2', user: 'u', token: 'Env-Tok' });
    expect(await resolveCredentials('u', { env: { MAILDOCTOR_OAUTH2_TOKEN: 'Env-Tok' }, mechanism: 'XOAUTH2', missing })).toMatchObject({ mechanism: 'XOAUTH2' });
    await expect(resolveCredentials('u', { env: { MAILDOCTOR_OAUTH2_TOKEN: 'a', MAILDOCTOR_PASSWORD: 'b' }, missing })).rejects.toThrow(/both MAILDOCTOR_PASSWORD and MAILDOCTOR_OAUTH2_TOKEN/);
    await expect(resolveCredentials('u', { env: { MAILDOCTOR_PASSWORD: 'b' }, mechanism: 'OAUTHBEARER', missing })).rejects.toThrow(/needs an OAuth2 token/);
  });

  it('the order: own password sources, own token sources, shared password file, shared token sources, then the environment', async () => {
    const tok = file('tok', 'File-Tok\n');
    const pwf = file('pwf', 'Pw-File\n');
    const env = { MAILDOCTOR_OAUTH2_TOKEN: 'Env-Tok' };
    expect(await resolveCredentials('u', { file: pwf, tokenFile: tok, env, missing })).toMatchObject({ kind: 'password', password: 'Pw-File' });
    expect(await resolveCredentials('u', { tokenFile: tok, sharedFile: pwf, env, missing })).toMatchObject({ kind: 'oauth2', token: 'File-Tok' });
    expect(await resolveCredentials('u', { sharedFile: pwf, sharedTokenFile: tok, env, missing })).toMatchObject({ kind: 'password' });
    expect(await resolveCredentials('u', { sharedTokenFile: tok, env, missing })).toMatchObject({ kind: 'oauth2', token: 'File-Tok' });
    await expect(resolveCredentials('u', { tokenFile: join(dir, 'no-such-token'), env, missing })).rejects.toThrow(`token file not found: ${join(dir, 'no-such-token')}`);
  });

  it('a token file is read again for each connection after the first', async () => {
    const path = file('rolling', 'First-Tok\n');
    const c = await resolveCredentials('u', { sharedTokenFile: path, env: {}, missing });
    expect(tokenOf(await forConnection(c))).toBe('First-Tok');
    writeFileSync(path, 'Second-Tok\n');
    expect(tokenOf(await forConnection(c))).toBe('Second-Tok');
    // Unreadable now: the token read before stands, and the server decides.
    writeFileSync(path, '\n');
    expect(tokenOf(await forConnection(c))).toBe('First-Tok');
  });

  it('a token command: run without a shell, its first line taken, run again for the next connection', async () => {
    const state = join(dir, 'count');
    const c = await resolveCredentials('u', { sharedTokenCommand: `${node} ${counter} ${state}`, env: {}, missing });
    expect(tokenOf(c)).toBe('tok-1');
    expect(tokenOf(await forConnection(c))).toBe('tok-1');
    expect(tokenOf(await forConnection(c))).toBe('tok-2');
    // No shell: the metacharacters are plain arguments to the helper.
    const args = file('args.mjs', 'console.log(JSON.stringify(process.argv.slice(2)));');
    const echoed = await resolveCredentials('u', { sharedTokenCommand: `${node} ${args} 'a b' "\\"q\\"" $HOME ; | x\\ y`, env: {}, missing });
    expect(JSON.parse(tokenOf(echoed)!)).toEqual(['a b', '"q"', '$HOME', ';', '|', 'x y']);
  });

  it('a failing helper is one line with its exit code, never its stderr; a missing one says so; a hanging one meets the deadline', async () => {
    const loud = file('loud.mjs', 'console.error("Stderr-Secret-9 for alice"); process.exit(3);');
    const hang = file('hang.mjs', 'console.error("Hang-Secret"); setInterval(() => {}, 1000);');
    const empty = file('empty.mjs', 'console.log("");');
    const err = await resolveCredentials('u', { sharedTokenCommand: `${node} ${loud}`, env: {}, missing }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toBe(`token command ${process.execPath.split('/').pop()} failed (exit code 3; its error output is not shown)`);
    await expect(resolveCredentials('u', { sharedTokenCommand: 'no-such-helper-xyz --token', env: {}, missing })).rejects.toThrow('token command not found: no-such-helper-xyz');
    await expect(resolveCredentials('u', { sharedTokenCommand: `${node} ${empty}`, env: {}, missing })).rejects.toThrow(/printed no token/);
    const hung = await resolveCredentials('u', { sharedTokenCommand: `${node} ${hang}`, commandTimeoutMs: 700, env: {}, missing }).catch((e: Error) => e);
    expect((hung as Error).message).toMatch(/gave no token within 0\.7 s \(stopped\)$/);
    expect((hung as Error).message).not.toContain('Hang-Secret');
  });

  it('splits a command line like a shell would, without expanding anything', () => {
    expect(commandWords('az account get-access-token --resource https://outlook.office.com --query accessToken -o tsv')).toEqual([
      'az', 'account', 'get-access-token', '--resource', 'https://outlook.office.com', '--query', 'accessToken', '-o', 'tsv',
    ]);
    expect(commandWords(`  a  '' "b c" d'e f'g  `)).toEqual(['a', '', 'b c', 'de fg']);
    expect(() => commandWords('a "b')).toThrow(/double quote is not closed/);
    expect(() => commandWords('   ')).toThrow(/empty/);
  });
});

describe('an admin login and an OAuth2 token together', () => {
  it('is refused in one line: the admin logs in with its own password', async () => {
    await expect(
      resolveCredentials('alice', { env: { MAILDOCTOR_OAUTH2_TOKEN: 'Tok-1234567890abcdef' }, missing: 'none' }, { authUser: 'support' }),
    ).rejects.toThrow(new CredentialsError("the admin login support takes the admin's password, not an OAuth2 token"));
  });
});
