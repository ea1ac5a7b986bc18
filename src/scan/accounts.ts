// The accounts file of a fleet scan: CSV with a header row, or JSON Lines (one object per line). Pure: text in,
// rows (or one-line errors naming the line) out. Secrets are never read here: a row names where its password
// lives (password_file, password_env) or its OAuth2 token (oauth2_token_file, oauth2_token_command); an inline
// `password` column is refused unless explicitly allowed. With auth_user, that password is the admin's, and the
// account is still `user`.
import type { Transport } from '../snapshot/schema.js';

export type AccountsFormat = 'csv' | 'jsonl';

/** The columns (CSV header names, JSONL keys) an accounts file may use. */
export const ACCOUNT_COLUMNS = [
  'id', // the account key (default: user@host); must be unique in the file
  'user',
  'host',
  'imap_host',
  'pop_host',
  'imap_port',
  'pop_port',
  'imap_tls',
  'pop_tls',
  'only', // imap | pop
  'password_file',
  'password_env',
  'oauth2_token_file', // OAuth2: the token on the file's first line, read again for each connection
  'oauth2_token_command', // OAuth2: a helper run without a shell; the first line it prints
  'password', // refused unless --allow-inline-passwords
  'auth_user', // an admin who logs in on behalf of user (its password from the password columns)
  'master_separator', // with auth_user: log in as user<sep>auth_user (Dovecot master users)
] as const;
export type AccountColumn = (typeof ACCOUNT_COLUMNS)[number];
const COLUMN_SET = new Set<string>(ACCOUNT_COLUMNS);
const TRANSPORTS = new Set<string>(['implicit', 'starttls', 'none']);

/** One account as written in the file (before defaults from flags are applied). */
export interface AccountRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** Stable identity of the account: the `id` column, else `user@host` (host = imap_host, pop_host or host). */
  key: string;
  user: string;
  host?: string;
  imapHost?: string;
  popHost?: string;
  imapPort?: number;
  popPort?: number;
  imapTls?: Transport;
  popTls?: Transport;
  only?: 'imap' | 'pop';
  passwordFile?: string;
  passwordEnv?: string;
  /** OAuth2 instead of a password: where the access token comes from. */
  oauth2TokenFile?: string;
  oauth2TokenCommand?: string;
  /** Only with allowInlinePasswords. */
  password?: string;
  /** An admin who logs in on behalf of `user`; the password sources then hold the admin's password. */
  authUser?: string;
  /** With an admin: the Dovecot master-user separator. */
  masterSeparator?: string;
}

export interface RowError {
  line: number;
  message: string;
}

export interface ParseResult {
  format: AccountsFormat;
  rows: AccountRow[];
  errors: RowError[];
}

export interface ParseOptions {
  /** Default: sniffed (a first non-blank character `{` means JSONL, else CSV). */
  format?: AccountsFormat;
  allowInlinePasswords?: boolean;
}

/** A format from a file name, or null when the name says nothing. */
export function formatFromName(name: string): AccountsFormat | null {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(name)) return 'jsonl';
  return null;
}

export function sniffFormat(text: string): AccountsFormat {
  const first = /^\s*(\S)/.exec(text.replace(/^\uFEFF/, ''));
  return first?.[1] === '{' ? 'jsonl' : 'csv';
}

export function parseAccounts(text: string, opts: ParseOptions = {}): ParseResult {
  const body = text.replace(/^\uFEFF/, '');
  const format = opts.format ?? sniffFormat(body);
  const raw = format === 'csv' ? csvRecords(body) : jsonlRecords(body);
  const rows: AccountRow[] = [];
  const errors: RowError[] = [...raw.errors];
  const seen = new Map<string, number>();
  for (const rec of raw.records) {
    const res = toRow(rec.line, rec.fields, opts);
    if ('message' in res) {
      errors.push(res);
      continue;
    }
    const first = seen.get(res.key);
    if (first !== undefined) {
      errors.push({ line: res.line, message: `duplicate account ${JSON.stringify(res.key)} (first on line ${first}); give rows an "id" column to tell them apart` });
      continue;
    }
    seen.set(res.key, res.line);
    rows.push(res);
  }
  errors.sort((a, b) => a.line - b.line);
  return { format, rows, errors };
}

interface RawRecord {
  line: number;
  fields: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------
// CSV (RFC 4180): quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF; blank lines and
// lines starting with '#' (outside quotes) are skipped; unquoted fields are trimmed.

function csvRecords(text: string): { records: RawRecord[]; errors: RowError[] } {
  const records: RawRecord[] = [];
  const errors: RowError[] = [];
  let header: string[] | null = null;
  let headerLine = 0;
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    // Blank line or comment: skip it whole.
    const eol = text.indexOf('\n', i);
    const lineEnd = eol === -1 ? n : eol;
    const physical = text.slice(i, lineEnd).replace(/\r$/, '');
    if (physical.trim() === '' || physical.trimStart().startsWith('#')) {
      i = lineEnd + 1;
      line++;
      continue;
    }
    // One record, possibly over several physical lines.
    const fields: string[] = [];
    let error: string | null = null;
    for (;;) {
      let value = '';
      // Leading spaces before an opening quote are allowed.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text[j] === '"') {
        i = j + 1;
        let closed = false;
        while (i < n) {
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        if (!closed) {
          error = `unterminated quoted field (the quote opened on line ${startLine} is never closed)`;
          i = n;
          break;
        }
        // After the closing quote only spaces, then a separator or the end of the line.
        while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          error = `unexpected ${JSON.stringify(text[i])} after a closing quote (double a quote inside a quoted field: "")`;
          const skip = text.indexOf('\n', i);
          i = skip === -1 ? n : skip;
          fields.push(value);
          break;
        }
      } else {
        let k = i;
        while (k < n && text[k] !== ',' && text[k] !== '\n') k++;
        value = text.slice(i, k).replace(/\r$/, '').trim();
        if (value.includes('"')) {
          error = 'a quote inside an unquoted field (quote the whole field and double the quote: "a""b")';
        }
        i = k;
      }
      fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of record: step over the line break.
    if (i < n && text[i] === '\r') i++;
    if (i < n && text[i] === '\n') i++;
    line++;
    if (error) {
      errors.push({ line: startLine, message: error });
      continue;
    }
    if (!header) {
      header = fields.map((f) => f.trim().toLowerCase());
      headerLine = startLine;
      const bad = header.filter((h) => !COLUMN_SET.has(h));
      const dup = header.filter((h, idx) => header!.indexOf(h) !== idx);
      if (bad.length || dup.length || !header.includes('user')) {
        const why = [
          ...(bad.length ? [`unknown column${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}`] : []),
          ...(dup.length ? [`repeated column ${JSON.stringify(dup[0])}`] : []),
          ...(!header.includes('user') ? ['no "user" column'] : []),
        ];
        errors.push({ line: startLine, message: `bad header: ${why.join('; ')} (columns: ${ACCOUNT_COLUMNS.join(', ')})` });
        return { records: [], errors };
      }
      continue;
    }
    if (fields.length !== header.length) {
      errors.push({ line: startLine, message: `${fields.length} fields, but the header on line ${headerLine} has ${header.length}` });
      continue;
    }
    const obj: Record<string, unknown> = {};
    header.forEach((h, idx) => {
      if (fields[idx] !== '') obj[h] = fields[idx];
    });
    records.push({ line: startLine, fields: obj });
  }
  if (!header) errors.push({ line: 1, message: `no header row (the first line names the columns: ${ACCOUNT_COLUMNS.join(', ')})` });
  return { records, errors };
}

// ---------------------------------------------------------------------------------------------------------
// JSONL: one object per line; blank lines and '#' lines skipped.

function jsonlRecords(text: string): { records: RawRecord[]; errors: RowError[] } {
  const records: RawRecord[] = [];
  const errors: RowError[] = [];
  const lines = text.split('\n');
  lines.forEach((l, idx) => {
    const s = l.replace(/\r$/, '').trim();
    if (!s || s.startsWith('#')) return;
    const line = idx + 1;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      errors.push({ line, message: `not valid JSON: ${(e as Error).message.split('\n')[0]}` });
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      errors.push({ line, message: 'each line must be a JSON object like {"user": "alice@example.com", "host": "mail.example.com"}' });
      return;
    }
    const fields: Record<string, unknown> = {};
    const bad: string[] = [];
    for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
      if (!COLUMN_SET.has(k)) bad.push(k);
      else if (value !== null && value !== '') fields[k] = value;
    }
    if (bad.length) {
      errors.push({ line, message: `unknown key${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')} (keys: ${ACCOUNT_COLUMNS.join(', ')})` });
      return;
    }
    records.push({ line, fields });
  });
  return { records, errors };
}

// ---------------------------------------------------------------------------------------------------------
// Field checks shared by both formats.

function toRow(line: number, f: Record<string, unknown>, opts: ParseOptions): AccountRow | RowError {
  const problems: string[] = [];
  const str = (k: AccountColumn): string | undefined => {
    const v = f[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') {
      problems.push(`${k} must be a string`);
      return undefined;
    }
    const s = String(v).trim();
    if (/\p{Cc}/u.test(s)) {
      problems.push(`${k} contains a control character`);
      return undefined;
    }
    return s || undefined;
  };
  const port = (k: 'imap_port' | 'pop_port'): number | undefined => {
    const v = f[k];
    if (v === undefined) return undefined;
    const text = typeof v === 'string' ? v.trim() : '';
    const p = typeof v === 'number' ? v : /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(p) || p < 1 || p > 65535) {
      problems.push(`${k} must be a port number (1-65535), got ${JSON.stringify(v)}`);
      return undefined;
    }
    return p;
  };
  const transport = (k: 'imap_tls' | 'pop_tls'): Transport | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    if (!TRANSPORTS.has(v)) {
      problems.push(`${k} must be implicit, starttls or none, got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v as Transport;
  };
  if (f.password !== undefined && !opts.allowInlinePasswords) {
    // Say which line, never the value.
    return { line, message: 'has a "password" column: keep secrets out of the accounts file (password_file or password_env per row, or MAILDOCTOR_PASSWORD), or pass --allow-inline-passwords' };
  }
  const user = str('user');
  const row: AccountRow = {
    line,
    key: '',
    user: user ?? '',
    host: str('host'),
    imapHost: str('imap_host'),
    popHost: str('pop_host'),
    imapPort: port('imap_port'),
    popPort: port('pop_port'),
    imapTls: transport('imap_tls'),
    popTls: transport('pop_tls'),
    passwordFile: str('password_file'),
    passwordEnv: str('password_env'),
    oauth2TokenFile: str('oauth2_token_file'),
    oauth2TokenCommand: str('oauth2_token_command'),
    authUser: str('auth_user'),
    masterSeparator: str('master_separator'),
  };
  const only = str('only');
  if (only !== undefined) {
    if (only === 'imap' || only === 'pop') row.only = only;
    else problems.push(`only must be imap or pop, got ${JSON.stringify(only)}`);
  }
  if (f.password !== undefined) {
    const p = f.password;
    if (typeof p === 'string' && p !== '') row.password = p;
    else problems.push('password must be a non-empty string');
  }
  if (!user) problems.push('no user');
  if (row.passwordFile && row.passwordEnv) problems.push('give password_file or password_env, not both');
  const tokens = [row.oauth2TokenFile, row.oauth2TokenCommand].filter(Boolean).length;
  if (tokens > 1 || (tokens === 1 && (row.passwordFile || row.passwordEnv))) {
    problems.push('give one secret source: a password (password_file or password_env) or an OAuth2 token (oauth2_token_file or oauth2_token_command)');
  }
  if (row.passwordEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(row.passwordEnv)) problems.push(`password_env must name an environment variable, got ${JSON.stringify(row.passwordEnv)}`);
  const id = str('id');
  if (problems.length) return { line, message: problems.join('; ') };
  for (const k of Object.keys(row) as (keyof AccountRow)[]) if (row[k] === undefined) delete row[k];
  row.key = id ?? `${row.user}@${row.imapHost ?? row.popHost ?? row.host ?? ''}`.replace(/@$/, '');
  return row;
}

/** `accounts.csv:12: message` — the one-line form of a row error. */
export function formatRowError(file: string, e: RowError): string {
  return `${file}:${e.line}: ${e.message}`;
}
