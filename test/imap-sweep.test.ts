// The folder sweep (src/connectors/imap/mailbox/sweep.ts) against a scripted server, for what a real one will
// not do on demand: answer pipelined searches out of order (as Dovecot may, naming each by its ESEARCH TAG),
// refuse one folder, or stall. The facts themselves are compared with the one-by-one path on a real Dovecot, with
// and without the extensions, in test/integration/imap.test.ts.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SearchSession } from '../src/connectors/imap/bulk.js';
import { sweepFolders } from '../src/connectors/imap/mailbox/sweep.js';
import { passwordCredentials } from '../src/connectors/credentials.js';
import { fakeServer } from './support/fake-server.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const base = {
  host: '127.0.0.1',
  tls: 'none' as const,
  credentials: passwordCredentials('someone', 'secret-pw-123'),
  allowPlaintext: true,
  timeoutMs: 1500,
  preLoginCapabilities: ['IMAP4rev1', 'AUTH=PLAIN', 'SASL-IR'],
  preauth: false,
};
const CAPS = new Set(['IMAP4REV1', 'ESEARCH', 'WITHIN', 'ESORT', 'SORT']);

/**
 * Folders A and B of 10 messages (UIDs 1-10), 3 of the last 30 days (8-10), 2 of the last 7, 1 of the last day.
 * The server holds each folder's searches until the last has come, then answers and completes them in reverse
 * order (a later command's tagged OK before an earlier one's, as a server running them side by side may). `refuse`: a folder whose EXAMINE fails; `stallOn`: the
 * command from which on the server says nothing more.
 */
function server(opts: { refuse?: string; stallOn?: string } = {}) {
  let box: string | null = null;
  let held: { tag: string; text: string }[] = [];
  let stalled = false;
  const dates: Record<number, string> = { 1: '01-Jan-2026 10:00:00 +0000', 8: '20-Nov-2026 10:00:00 +0000', 9: '02-Dec-2026 10:00:00 +0000', 10: '06-Dec-2026 06:00:00 +0000' };
  return fakeServer({
    onConnect: (s) => s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] fake\r\n'),
    onLine: (line: string, s: net.Socket) => {
      const [tag, cmd, ...rest] = line.split(' ');
      const c = `${cmd} ${rest[0] ?? ''}`.toUpperCase();
      if (stalled || (opts.stallOn && c.startsWith(opts.stallOn))) {
        stalled = true; // silent from here on, the connection open
        return;
      }
      if (cmd === 'AUTHENTICATE' || cmd === 'LOGIN') return void s.write(`${tag} OK logged in\r\n`);
      if (cmd === 'LOGOUT') return void s.end(`* BYE\r\n${tag} OK bye\r\n`);
      if (cmd === 'EXAMINE') {
        box = rest.join(' ').replace(/"/g, '');
        if (box === opts.refuse) {
          box = null;
          return void s.write(`${tag} NO no such folder\r\n`);
        }
        return void s.write(`* 10 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n${tag} OK [READ-ONLY] done\r\n`);
      }
      if (!box) return void s.write(`${tag} BAD no mailbox selected\r\n`);
      if (c.startsWith('UID SEARCH')) {
        // The sweep widens each window by how far the wall clock is past the probe's clock (NOW): take that off.
        const days = (Number(line.split(' YOUNGER ')[1]) - (Date.now() - NOW.getTime()) / 1000) / 86_400;
        const text = days > 20 ? 'COUNT 3 MIN 8 ALL 8:10' : days > 2 ? 'COUNT 2' : 'COUNT 1';
        held.push({ tag: tag!, text: `* ESEARCH (TAG "${tag}") UID ${text}\r\n` });
        if (days < 2) {
          // The last search of the folder: every answer now, the later ones first.
          s.write([...held].reverse().map((h) => h.text + `${h.tag} OK done\r\n`).join(''));
          held = [];
        }
        return;
      }
      if (c.startsWith('UID SORT')) return void s.write(`* ESEARCH (TAG "${tag}") UID MIN 1 MAX 10\r\n${tag} OK sorted\r\n`);
      if (c.startsWith('UID FETCH')) {
        const uids = rest[1]!.split(',').flatMap((p) => (p.includes(':') ? [8, 9, 10] : [Number(p)]));
        return void s.write(uids.map((u) => `* ${u} FETCH (UID ${u} INTERNALDATE "${dates[u]}")\r\n`).join('') + `${tag} OK fetched\r\n`);
      }
      s.write(`${tag} BAD what\r\n`);
    },
  });
}

describe('the folder sweep', () => {
  it('reads pipelined answers by their ESEARCH TAG when the server answers and completes a later search first', async () => {
    const srv = await server();
    const session = new SearchSession({ ...base, port: srv.port });
    try {
      const out = await sweepFolders(session, [{ path: 'A' }, { path: 'B' }], CAPS, NOW);
      for (const p of ['A', 'B']) {
        expect(out.get(p), p).toEqual({
          exists: 10,
          ages: { lt1d: 1, lt7d: 1, lt30d: 1, older: 7 },
          oldestInternalDate: '2026-01-01T10:00:00.000Z',
          newestInternalDate: '2026-12-06T06:00:00.000Z',
          agesMethod: 'WITHIN + INTERNALDATE of the last 30 days; oldest/newest by ESORT ARRIVAL',
        });
      }
      // Two flights: every EXAMINE and search first, then the dates; read-only commands only.
      const cmds = srv.received.slice(1).map((l) => l.split(' ').slice(1, 3).join(' '));
      expect(cmds.filter((c) => !/^(EXAMINE|UID SEARCH|UID SORT|UID FETCH|LOGOUT)/.test(c))).toEqual([]);
    } finally {
      await session.close();
      await srv.close();
    }
  });

  it('leaves out a folder the server refuses, and reads the others', async () => {
    const srv = await server({ refuse: 'A' });
    const session = new SearchSession({ ...base, port: srv.port });
    try {
      const out = await sweepFolders(session, [{ path: 'A' }, { path: 'B' }, { path: 'C' }], CAPS, NOW);
      expect([...out.keys()].sort()).toEqual(['B', 'C']);
    } finally {
      await session.close();
      await srv.close();
    }
  });

  it('a stall meets the deadline and throws (the probe then examines every folder one by one)', async () => {
    const srv = await server({ stallOn: 'UID SORT' });
    const session = new SearchSession({ ...base, port: srv.port });
    try {
      const t0 = Date.now();
      await expect(sweepFolders(session, [{ path: 'A' }, { path: 'B' }], CAPS, NOW)).rejects.toThrow();
      const ms = Date.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(1_400); // the step deadline (1.5 s, restarted by data), not a hang
      expect(ms).toBeLessThan(5_000);
    } finally {
      await session.close();
      await srv.close();
    }
  });
});
