import { describe, expect, it } from 'vitest';
import { formatFromName, formatRowError, parseAccounts, sniffFormat } from '../src/scan/accounts.js';

describe('accounts file: CSV', () => {
  it('reads a header and rows, with defaults left out and the key user@host', () => {
    const r = parseAccounts('user,host,imap_port,pop_tls\nalice@example.com,mail.example.com,993,starttls\nbob,,,\n');
    expect(r.errors).toEqual([]);
    expect(r.format).toBe('csv');
    expect(r.rows).toEqual([
      { line: 2, key: 'alice@example.com@mail.example.com', user: 'alice@example.com', host: 'mail.example.com', imapPort: 993, popTls: 'starttls' },
      { line: 3, key: 'bob', user: 'bob' },
    ]);
  });

  it('handles RFC 4180 quoting: commas, doubled quotes, line breaks, CRLF; line numbers are where a row starts', () => {
    const text = 'id,user,password_file\r\n"a,1","x""y",pw\r\n# a comment\r\n\r\n"multi\nline",carol,"dir/with, comma"\r\nlast,dave,\r\n';
    const r = parseAccounts(text);
    // A line break inside a quoted field is read (the row still counts as one), but no value may hold one.
    expect(r.errors).toEqual([{ line: 5, message: 'id contains a control character' }]);
    expect(r.rows.map((x) => [x.line, x.key, x.user, x.passwordFile])).toEqual([
      [2, 'a,1', 'x"y', 'pw'],
      [7, 'last', 'dave', undefined],
    ]);
    const ok = parseAccounts('user,password_file\n"carol","dir/with,\ncomma"\n');
    expect(ok.errors[0]?.message).toBe('password_file contains a control character');
  });

  it('reports each bad row once, on one line, with its line number, and keeps the good ones', () => {
    const text = [
      'user,host,imap_port,imap_tls,only',
      'ok1,h,,,', // 2
      ',h,,,', // 3: no user
      'x,h,99999,,', // 4: port
      'y,h,,ssl,', // 5: tls
      'z,h,,,both', // 6: only
      'w,h,1', // 7: field count
      'v,h,1,"a"b,', // 8: junk after quote
      'ok1,h,,,', // 9: duplicate
      'u"q,h,,,', // 10: quote in unquoted field
    ].join('\n');
    const r = parseAccounts(text);
    expect(r.rows.map((x) => x.user)).toEqual(['ok1']);
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    for (const e of r.errors) expect(formatRowError('a.csv', e)).toMatch(/^a\.csv:\d+: [^\n]+$/);
    expect(r.errors[0]!.message).toBe('no user');
    expect(r.errors[1]!.message).toMatch(/imap_port must be a port number/);
    expect(r.errors[4]!.message).toBe('3 fields, but the header on line 1 has 5');
    expect(r.errors[6]!.message).toMatch(/duplicate account "ok1@h" \(first on line 2\)/);
  });

  it('an unterminated quote names the line it opened on', () => {
    const r = parseAccounts('user,host\n"alice,h\nbob,h\n');
    expect(r.rows).toEqual([]);
    expect(r.errors).toEqual([{ line: 2, message: expect.stringMatching(/unterminated quoted field .*line 2/) as unknown }]);
  });

  it('a bad header stops there, listing the known columns', () => {
    const r = parseAccounts('user,hots,pasword_file\na,b,c\n');
    expect(r.rows).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.line).toBe(1);
    expect(r.errors[0]!.message).toMatch(/unknown columns "hots", "pasword_file".*columns: id, user, host/);
    expect(parseAccounts('host\nh\n').errors[0]!.message).toMatch(/no "user" column/);
    expect(parseAccounts('\n\n').errors[0]!.message).toMatch(/no header row/);
  });

  it('refuses a password column unless allowed, without echoing the value', () => {
    const text = 'user,password\nalice,s3cret-Pw\n';
    const r = parseAccounts(text);
    expect(r.rows).toEqual([]);
    expect(r.errors[0]!.line).toBe(2);
    expect(r.errors[0]!.message).toMatch(/password.*--allow-inline-passwords/);
    expect(JSON.stringify(r)).not.toContain('s3cret-Pw');
    const ok = parseAccounts(text, { allowInlinePasswords: true });
    expect(ok.rows[0]!.password).toBe('s3cret-Pw');
  });

  it('password_file and password_env are exclusive; password_env must be a variable name', () => {
    const r = parseAccounts('user,password_file,password_env\na,f,E\nb,,1BAD\nc,,PW_C\n');
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'give password_file or password_env, not both'],
      [3, 'password_env must name an environment variable, got "1BAD"'],
    ]);
    expect(r.rows[0]).toMatchObject({ user: 'c', passwordEnv: 'PW_C' });
  });

  it('oauth2_token_file or oauth2_token_command instead of a password, one source per row', () => {
    const r = parseAccounts('user,password_file,oauth2_token_file,oauth2_token_command\na,,tok,\nb,,,az account get-access-token -o tsv\nc,f,tok,\nd,,tok,cmd\n');
    expect(r.rows).toEqual([
      { line: 2, key: 'a', user: 'a', oauth2TokenFile: 'tok' },
      { line: 3, key: 'b', user: 'b', oauth2TokenCommand: 'az account get-access-token -o tsv' },
    ]);
    const one = 'give one secret source: a password (password_file or password_env) or an OAuth2 token (oauth2_token_file or oauth2_token_command)';
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([
      [4, one],
      [5, one],
    ]);
  });
});

describe('accounts file: admin logins', () => {
  it('auth_user and master_separator are read per row; the key stays the customer\'s', () => {
    const r = parseAccounts('user,host,auth_user,master_separator\nalice,h,support,*\nbob,h,support,\ncarol,h,,\n');
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, key: 'alice@h', user: 'alice', host: 'h', authUser: 'support', masterSeparator: '*' },
      { line: 3, key: 'bob@h', user: 'bob', host: 'h', authUser: 'support' },
      { line: 4, key: 'carol@h', user: 'carol', host: 'h' },
    ]);
    expect(parseAccounts('{"user":"a","auth_user":"support"}\n').rows[0]).toMatchObject({ user: 'a', authUser: 'support' });
  });
});

describe('accounts file: JSONL', () => {
  it('reads one object per line, numbers or strings for ports, and skips blank and # lines', () => {
    const text = '{"user":"a","host":"h","pop_port":995}\n\n# c\n{"user":"b","imap_host":"i","imap_port":"143","imap_tls":"starttls","id":"B"}\n';
    const r = parseAccounts(text);
    expect(r.format).toBe('jsonl');
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      { line: 1, key: 'a@h', user: 'a', host: 'h', popPort: 995 },
      { line: 4, key: 'B', user: 'b', imapHost: 'i', imapPort: 143, imapTls: 'starttls' },
    ]);
  });

  it('bad lines give one-line errors with line numbers', () => {
    const text = '{"user":"a"}\n{"user":\n[1,2]\n{"user":"c","pasword":"x"}\n{"user":"d","imap_port":true}\n{"user":"e","password":"pw"}\n';
    const r = parseAccounts(text, { format: 'jsonl' });
    expect(r.rows.map((x) => x.user)).toEqual(['a']);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(r.errors[0]!.message).toMatch(/^not valid JSON/);
    expect(r.errors[2]!.message).toMatch(/unknown key "pasword"/);
    for (const e of r.errors) expect(e.message).not.toContain('\n');
    expect(JSON.stringify(r.errors)).not.toContain('"pw"');
  });
});

describe('format detection', () => {
  it('by name, else by the first character', () => {
    expect(formatFromName('a.CSV')).toBe('csv');
    expect(formatFromName('a.ndjson')).toBe('jsonl');
    expect(formatFromName('a.txt')).toBeNull();
    expect(sniffFormat('\uFEFF  {"user":1}')).toBe('jsonl');
    expect(sniffFormat('user,host')).toBe('csv');
  });
});
