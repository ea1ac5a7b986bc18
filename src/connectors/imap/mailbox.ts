// Facts about one examined mailbox, asking for the least data: counts from (E)SEARCH, ages from WITHIN
// (or SINCE plus the INTERNALDATEs of the last month), oldest/newest from ESORT ARRIVAL (or first/last
// message), and per-message identities only when history was asked for.
import { hash } from 'node:crypto';
import type { ImapSession } from './imapflow.js';
import type { AgeBuckets, FolderActivity, MessageIdentity } from '../../snapshot/schema.js';
import { StepTimeout } from './errors.js';
import { atom, execRaw, parseEsearch, parseSequenceSet, searchNumbers, seq, text } from './raw.js';
import type { BulkMessage } from './bulk.js';

export interface Ctx {
  client: ImapSession;
  /** Capabilities we act on (upper case; the ones a test asked us to ignore are removed). */
  caps: Set<string>;
  ms: number;
  now: Date;
  /** Run one network step with the deadline. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * A UID FETCH of INBOX on a session of our own (see bulk.ts), for big identity lists; absent when not
   * wanted. Throws on anything unexpected, and the caller falls back to imapflow.
   */
  bulk?: (uidSet: string, items: string, onMessage: (m: BulkMessage) => void) => Promise<number>;
  /** Identity lists of at least this many messages go through `bulk`. */
  bulkMinMessages?: number;
}

/** Below this many messages the second session's login costs more than imapflow's parsing. */
export const BULK_MIN_MESSAGES = 2_000;

const DAY_S = 86_400;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMAP date (RFC 3501 date: d-Mon-yyyy) of a moment, in UTC. */
export function imapDate(d: Date): string {
  return `${d.getUTCDate()}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

export function emptyAges(): AgeBuckets {
  return { lt1d: 0, lt7d: 0, lt30d: 0, older: 0 };
}

/** Bucket one INTERNALDATE relative to now. */
function bucketOf(date: Date, now: Date): keyof AgeBuckets {
  const age = (now.getTime() - date.getTime()) / 1000;
  if (age < DAY_S) return 'lt1d';
  if (age < 7 * DAY_S) return 'lt7d';
  if (age < 30 * DAY_S) return 'lt30d';
  return 'older';
}

export interface SearchResult {
  count: number;
  /** Lowest matching UID (only when asked for). */
  min: number | null;
}

/**
 * UID SEARCH with RETURN (COUNT [MIN]) when ESEARCH is offered, else a plain UID SEARCH counted here.
 * `min` asks for the lowest matching UID too.
 */
export async function searchCount(ctx: Ctx, criteria: unknown[], label: string, min = false): Promise<SearchResult> {
  if (ctx.caps.has('ESEARCH')) {
    let res: Map<string, string> | null = null;
    const ret = min ? [atom('COUNT'), atom('MIN')] : [atom('COUNT')];
    await ctx.step(`search ${label}`, () =>
      execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), ret, ...criteria], {
        ESEARCH: (u) => {
          res = parseEsearch(u);
        },
      }),
    );
    const r = res as Map<string, string> | null;
    const num = (k: string) => (r?.has(k) ? Number(r.get(k)) : null);
    return { count: num('COUNT') ?? 0, min: num('MIN') };
  }
  let count = 0;
  let lowest: number | null = null;
  await ctx.step(`search ${label}`, () =>
    execRaw(ctx.client, 'UID SEARCH', criteria, {
      SEARCH: (u) => {
        for (const n of searchNumbers(u)) {
          count++;
          if (lowest === null || n < lowest) lowest = n;
        }
      },
    }),
  );
  return { count, min: lowest };
}

/** INTERNALDATEs of the messages in a UID (or sequence) set. */
async function internalDates(ctx: Ctx, set: string, label: string, byUid = true): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  await rawFetch(ctx, set, byUid, [atom('UID'), atom('INTERNALDATE')], label, (m) => {
    if (m.uid !== null && m.internalDate) out.set(byUid ? m.uid : m.seq, m.internalDate);
  });
  return out;
}

interface RawMessage {
  seq: number;
  uid: number | null;
  size: number | null;
  internalDate: Date | null;
  flags: string[] | null;
  /** The BODY[HEADER.FIELDS ...] literal. */
  header: Buffer | null;
}

const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m.toLowerCase(), i]));
const DATE_TIME = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
/** IMAP date-time: "26-Nov-2026 13:43:40 +0000" (day may have a leading space). */
export function parseInternalDate(v: string): Date | null {
  // The usual shape (26 characters, two-digit day) is read by position; anything else goes to the regex.
  if (v.length === 26 && v[2] === '-' && v[6] === '-' && v[11] === ' ' && v[20] === ' ') {
    const num = (a: number, n: number) => {
      let x = 0;
      for (let k = a; k < a + n; k++) {
        const c = v.charCodeAt(k) - 48;
        if (c < 0 || c > 9) return NaN;
        x = x * 10 + c;
      }
      return x;
    };
    const month = MONTH_INDEX.get(v.slice(3, 6).toLowerCase());
    const sign = v[21] === '-' ? -1 : v[21] === '+' ? 1 : NaN;
    const parts = [num(0, 2), num(7, 4), num(12, 2), num(15, 2), num(18, 2), num(22, 2), num(24, 2)];
    if (month !== undefined && !parts.some(Number.isNaN) && !Number.isNaN(sign) && v[14] === ':' && v[17] === ':') {
      const [d, y, h, mi, s, oh, om] = parts as [number, number, number, number, number, number, number];
      return new Date(Date.UTC(y, month, d, h, mi, s) - sign * (oh * 60 + om) * 60_000);
    }
  }
  const m = DATE_TIME.exec(v);
  if (!m) return null;
  const month = MONTH_INDEX.get(m[2]!.toLowerCase());
  if (month === undefined) return null;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  return new Date(utc - offset);
}

/**
 * FETCH through imapflow's exec with our own handler: imapflow's fetch() builds a rich object (and an id
 * hash) per message, which costs ~3x the CPU on a 100k-message mailbox. Always BODY.PEEK.
 */
export async function rawFetch(
  ctx: Ctx,
  set: string,
  byUid: boolean,
  items: unknown[],
  label: string,
  onMessage: (m: RawMessage) => void,
): Promise<void> {
  await inactivityGuard(ctx, label, (tick) =>
    execRaw(ctx.client, byUid ? 'UID FETCH' : 'FETCH', [seq(set), items], {
      FETCH: (u) => {
        tick();
        const list = u.attributes?.[1];
        if (!Array.isArray(list)) return;
        const m: RawMessage = { seq: Number(u.command), uid: null, size: null, internalDate: null, flags: null, header: null };
        for (let i = 0; i + 1 < list.length; i += 2) {
          const key = text(list[i])?.toUpperCase();
          const val = list[i + 1];
          if (key === 'UID') m.uid = Number(text(val));
          else if (key === 'RFC822.SIZE') m.size = Number(text(val));
          else if (key === 'INTERNALDATE') m.internalDate = parseInternalDate(text(val) ?? '');
          else if (key === 'FLAGS') m.flags = Array.isArray(val) ? val.map((f) => text(f) ?? '') : [];
          else if (key === 'BODY') {
            const v = Array.isArray(val) ? null : val?.value;
            m.header = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.alloc(0);
          }
        }
        onMessage(m);
      },
    }),
  );
}

/**
 * A deadline that restarts on every tick: long transfers (a 100k-message FETCH) may take longer than one
 * step's deadline as a whole, but never stall for that long.
 */
export async function inactivityGuard<T>(ctx: Ctx, step: string, fn: (tick: () => void) => Promise<T>): Promise<T> {
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    ctx.client.close();
  }, ctx.ms);
  try {
    const r = await fn(() => timer.refresh());
    if (fired) throw new StepTimeout(step, ctx.ms);
    return r;
  } catch (e) {
    if (fired) throw new StepTimeout(step, ctx.ms);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export interface Activity extends FolderActivity {
  agesMethod: string;
}

/** Mailboxes with at least this many messages find the 30-day boundary by sampling (see arrivalBoundary). */
export const SAMPLE_MIN_MESSAGES = 20_000;
/** Messages whose INTERNALDATE is fetched per sampling round. */
const SAMPLES_PER_ROUND = 32;
/** Deliveries in parallel may get UIDs a little out of date order: disorder up to this much is tolerated. */
const ORDER_SLACK_MS = 3_600_000;
/**
 * Up to this many messages of the last 30 days get their INTERNALDATE fetched and bucketed here instead of two
 * more searches: imapflow spends ~0.2 ms on each FETCH response, a small search costs ~3 ms.
 */
const FETCH_RECENT_MAX = 16;

interface Sample {
  seq: number;
  uid: number;
  date: Date;
}

/** n points from lo to hi (both included, no repeats), evenly spread. */
function spread(lo: number, hi: number, n: number): number[] {
  if (hi - lo + 1 <= n) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round(lo + ((hi - lo) * i) / (n - 1)));
  return [...out];
}

/**
 * Where mail younger than `cutoff` starts in a big mailbox, found by sampling INTERNALDATEs in sequence
 * (= arrival) order instead of searching every message: a handful of single-round FETCHes of ~32 messages
 * each narrow the gap between the last old and the first young sample until they are neighbours. INBOX
 * normally holds mail in arrival order, and a message's INTERNALDATE is never later than its arrival in
 * the mailbox, so the dates grow with the sequence number. Every date seen is checked for that order; when
 * it does not hold (old mail appended or moved in later) this returns null and the caller searches the
 * whole mailbox instead. The samples at 1 and `total` are the oldest and newest messages when it holds.
 */
async function arrivalBoundary(
  ctx: Ctx,
  total: number,
  cutoff: Date,
  label: string,
): Promise<{ firstYoung: Sample | null; oldest: Sample; newest: Sample; fetched: number; rounds: number } | null> {
  const known = new Map<number, Sample>();
  let rounds = 0;
  const ask = async (seqs: number[]) => {
    const want = seqs.filter((s) => !known.has(s));
    if (want.length === 0) return;
    rounds++;
    await rawFetch(ctx, want.join(','), false, [atom('UID'), atom('INTERNALDATE')], `${label} sample`, (m) => {
      if (m.uid !== null && m.internalDate && m.seq >= 1 && m.seq <= total) known.set(m.seq, { seq: m.seq, uid: m.uid, date: m.internalDate });
    });
  };
  const ordered = (): Sample[] | null => {
    const xs = [...known.values()].sort((a, b) => a.seq - b.seq);
    let latest = -Infinity;
    for (const x of xs) {
      if (x.date.getTime() < latest - ORDER_SLACK_MS) return null;
      latest = Math.max(latest, x.date.getTime());
    }
    return xs;
  };
  await ask(spread(1, total, SAMPLES_PER_ROUND + 1));
  // Search from a little before the cutoff: slightly out-of-order neighbours of the boundary stay in range.
  const edge = cutoff.getTime() - ORDER_SLACK_MS;
  for (;;) {
    const xs = ordered();
    if (!xs || !known.has(1) || !known.has(total)) return null;
    const oldest = known.get(1)!;
    const newest = known.get(total)!;
    let lo: Sample | null = null;
    let hi: Sample | null = null;
    for (const x of xs) {
      if (x.date.getTime() <= edge) lo = x;
      else {
        hi = x;
        break;
      }
    }
    const done = (firstYoung: Sample | null) => ({ firstYoung, oldest, newest, fetched: known.size, rounds });
    if (!hi) return done(null);
    if (!lo || hi.seq - lo.seq <= 1) return done(hi);
    await ask(spread(lo.seq + 1, hi.seq - 1, SAMPLES_PER_ROUND));
  }
}

/**
 * Ages and oldest/newest INTERNALDATE of the examined mailbox holding `total` messages. With WITHIN the
 * counts are exact YOUNGER searches; in mailboxes of `sampleMin` messages or more they only cover the
 * messages from the sampled 30-day boundary on (see arrivalBoundary), which turns three scans of the whole
 * mailbox into a few small FETCHes and searches of the recent tail.
 */
export async function activity(ctx: Ctx, total: number, label: string, sampleMin = SAMPLE_MIN_MESSAGES): Promise<Activity> {
  if (total === 0) {
    return { ages: emptyAges(), oldestInternalDate: null, newestInternalDate: null, agesMethod: 'empty' };
  }
  const now = ctx.now;
  const ages = emptyAges();
  let newestKnown: Date | null = null;
  let agesMethod: string;
  let oldest: Date | null = null;
  let newest: Date | null = null;
  let ends = false;
  /** UIDs of the last 30 days whose dates are still to be fetched and bucketed. */
  let recentSet: string | null = null;
  if (ctx.caps.has('WITHIN') && ctx.caps.has('ESEARCH')) {
    // YOUNGER is relative to the server's clock at search time; widen it by the time since `now`.
    const windowSecs = (days: number) => Math.max(1, Math.round(days * DAY_S + (Date.now() - now.getTime()) / 1000));
    let fromUid: number | null = null;
    let sampled = '';
    if (total >= sampleMin) {
      const b = await arrivalBoundary(ctx, total, new Date(now.getTime() - 30 * DAY_S * 1000), label);
      if (b) {
        oldest = b.oldest.date;
        newest = b.newest.date;
        ends = true;
        // No message from the boundary on: nothing younger than 30 days (the boundary sits an hour early).
        fromUid = b.firstYoung ? b.firstYoung.uid : null;
        sampled = `; 30-day boundary sampled in arrival order (${b.fetched} dates in ${b.rounds} FETCHes)`;
        if (!b.firstYoung) {
          ages.older = total;
          return done(`WITHIN${sampled}`);
        }
      } else {
        sampled = '; arrival order does not follow dates: searched the whole mailbox';
      }
    }
    // The 30-day window as a UID set: small windows are bucketed from their dates (one FETCH), big ones by
    // two more YOUNGER searches that start from the window's lowest UID.
    const range = fromUid && fromUid > 1 ? [atom('UID'), seq(`${fromUid}:*`)] : [];
    let all = '';
    let c30 = 0;
    let min30: number | null = null;
    await ctx.step(`search ${label} younger 30d`, () =>
      execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), [atom('COUNT'), atom('MIN'), atom('ALL')], ...range, atom('YOUNGER'), atom(String(windowSecs(30)))], {
        ESEARCH: (u) => {
          const r = parseEsearch(u);
          c30 = Number(r.get('COUNT') ?? 0);
          min30 = r.has('MIN') ? Number(r.get('MIN')) : null;
          all = r.get('ALL') ?? '';
        },
      }),
    );
    if (c30 > 0 && c30 <= FETCH_RECENT_MAX && all) {
      // Bucketed from their dates, fetched together with the oldest and newest below.
      recentSet = all;
      ages.older = Math.max(0, total - c30);
      agesMethod = `WITHIN + INTERNALDATE of the last 30 days${sampled}`;
    } else {
      const younger = (days: number, from: number | null) => {
        const r = from && from > 1 ? [atom('UID'), seq(`${from}:*`)] : [];
        return searchCount(ctx, [...r, atom('YOUNGER'), atom(String(windowSecs(days)))], `${label} younger ${days}d`, true);
      };
      const y7 = c30 > 0 ? await younger(7, min30) : { count: 0, min: null };
      const y1 = y7.count > 0 ? await younger(1, y7.min) : { count: 0, min: null };
      ages.lt1d = y1.count;
      ages.lt7d = Math.max(0, y7.count - y1.count);
      ages.lt30d = Math.max(0, c30 - y7.count);
      ages.older = Math.max(0, total - c30);
      agesMethod = `WITHIN${sampled}`;
    }
  } else {
    // SINCE compares dates without time or zone: ask from one day before the 30-day boundary, then
    // bucket the INTERNALDATEs of everything from the first match on (UIDs below it are all older).
    const boundary = new Date(now.getTime() - 30 * DAY_S * 1000 - DAY_S * 1000);
    const since = await searchCount(ctx, [atom('SINCE'), atom(imapDate(boundary))], `${label} since`, true);
    let recent = 0;
    if (since.min !== null) {
      const dates = await internalDates(ctx, `${since.min}:*`, `${label} dates`);
      for (const d of dates.values()) {
        const b = bucketOf(d, now);
        if (b === 'older') continue;
        ages[b]++;
        recent++;
        if (!newestKnown || d > newestKnown) newestKnown = d;
      }
    }
    ages.older = Math.max(0, total - recent);
    agesMethod = 'SINCE+FETCH INTERNALDATE';
  }
  return done(agesMethod);

  async function done(method: string): Promise<Activity> {
    // Oldest/newest: from the samples, else by ESORT ARRIVAL, else from the first and last message.
    const sorts = !ends && ctx.caps.has('ESORT') && ctx.caps.has('SORT');
    let ends2: { lo: string; hi: string } | null = null;
    if (sorts) {
      let r: Map<string, string> | null = null;
      await ctx.step(`sort ${label}`, () =>
        execRaw(ctx.client, 'UID SORT', [atom('RETURN'), [atom('MIN'), atom('MAX')], [atom('ARRIVAL')], atom('US-ASCII'), atom('ALL')], {
          ESEARCH: (u) => {
            r = parseEsearch(u);
          },
        }),
      );
      const res = r as Map<string, string> | null;
      const lo = res?.get('MIN');
      const hi = res?.get('MAX');
      if (lo && hi) ends2 = { lo, hi };
      method += '; oldest/newest by ESORT ARRIVAL';
    }
    if (recentSet || ends2) {
      // One FETCH for the recent dates and the oldest/newest UIDs.
      const set = [...(recentSet ? [recentSet] : []), ...(ends2 ? [ends2.lo, ends2.hi] : [])].join(',');
      const dates = await internalDates(ctx, set, `${label} dates`);
      if (recentSet) {
        for (const uid of parseSequenceSet(recentSet)) {
          const d = dates.get(uid);
          if (!d) continue;
          const bkt = bucketOf(d, now);
          // The search window was widened by the seconds since `now`: its edge belongs to the 30-day bucket.
          ages[bkt === 'older' ? 'lt30d' : bkt]++;
          if (!newestKnown || d > newestKnown) newestKnown = d;
        }
      }
      if (ends2) {
        oldest = dates.get(Number(ends2.lo)) ?? null;
        newest = dates.get(Number(ends2.hi)) ?? null;
      }
    }
    if (ends) {
      method += '; oldest/newest from the sampled first/last message';
    } else if (!sorts) {
      // First and last message in arrival (sequence) order: exact on servers that keep appends in order,
      // an approximation when old mail was appended later.
      const dates = await internalDates(ctx, total === 1 ? '1' : `1,${total}`, `${label} dates`, false);
      const known = [...dates.values(), ...(newestKnown ? [newestKnown] : [])];
      for (const d of known) {
        if (!oldest || d < oldest) oldest = d;
        if (!newest || d > newest) newest = d;
      }
      method += '; oldest/newest from first/last message (approximate)';
    }
    return {
      ages,
      oldestInternalDate: oldest ? oldest.toISOString() : null,
      newestInternalDate: newest ? newest.toISOString() : null,
      agesMethod: method,
    };
  }
}

export const SYSTEM_FLAGS = ['seen', 'answered', 'flagged', 'deleted', 'draft'] as const;
/** Keywords clients set that matter for missing-mail questions; searched even when FLAGS does not list them. */
export const WELL_KNOWN_KEYWORDS = ['$Forwarded', '$Junk', '$NotJunk', '$MDNSent', 'Junk', 'NonJunk'];
const MAX_KEYWORDS = 64;
const ATOM_RE = /^[^\s(){%*"\\\]\p{Cc}]+$/u;

/**
 * Counts of the system flags in the examined mailbox of `total` messages. \Seen is counted as `total` minus
 * UNSEEN: on Dovecot a SEARCH UNSEEN of 100k messages takes ~8 ms where SEARCH SEEN takes 30-60 ms.
 */
export async function flagCounts(ctx: Ctx, total: number): Promise<Record<(typeof SYSTEM_FLAGS)[number], number>> {
  const out = { seen: 0, answered: 0, flagged: 0, deleted: 0, draft: 0 };
  for (const f of SYSTEM_FLAGS) {
    if (f === 'seen') out.seen = Math.max(0, total - (await searchCount(ctx, [atom('UNSEEN')], 'unseen')).count);
    else out[f] = (await searchCount(ctx, [atom(f.toUpperCase())], f)).count;
  }
  return out;
}

/**
 * Counts of keywords in use (only non-zero counts). FLAGS lists the keywords defined in the mailbox, so only
 * those are searched; without a FLAGS response the well-known ones are tried.
 */
export async function keywordCounts(ctx: Ctx, mailboxFlags: Iterable<string> | undefined): Promise<Record<string, number>> {
  const seen = new Set<string>();
  const candidates: string[] = [];
  for (const k of mailboxFlags ?? WELL_KNOWN_KEYWORDS) {
    if (k.startsWith('\\') || !ATOM_RE.test(k)) continue;
    const key = k.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(k);
  }
  const out: Record<string, number> = {};
  for (const k of candidates.slice(0, MAX_KEYWORDS)) {
    const n = (await searchCount(ctx, [atom('KEYWORD'), atom(k)], `keyword ${k}`)).count;
    if (n > 0) out[k] = n;
  }
  return out;
}

/** sha256 hex of the Message-ID header value (unfolded, trimmed), or null when absent. */
export function messageIdHash(headers: Buffer | undefined): string | null {
  if (!headers || headers.length === 0) return null;
  // Fast path, the usual answer: one unfolded "Message-ID: value" line; the value's bytes are hashed in place.
  if (headers.length > 11 && headers.toString('latin1', 0, 11).toLowerCase() === 'message-id:') {
    const eol = headers.indexOf(0x0a, 11);
    const next = eol === -1 ? -1 : headers[eol + 1];
    if (eol !== -1 && next !== 0x20 && next !== 0x09) {
      let a = 11;
      let z = headers[eol - 1] === 0x0d ? eol - 1 : eol;
      while (a < z && (headers[a] === 0x20 || headers[a] === 0x09)) a++;
      while (z > a && (headers[z - 1] === 0x20 || headers[z - 1] === 0x09)) z--;
      // Other whitespace or 8-bit bytes at either end: String.trim() below decides what they are.
      const plain = (c: number) => c > 0x20 && c < 0x80;
      if (z > a && plain(headers[a]!) && plain(headers[z - 1]!)) return hash('sha256', headers.subarray(a, z), 'hex');
      if (z === a) return null;
    }
  }
  const unfolded = headers.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id[ \t]*:(.*)$/im.exec(unfolded);
  const v = m ? m[1]!.trim() : '';
  // The header's own bytes (latin1 round-trips them), not a re-encoding.
  return v ? hash('sha256', Buffer.from(v, 'latin1'), 'hex') : null;
}

/** Per-message identities of the examined mailbox (history only): one streaming FETCH, no bodies. */
export async function messageList(
  ctx: Ctx,
  total: number,
  onProgress?: (n: number) => void,
  uidSet?: string,
): Promise<MessageIdentity[]> {
  let out: MessageIdentity[] = [];
  if (total === 0) return out;
  const add = (uid: number | null, size: number | null, date: Date | null, flags: string[] | null, header: Buffer | null) => {
    // Unsolicited FETCH responses (flag updates from other sessions) carry no UID/size: skip them.
    if (!uid || size === null || !date) return;
    let seen = false;
    let deleted = false;
    for (const f of flags ?? []) {
      const l = f.toLowerCase();
      if (l === '\\seen') seen = true;
      else if (l === '\\deleted') deleted = true;
    }
    out.push({ uid, sizeBytes: size, internalDate: date.toISOString(), messageIdHash: messageIdHash(header ?? undefined), seen, deleted });
    if (onProgress && out.length % 10_000 === 0) onProgress(out.length);
  };
  if (ctx.bulk && total >= (ctx.bulkMinMessages ?? BULK_MIN_MESSAGES)) {
    try {
      await ctx.bulk(uidSet ?? '1:*', '(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])', (m) =>
        add(m.uid, m.size, m.internalDate ? parseInternalDate(m.internalDate) : null, m.flags, m.header),
      );
      return out;
    } catch {
      // The main session reads the same list below.
      out = [];
    }
  }
  const items = [
    atom('UID'),
    atom('RFC822.SIZE'),
    atom('INTERNALDATE'),
    atom('FLAGS'),
    { type: 'ATOM', value: 'BODY.PEEK', section: [atom('HEADER.FIELDS'), [atom('MESSAGE-ID')]] },
  ];
  await rawFetch(ctx, uidSet ?? '1:*', uidSet !== undefined, items, 'history fetch', (m) => add(m.uid, m.size, m.internalDate, m.flags, m.header));
  return out;
}
