// Properties of the log line parser (connectors/log/line.ts, the per-line entry of parseLogs): any line gives a
// result and never throws; Dovecot lines written with random field values give those values back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/connectors/log/index.js';
import { hugeDigits, RUNS } from './arb.js';

const ctx = { year: 2026 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

const user = fc.stringMatching(/^[a-z][a-z0-9._+-]{0,15}(@[a-z0-9-]{1,10}\.[a-z]{2,4})?$/);
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const stamp = fc
  .record({ mo: fc.integer({ min: 0, max: 11 }), d: fc.integer({ min: 1, max: 28 }), h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), iso: fc.boolean() })
  .map(({ mo, d, h, mi, s, iso }) => ({
    text: iso ? `2026-${two(mo + 1)}-${two(d)} ${two(h)}:${two(mi)}:${two(s)}` : `${MONTHS[mo]} ${String(d).padStart(2, ' ')} ${two(h)}:${two(mi)}:${two(s)}`,
    ms: new Date(2026, mo, d, h, mi, s).getTime(),
  }));
/** What comes between the timestamp and the service: syslog, a bare "dovecot: ", and maybe a level. */
const prefix = fc.constantFrom('mail dovecot: ', 'mx1 dovecot[812]: ', 'dovecot: ', 'mail dovecot: Info: ');
const session = fc.constantFrom('', '<13557><UXflWC1hRol/AAAB>');

/** A counter no reader may take as a number: beyond 2^53 - 1 (just, or by far), or not plain decimal digits. */
const unreadable = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }).map(String),
  hugeDigits,
  fc.constantFrom('1e400', '1e3', '-3', '12abc', '0x10', '1.5', '+7', '9007199254740992'),
);

describe('parseLine (property)', () => {
  it('never throws on arbitrary lines', () => {
    const pieces = fc.constantFrom('Nov 26 13:57:01 ', '2026-11-26T13:57:01.5+01:00 ', 'host dovecot: ', 'dovecot: ', 'Info: ', 'pop3(', 'imap(', 'imap-login: ', 'lmtp(', ')', '<1>', ': ', 'top=', 'retr=', 'del=', '/', ', ', 'size=', 'in=', ' out=', 'user=<', '>', 'expunge: box=', 'saved mail to ', 'Quota exceeded', 'postfix/lmtp[9]: ', 'to=<', 'status=bounced', '99999999999999999999999999999', 'Logged out');
    const line = fc.oneof(fc.string({ maxLength: 120 }), fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 16 }).map((a) => a.join('')));
    fc.assert(
      fc.property(line, (l) => {
        const r = parseLine(l, ctx);
        expect(['event', 'other', 'other-program', 'unparseable']).toContain(r.kind);
      }),
      { numRuns: 400 },
    );
  });

  it('reads back a POP3 logout with random counters', () => {
    fc.assert(
      fc.property(stamp, prefix, user, session, fc.array(count, { minLength: 6, maxLength: 6 }), fc.option(count, { nil: null }), fc.boolean(), (ts, pre, u, sess, c, size, quit) => {
        const line = `${ts.text} ${pre}pop3(${u})${sess}: Disconnected: ${quit ? 'Logged out' : 'Connection closed'} top=${c[0]}/${c[1]}, retr=${c[2]}/${c[3]}, del=${c[4]}/${c[5]}${size === null ? '' : `, size=${size}`}`;
        expect(parseLine(line, ctx)).toEqual({
          kind: 'event',
          time: ts.ms,
          event: { type: 'pop3-logout', user: u, quit, top: [c[0], c[1]], retr: [c[2], c[3]], del: [c[4], c[5]], sizeBytes: size },
          // The session id of the service prefix (the last <...>) comes back with the event, for the device timeline.
          ...(sess ? { session: 'UXflWC1hRol/AAAB' } : {}),
        });
      }),
      RUNS,
    );
  });

  it('a counter beyond 2^53 - 1 or not in digits makes the line unreadable, never a rounded or cut number', () => {
    // Every counter a logout or mail_log line carries, one of them replaced by an unreadable value.
    const lines = (u: string, c: string[]) => [
      `pop3(${u}): Disconnected: Logged out top=${c[0]}/${c[1]}, retr=${c[2]}/${c[3]}, del=${c[4]}/${c[5]}, size=${c[6]}`,
      `imap(${u}): Logged out in=12 out=345 deleted=${c[7]} expunged=${c[8]} trashed=${c[9]} hdr_count=0`,
      `imap(${u}): expunge: box=INBOX, uid=7, msgid=<x@y>, size=${c[10]}`,
    ];
    const fieldLine = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2];
    fc.assert(
      fc.property(stamp, prefix, user, fc.array(count, { minLength: 11, maxLength: 11 }), fc.integer({ min: 0, max: 10 }), unreadable, (ts, pre, u, c, at, bad) => {
        const good = lines(u, c.map(String));
        for (const l of good) expect(parseLine(`${ts.text} ${pre}${l}`, ctx).kind).toBe('event');
        const values = c.map(String);
        values[at] = bad;
        const line = `${ts.text} ${pre}${lines(u, values)[fieldLine[at]!]}`;
        expect(parseLine(line, ctx), line).toEqual({ kind: 'unparseable' });
      }),
      RUNS,
    );
  });

  it('reads back an IMAP logout with random counters', () => {
    fc.assert(
      fc.property(stamp, prefix, user, fc.option(fc.array(count, { minLength: 3, maxLength: 3 }), { nil: null }), (ts, pre, u, c) => {
        const line = `${ts.text} ${pre}imap(${u}): Logged out in=12 out=345${c ? ` deleted=${c[0]} expunged=${c[1]} trashed=${c[2]}` : ''}`;
        expect(parseLine(line, ctx)).toEqual({
          kind: 'event',
          time: ts.ms,
          event: { type: 'imap-logout', user: u, quit: true, deleted: c ? c[0] : null, expunged: c ? c[1] : null, trashed: c ? c[2] : null },
        });
      }),
      RUNS,
    );
  });

  it('reads back logins and mail_log lines with random values', () => {
    const ip = fc.ipV4();
    const box = fc.stringMatching(/^[A-Za-z0-9 ._/-]{1,20}$/);
    fc.assert(
      fc.property(stamp, prefix, user, ip, fc.constantFrom('imap', 'pop3'), fc.constantFrom('PLAIN', 'LOGIN'), box, fc.constantFrom('expunge', 'delete', 'copy', 'save'), count, (ts, pre, u, rip, proto, method, b, action, size) => {
        expect(parseLine(`${ts.text} ${pre}${proto}-login: Login: user=<${u}>, method=${method}, rip=${rip}, lip=127.0.0.1, mpid=7`, ctx)).toEqual({
          kind: 'event',
          time: ts.ms,
          event: { type: 'login', user: u, protocol: proto, method, ip: rip },
        });
        expect(parseLine(`${ts.text} ${pre}imap(${u}): ${action}: box=${b}, uid=7, msgid=<x@y>, size=${size}`, ctx)).toEqual({
          kind: 'event',
          time: ts.ms,
          event: { type: 'mail-log', user: u, service: 'imap', action, from: null, box: b, sizeBytes: size },
        });
      }),
      RUNS,
    );
  });
});
