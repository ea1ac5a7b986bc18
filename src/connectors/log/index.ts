// Server logs → LogEvidence for one account. Streams every file once; keeps per-account counters only (plus
// one timestamp per POP3 session of that account, for the poll interval), so memory does not grow with the log.
import type { LogEvidence } from '../../snapshot/schema.js';
import { parseLine, type LineContext, type LogEvent, type UnreadKind, type UnreadLine } from './line.js';
import { maskLine } from './mask.js';
import { openLog } from './read.js';
import { TimelineBuilder, type TimelineOptions } from './timeline.js';

export { parseLine, type LogEvent } from './line.js';
export { LogFileError } from './read.js';

export interface ParseLogsOptions {
  /** The account: "alice" or "alice@example.com". */
  user: string;
  /** Other names the account appears under (LMTP recipient addresses, aliases). */
  aliases?: string[];
  /** Also match any name with the same local part (alice matches alice@example.com and alice@localhost). */
  matchLocalPart?: boolean;
  /** Events at or after this time are left out (check passes the probe's start: its own logins). */
  until?: Date;
  /** The time "Mon DD" timestamps (no year) are read against; default each file's modification time. */
  now?: Date;
  /**
   * When maildoctor itself was logged in (earlier probes from the history: start and end, ms since the epoch).
   * Sessions of the account inside one are ours, not a device's: left out and counted (lines.ownSessions).
   */
  ownSessions?: readonly (readonly [number, number])[];
  /** Force the POP3 logout format when the log does not tell: '2.3' del=deleted/messages, '2.4' del=count/bytes. */
  dovecotVersion?: '2.3' | '2.4';
  /**
   * For a bare user ("alice"): when the log holds exactly one full address with that local part (LMTP names the
   * recipient alice@example.com while logins name alice), match it too (identity.match 'auto'). Off, such an
   * address is only listed in identity.otherAddresses. The CLI turns it on.
   */
  autoAddress?: boolean;
  /** Also build the device timeline (LogEvidence.timeline), with these options. */
  timeline?: TimelineOptions;
}

/** Full addresses with the account's local part followed as candidates at most; more is ambiguous anyway. */
const MAX_CANDIDATES = 4;
/** Other addresses with the account's local part named in the evidence at most. */
const MAX_OTHER_ADDRESSES = 20;

/** Lines a login session of our own writes (deliveries and other clients' expunges are never ours). */
const SESSION_EVENTS: ReadonlySet<LogEvent['type']> = new Set(['login', 'auth-failed', 'pop3-logout', 'imap-logout']);

/** Messages a POP3 logout line says were deleted: del=N/... or a field that names the count alone. */
function deletedCount(event: Extract<LogEvent, { type: 'pop3-logout' }>): number {
  return event.del?.[0] ?? event.deleted ?? 0;
}

function localPart(name: string): string {
  const at = name.lastIndexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

/** Decides whether a name in the log is this account. */
export function userMatcher(opts: Pick<ParseLogsOptions, 'user' | 'aliases' | 'matchLocalPart'>): (name: string) => boolean {
  const exact = new Set([opts.user, ...(opts.aliases ?? [])].map((n) => n.toLowerCase()));
  // The bare local part of a full address is the same account with auth_username_format=%n (domain stripped).
  const bare = new Set([...exact].filter((n) => n.includes('@')).map(localPart));
  const locals = new Set([...exact].map(localPart));
  const cache = new Map<string, boolean>();
  return (name) => {
    let hit = cache.get(name);
    if (hit !== undefined) return hit;
    const n = name.toLowerCase();
    hit = exact.has(n) || (!n.includes('@') && bare.has(n)) || (opts.matchLocalPart === true && locals.has(localPart(n)));
    if (cache.size < 10_000) cache.set(name, hit);
    return hit;
  };
}

interface Period {
  first: number | null;
  last: number | null;
}

function widen(p: Period, t: number | null): void {
  if (t === null) return;
  if (p.first === null || t < p.first) p.first = t;
  if (p.last === null || t > p.last) p.last = t;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** An accumulator for one account; feed it events, then take the evidence. */
export class LogEvidenceBuilder {
  private readonly timeline: TimelineBuilder | null;

  constructor(timeline?: TimelineOptions) {
    this.timeline = timeline ? new TimelineBuilder(timeline) : null;
  }

  private names = new Set<string>();
  private period: Period = { first: null, last: null };
  private logins = new Map<string, Period & { protocol: 'imap' | 'pop3'; ip: string; methods: Set<string>; count: number }>();
  private failures = new Map<string, Period & { protocol: 'imap' | 'pop3' | 'other'; ip: string; count: number }>();
  private popPeriod: Period = { first: null, last: null };
  private imapPeriod: Period = { first: null, last: null };
  private popTimes: number[] = [];
  /** POP3 login times: polls start at a steady beat, their ends vary with how much there was to download. */
  private popLoginTimes: number[] = [];
  private pop = { sessions: 0, closedWithoutQuit: 0, retrMessages: 0, retrBytes: 0, deletedMessages: 0, sessionsWithDeletes: 0, lastDelete: null as number | null, expungeEvents: 0 };
  /** del=a/b second numbers, for the 2.3/2.4 decision. */
  private delSecond = { votes23: 0, votes24: 0 };
  /** POP3 sessions read from Cyrus's counts lines. */
  private cyrusPopSessions = 0;
  /** POP3 sessions read from Courier's logout lines, and those of them that quit (deletions not logged). */
  private courierPop = { sessions: 0, quit: 0 };
  /** Sum of the second del= number over sessions that quit: deleted bytes when the format is 2.4. */
  private delSecondSum = 0;
  /** deleted_bytes= fields (a format that names them): summed over sessions that quit. */
  private deletedBytesNamed = 0;
  private deletedBytesNamedSeen = false;
  /** Which IMAP logout counters some line of the account carried. */
  private imapLogged = { deleted: false, expunged: false, trashed: false };
  private imap = { sessions: 0, deleted: 0, expunged: 0, trashed: 0, expungeEvents: 0, copyEvents: 0 };
  private deliveries = { saved: 0, quotaRefused: 0, quotaDeferred: 0, refused: { first: null, last: null } as Period };
  /** Lines of the account whose counters or result could not be read, by kind, and the first of them (masked). */
  private unread: Record<UnreadKind, number> = { 'pop3-logout': 0, 'imap-logout': 0, delivery: 0, 'mail-log': 0 };
  private unreadExample: string | null = null;

  /**
   * Whether the event's counters still add up exactly: each is at most 2^53 - 1 (line.ts), but their sums over
   * a hostile or broken log could pass that and be rounded. Such a line is not counted (false: unreadable).
   */
  private fits(event: LogEvent): boolean {
    const ok = (sum: number, add: number) => sum + add <= Number.MAX_SAFE_INTEGER;
    if (event.type === 'pop3-logout') {
      const p = this.pop;
      const q = event.quit;
      return (
        ok(p.retrMessages, event.retr?.[0] ?? 0) &&
        ok(p.retrBytes, event.retr?.[1] ?? 0) &&
        ok(p.deletedMessages, q ? deletedCount(event) : 0) &&
        ok(this.delSecondSum, q ? (event.del?.[1] ?? 0) : 0) &&
        ok(this.deletedBytesNamed, q ? (event.deletedBytes ?? 0) : 0)
      );
    }
    if (event.type === 'imap-logout') {
      const i = this.imap;
      return ok(i.deleted, event.deleted ?? 0) && ok(i.expunged, event.expunged ?? 0) && ok(i.trashed, event.trashed ?? 0);
    }
    return true;
  }

  /** Adds one event of the account; false (and nothing added) when its numbers would overflow the sums. */
  add(event: LogEvent, time: number | null, session?: string): boolean {
    if (!this.fits(event)) return false;
    this.timeline?.add(event, time, session);
    this.names.add(event.user);
    widen(this.period, time);
    switch (event.type) {
      case 'login': {
        if (event.protocol === 'other') break;
        if (event.protocol === 'pop3' && time !== null) this.popLoginTimes.push(time);
        const ip = event.ip ?? 'unknown';
        const key = `${event.protocol} ${ip}`;
        let l = this.logins.get(key);
        if (!l) this.logins.set(key, (l = { protocol: event.protocol, ip, methods: new Set(), count: 0, first: null, last: null }));
        l.count++;
        if (event.method) l.methods.add(event.method);
        widen(l, time);
        break;
      }
      case 'auth-failed': {
        const ip = event.ip ?? 'unknown';
        const key = `${event.protocol} ${ip}`;
        let f = this.failures.get(key);
        if (!f) this.failures.set(key, (f = { protocol: event.protocol, ip, count: 0, first: null, last: null }));
        f.count++;
        widen(f, time);
        break;
      }
      case 'pop3-logout': {
        const p = this.pop;
        p.sessions++;
        if (!event.quit) p.closedWithoutQuit++;
        p.retrMessages += event.retr?.[0] ?? 0;
        p.retrBytes += event.retr?.[1] ?? 0;
        const deleted = deletedCount(event);
        // DELE is applied at QUIT only: a dropped session deleted nothing, whatever it had marked.
        if (event.quit && deleted > 0) {
          p.deletedMessages += deleted;
          p.sessionsWithDeletes++;
          if (time !== null && (p.lastDelete === null || time > p.lastDelete)) p.lastDelete = time;
        }
        if (event.server === 'cyrus') this.cyrusPopSessions++;
        if (event.server === 'courier') {
          this.courierPop.sessions++;
          if (event.quit) this.courierPop.quit++;
        }
        if (event.deletedBytes !== undefined) {
          // deleted_bytes= named as such: no version to guess.
          this.deletedBytesNamedSeen = true;
          if (event.quit) this.deletedBytesNamed += event.deletedBytes;
        } else if (event.del) {
          this.vote(event.del, event.retr?.[1] ?? 0, event.sizeBytes);
          if (event.quit) this.delSecondSum += event.del[1];
        }
        widen(this.popPeriod, time);
        if (time !== null) this.popTimes.push(time);
        break;
      }
      case 'imap-logout':
        if (event.deleted !== null) this.imapLogged.deleted = true;
        if (event.expunged !== null) this.imapLogged.expunged = true;
        if (event.trashed !== null) this.imapLogged.trashed = true;
        this.imap.sessions++;
        this.imap.deleted += event.deleted ?? 0;
        this.imap.expunged += event.expunged ?? 0;
        this.imap.trashed += event.trashed ?? 0;
        widen(this.imapPeriod, time);
        break;
      case 'mail-log':
        if (event.action === 'expunge') {
          // Cyrus's "Expunged N messages" stands for N (a line of a session whose login is not in the log).
          if (event.service === 'pop3') this.pop.expungeEvents += event.count ?? 1;
          else if (event.service === 'imap') this.imap.expungeEvents += event.count ?? 1;
        } else if (event.action === 'copy' && event.service === 'imap') this.imap.copyEvents++;
        break;
      case 'delivered':
        this.deliveries.saved++;
        break;
      case 'quota-refused':
        this.deliveries.quotaRefused++;
        if (event.temporary) this.deliveries.quotaDeferred++;
        widen(this.deliveries.refused, time);
        break;
    }
    return true;
  }

  /**
   * 2.3 logs del=deleted/messages-at-login, 2.4 del=deleted-count/deleted-bytes. The first number means the same
   * in both; the second tells them apart, line by line where the numbers allow it:
   *  - nothing deleted but a non-zero second number: a message count (2.4 would log 0 bytes);
   *  - under 100 per deleted message: a count (no real message is that small);
   *  - as a count it would make the mailbox's messages average under 100 bytes (size=): bytes;
   *  - within 10% of the bytes retrieved in the same session (download, then delete): bytes.
   * Other lines do not vote.
   */
  private vote(del: [number, number], retrBytes: number, sizeBytes: number | null): void {
    const [n, second] = del;
    const v = this.delSecond;
    if (n === 0) {
      if (second > 0) v.votes23++;
      return;
    }
    if (second < n) return; // neither format allows it: a custom pop3_logout_format
    if (second < n * 100) v.votes23++;
    else if ((sizeBytes !== null && sizeBytes > 0 && second * 100 > sizeBytes) || (retrBytes > 0 && Math.abs(second - retrBytes) <= retrBytes * 0.1)) v.votes24++;
  }

  /** A line of the account that could not be read: counted by kind, the first kept (masked) as the example. */
  addUnread(user: string, what: UnreadKind, line: string, time: number | null): void {
    this.names.add(user);
    widen(this.period, time);
    this.unread[what]++;
    this.unreadExample ??= maskLine(line);
  }

  /**
   * Takes in what another builder gathered (a candidate address adopted at the end of the log); false, and
   * nothing changed, when a sum would pass 2^53 - 1.
   */
  absorb(o: LogEvidenceBuilder): boolean {
    const sums: [number, number][] = [
      [this.pop.retrMessages, o.pop.retrMessages],
      [this.pop.retrBytes, o.pop.retrBytes],
      [this.pop.deletedMessages, o.pop.deletedMessages],
      [this.delSecondSum, o.delSecondSum],
      [this.deletedBytesNamed, o.deletedBytesNamed],
      [this.imap.deleted, o.imap.deleted],
      [this.imap.expunged, o.imap.expunged],
      [this.imap.trashed, o.imap.trashed],
    ];
    if (sums.some(([a, b]) => a + b > Number.MAX_SAFE_INTEGER)) return false;
    for (const n of o.names) this.names.add(n);
    if (this.timeline && o.timeline) this.timeline.absorb(o.timeline);
    const widenBy = (p: Period, q: Period) => {
      widen(p, q.first);
      widen(p, q.last);
    };
    widenBy(this.period, o.period);
    widenBy(this.popPeriod, o.popPeriod);
    widenBy(this.imapPeriod, o.imapPeriod);
    widenBy(this.deliveries.refused, o.deliveries.refused);
    for (const [key, l] of o.logins) {
      const mine = this.logins.get(key);
      if (!mine) this.logins.set(key, { ...l, methods: new Set(l.methods) });
      else {
        mine.count += l.count;
        for (const m of l.methods) mine.methods.add(m);
        widenBy(mine, l);
      }
    }
    for (const [key, f] of o.failures) {
      const mine = this.failures.get(key);
      if (!mine) this.failures.set(key, { ...f });
      else {
        mine.count += f.count;
        widenBy(mine, f);
      }
    }
    for (const t of o.popTimes) this.popTimes.push(t);
    for (const t of o.popLoginTimes) this.popLoginTimes.push(t);
    const p = this.pop;
    const q = o.pop;
    p.sessions += q.sessions;
    p.closedWithoutQuit += q.closedWithoutQuit;
    p.retrMessages += q.retrMessages;
    p.retrBytes += q.retrBytes;
    p.deletedMessages += q.deletedMessages;
    p.sessionsWithDeletes += q.sessionsWithDeletes;
    p.expungeEvents += q.expungeEvents;
    if (q.lastDelete !== null && (p.lastDelete === null || q.lastDelete > p.lastDelete)) p.lastDelete = q.lastDelete;
    this.delSecond.votes23 += o.delSecond.votes23;
    this.delSecond.votes24 += o.delSecond.votes24;
    this.cyrusPopSessions += o.cyrusPopSessions;
    this.courierPop.sessions += o.courierPop.sessions;
    this.courierPop.quit += o.courierPop.quit;
    this.delSecondSum += o.delSecondSum;
    this.deletedBytesNamed += o.deletedBytesNamed;
    this.deletedBytesNamedSeen ||= o.deletedBytesNamedSeen;
    for (const k of Object.keys(this.imap) as (keyof typeof o.imap)[]) this.imap[k] += o.imap[k];
    for (const k of Object.keys(this.imapLogged) as (keyof typeof o.imapLogged)[]) this.imapLogged[k] ||= o.imapLogged[k];
    this.deliveries.saved += o.deliveries.saved;
    this.deliveries.quotaRefused += o.deliveries.quotaRefused;
    this.deliveries.quotaDeferred += o.deliveries.quotaDeferred;
    for (const k of Object.keys(this.unread) as UnreadKind[]) this.unread[k] += o.unread[k];
    this.unreadExample ??= o.unreadExample;
    return true;
  }

  private imapNotLogged(): { notLogged?: ('deleted' | 'expunged' | 'trashed')[] } {
    if (this.imap.sessions === 0) return {};
    const missing = (['deleted', 'expunged', 'trashed'] as const).filter((k) => !this.imapLogged[k]);
    return missing.length ? { notLogged: missing } : {};
  }

  hasData(): boolean {
    return this.names.size > 0;
  }

  /**
   * What could not be read: POP3 logins with no readable logout (an unreadable logout line, or none at all:
   * logins beyond the logout lines seen), IMAP logout lines and deliveries with unreadable counters or result.
   * IMAP logins without a logout are not counted: an IDLE session stays open for hours.
   */
  private unreadEvidence(): NonNullable<LogEvidence['unread']> {
    const u = this.unread;
    const popLogins = [...this.logins.values()].filter((l) => l.protocol === 'pop3').reduce((a, l) => a + l.count, 0);
    const withoutLogout = Math.max(0, popLogins - this.pop.sessions - u['pop3-logout']);
    return {
      lines: u['pop3-logout'] + u['imap-logout'] + u.delivery + u['mail-log'],
      pop3Sessions: u['pop3-logout'] + withoutLogout,
      imapSessions: u['imap-logout'],
      deliveries: u.delivery,
      example: this.unreadExample,
    };
  }

  build(
    base: { user: string; files: LogEvidence['files']; lines: LogEvidence['lines']; identity?: LogEvidence['identity'] },
    force?: '2.3' | '2.4',
  ): LogEvidence {
    const v = this.delSecond;
    const unread = this.unreadEvidence();
    const seen = base.lines.matched + unread.lines;
    const format: LogEvidence['popLogoutFormat'] =
      force ??
      (v.votes24 > v.votes23
        ? '2.4'
        : v.votes23 > 0
          ? '2.3'
          : this.cyrusPopSessions > 0 && this.cyrusPopSessions === this.pop.sessions
            ? 'cyrus'
            : this.courierPop.sessions > 0 && this.courierPop.sessions === this.pop.sessions
              ? 'courier'
              : 'unknown');
    const times = [...(this.popLoginTimes.length >= 2 ? this.popLoginTimes : this.popTimes)].sort((a, b) => a - b);
    // Logins in the same second (a client that reconnects at once, two devices together) are one poll: only
    // gaps of a second or more say how often a device comes back, and a median of zero would say nothing.
    const gaps = times
      .slice(1)
      .map((t, i) => (t - times[i]!) / 1000)
      .filter((g) => g >= 1);
    const byCount = <T extends { count: number; protocol: string; ip: string }>(a: T, b: T) =>
      b.count - a.count || a.protocol.localeCompare(b.protocol) || a.ip.localeCompare(b.ip);
    return {
      user: base.user,
      namesSeen: [...this.names].sort(),
      files: base.files,
      lines: base.lines,
      period: { first: iso(this.period.first), last: iso(this.period.last) },
      logins: [...this.logins.values()].sort(byCount).map((l) => ({
        protocol: l.protocol,
        ip: l.ip,
        methods: [...l.methods].sort(),
        count: l.count,
        first: iso(l.first),
        last: iso(l.last),
      })),
      authFailures: [...this.failures.values()].sort(byCount).map((f) => ({ protocol: f.protocol, ip: f.ip, count: f.count, first: iso(f.first), last: iso(f.last) })),
      popLogoutFormat: format,
      pop: {
        sessions: this.pop.sessions,
        closedWithoutQuit: this.pop.closedWithoutQuit,
        retrMessages: this.pop.retrMessages,
        retrBytes: this.pop.retrBytes,
        deletedMessages: this.pop.deletedMessages,
        deletedBytes: format === '2.4' || this.deletedBytesNamedSeen ? (format === '2.4' ? this.delSecondSum : 0) + this.deletedBytesNamed : null,
        sessionsWithDeletes: this.pop.sessionsWithDeletes,
        lastDelete: iso(this.pop.lastDelete),
        expungeEvents: this.pop.expungeEvents,
        pollIntervalSeconds: median(gaps),
        ...(this.courierPop.quit > 0 ? { deletesUnlogged: this.courierPop.quit } : {}),
        first: iso(this.popPeriod.first),
        last: iso(this.popPeriod.last),
      },
      imap: { ...this.imap, first: iso(this.imapPeriod.first), last: iso(this.imapPeriod.last), ...this.imapNotLogged() },
      deliveries: {
        saved: this.deliveries.saved,
        quotaRefused: this.deliveries.quotaRefused,
        quotaDeferred: this.deliveries.quotaDeferred,
        firstRefused: iso(this.deliveries.refused.first),
        lastRefused: iso(this.deliveries.refused.last),
      },
      unread,
      parseRate: seen === 0 ? null : base.lines.matched / seen,
      identity: base.identity ?? { match: 'as-given', adopted: null, otherAddresses: [] },
      ...(this.timeline ? { timeline: this.timeline.build() } : {}),
    };
  }
}

/**
 * Streams the files in order and returns what they say about one account. Throws LogFileError when a file
 * cannot be read (missing, not a file, broken gzip); lines it cannot parse are counted, never fatal.
 */
export async function parseLogs(files: string[], opts: ParseLogsOptions): Promise<LogEvidence> {
  const isUser = userMatcher(opts);
  const builder = new LogEvidenceBuilder(opts.timeline);
  const until = opts.until?.getTime() ?? Infinity;
  const own = opts.ownSessions ?? [];
  const lines: LogEvidence['lines'] = { total: 0, matched: 0, otherUsers: 0, otherPrograms: 0, unparseable: 0, afterUntil: 0, ...(own.length ? { ownSessions: 0, ownLines: 0 } : {}) };
  // Log times have whole seconds: a window is widened to the seconds it touches.
  const ours = (t: number) => own.some(([from, to]) => t >= Math.floor(from / 1000) * 1000 && t < Math.ceil(to / 1000) * 1000 + 1000);
  const names = new AddressCandidates(opts);
  const main: Target = { builder, lines: { matched: 0, afterUntil: 0, ownLines: 0, ownSessions: 0 } };
  const route = (name: string): Target | null => (isUser(name) ? main : names.candidate(name));
  const fileFacts: LogEvidence['files'] = [];
  // Cyrus sessions by process, across files: a session may start in one file and end in the next.
  const cyrus: LineContext['cyrus'] = new Map();
  const seen: NonNullable<LineContext['seen']> = {};
  for (const path of files) {
    const log = await openLog(path);
    // Year-less stamps take the reference's year, or the one before when that would lie in the future.
    const reference = opts.now ?? log.mtime;
    let about: UnreadLine | null = null;
    const ctx: LineContext = { year: reference.getFullYear(), latest: reference.getTime(), unread: (a) => (about = a), cyrus, seen };
    let n = 0;
    let bad = 0;
    await log.forEachLine((line) => {
      n++;
      if (line.length === 0) return;
      about = null;
      const r = parseLine(line, ctx);
      if (r.kind === 'unparseable') {
        bad++;
        // A line of this account that could not be read: counted and shown, never a silent zero.
        const a = about as UnreadLine | null; // set by ctx.unread during parseLine
        const to = a ? route(a.user) : null;
        if (a && to) {
          const t = a.time;
          const session = a.what === 'pop3-logout' || a.what === 'imap-logout';
          if ((t === null || t < until) && !(t !== null && session && own.length > 0 && ours(t))) to.builder.addUnread(a.user, a.what, line, t);
        }
        return;
      }
      if (r.kind === 'other-program') {
        lines.otherPrograms++;
        return;
      }
      if (r.kind !== 'event') return;
      const to = route(r.event.user);
      if (!to) {
        lines.otherUsers++;
        return;
      }
      const time = r.time;
      if (time !== null && time >= until) {
        to.lines.afterUntil++;
        return;
      }
      if (time !== null && own.length > 0 && SESSION_EVENTS.has(r.event.type) && ours(time)) {
        to.lines.ownLines++;
        if (r.event.type === 'login') to.lines.ownSessions++;
        return;
      }
      if (!to.builder.add(r.event, time, r.session)) {
        bad++; // numbers beyond what adds up exactly: unreadable, like a line of an unknown shape
        return;
      }
      to.lines.matched++;
    });
    lines.total += n;
    lines.unparseable += bad;
    fileFacts.push({ path, gzip: log.gzip, bytes: log.bytes, lines: n, unparseable: bad });
  }
  const identity = names.settle(builder, opts.autoAddress === true);
  for (const t of [main, ...identity.taken]) count(lines, t.lines, own.length > 0);
  for (const t of identity.left) lines.otherUsers += t.lines.matched + t.lines.afterUntil + t.lines.ownLines;
  const evidence = builder.build({ user: opts.user, files: fileFacts, lines, identity: identity.evidence }, opts.dovecotVersion);
  // Cyrus's LMTP answers a delivery over quota with 452/552 and logs nothing: only its MTA's log has the refusal.
  if (seen.cyrus && !seen.mta) evidence.deliveries.refusalsUnlogged = 'cyrus';
  return evidence;
}

/** Where the lines of one name go: a builder and its line counts. */
interface Target {
  builder: LogEvidenceBuilder;
  lines: { matched: number; afterUntil: number; ownLines: number; ownSessions: number };
}

function count(into: LogEvidence['lines'], from: Target['lines'], withOwn: boolean): void {
  into.matched += from.matched;
  into.afterUntil += from.afterUntil;
  if (withOwn) {
    into.ownLines = (into.ownLines ?? 0) + from.ownLines;
    into.ownSessions = (into.ownSessions ?? 0) + from.ownSessions;
  }
}

/**
 * Full addresses in the log with the account's local part that the matcher did not take (alice@example.com for
 * the user alice). For a bare user each is followed in a builder of its own (up to MAX_CANDIDATES); at the end
 * exactly one of them is adopted when asked (autoAddress), several are ambiguous and stay out. For a user given
 * with a domain they are only named.
 */
class AddressCandidates {
  private readonly local: string;
  private readonly follow: boolean;
  private readonly candidates = new Map<string, Target>();
  private readonly others = new Set<string>();
  private readonly cache = new Map<string, Target | null>();

  private readonly timeline: TimelineOptions | undefined;

  constructor(opts: Pick<ParseLogsOptions, 'user' | 'aliases' | 'matchLocalPart' | 'timeline'>) {
    this.timeline = opts.timeline;
    this.local = localPart(opts.user.toLowerCase());
    // An alias with this local part and a domain is the user's own pick: no other domain is taken on top of it.
    const picked = (opts.aliases ?? []).some((a) => a.includes('@') && localPart(a.toLowerCase()) === this.local);
    this.follow = !opts.user.includes('@') && opts.matchLocalPart !== true && !picked;
  }

  candidate(name: string): Target | null {
    // Most names of a log are other accounts: a cheap look at where the "@" would be first.
    const n = this.local.length;
    if (name.length <= n + 1 || name.charCodeAt(n) !== 64) return null;
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const lower = name.toLowerCase();
    let target: Target | null = null;
    if (localPart(lower) === this.local) {
      if (this.others.size < MAX_OTHER_ADDRESSES) this.others.add(lower);
      target = this.candidates.get(lower) ?? null;
      if (!target && this.follow && this.candidates.size < MAX_CANDIDATES) {
        target = { builder: new LogEvidenceBuilder(this.timeline), lines: { matched: 0, afterUntil: 0, ownLines: 0, ownSessions: 0 } };
        this.candidates.set(lower, target);
      }
    }
    if (this.cache.size < 10_000) this.cache.set(name, target);
    return target;
  }

  /** Adopts the one candidate into `main` when asked and possible; says what was matched and what was not. */
  settle(main: LogEvidenceBuilder, adopt: boolean): { taken: Target[]; left: Target[]; evidence: NonNullable<LogEvidence['identity']> } {
    const all = [...this.candidates.values()];
    const only = this.others.size === 1 && this.candidates.size === 1 ? [...this.candidates.keys()][0]! : null;
    if (adopt && only !== null && main.absorb(this.candidates.get(only)!.builder)) {
      return { taken: all, left: [], evidence: { match: 'auto', adopted: only, otherAddresses: [] } };
    }
    const ambiguous = this.follow && this.others.size > 1;
    return { taken: [], left: all, evidence: { match: ambiguous ? 'ambiguous' : 'as-given', adopted: null, otherAddresses: [...this.others].sort() } };
  }
}
