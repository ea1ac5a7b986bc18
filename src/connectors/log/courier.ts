// Courier IMAP's and Courier POP3's log lines. Each listener's stderr goes through courierlogger to syslog under
// the daemon's name ("imapd", "imapd-ssl", "pop3d", "pop3d-ssl"; older setups "imaplogin", "courierpop3login",
// "courierpop3d"), usually without a pid. What it says of an account (Courier 5.0, captured from the testbed):
//
//   LOGIN, user=alice, ip=[::ffff:203.0.113.9], port=[38218], protocol=IMAP
//   LOGOUT, user=alice, ip=[::ffff:203.0.113.9], port=[38218], headers=0, body=0, rcvd=261, sent=3080, time=0, starttls=1
//   LOGIN, user=alice, ip=[::ffff:203.0.113.9], port=[56968]                                          (POP3)
//   LOGOUT, user=alice, ip=[...], port=[56968], top=0, retr=2425, rcvd=132, sent=2792, time=0, stls=1   (POP3: bytes)
//   LOGIN FAILED, user=alice, ip=[::ffff:203.0.113.9], port=[56972]           (POP3; IMAP's AUTHENTICATE names
//   LOGIN FAILED, method=PLAIN, ip=[::ffff:203.0.113.9], port=[38224]          no user, so it is no account's)
//   DISCONNECTED, user=alice, ... / TIMEOUT, user=alice, ...                  (the session ended without LOGOUT/QUIT)
//   Connection, ip=[...], port=[...] / Disconnected, ip=[...] ...              (couriertcpd: no account)
//
// Every line that names an account carries it (user=), so no session is kept across lines. Courier's POP3
// logout counts what was downloaded in bytes (top=, retr=) and does not count deletions at all: a POP3 session
// that ended with QUIT may have deleted any number of messages, and the evidence says so (server 'courier', see
// LogEvidence.pop.deletesUnlogged). One that ended without QUIT deleted nothing (DELE is applied at QUIT).

import type { LineResult, LogProtocol } from './types.js';

/** The Courier daemon a syslog program names (its pid, if any, already taken off), or null. */
export function courierService(prog: string): LogProtocol | null {
  const name = prog.toLowerCase();
  if (/^(?:imapd(?:-ssl)?|imaplogin|courier-imapd?)$/.test(name)) return 'imap';
  if (/^(?:pop3d(?:-ssl)?|courierpop3login|courierpop3d|pop3login)$/.test(name)) return 'pop3';
  return null;
}

/** What a Courier line starts with (Cyrus's services share the names imapd/pop3d, but not these words). */
const COURIER_LINE = /^(?:LOGIN|LOGIN FAILED|LOGOUT|DISCONNECTED|TIMEOUT|Connection|Disconnected|Maximum connection limit reached|ip=\[)[,. ]/;

/** Whether `msg` is in the shape of a Courier line: then courierLine reads it. */
export function isCourierLine(msg: string): boolean {
  return COURIER_LINE.test(msg);
}

/** The fields courierLine reads, each a pattern made once (a log has millions of lines). */
const FIELDS = Object.fromEntries(['user', 'protocol', 'ip', 'method'].map((n) => [n, new RegExp(`(?:^|, )${n}=(\\[[^\\]]*\\]|[^,]*)`)])) as Record<'user' | 'protocol' | 'ip' | 'method', RegExp>;

/** One field of a Courier line: "user=alice" (up to the next ", "), "ip=[...]" without the brackets. */
function field(msg: string, name: keyof typeof FIELDS): string | null {
  const m = FIELDS[name].exec(msg);
  if (!m) return null;
  const v = m[1]!;
  return v.startsWith('[') ? v.slice(1, -1) : v;
}

/** Courier writes IPv4 clients in IPv6 form: "::ffff:203.0.113.9" is 203.0.113.9. */
function clientIp(msg: string): string | null {
  const ip = field(msg, 'ip');
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** One Courier line (the message after "prog: "), of the daemon `service` serves. */
export function courierLine(msg: string, time: number | null, service: LogProtocol): LineResult {
  const comma = msg.indexOf(', ');
  const what = comma < 0 ? msg : msg.slice(0, comma);
  const user = field(msg, 'user');
  // A protocol= field (IMAP's login line) wins over the daemon's name.
  const named = field(msg, 'protocol')?.toUpperCase();
  const protocol: LogProtocol = named === 'IMAP' ? 'imap' : named === 'POP3' ? 'pop3' : service;
  const ip = clientIp(msg);
  if (!user) return { kind: 'other', time }; // couriertcpd's connection lines, a logout before any login
  switch (what) {
    case 'LOGIN':
      return { kind: 'event', time, event: { type: 'login', user, protocol, method: field(msg, 'method'), ip } };
    case 'LOGIN FAILED':
      return { kind: 'event', time, event: { type: 'auth-failed', user, protocol, method: field(msg, 'method'), ip } };
    case 'LOGOUT':
    case 'DISCONNECTED':
    case 'TIMEOUT': {
      const quit = what === 'LOGOUT';
      if (protocol === 'imap') return { kind: 'event', time, event: { type: 'imap-logout', user, quit, deleted: null, expunged: null, trashed: null } };
      // top= and retr= are bytes: no message count, and no deletion count at all (see the head of this file).
      return { kind: 'event', time, event: { type: 'pop3-logout', user, quit, top: null, retr: null, del: null, sizeBytes: null, server: 'courier' } };
    }
    default:
      return { kind: 'other', time };
  }
}
