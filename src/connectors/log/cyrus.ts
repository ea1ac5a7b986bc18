// Cyrus IMAP's log lines. Cyrus logs only through syslog: the program is the service name of cyrus.conf
// ("imap", "imaps", "pop3s", "lmtpunix", ...), after syslog_prefix and a slash when one is set ("cyrus/pop3[812]",
// "maildoctor-testbed/imaps[77]"). What it says of an account (Cyrus 3.6, captured from the testbed's Cyrus):
//
//   login: localhost [127.0.0.1] alice PLAIN+TLS User logged in SESSIONID=<cyrus-1796562417-23455-5-447...>
//   badlogin: localhost [127.0.0.1] PLAIN (alice) [SASL(-13): authentication failure: Password verification failed]
//   Expunged 2 messages from user.alice            (the session's EXPUNGE / CLOSE, or POP3's QUIT applying DELE)
//   counts: retr=<2> top=<0> dele=<2>              (pop3d, at the end of each session)
//   USAGE alice user: 0.007091 sys: 0.000000       (at the end of each session of imapd, pop3d and lmtpd)
//   Delivered: <msgid@host> to mailbox: user.alice (lmtpd; a Sieve fileinto names user.alice.Junk)
//   auditlog: expunge sessionid=<...> mailbox=<user.alice> uid=<3> ... size=<744>   (only with auditlog: yes)
//
// Only the login line names the session, and counts names no user: a process serves one session at a time, so
// what a session did is kept per process (program and pid) from its login to its end (counts for POP3, USAGE
// for IMAP). The auditlog lines repeat per message what the summary lines say: they are understood, not counted
// twice. Cyrus's LMTP does not log a delivery it refuses for quota (the MTA does: Postfix's lines are read).

import { counter } from './counter.js';
import type { CyrusSession, LineContext, LineResult, LogEvent } from './types.js';

/** Open sessions kept at most (a log cut mid-session, or a service that never logs its end, must not grow this). */
const MAX_SESSIONS = 10_000;

/** The Cyrus service a syslog program names, or null when the program is not Cyrus's. */
export function cyrusService(prog: string): 'imap' | 'pop3' | 'lmtp' | null {
  const slash = prog.lastIndexOf('/');
  const name = (slash >= 0 ? prog.slice(slash + 1) : prog).toLowerCase();
  // Without a prefix only the names Cyrus's own cyrus.conf examples use (a bare "imap" could be anything's).
  if (slash < 0 && !/^(?:imapd?|imaps|pop3d?|pop3s|lmtpd?|lmtpunix)$/.test(name)) return null;
  if (slash >= 0 && (prog.startsWith('postfix') || prog.startsWith('exim'))) return null;
  if (name.startsWith('imap')) return 'imap';
  if (name.startsWith('pop3') || name === 'pop') return 'pop3';
  if (name.startsWith('lmtp')) return 'lmtp';
  return null;
}

/** "user.alice" → alice / INBOX, "user.alice.Junk" → Junk, "example.com!user.bob^smith" → bob.smith@example.com, "user/alice/Junk". */
export function cyrusMailbox(name: string): { user: string; box: string } | null {
  let rest = name;
  let domain: string | null = null;
  const bang = rest.indexOf('!');
  if (bang > 0) {
    domain = rest.slice(0, bang);
    rest = rest.slice(bang + 1);
  }
  const sep = rest.startsWith('user/') ? '/' : rest.startsWith('user.') ? '.' : null;
  if (!sep) return null;
  const parts = rest.slice(5).split(sep);
  const local = sep === '.' ? parts[0]!.replace(/\^/g, '.') : parts[0]!;
  if (local === '') return null;
  const box = parts.length > 1 ? parts.slice(1).map((p) => (sep === '.' ? p.replace(/\^/g, '.') : p)).join('/') : 'INBOX';
  return { user: domain && !local.includes('@') ? `${local}@${domain}` : local, box };
}

const LOGIN = /^login: \S+ \[([^\]]*)\] (\S+) (\S+) User logged in(?:.*?SESSIONID=<([^>]+)>)?/;
// 3.x: "badlogin: HOST [IP] MECH (USER) [reason]"; 2.x: "badlogin: HOST [IP] MECH USER SASL(...)".
const BADLOGIN = /^badlogin: \S+ \[([^\]]*)\] (\S+) (?:\(([^)]*)\)|(\S+))/;
const EXPUNGED = /^Expunged (\S+) messages? from (\S+)/;
const COUNTS = /^counts: retr=<([^>]*)> top=<([^>]*)> dele=<([^>]*)>/;
const USAGE = /^USAGE (\S+) user: /;
const DELIVERED = /^Delivered: .* to mailbox: (\S+)/;

function sessions(ctx: LineContext): Map<string, CyrusSession> {
  return (ctx.cyrus ??= new Map<string, CyrusSession>());
}

/**
 * One Cyrus line (the message after "prog[pid]: "). `proc` names the process ("imaps[812]"), the key of its
 * session; null when the line has no pid (then the session of a counts or USAGE line is unknown).
 */
export function cyrusLine(msg: string, time: number | null, service: 'imap' | 'pop3' | 'lmtp', proc: string | null, ctx: LineContext): LineResult {
  const open = sessions(ctx);
  const ev = (event: LogEvent, session?: string): LineResult => (session ? { kind: 'event', time, event, session } : { kind: 'event', time, event });

  if (service !== 'lmtp') {
    const login = LOGIN.exec(msg);
    if (login) {
      const user = login[2]!;
      const session = login[4];
      if (proc !== null) {
        open.delete(proc);
        if (open.size >= MAX_SESSIONS) open.delete(open.keys().next().value!);
        open.set(proc, { user, protocol: service, session, expunged: 0 });
      }
      return ev({ type: 'login', user, protocol: service, method: login[3]!, ip: login[1]! || null }, session);
    }
    const bad = BADLOGIN.exec(msg);
    if (bad) {
      const user = bad[3] ?? bad[4]!;
      return ev({ type: 'auth-failed', user, protocol: service, method: bad[2]!, ip: bad[1]! || null });
    }
  }
  const mine = proc !== null ? open.get(proc) : undefined;

  const expunged = EXPUNGED.exec(msg);
  if (expunged) {
    const n = counter(expunged[1]);
    const box = cyrusMailbox(expunged[2]!);
    if (mine) {
      if (n === null) return unreadable(ctx, mine.user, service === 'pop3' ? 'pop3-logout' : 'mail-log', time);
      mine.expunged += n;
      return { kind: 'other', time }; // counted at the session's end
    }
    // A session whose login is not in the log (the log starts in the middle of it): the line alone.
    if (!box || service === 'lmtp') return { kind: 'other', time };
    if (n === null) return unreadable(ctx, box.user, 'mail-log', time);
    return ev({ type: 'mail-log', user: box.user, service, action: 'expunge', box: box.box, from: null, sizeBytes: null, count: n });
  }

  if (service === 'pop3') {
    const counts = COUNTS.exec(msg);
    if (counts) {
      if (!mine) return { kind: 'other', time }; // a connection that never logged in (or began before the log)
      if (proc !== null) open.delete(proc);
      const [retr, top, dele] = [counter(counts[1]), counter(counts[2]), counter(counts[3])];
      if (retr === null || top === null || dele === null) return unreadable(ctx, mine.user, 'pop3-logout', time);
      // Cyrus does not log QUIT itself: DELEs followed by no "Expunged" line were never applied (no QUIT).
      const quit = mine.expunged > 0 || dele === 0;
      return ev(
        { type: 'pop3-logout', user: mine.user, quit, top: [top, null], retr: [retr, null], del: null, sizeBytes: null, deleted: quit ? mine.expunged : 0, server: 'cyrus' },
        mine.session,
      );
    }
  } else if (service === 'imap') {
    const usage = USAGE.exec(msg);
    if (usage) {
      if (!mine || mine.user !== usage[1]) return { kind: 'other', time };
      if (proc !== null) open.delete(proc);
      return ev({ type: 'imap-logout', user: mine.user, quit: true, deleted: null, expunged: mine.expunged, trashed: null }, mine.session);
    }
  } else {
    const delivered = DELIVERED.exec(msg);
    if (delivered) {
      const box = cyrusMailbox(delivered[1]!);
      return box ? ev({ type: 'delivered', user: box.user, box: box.box }) : { kind: 'other', time };
    }
  }
  return { kind: 'other', time };
}

function unreadable(ctx: LineContext, user: string, what: 'pop3-logout' | 'mail-log', time: number | null): LineResult {
  ctx.unread?.({ user, what, time });
  return { kind: 'unparseable' };
}
