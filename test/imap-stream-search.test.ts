// Plain SEARCH on servers without ESEARCH (src/connectors/imap/bulk.ts SearchSession): "* SEARCH 1 2 3 ..." for
// 100k messages is counted as it streams in, never held as one line; the same facts through the probe as the
// ESEARCH path are compared on a real Dovecot in test/integration/minimal-server.test.ts.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { BulkError, ResponseSplitter, SearchSession } from '../src/connectors/imap/bulk.js';
import { fakeServer } from './support/fake-server.js';
import { passwordCredentials } from '../src/connectors/credentials.js';

const UIDS = 100_000;
/** "* SEARCH 5 6 ... 100004\r\n": the answer of a 100k-message mailbox (~700 KB on one line). */
const bigSearch = () => `* SEARCH${Array.from({ length: UIDS }, (_, i) => ` ${i + 5}`).join('')}\r\n`;

describe('ResponseSplitter with a streamed SEARCH', () => {
  it('hands over every number, whatever the packet boundaries, and the responses around it whole', () => {
    const text = `* 3 EXISTS\r\n* SEARCH 12 7 123456\r\n* SEARCH\r\nt1 OK done\r\n* SEARCH 9\r\n`;
    for (const size of [1, 2, 3, 7, 4096]) {
      const numbers: number[] = [];
      const lines: string[] = [];
      const s = new ResponseSplitter((r) => lines.push(r.toString('latin1')), (n) => numbers.push(n));
      const b = Buffer.from(text, 'latin1');
      for (let i = 0; i < b.length; i += size) s.push(b.subarray(i, i + size));
      expect(numbers, `packets of ${size}`).toEqual([12, 7, 123456, 9]);
      expect(lines).toEqual(['* 3 EXISTS\r\n', '* SEARCH\r\n', '* SEARCH\r\n', 't1 OK done\r\n', '* SEARCH\r\n']);
    }
  });

  it('refuses a number over 32 bits and a SEARCH line holding anything but numbers', () => {
    const s = new ResponseSplitter(() => undefined, () => undefined);
    expect(() => s.push(Buffer.from('* SEARCH 4294967296\r\n'))).toThrow(BulkError);
    const t = new ResponseSplitter(() => undefined, () => undefined);
    expect(() => t.push(Buffer.from('* SEARCH 1 (MODSEQ 5)\r\n'))).toThrow(BulkError);
  });
});

describe('SearchSession against a scripted server', () => {
  const base = {
    host: '127.0.0.1',
    tls: 'none' as const,
    credentials: passwordCredentials('someone', 'secret-pw-123'),
    allowPlaintext: true,
    timeoutMs: 2000,
    preLoginCapabilities: ['IMAP4rev1', 'AUTH=PLAIN', 'SASL-IR'],
    preauth: false,
  };
  /** Answers UID SEARCH with 100k UIDs written in packets of `chunk` bytes. */
  const server = (chunk: number, uidValidity = '77') =>
    fakeServer({
      onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n'),
      onLine: (line: string, s: net.Socket) => {
        const [tag, cmd] = line.split(' ');
        const c = cmd!.toUpperCase();
        if (c === 'AUTHENTICATE' || c === 'LOGIN') s.write(`${tag} OK logged in\r\n`);
        else if (c === 'EXAMINE') s.write(`* ${UIDS} EXISTS\r\n* OK [UIDVALIDITY ${uidValidity}] ok\r\n${tag} OK [READ-ONLY] done\r\n`);
        else if (c === 'UID') {
          const all = Buffer.from(`${bigSearch()}${tag} OK done\r\n`, 'latin1');
          for (let i = 0; i < all.length; i += chunk) s.write(all.subarray(i, i + chunk));
        } else if (c === 'LOGOUT') s.end(`* BYE\r\n${tag} OK bye\r\n`);
      },
    });

  it('counts a 100k-UID answer split across packets while holding only a few bytes of it', async () => {
    for (const chunk of [1000, 1 << 16]) {
      const srv = await server(chunk);
      const session = new SearchSession({ ...base, port: srv.port });
      try {
        const a = await session.search('INBOX', '77', 'UNSEEN');
        const b = await session.search('INBOX', '77', 'SINCE 1-Jan-2026');
        for (const r of [a, b]) {
          expect(r.count).toBe(UIDS);
          expect(r.min).toBe(5);
          // Bounded by one packet's tail, not by the ~700 KB line (the splitter would hold it all otherwise).
          expect(r.peakHeldBytes, `packets of ${chunk}`).toBeLessThan(64);
        }
        const cmds = srv.received.map((l) => l.split(' ').slice(1).join(' '));
        // One login, one EXAMINE for both searches of the same mailbox, read-only.
        expect(cmds.slice(1)).toEqual(['EXAMINE "INBOX"', 'UID SEARCH UNSEEN', 'UID SEARCH SINCE 1-Jan-2026']);
      } finally {
        await session.close();
        await srv.close();
      }
    }
  });

  it('a mailbox with another UIDVALIDITY than the main session saw is an error for the caller to fall back on', async () => {
    const srv = await server(4096, '78');
    const session = new SearchSession({ ...base, port: srv.port });
    try {
      await expect(session.search('INBOX', '77', 'ALL')).rejects.toBeInstanceOf(BulkError);
    } finally {
      await session.close();
      await srv.close();
    }
  });
});
