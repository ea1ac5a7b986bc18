// Facts about one examined mailbox, asking for the least data: counts from (E)SEARCH, ages from WITHIN
// (or SINCE plus the INTERNALDATEs of the last month), oldest/newest from ESORT ARRIVAL (or first/last
// message), and per-message identities only when history was asked for.
import { hash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import type { AgeBuckets, FolderActivity, MessageIdentity } from '../../snapshot/schema.js';
import { StepTimeout } from './errors.js';
import { atom, execRaw, parseEsearch, searchNumbers, seq, text } from './raw.js';

export interface Ctx {
  client: ImapFlow;
  /** Capabilities we act on (upper case; the ones a test asked us to ignore are removed). */
  caps: Set<string>;
  ms: number;
  now: Date;
  /** Run one network step with the deadline. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

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
/** IMAP date-time: "26-Nov-2026 13:43:40 +0000" (day may have a leading space). */
export function parseInternalDate(v: string): Date | null {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(v);
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

/** Ages and oldest/newest INTERNALDATE of the examined mailbox holding `total` messages. */
export async function activity(ctx: Ctx, total: number, label: string): Promise<Activity> {
  if (total === 0) {
    return { ages: emptyAges(), oldestInternalDate: null, newestInternalDate: null, agesMethod: 'empty' };
  }
  const now = ctx.now;
  const ages = emptyAges();
  let newestKnown: Date | null = null;
  let agesMethod: string;
  if (ctx.caps.has('WITHIN')) {
    // YOUNGER is relative to the server's clock at search time; widen it by the time since `now`. Each
    // narrower window is a subset of the wider one, so it only scans UIDs from the wider window's lowest.
    const younger = async (days: number, fromUid: number | null) => {
      const secs = Math.max(1, Math.round(days * DAY_S + (Date.now() - now.getTime()) / 1000));
      const range = fromUid && fromUid > 1 ? [atom('UID'), seq(`${fromUid}:*`)] : [];
      return searchCount(ctx, [...range, atom('YOUNGER'), atom(String(secs))], `${label} younger ${days}d`, true);
    };
    const y30 = await younger(30, null);
    const y7 = y30.count > 0 ? await younger(7, y30.min) : { count: 0, min: null };
    const y1 = y7.count > 0 ? await younger(1, y7.min) : { count: 0, min: null };
    const [c1, c7, c30] = [y1.count, y7.count, y30.count];
    ages.lt1d = c1;
    ages.lt7d = Math.max(0, c7 - c1);
    ages.lt30d = Math.max(0, c30 - c7);
    ages.older = Math.max(0, total - c30);
    agesMethod = 'WITHIN';
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

  let oldest: Date | null = null;
  let newest: Date | null = null;
  if (ctx.caps.has('ESORT') && ctx.caps.has('SORT')) {
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
    if (lo && hi) {
      const dates = await internalDates(ctx, lo === hi ? lo : `${lo},${hi}`, `${label} dates`);
      oldest = dates.get(Number(lo)) ?? null;
      newest = dates.get(Number(hi)) ?? null;
    }
    agesMethod += '; oldest/newest by ESORT ARRIVAL';
  } else {
    // First and last message in arrival (sequence) order: exact on servers that keep appends in order,
    // an approximation when old mail was appended later.
    const dates = await internalDates(ctx, total === 1 ? '1' : `1,${total}`, `${label} dates`, false);
    const known = [...dates.values(), ...(newestKnown ? [newestKnown] : [])];
    for (const d of known) {
      if (!oldest || d < oldest) oldest = d;
      if (!newest || d > newest) newest = d;
    }
    agesMethod += '; oldest/newest from first/last message (approximate)';
  }
  return {
    ages,
    oldestInternalDate: oldest ? oldest.toISOString() : null,
    newestInternalDate: newest ? newest.toISOString() : null,
    agesMethod,
  };
}

export const SYSTEM_FLAGS = ['seen', 'answered', 'flagged', 'deleted', 'draft'] as const;
/** Keywords clients set that matter for missing-mail questions; searched even when FLAGS does not list them. */
export const WELL_KNOWN_KEYWORDS = ['$Forwarded', '$Junk', '$NotJunk', '$MDNSent', 'Junk', 'NonJunk'];
const MAX_KEYWORDS = 64;
const ATOM_RE = /^[^\s(){%*"\\\]\x00-\x1f\x7f]+$/;

export async function flagCounts(ctx: Ctx): Promise<Record<(typeof SYSTEM_FLAGS)[number], number>> {
  const out = { seen: 0, answered: 0, flagged: 0, deleted: 0, draft: 0 };
  for (const f of SYSTEM_FLAGS) out[f] = (await searchCount(ctx, [atom(f.toUpperCase())], f)).count;
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
  const out: MessageIdentity[] = [];
  if (total === 0) return out;
  const items = [
    atom('UID'),
    atom('RFC822.SIZE'),
    atom('INTERNALDATE'),
    atom('FLAGS'),
    { type: 'ATOM', value: 'BODY.PEEK', section: [atom('HEADER.FIELDS'), [atom('MESSAGE-ID')]] },
  ];
  await rawFetch(ctx, uidSet ?? '1:*', uidSet !== undefined, items, 'history fetch', (m) => {
    // Unsolicited FETCH responses (flag updates from other sessions) carry no UID/size: skip them.
    if (!m.uid || m.size === null || !m.internalDate) return;
    const flags = (m.flags ?? []).map((f) => f.toLowerCase());
    out.push({
      uid: m.uid,
      sizeBytes: m.size,
      internalDate: m.internalDate.toISOString(),
      messageIdHash: messageIdHash(m.header ?? undefined),
      seen: flags.includes('\\seen'),
      deleted: flags.includes('\\deleted'),
    });
    if (onProgress && out.length % 10_000 === 0) onProgress(out.length);
  });
  return out;
}
