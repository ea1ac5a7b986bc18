// Properties of the accounts file parser (scan/accounts.ts): arbitrary text gives rows and row errors of its own
// (line + one-line message), never an exception; a password value never appears in an error; rows written as
// CSV or JSONL with random values read back as written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAccounts } from '../../src/scan/accounts.js';
import { RUNS } from './arb.js';

const COLS = ['id', 'user', 'host', 'imap_host', 'pop_host', 'imap_port', 'pop_port', 'imap_tls', 'pop_tls', 'only', 'password_file', 'password_env', 'password'];

function checkResult(text: string, opts: { format?: 'csv' | 'jsonl'; allowInlinePasswords?: boolean }, secret?: string) {
  const r = parseAccounts(text, opts);
  expect(['csv', 'jsonl']).toContain(r.format);
  for (const e of r.errors) {
    expect(Number.isSafeInteger(e.line) && e.line >= 1).toBe(true);
    expect(typeof e.message).toBe('string');
    expect(e.message.length).toBeGreaterThan(0);
    if (secret) expect(e.message).not.toContain(secret);
  }
  for (const row of r.rows) {
    expect(row.user.length).toBeGreaterThan(0);
    for (const p of [row.imapPort, row.popPort]) if (p !== undefined) expect(Number.isInteger(p) && p >= 1 && p <= 65535).toBe(true);
  }
  return r;
}

describe('parseAccounts (property)', () => {
  it('answers arbitrary text with rows and row errors, never an exception', () => {
    const piece = fc.constantFrom(...COLS, ',', '"', '""', '\n', '\r\n', '#', ' ', '{', '}', ':', '[', ']', 'null', '1', '99999999999999999999999', '\uFEFF', '__proto__', '"user"');
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.oneof(piece, fc.string({ maxLength: 5 })), { maxLength: 60 }).map((a) => a.join('')));
    fc.assert(
      fc.property(text, fc.constantFrom(undefined, 'csv' as const, 'jsonl' as const), fc.boolean(), (t, format, allow) => {
        checkResult(t, { ...(format ? { format } : {}), allowInlinePasswords: allow });
      }),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary JSON values per line with rows and row errors, never an exception', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.constantFrom(...COLS, 'other', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 5 }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.boolean(), (vals, allow) => {
        checkResult(vals.map((v) => JSON.stringify(v) ?? 'null').join('\n'), { format: 'jsonl', allowInlinePasswords: allow });
      }),
      RUNS,
    );
  });

  it('never puts a password value into an error', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9!$%&*+-]{8,20}$/);
    fc.assert(
      fc.property(secret, fc.boolean(), fc.constantFrom('', 'x', '99999', 'starttls', 'imap'), (pw, allow, junk) => {
        checkResult(`user,password,imap_port\nalice,${pw},${junk}\n,${pw},1\n`, { allowInlinePasswords: allow }, pw);
        checkResult(`{"user":"alice","password":${JSON.stringify(pw)},"imap_port":${JSON.stringify(junk)}}\n{"password":${JSON.stringify(pw)}}\n`, { allowInlinePasswords: allow }, pw);
      }),
      RUNS,
    );
  });

  const text = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,."@._-]{0,18}[A-Za-z0-9]$/);
  const row = fc.record({
    user: text,
    host: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/), { nil: undefined }),
    imapPort: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    popTls: fc.option(fc.constantFrom<'implicit' | 'starttls' | 'none'>('implicit', 'starttls', 'none'), { nil: undefined }),
    only: fc.option(fc.constantFrom<'imap' | 'pop'>('imap', 'pop'), { nil: undefined }),
  });
  const csvField = (v: string | number | undefined) => (v === undefined ? '' : /[",\r\n]/.test(String(v)) || String(v) !== String(v).trim() ? `"${String(v).replace(/"/g, '""')}"` : String(v));

  it('reads back rows written as CSV or as JSONL', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.boolean(), (rows, crlf) => {
        const nl = crlf ? '\r\n' : '\n';
        const csv = ['id,user,host,imap_port,pop_tls,only', ...rows.map((r, i) => [`r${i}`, r.user, r.host, r.imapPort, r.popTls, r.only].map(csvField).join(','))].join(nl) + nl;
        const jsonl = rows.map((r, i) => JSON.stringify({ id: `r${i}`, user: r.user, host: r.host, imap_port: r.imapPort, pop_tls: r.popTls, only: r.only })).join(nl);
        const want = rows.map((r, i) => {
          const o: Record<string, unknown> = { line: i + 2, key: `r${i}`, user: r.user };
          if (r.host !== undefined) o.host = r.host;
          if (r.imapPort !== undefined) o.imapPort = r.imapPort;
          if (r.popTls !== undefined) o.popTls = r.popTls;
          if (r.only !== undefined) o.only = r.only;
          return o;
        });
        const c = checkResult(csv, {});
        expect(c.errors).toEqual([]);
        expect(c.rows).toEqual(want);
        const j = checkResult(jsonl, {});
        expect(j.format).toBe('jsonl');
        expect(j.errors).toEqual([]);
        expect(j.rows).toEqual(want.map((w) => ({ ...w, line: (w.line as number) - 1 })));
      }),
      RUNS,
    );
  });
});
