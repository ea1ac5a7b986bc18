// The bulk identity reader (src/connectors/imap/bulk.ts): response splitting, FETCH parsing, and whole sessions
// against scripted servers (split packets, a wrong UIDVALIDITY, a refused login, a stall). The same list read
// from the real Dovecot by both paths is compared in test/integration/imap.test.ts.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { BulkError, bulkFetch, parseFetch, ResponseSplitter, type BulkMessage } from '../src/connectors/imap/bulk.js';
import { StepTimeout } from '../src/connectors/imap/errors.js';
import { fakeServer } from './support/fake-server.js';
import { passwordCredentials } from '../src/connectors/credentials.js';

const FETCHES = [
  '* 1 FETCH (UID 11 RFC822.SIZE 600 INTERNALDATE "26-Nov-2026 13:43:40 +0000" FLAGS (\\Seen) BODY[HEADER.FIELDS (MESSAGE-ID)] {31}\r\nMessage-ID: <a@example.com>\r\n\r\n)\r\n',
  '* 2 FETCH (UID 12 RFC822.SIZE 1234 INTERNALDATE " 6-Jan-2025 01:02:03 -0130" FLAGS () BODY[HEADER.FIELDS (MESSAGE-ID)] {2}\r\n\r\n)\r\n',
  '* 3 FETCH (FLAGS (\\Seen \\Deleted $Junk) UID 13 BODY[HEADER.FIELDS (MESSAGE-ID)] "Message-ID: <q@x>" INTERNALDATE "01-Feb-2026 00:00:00 +0200" RFC822.SIZE 5 MODSEQ (77))\r\n',
  '* 4 FETCH (FLAGS (\\Seen))\r\n',
  '* 5 EXISTS\r\n',
  '* 6 fetch (uid 16 rfc822.size 1 internaldate "01-Feb-2026 00:00:00 +0000" flags () body[header.fields (message-id)] NIL)\r\n',
];

function splitAll(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  const s = new ResponseSplitter((r) => out.push(r.toString('latin1')));
  const b = Buffer.from(text, 'latin1');
  let i = 0;
  for (let k = 0; i < b.length; k++) {
    const n = sizes[k % sizes.length]!;
    s.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('ResponseSplitter', () => {
  it('returns whole responses, literals included, however the bytes are cut', () => {
    const text = FETCHES.join('');
    for (const sizes of [[text.length], [1], [2], [3, 7], [13], [64]]) expect(splitAll(text, sizes)).toEqual(FETCHES);
    // Every single cut point.
    for (let cut = 1; cut < text.length; cut++) expect(splitAll(text, [cut, text.length])).toEqual(FETCHES);
  });

  it('waits for a literal that has not arrived yet, even when it contains line ends', () => {
    const r = '* 1 FETCH (BODY[] {10}\r\nab\r\ncd\r\nef)\r\n';
    expect(splitAll(r + '* 2 EXISTS\r\n', [24, 3, 100])).toEqual([r, '* 2 EXISTS\r\n']);
  });
});

describe('parseFetch', () => {
  it('reads UID, size, INTERNALDATE, flags and the header in any order and case', () => {
    const ms = FETCHES.map((f) => parseFetch(Buffer.from(f, 'latin1')));
    expect(ms[0]).toEqual({ seq: 1, uid: 11, size: 600, internalDate: '26-Nov-2026 13:43:40 +0000', flags: ['\\Seen'], header: Buffer.from('Message-ID: <a@example.com>\r\n\r\n') });
    expect(ms[1]).toMatchObject({ seq: 2, uid: 12, size: 1234, internalDate: ' 6-Jan-2025 01:02:03 -0130', flags: [], header: Buffer.from('\r\n') });
    expect(ms[2]).toMatchObject({ seq: 3, uid: 13, size: 5, flags: ['\\Seen', '\\Deleted', '$Junk'], header: Buffer.from('Message-ID: <q@x>') });
    expect(ms[3]).toEqual({ seq: 4, uid: null, size: null, internalDate: null, flags: ['\\Seen'], header: null });
    expect(ms[4]).toBeNull();
    expect(ms[5]).toMatchObject({ seq: 6, uid: 16, size: 1, flags: [], header: Buffer.alloc(0) });
  });

  it('refuses a broken FETCH response instead of guessing', () => {
    expect(() => parseFetch(Buffer.from('* 1 FETCH (UID 1 FLAGS (\\Seen\r\n'))).toThrow(BulkError);
    expect(() => parseFetch(Buffer.from('* 1 FETCH (UID 1 INTERNALDATE "26-Nov\r\n'))).toThrow(BulkError);
    expect(() => parseFetch(Buffer.from('* 1 FETCH (UID x)\r\n'))).toThrow(BulkError);
    expect(() => parseFetch(Buffer.from('* 1 FETCH UID 1\r\n'))).toThrow(BulkError);
  });

  it('refuses numbers beyond 2^53 instead of rounding them (found by test/property/imap-bulk.test.ts)', () => {
    const big = '100000000000000000000000000000';
    expect(() => parseFetch(Buffer.from(`* ${big} FETCH (UID 5)\r\n`))).toThrow(/too large/);
    expect(() => parseFetch(Buffer.from(`* 1 FETCH (UID ${big})\r\n`))).toThrow(/too large/);
    expect(() => parseFetch(Buffer.from(`* 1 FETCH (RFC822.SIZE ${big})\r\n`))).toThrow(/too large/);
    expect(parseFetch(Buffer.from('* 1 FETCH (RFC822.SIZE 9007199254740991)\r\n'))?.size).toBe(9007199254740991);
  });
});

describe('bulkFetch against scripted servers', () => {
  const base = {
    host: '127.0.0.1',
    tls: 'none' as const,
    credentials: passwordCredentials('someone', 'secret-pw-123'),
    allowPlaintext: true,
    timeoutMs: 800,
    preLoginCapabilities: ['IMAP4rev1', 'AUTH=PLAIN', 'SASL-IR'],
    preauth: false,
    mailbox: 'INBOX',
    uidValidity: '77',
    uidSet: '1:*',
    items: '(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])',
  };
  /** An IMAP server that answers the bulk session, writing its FETCH responses in pieces of `chunk` bytes. */
  const server = (opts: { chunk?: number; uidValidity?: string; loginOk?: boolean; stallFetch?: boolean } = {}) =>
    fakeServer({
      onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n'),
      onLine: (line: string, s: net.Socket) => {
        const [tag, cmd] = line.split(' ');
        const c = cmd!.toUpperCase();
        if (c === 'AUTHENTICATE' || c === 'LOGIN') s.write(opts.loginOk === false ? `${tag} NO [AUTHENTICATIONFAILED] no\r\n` : `${tag} OK logged in\r\n`);
        else if (c === 'EXAMINE') s.write(`* 6 EXISTS\r\n* OK [UIDVALIDITY ${opts.uidValidity ?? '77'}] ok\r\n${tag} OK [READ-ONLY] done\r\n`);
        else if (c === 'UID' && !opts.stallFetch) {
          const all = Buffer.from(`${FETCHES.join('')}${tag} OK done\r\n`, 'latin1');
          const n = opts.chunk ?? all.length;
          for (let i = 0; i < all.length; i += n) s.write(all.subarray(i, i + n));
        } else if (c === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
      },
    });

  it('reads every FETCH response, whatever the packet boundaries, and sends only read-only commands', async () => {
    for (const chunk of [1, 5, 4096]) {
      const srv = await server({ chunk });
      try {
        const got: BulkMessage[] = [];
        const n = await bulkFetch({ ...base, port: srv.port, onMessage: (m) => got.push(m) });
        expect(n).toBe(5);
        expect(got.map((m) => m.uid)).toEqual([11, 12, 13, null, 16]);
        const cmds = srv.received.map((l) => l.split(' ').slice(1, 3).join(' ').toUpperCase());
        expect(cmds).toEqual(['AUTHENTICATE PLAIN', 'EXAMINE "INBOX"', 'UID FETCH', 'LOGOUT']);
        expect(srv.received.join('\n')).toContain('BODY.PEEK[');
      } finally {
        await srv.close();
      }
    }
  });

  it('a different UIDVALIDITY, a refused login or a stall → an error for the caller to fall back on, no password in it', async () => {
    for (const [opts, want] of [
      [{ uidValidity: '78' }, BulkError],
      [{ loginOk: false }, BulkError],
      [{ stallFetch: true }, StepTimeout],
    ] as const) {
      const srv = await server(opts);
      try {
        const t0 = Date.now();
        const err = await bulkFetch({ ...base, port: srv.port, onMessage: () => undefined }).catch((e: unknown) => e);
        expect(err, JSON.stringify(opts)).toBeInstanceOf(want);
        expect(String((err as Error).message)).not.toContain('secret-pw-123');
        expect(Date.now() - t0).toBeLessThan(3000);
      } finally {
        await srv.close();
      }
    }
  });
});
