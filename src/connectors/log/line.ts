// One log line → one event. Pure: no I/O, no clock (the year for "Mon DD" timestamps comes in as a value).
//
// A line that starts with "{" is a `journalctl -o json` record (MESSAGE, __REALTIME_TIMESTAMP, SYSLOG_IDENTIFIER).
// Any other line: these prefixes, each optional, in this order:
//   timestamp     any log_timestamp, syslog or journalctl form (time.ts): "Nov 26 13:57:01", "2025-11-26 13:57:01",
//                 "2025-11-26T13:57:01.123+01:00", "Nov 26 13:57:01.123456", ...
//   syslog part   "host dovecot[123]: " or "host postfix/lmtp[99]: " (other programs are counted, not parsed,
//                 except Postfix and Exim quota refusals, Courier's daemons (courier.ts) and Cyrus's services
//                 (cyrus.ts)), or a bare "dovecot: "; Exim's own main log (its
//                 timestamp, then a message id) is read for quota refusals too
//   timestamp     a second one after "dovecot: " (log_timestamp inside syslog, seen on old setups)
//   level         "Info: " / "Warning: " / "Error: " / "Fatal: " / "Panic: " / "Debug: "
//   service       "pop3(alice)<13557><UXflWC1hRol/AAAB>: ", "imap(alice@example.com): ",
//                 "pop3(info@ise.mn 28678): " (older: pid inside the parentheses), "imap-login: ", "lmtp(7904): "
// and then the level again (Dovecot's own log_path puts it after the service).

import { counter } from './counter.js';
import { courierLine, courierService, isCourierLine } from './courier.js';
import { cyrusLine, cyrusService } from './cyrus.js';
import { imapCounters, isLogout, pop3Counters } from './logout.js';
import { timestamp } from './time.js';

export type { LineContext, LineResult, LogEvent, UnreadKind, UnreadLine } from './types.js';
import type { LineContext, LineResult, LogEvent, LogProtocol, UnreadKind } from './types.js';

const SYSLOG_PROG = /^([^\s:(<[]+) ([A-Za-z][\w./-]*)(?:\[(\d+)\])?: /;
const BARE_DOVECOT = /^dovecot(?:\[\d+\])?: /;
const LEVEL = /^(?:Info|Warning|Error|Fatal|Panic|Debug): /;
const SERVICE = /^([a-z][a-z0-9_-]*)(?:\(([^)]*)\))?((?:<[^>]*>)*): /i;

function stripLevel(s: string): string {
  const m = LEVEL.exec(s);
  return m ? s.slice(m[0].length) : s;
}

/** The user in "alice", "alice 28678" (pid appended by old versions), or null for "7904" (a bare pid). */
function userOf(who: string | undefined): string | null {
  if (!who) return null;
  const sp = who.indexOf(' ');
  const name = sp < 0 ? who : who.slice(0, sp);
  if (name === '') return null;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return name;
  }
  return null; // a bare pid: lmtp(7904)
}

const MAIL_LOG = /^(expunge|delete|undelete|copy|save|flag_change|mailbox_delete|mailbox_rename|mailbox_create)(?: from ([^:]+))?: (?:box=([^,]*))?/;
const MAIL_LOG_SIZE = /, size=([^,\s]*)/;

const LOGIN_SESSION = /\bsession=<([^>]+)>/;

/** The session id of "<8323><UhoVxS5h2JZ/AAAB>" (the last part; a pid alone is no session) or of a login's session=<...>. */
function sessionOf(parts: string | undefined): string | undefined {
  if (!parts) return undefined;
  if (!parts.startsWith('<')) return parts;
  const last = parts.slice(parts.lastIndexOf('<') + 1, -1);
  return last === '' || /^\d+$/.test(last) ? undefined : last;
}

const LOGIN_FIELDS = /\buser=<([^>]*)>(?:, method=([^,]+))?(?:, rip=([^,\s]+))?/;
const DELIVERY_SERVICES: ReadonlySet<string> = new Set(['lmtp', 'lda', 'deliver']);
// "saved mail to INBOX" (LMTP/LDA), "stored mail into mailbox 'INBOX'" (Sieve's fileinto or implicit keep).
const SIEVE_STORED = /stored mail into mailbox '([^']*)'/;

/** The folder a delivery line says the mail was saved to, or null. */
function savedTo(msg: string): string | null {
  const i = msg.indexOf('saved mail to ');
  if (i >= 0) return msg.slice(i + 14);
  return msg.includes('stored mail into') ? (SIEVE_STORED.exec(msg)?.[1] ?? null) : null;
}
// Outcomes that are neither a save nor a quota refusal, and are read as such (not counted).
const OTHER_DELIVERY_RESULT = /\b(?:forwarded to|redirected|discarded|marked (?:message )?to be discarded|sent vacation response|vacation response|not sending vacation|rejected|reject|save failed|duplicate|failed to store|delivery failed)\b/i;
const QUOTA_TEXT = /Quota exceeded|quota exceeded|Not enough disk quota|\b[45]\.2\.2\b/;

function protocolOf(service: string): LogProtocol | 'other' {
  const s = service.toLowerCase().replace(/-login$/, '');
  return s === 'imap' ? 'imap' : s === 'pop3' ? 'pop3' : 'other';
}

function unreadable(ctx: LineContext, user: string, what: UnreadKind, time: number | null): LineResult {
  ctx.unread?.({ user, what, time });
  return { kind: 'unparseable' };
}

function dovecotLine(rest: string, time: number | null, ctx: LineContext): LineResult {
  const s = SERVICE.exec(rest);
  if (!s) return { kind: 'unparseable' };
  const service = s[1]!.toLowerCase();
  const user = userOf(s[2]);
  const msg = stripLevel(rest.slice(s[0].length));
  const session = sessionOf(service.endsWith('-login') ? LOGIN_SESSION.exec(msg)?.[1] : s[3]);
  const ev = (event: LogEvent): LineResult => (session ? { kind: 'event', time, event, session } : { kind: 'event', time, event });

  if (service.endsWith('-login')) {
    const protocol = protocolOf(service);
    const f = LOGIN_FIELDS.exec(msg);
    if (!f) return { kind: 'other', time };
    const fields = { user: f[1]!, protocol, method: f[2] ?? null, ip: f[3] ?? null };
    if (msg.startsWith('Login: ')) return ev({ type: 'login', ...fields });
    if (msg.includes('auth failed')) return ev({ type: 'auth-failed', ...fields });
    return { kind: 'other', time };
  }
  if (!user) return { kind: 'other', time };

  if (service === 'pop3') {
    if (isLogout(msg) || msg.includes('top=')) {
      const c = pop3Counters(msg);
      if (!c) return unreadable(ctx, user, 'pop3-logout', time);
      return ev({ type: 'pop3-logout', user, quit: msg.includes('Logged out'), ...c });
    }
  } else if (service === 'imap') {
    if (isLogout(msg) || msg.includes(' out=')) {
      const c = imapCounters(msg);
      if (!c) return unreadable(ctx, user, 'imap-logout', time);
      return ev({ type: 'imap-logout', user, quit: msg.includes('Logged out'), ...c });
    }
  } else if (DELIVERY_SERVICES.has(service)) {
    const box = savedTo(msg);
    if (box !== null) return ev({ type: 'delivered', user, box });
    if (QUOTA_TEXT.test(msg)) return ev({ type: 'quota-refused', user, temporary: /\b452\b|\b4\.2\.2\b/.test(msg) });
  }
  const ml = MAIL_LOG.exec(msg);
  if (ml) {
    const size = MAIL_LOG_SIZE.exec(msg);
    const sizeBytes = size ? counter(size[1]) : null;
    if (size && sizeBytes === null) return unreadable(ctx, user, 'mail-log', time);
    return ev({ type: 'mail-log', user, service, action: ml[1]!, from: ml[2] ?? null, box: ml[3] ?? null, sizeBytes });
  }
  // A delivery line (deliver_log_format: "msgid=<...>: %$") whose result we do not know: neither saved nor
  // refused for quota nor another outcome we can name. Its mail may have been refused: unreadable, not "other".
  if (DELIVERY_SERVICES.has(service) && msg.includes('msgid=') && !OTHER_DELIVERY_RESULT.test(msg)) return unreadable(ctx, user, 'delivery', time);
  return { kind: 'other', time };
}

const POSTFIX_TO = /\bto=<([^>]+)>.*\bstatus=(bounced|deferred|undeliverable)\b/;

/** Postfix reporting what Dovecot's LMTP said: "to=<alice@example.com>, ... status=bounced (... 552 5.2.2 ... Quota exceeded". */
function postfixLine(msg: string, time: number | null): LineResult {
  const m = POSTFIX_TO.exec(msg);
  if (!m || !QUOTA_TEXT.test(msg)) return { kind: 'other-program', time };
  return { kind: 'event', time, event: { type: 'quota-refused', user: m[1]!, temporary: m[2] === 'deferred' } };
}

// Exim's main log: its own timestamp, an optional "[pid] ", the message id (4.97+: 6-11-4 characters, before:
// 6-6-2), then "** addr" for a failed delivery or "== addr" for a deferred one. A refusal at RCPT time has no id:
// "H=... rejected RCPT <addr>: ...". The quota words of appendfile and of an LMTP/SMTP answer.
const EXIM_PID = /^\[\d+\] /;
const EXIM_ID = /^[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4} /;
const EXIM_FAILED = /^(\*\*|==) ([^\s<>]+)/;
const EXIM_RCPT = /\brejected RCPT <([^>]+)>/;
const EXIM_QUOTA = /mailbox is full|quota exceeded|over quota|\b[45]\.2\.2\b/i;

/** An Exim main-log line (after the timestamp), or null when the line is not Exim's. */
function eximLine(rest: string, time: number | null): LineResult | null {
  const body = rest.replace(EXIM_PID, '');
  const id = EXIM_ID.exec(body);
  if (id) {
    const msg = body.slice(id[0].length);
    const f = EXIM_FAILED.exec(msg);
    if (!f || !EXIM_QUOTA.test(msg)) return { kind: 'other-program', time };
    return { kind: 'event', time, event: { type: 'quota-refused', user: f[2]!, temporary: f[1] === '==' } };
  }
  const rcpt = EXIM_RCPT.exec(body);
  if (!rcpt) return null;
  if (!EXIM_QUOTA.test(body)) return { kind: 'other-program', time };
  return { kind: 'event', time, event: { type: 'quota-refused', user: rcpt[1]!, temporary: /\b45\d\b|\b4\.\d\.\d\b/.test(body) } };
}

/** What follows the syslog part: maybe Dovecot's own timestamp again, a level, then the Dovecot line. */
function dovecotRest(rest: string, time: number | null, ctx: LineContext): LineResult {
  const ts = timestamp(rest, ctx);
  if (ts) [time, rest] = ts;
  return dovecotLine(stripLevel(rest), time, ctx);
}

function journalText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  // journald keeps a MESSAGE that is not valid UTF-8 as an array of bytes
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v).toString('utf8');
  return null;
}

/**
 * A line of a program other than Dovecot, by its syslog program: Postfix and Exim for quota refusals, Courier's
 * daemons (courier.ts), Cyrus's services (`proc`: the process key of its session, or null), anything else counted only; null for Dovecot's.
 */
function programLine(prog: string, msg: string, time: number | null, proc: string | null, ctx: LineContext): LineResult | null {
  if (prog === 'dovecot') return null;
  if (prog.startsWith('postfix') || prog.startsWith('exim')) {
    (ctx.seen ??= {}).mta = true;
    return prog.startsWith('postfix') ? postfixLine(msg, time) : (eximLine(msg, time) ?? { kind: 'other-program', time });
  }
  // Courier's daemons go by names Cyrus's services use too (imapd, pop3d): told apart by what the line says.
  const courier = courierService(prog);
  if (courier && isCourierLine(msg)) {
    (ctx.seen ??= {}).courier = true;
    return courierLine(msg, time, courier);
  }
  const cyrus = cyrusService(prog);
  if (!cyrus) return { kind: 'other-program', time };
  (ctx.seen ??= {}).cyrus = true;
  return cyrusLine(msg, time, cyrus, proc, ctx);
}

/** One record of `journalctl -o json`: MESSAGE, __REALTIME_TIMESTAMP (microseconds), SYSLOG_IDENTIFIER. */
function journalLine(line: string, ctx: LineContext): LineResult {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { kind: 'unparseable' };
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return { kind: 'unparseable' };
  const r = record as Record<string, unknown>;
  const message = journalText(r.MESSAGE);
  const us = typeof r.__REALTIME_TIMESTAMP === 'string' && /^\d{1,19}$/.test(r.__REALTIME_TIMESTAMP) ? r.__REALTIME_TIMESTAMP : null;
  const time = us === null ? null : Math.floor(Number(us) / 1000);
  const prog = journalText(r.SYSLOG_IDENTIFIER) ?? journalText(r._COMM);
  if (message === null || prog === null) return time === null ? { kind: 'unparseable' } : { kind: 'other-program', time };
  const pid = journalText(r._PID) ?? journalText(r.SYSLOG_PID);
  return programLine(prog, message, time, pid ? `${prog}[${pid}]` : null, ctx) ?? dovecotRest(message, time, ctx);
}

// journalctl's own lines: "-- Boot 1a2b... --", "-- No entries --", "-- Logs begin at ... --".
const JOURNAL_NOTE = /^-- .* --$/;

export function parseLine(line: string, ctx: LineContext): LineResult {
  if (line.charCodeAt(0) === 123) return journalLine(line, ctx); // "{"
  if (line.charCodeAt(0) === 45 && JOURNAL_NOTE.test(line)) return { kind: 'other', time: null };
  let rest = line;
  let time: number | null = null;
  const ts = timestamp(rest, ctx);
  if (ts) [time, rest] = ts;
  const sys = SYSLOG_PROG.exec(rest);
  if (sys && time !== null) {
    const prog = sys[2]!;
    rest = rest.slice(sys[0].length);
    const other = programLine(prog, rest, time, sys[3] ? `${sys[1]} ${prog}[${sys[3]}]` : null, ctx);
    if (other) return other;
  } else {
    const exim = time !== null ? eximLine(rest, time) : null;
    if (exim) {
      (ctx.seen ??= {}).mta = true;
      return exim;
    }
    const bare = BARE_DOVECOT.exec(rest);
    if (bare) rest = rest.slice(bare[0].length);
  }
  return dovecotRest(rest, time, ctx);
}
