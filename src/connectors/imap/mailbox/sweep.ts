// The folder sweep: the date questions of every small folder (what activity.ts asks one command at a time on
// imapflow's session, five or six round trips a folder) sent as two pipelined flights on a session of our own
// (bulk.ts): first EXAMINE and the searches of every folder, then EXAMINE and the INTERNALDATE fetches that the
// first answers call for. Only EXAMINE, SEARCH, SORT and FETCH of UID and INTERNALDATE: read-only. The answers
// are read exactly as activity() reads them, so a swept folder records the same facts and the same agesMethod.
// A folder whose commands fail, or whose name needs a literal, is left out of the result; the caller examines it
// the usual way. A broken session throws.
import type { AgeBuckets, Folder } from '../../../snapshot/schema.js';
import { MAX_ARRIVALS } from '../repeat.js';
import { messageIdHash } from './message-id.js';
import { parseFetch, type PipelinedCommand, type SearchSession } from '../bulk.js';
import { parseSequenceSet } from '../raw.js';
import { quoted } from '../syntax.js';
import { bucketRecent, datesOf, emptyAges, FETCH_RECENT_MAX, type Activity } from './activity.js';
import { imapDate, parseInternalDate } from './date-codec.js';

const DAY_S = 86_400;
/**
 * Fewer small folders than this are examined one by one when the session of our own is not open yet: opening it
 * costs a connection, TLS and a login (~3 round trips, and 0.1-0.15 s of Cyrus's or Courier's login on loopback),
 * and each folder swept saves five or six round trips. On loopback 3 folders were slower swept on Cyrus and Courier
 * (0.50 s against 0.36 s), 20 were faster on all three; over a real network every saved round trip counts more.
 */
export const SWEEP_MIN_FOLDERS = 4;
/** With the session already open (INBOX's streamed searches), two folders are worth a flight. */
export const SWEEP_MIN_FOLDERS_OPEN = 2;

export interface SweepFolder {
  path: string;
  /**
   * History's repeat check: the Message-ID hashes of what arrived from this UID on (repeat.ts arrivals), up to
   * `uidNext` (the folder's STATUS), whose `uidValidity` the sweep's EXAMINE must show too, or the folder is left out.
   */
  arrivals?: { sinceUidNext: number; uidNext: number; uidValidity: string };
}

export interface Swept extends Activity {
  /** EXISTS of the sweep's EXAMINE: the message count the activity is about. */
  exists: number;
  /** When asked for (SweepFolder.arrivals): as repeat.ts arrivals() gives them. */
  arrivals?: Folder['arrivals'];
}

/** "* ESEARCH (TAG "x") UID COUNT 3 MIN 4 ALL 4:6" → COUNT, MIN, MAX, ALL. */
function esearch(r: Buffer): Map<string, string> | null {
  const line = r.toString('latin1').trimEnd();
  const m = /^\* ESEARCH(?: \(TAG "[^"]*"\))?(?: UID)?((?: \S+ \S+)*)$/i.exec(line);
  if (!m) return null;
  const out = new Map<string, string>();
  const parts = m[1]!.trim().split(' ').filter(Boolean);
  for (let i = 0; i + 1 < parts.length; i += 2) out.set(parts[i]!.toUpperCase(), parts[i + 1]!);
  return out;
}

/** Per folder, flight 2: the dates and arrivals its FETCHes answered, and its commands in the batch (all must end OK). */
interface SecondAnswers {
  byUid: Map<number, Date>;
  bySeq: Map<number, Date>;
  idx: number[];
  arrived: { count: number; hashes: string[] } | null;
}

/** One folder of the sweep: its name, its answers of both flights, and its commands of flight 1 by index. */
interface FolderRun {
  f: SweepFolder & { box: string };
  a: FirstAnswers;
  sent1: number[];
  d: SecondAnswers | null;
}

/** Per folder: what EXAMINE showed and what each search answered. */
interface FirstAnswers {
  ok: boolean;
  exists: number | null;
  uidValidity: string | null;
  c30: number;
  all: string;
  y7: number;
  y1: number;
  /** SINCE path: the lowest UID from the boundary day on. */
  sinceMin: number | null;
  lo: string | null;
  hi: string | null;
}

/**
 * The activity of each of `folders`, by path. `caps`: the capabilities acted on (upper case); `now`: the probe's
 * clock, as activity() has it. Throws on a broken session; folders it could not read are missing from the map.
 */
export async function sweepFolders(session: SearchSession, folders: readonly SweepFolder[], caps: Set<string>, now: Date): Promise<Map<string, Swept>> {
  const within = caps.has('WITHIN') && caps.has('ESEARCH');
  const esearchOk = caps.has('ESEARCH');
  const sorts = caps.has('ESORT') && caps.has('SORT');
  const windowSecs = (days: number) => Math.max(1, Math.round(days * DAY_S + (Date.now() - now.getTime()) / 1000));
  const named = folders.map((f) => ({ ...f, box: quoted(f.path) })).filter((f): f is SweepFolder & { box: string } => f.box !== null);

  // One record per folder, in LIST order (a name listed twice is two records, each read on its own).
  const runs: FolderRun[] = named.map((f) => ({
    f,
    a: { ok: true, exists: null, uidValidity: null, c30: 0, all: '', y7: 0, y1: 0, sinceMin: null, lo: null, hi: null },
    sent1: [],
    d: null,
  }));

  // Flight 1: EXAMINE and the searches of every folder.
  const batch1: PipelinedCommand[] = [];
  for (const run of runs) {
    const { f, a } = run;
    const results = run.sent1;
    const cmd = (text: string, onUntagged?: (r: Buffer) => void, onSearchNumber?: (n: number) => void) => {
      results.push(batch1.length);
      batch1.push({ text, ...(onUntagged ? { onUntagged } : {}), ...(onSearchNumber ? { onSearchNumber } : {}) });
    };
    cmd(`EXAMINE ${f.box}`, (r) => {
      const s = r.toString('latin1');
      const exists = /^\* (\d+) EXISTS/i.exec(s);
      if (exists) a.exists = Number(exists[1]);
      const uv = /\[UIDVALIDITY (\d+)\]/i.exec(s);
      if (uv) a.uidValidity = uv[1]!;
    });
    if (within) {
      cmd(`UID SEARCH RETURN (COUNT ALL) YOUNGER ${windowSecs(30)}`, (r) => {
        const e = esearch(r);
        if (!e) return;
        a.c30 = Number(e.get('COUNT') ?? 0);
        a.all = e.get('ALL') ?? '';
      });
      cmd(`UID SEARCH RETURN (COUNT) YOUNGER ${windowSecs(7)}`, (r) => {
        const e = esearch(r);
        if (e) a.y7 = Number(e.get('COUNT') ?? 0);
      });
      cmd(`UID SEARCH RETURN (COUNT) YOUNGER ${windowSecs(1)}`, (r) => {
        const e = esearch(r);
        if (e) a.y1 = Number(e.get('COUNT') ?? 0);
      });
    } else {
      // SINCE compares dates without time or zone: from one day before the 30-day boundary, as activity() asks.
      const since = imapDate(new Date(now.getTime() - 30 * DAY_S * 1000 - DAY_S * 1000));
      const seen = (n: number) => {
        if (a.sinceMin === null || n < a.sinceMin) a.sinceMin = n;
      };
      if (esearchOk) {
        cmd(`UID SEARCH RETURN (MIN) SINCE ${since}`, (r) => {
          const e = esearch(r);
          if (e?.has('MIN')) seen(Number(e.get('MIN')));
        });
      } else cmd(`UID SEARCH SINCE ${since}`, undefined, seen);
    }
    if (sorts) {
      cmd('UID SORT RETURN (MIN MAX) (ARRIVAL) US-ASCII ALL', (r) => {
        const e = esearch(r);
        a.lo = e?.get('MIN') ?? null;
        a.hi = e?.get('MAX') ?? null;
      });
    }
  }
  const r1 = await session.pipeline(batch1, 'sweep');
  for (const { f, a, sent1 } of runs) {
    // Its UIDVALIDITY is not compared with the main session's: the answers are counts and dates of this session's
    // own EXAMINE (as the one-by-one path reads its own), and Courier mints a UIDVALIDITY per session anyway.
    a.ok = sent1.every((i) => r1[i]!.ok) && a.exists !== null && a.exists <= 0xffffffff;
    // Arrivals compare UIDs with an earlier probe's: only under the UIDVALIDITY the main session saw.
    if (f.arrivals && a.uidValidity !== f.arrivals.uidValidity) a.ok = false;
    for (const n of [a.c30, a.y7, a.y1]) if (!Number.isSafeInteger(n) || n < 0) a.ok = false;
  }

  // Flight 2: the dates the answers call for.
  const batch2: PipelinedCommand[] = [];
  for (const run of runs) {
    const { f, a } = run;
    if (!a.ok || a.exists === 0) continue;
    const d: SecondAnswers = { byUid: new Map(), bySeq: new Map(), idx: [], arrived: null };
    run.d = d;
    const arr = f.arrivals;
    const wantArrivals = arr !== undefined && arr.uidNext > arr.sinceUidNext && arr.uidNext - arr.sinceUidNext <= MAX_ARRIVALS;
    if (wantArrivals) d.arrived = { count: 0, hashes: [] };
    // A folder's FETCHes may be answered side by side: each answer is read by what it carries. A date names its
    // message by sequence number and UID, both true of it, so it goes into both maps; a Message-ID header is an
    // arrival (asked only from sinceUidNext on).
    const onFetch = (r: Buffer) => {
      const m = parseFetch(r);
      if (!m) return;
      if (m.header !== null && d.arrived && m.uid !== null && m.uid >= arr!.sinceUidNext) {
        d.arrived.count++;
        const h = messageIdHash(m.header);
        if (h) d.arrived.hashes.push(h);
      }
      const at = m.internalDate ? parseInternalDate(m.internalDate) : null;
      if (!at) return;
      if (m.uid !== null) d.byUid.set(m.uid, at);
      d.bySeq.set(m.seq, at);
    };
    const uidSet = within
      ? [...(a.c30 > 0 && a.c30 <= FETCH_RECENT_MAX && a.all ? [a.all] : []), ...(a.lo && a.hi ? [a.lo, a.hi] : [])].join(',')
      : [...(a.sinceMin !== null ? [`${a.sinceMin}:*`] : []), ...(a.lo && a.hi ? [a.lo, a.hi] : [])].join(',');
    const wantSeq = !sorts;
    if (!uidSet && !wantSeq && !wantArrivals) continue;
    d.idx.push(batch2.length);
    batch2.push({ text: `EXAMINE ${f.box}` });
    if (wantArrivals) {
      d.idx.push(batch2.length);
      batch2.push({ text: `UID FETCH ${arr.sinceUidNext}:* (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`, onUntagged: onFetch });
    }
    if (uidSet) {
      d.idx.push(batch2.length);
      batch2.push({ text: `UID FETCH ${uidSet} (UID INTERNALDATE)`, onUntagged: onFetch });
    }
    if (wantSeq) {
      d.idx.push(batch2.length);
      batch2.push({ text: `FETCH ${a.exists === 1 ? '1' : `1,${a.exists}`} (UID INTERNALDATE)`, onUntagged: onFetch });
    }
  }
  const r2 = batch2.length ? await session.pipeline(batch2, 'sweep dates') : [];

  const out = new Map<string, Swept>();
  for (const { f, a, d } of runs) {
    if (!a.ok) continue;
    const total = a.exists!;
    const arrivalsOf = (): Pick<Swept, 'arrivals'> => {
      const arr = f.arrivals;
      if (!arr) return {};
      if (arr.uidNext <= arr.sinceUidNext) return { arrivals: { sinceUidNext: arr.sinceUidNext, count: 0, messageIdHashes: [] } };
      if (arr.uidNext - arr.sinceUidNext > MAX_ARRIVALS) return { arrivals: null };
      const got = d?.arrived ?? { count: 0, hashes: [] };
      return { arrivals: { sinceUidNext: arr.sinceUidNext, count: got.count, messageIdHashes: [...got.hashes].sort() } };
    };
    if (total === 0) {
      out.set(f.path, { exists: 0, ages: emptyAges(), oldestInternalDate: null, newestInternalDate: null, agesMethod: 'empty', ...arrivalsOf() });
      continue;
    }
    if (d && !d.idx.every((i) => r2[i]!.ok)) continue;
    const byUid = d?.byUid ?? new Map<number, Date>();
    const ages: AgeBuckets = emptyAges();
    let newestKnown: Date | null = null;
    let method: string;
    if (within) {
      if (a.c30 > 0 && a.c30 <= FETCH_RECENT_MAX && a.all) {
        newestKnown = bucketRecent(datesOf(parseSequenceSet(a.all), byUid), now, ages, true).newest;
        method = 'WITHIN + INTERNALDATE of the last 30 days';
      } else {
        ages.lt1d = a.y1;
        ages.lt7d = Math.max(0, a.y7 - a.y1);
        ages.lt30d = Math.max(0, a.c30 - a.y7);
        method = 'WITHIN';
      }
      ages.older = Math.max(0, total - a.c30);
    } else {
      let recent = 0;
      if (a.sinceMin !== null) {
        const min = a.sinceMin;
        // The UIDs from the SINCE match on (an ESORT end below it was fetched with them).
        const r = bucketRecent([...byUid].filter(([uid]) => uid >= min).map(([, at]) => at), now, ages);
        recent = r.recent;
        newestKnown = r.newest;
      }
      ages.older = Math.max(0, total - recent);
      method = 'SINCE+FETCH INTERNALDATE';
    }
    let oldest: Date | null = null;
    let newest: Date | null = null;
    if (sorts) {
      if (a.lo && a.hi) {
        oldest = byUid.get(Number(a.lo)) ?? null;
        newest = byUid.get(Number(a.hi)) ?? null;
      }
      method += '; oldest/newest by ESORT ARRIVAL';
    } else {
      // The first and last message in arrival (sequence) order, as activity() reads them.
      const ends = [d?.bySeq.get(1), d?.bySeq.get(total)].filter((x): x is Date => x !== undefined);
      for (const at of [...ends, ...(newestKnown ? [newestKnown] : [])]) {
        if (!oldest || at < oldest) oldest = at;
        if (!newest || at > newest) newest = at;
      }
      method += '; oldest/newest from first/last message (approximate)';
    }
    out.set(f.path, { exists: total, ages, oldestInternalDate: oldest ? oldest.toISOString() : null, newestInternalDate: newest ? newest.toISOString() : null, agesMethod: method, ...arrivalsOf() });
  }
  return out;
}
