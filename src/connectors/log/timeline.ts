// The device timeline: per device (protocol and client address) and per hour, what it did to the account, summed
// while the log streams. A session's logout and mail_log lines name no address: the session id ties them to the
// login line that does. Memory is bounded whatever the log: open sessions, devices kept apart and device-hours
// are capped; beyond the caps the oldest open sessions are dropped, further devices are summed as "others", and
// hours are merged into days (and the timeline says so).
import type { LogTimeline, TimelineCounts, TimelineDevice } from '../../snapshot/timeline-schema.js';
import type { LogEvent } from './line.js';

export type TimelineBucket = 'hour' | 'day';

export interface TimelineOptions {
  /** Bucket size; default chosen from the span (hours up to AUTO_HOURS_SPAN_MS, days beyond). */
  bucket?: TimelineBucket;
  /** Devices shown at most (the rest summed); default DEFAULT_TOP. */
  top?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Logs spanning up to three days are shown by hour, longer ones by day. */
const AUTO_HOURS_SPAN_MS = 3 * DAY_MS;
export const DEFAULT_TOP = 10;
/** Client devices kept apart at most; later ones are summed as "others". */
const MAX_DEVICES = 1000;
/** Distinct devices counted at most (devicesSeen is then a floor). */
const MAX_COUNTED = 50_000;
/** Device-buckets kept at most: past it, hours are merged into days. */
const MAX_CELLS = 100_000;
/** Sessions waiting for their logout at most (an IMAP IDLE session stays open for hours; some never log out). */
const MAX_OPEN_SESSIONS = 10_000;

type Kind = TimelineDevice['kind'];
type ClientKind = Exclude<Kind, 'delivery'>;

const DELIVERY = 'delivery';

export const zeroCounts = (): TimelineCounts => ({
  logins: 0,
  failedLogins: 0,
  popSessions: 0,
  retrMessages: 0,
  retrBytes: 0,
  popDeleted: 0,
  imapSessions: 0,
  expunged: 0,
  trashed: 0,
  delivered: 0,
  quotaRefused: 0,
});

type CountKey = keyof TimelineCounts;
const KEYS = Object.keys(zeroCounts()) as CountKey[];

function addCounts(into: TimelineCounts, from: TimelineCounts): void {
  for (const k of KEYS) into[k] += from[k];
}

/** How much a device did: what decides which devices are shown. */
export function activity(c: TimelineCounts): number {
  return KEYS.reduce((a, k) => a + (k === 'retrBytes' ? 0 : c[k]), 0);
}

export const deletions = (c: TimelineCounts): number => c.popDeleted + c.expunged;

interface Device {
  kind: Kind;
  ip: string | null;
  first: number | null;
  last: number | null;
  firstDelete: number | null;
  lastDelete: number | null;
  totals: TimelineCounts;
  /** Bucket start (ms, UTC) → counts. */
  cells: Map<number, TimelineCounts>;
}

/** Deletions and moves to Trash that mail_log lines showed, waiting for the session's logout line. */
type Pending = Pick<TimelineCounts, 'popDeleted' | 'expunged' | 'trashed'>;
type PendingKey = keyof Pending;

interface OpenSession {
  device: string;
  /**
   * mail_log counts by bucket (with the first and last time), used only where the logout line has no counter of
   * its own: the counters are exact (a MOVE to Archive logs an expunge line but is no deletion), mail_log is not.
   */
  pending: Map<number, Pending & { first: number; last: number }>;
  /** mail_log lines without a time. */
  untimed: Pending;
}

const zeroPending = (): Pending => ({ popDeleted: 0, expunged: 0, trashed: 0 });

// Dovecot counts a copy to the \Trash folder as trashed; mail_log names the folder only: these names are Trash.
const TRASH = /(?:^|[./])(?:trash|deleted items|deleted messages|papierkorb|corbeille|papelera|cestino|prullenbak)$/i;

const bucketStart = (t: number, size: number) => Math.floor(t / size) * size;
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class TimelineBuilder {
  private readonly devices = new Map<string, Device>();
  private readonly others: Device = newDevice('imap', null);
  private readonly counted = new Set<string>();
  private readonly sessions = new Map<string, OpenSession>();
  /** The device of the last login per protocol: for lines without a session id (old log prefixes). */
  private readonly lastLogin = new Map<ClientKind, string>();
  private cellSize = HOUR_MS;
  private cells = 0;
  private coarsened = false;
  private withoutLogin = 0;

  constructor(private readonly opts: TimelineOptions = {}) {
    if (opts.bucket === 'day') this.cellSize = DAY_MS;
  }

  private device(key: string, kind: Kind, ip: string | null): Device {
    const d = this.devices.get(key);
    if (d) return d;
    if (this.counted.size < MAX_COUNTED) this.counted.add(key);
    // Deliveries are one row always; clients past the cap are summed.
    if (kind !== 'delivery' && this.devices.size >= MAX_DEVICES) return this.others;
    const made = newDevice(kind, ip);
    this.devices.set(key, made);
    return made;
  }

  private client(key: string): Device {
    const sp = key.indexOf(' ');
    return this.device(key, key.slice(0, sp) as ClientKind, key.slice(sp + 1));
  }

  /** The counts of `d` in the bucket of `time` (totals only when the line has no time). */
  private cell(d: Device, time: number | null): TimelineCounts[] {
    if (time === null) return [d.totals];
    if (d.first === null || time < d.first) d.first = time;
    if (d.last === null || time > d.last) d.last = time;
    const start = bucketStart(time, this.cellSize);
    if (!d.cells.has(start)) {
      d.cells.set(start, zeroCounts());
      if (++this.cells > MAX_CELLS && this.cellSize === HOUR_MS) this.toDays();
    }
    return [d.totals, d.cells.get(bucketStart(time, this.cellSize))!];
  }

  /** Adds `by` to k in d's bucket of `time`; widen alone: only the deletion window (a span's last time). */
  private count(d: Device, time: number | null, k: CountKey, by = 1, widenOnly = false): void {
    if (by <= 0 && !widenOnly) return;
    if (!widenOnly) for (const c of this.cell(d, time)) c[k] += by;
    if ((k === 'popDeleted' || k === 'expunged') && time !== null) {
      if (d.firstDelete === null || time < d.firstDelete) d.firstDelete = time;
      if (d.lastDelete === null || time > d.lastDelete) d.lastDelete = time;
    }
  }

  private toDays(): void {
    this.cellSize = DAY_MS;
    this.coarsened = true;
    this.cells = 0;
    for (const d of [...this.devices.values(), this.others]) {
      d.cells = byDay(d.cells);
      this.cells += d.cells.size;
    }
  }

  /** The session a line belongs to: by its id, else (no id in the line) the last login of the protocol. */
  private sessionOf(protocol: ClientKind, session: string | undefined, end: boolean): { key: string; open: OpenSession | null } {
    if (session !== undefined) {
      const open = this.sessions.get(session);
      if (open) {
        if (end) this.sessions.delete(session);
        return { key: open.device, open };
      }
    } else {
      const last = this.lastLogin.get(protocol);
      if (last) return { key: last, open: null };
    }
    this.withoutLogin++;
    return { key: `${protocol} unknown`, open: null };
  }

  add(event: LogEvent, time: number | null, session?: string): void {
    switch (event.type) {
      case 'login':
      case 'auth-failed': {
        if (event.protocol === 'other') return;
        const key = `${event.protocol} ${event.ip ?? 'unknown'}`;
        this.count(this.client(key), time, event.type === 'login' ? 'logins' : 'failedLogins');
        if (event.type === 'auth-failed') return;
        this.lastLogin.set(event.protocol, key);
        if (session === undefined) return;
        if (this.sessions.size >= MAX_OPEN_SESSIONS) this.close(this.sessions.keys().next().value!);
        this.sessions.set(session, { device: key, pending: new Map(), untimed: zeroPending() });
        return;
      }
      case 'pop3-logout': {
        const { key, open } = this.sessionOf('pop3', session, true);
        const d = this.client(key);
        this.count(d, time, 'popSessions');
        this.count(d, time, 'retrMessages', event.retr?.[0] ?? 0);
        this.count(d, time, 'retrBytes', event.retr?.[1] ?? 0);
        // DELE is applied at QUIT only: a dropped session deleted nothing, whatever it had marked.
        const del = event.del?.[0] ?? event.deleted;
        if (event.quit && del !== undefined) this.count(d, time, 'popDeleted', del);
        if (open) this.flush(open, { popDeleted: event.quit && del === undefined });
        return;
      }
      case 'imap-logout': {
        const { key, open } = this.sessionOf('imap', session, true);
        const d = this.client(key);
        this.count(d, time, 'imapSessions');
        this.count(d, time, 'expunged', event.expunged ?? 0);
        this.count(d, time, 'trashed', event.trashed ?? 0);
        if (open) this.flush(open, { expunged: event.expunged === null, trashed: event.trashed === null });
        return;
      }
      case 'mail-log': {
        if (event.service !== 'imap' && event.service !== 'pop3') return;
        const trash = event.action === 'copy' && event.box !== null && TRASH.test(event.box.trim());
        if (event.action !== 'expunge' && !trash) return;
        const protocol = event.service;
        const { key, open } = this.sessionOf(protocol, session, false);
        const k: PendingKey = protocol === 'pop3' ? 'popDeleted' : trash ? 'trashed' : 'expunged';
        const n = event.count ?? 1; // Cyrus's "Expunged N messages" line
        if (!open) {
          this.count(this.client(key), time, k, n);
          return;
        }
        if (time === null) {
          open.untimed[k] += n;
          return;
        }
        const start = bucketStart(time, HOUR_MS);
        let p = open.pending.get(start);
        if (!p) open.pending.set(start, (p = { ...zeroPending(), first: time, last: time }));
        p[k] += n;
        if (time < p.first) p.first = time;
        if (time > p.last) p.last = time;
        return;
      }
      case 'delivered':
      case 'quota-refused':
        this.count(this.device(DELIVERY, 'delivery', null), time, event.type === 'delivered' ? 'delivered' : 'quotaRefused');
        return;
    }
  }

  /** Counts what mail_log showed for the fields the logout line had no counter for (use), and forgets the session. */
  private flush(open: OpenSession, use: Partial<Record<PendingKey, boolean>>): void {
    const d = this.client(open.device);
    for (const k of Object.keys(use) as PendingKey[]) {
      if (!use[k]) continue;
      this.count(d, null, k, open.untimed[k]);
      for (const p of open.pending.values()) {
        this.count(d, p.first, k, p[k]);
        if (p[k] > 0) this.count(d, p.last, k, 0, true);
      }
    }
  }

  /** A session that ends without a logout line (evicted, or still open at the end of the log): mail_log counts. */
  private close(session: string): void {
    const open = this.sessions.get(session);
    if (!open) return;
    this.sessions.delete(session);
    this.flush(open, { popDeleted: true, expunged: true, trashed: true });
  }

  private closeOpen(): void {
    for (const session of [...this.sessions.keys()]) this.close(session);
  }

  /** Takes in what another builder gathered (an address adopted at the end of the log). */
  absorb(o: TimelineBuilder): void {
    o.closeOpen();
    if (o.cellSize === DAY_MS && this.cellSize === HOUR_MS) this.toDays();
    this.coarsened ||= o.coarsened;
    this.withoutLogin += o.withoutLogin;
    for (const k of o.counted) if (this.counted.size < MAX_COUNTED) this.counted.add(k);
    const merge = (into: Device, from: Device) => {
      addCounts(into.totals, from.totals);
      for (const t of [from.first, from.last]) if (t !== null) widen(into, 'first', 'last', t);
      for (const t of [from.firstDelete, from.lastDelete]) if (t !== null) widen(into, 'firstDelete', 'lastDelete', t);
      const cells = this.cellSize === o.cellSize ? from.cells : byDay(from.cells);
      for (const [start, c] of cells) {
        const mine = into.cells.get(start);
        if (mine) addCounts(mine, c);
        else {
          into.cells.set(start, { ...c });
          this.cells++;
        }
      }
    };
    for (const [key, d] of o.devices) merge(key === DELIVERY ? this.device(DELIVERY, 'delivery', null) : this.client(key), d);
    merge(this.others, o.others);
  }

  /** The timeline so far; sessions still open are closed (their mail_log counts taken): call it once, at the end. */
  build(): LogTimeline {
    this.closeOpen();
    const all = [...this.devices.values()];
    const times = all.flatMap((d) => [d.first, d.last]).filter((t): t is number => t !== null);
    const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
    let bucket: TimelineBucket = this.opts.bucket ?? (span > AUTO_HOURS_SPAN_MS ? 'day' : 'hour');
    if (this.cellSize === DAY_MS) bucket = 'day';
    // Deleters first (most deleted first), then by activity; deliveries are a row of their own, last.
    const clients = all
      .filter((d) => d.kind !== 'delivery')
      .sort((a, b) => deletions(b.totals) - deletions(a.totals) || activity(b.totals) - activity(a.totals) || (a.ip ?? '').localeCompare(b.ip ?? ''));
    const top = Math.max(1, this.opts.top ?? DEFAULT_TOP);
    const shown = clients.slice(0, top);
    const rest = clients.slice(top);
    const others = zeroCounts();
    for (const d of rest) addCounts(others, d.totals);
    addCounts(others, this.others.totals);
    const delivery = this.devices.get(DELIVERY);
    const restCount = rest.length + Math.max(0, this.counted.size - this.devices.size);
    const deleter = clients[0] && deletions(clients[0].totals) > 0 ? clients[0] : null;
    const devices = [...shown, ...(delivery ? [delivery] : [])].map((d) => deviceJson(d, bucket === 'day' && this.cellSize === HOUR_MS));
    return {
      bucket,
      bucketChosen: this.opts.bucket ? 'given' : 'auto',
      coarsened: this.coarsened,
      devicesSeen: clients.length + Math.max(0, this.counted.size - this.devices.size),
      devicesShown: shown.length,
      devices,
      others: restCount > 0 ? { devices: restCount, totals: others } : null,
      topDeleter: deleter
        ? { kind: deleter.kind as ClientKind, ip: deleter.ip ?? 'unknown', deleted: deletions(deleter.totals), firstDelete: iso(deleter.firstDelete), lastDelete: iso(deleter.lastDelete) }
        : null,
      sessionsWithoutLogin: this.withoutLogin,
    };
  }
}

function newDevice(kind: Kind, ip: string | null): Device {
  return { kind, ip, first: null, last: null, firstDelete: null, lastDelete: null, totals: zeroCounts(), cells: new Map() };
}

function widen(d: Device, lo: 'first' | 'firstDelete', hi: 'last' | 'lastDelete', t: number): void {
  if (d[lo] === null || t < d[lo]) d[lo] = t;
  if (d[hi] === null || t > d[hi]) d[hi] = t;
}

function byDay(cells: Map<number, TimelineCounts>): Map<number, TimelineCounts> {
  const days = new Map<number, TimelineCounts>();
  for (const [start, c] of cells) {
    const day = bucketStart(start, DAY_MS);
    const d = days.get(day);
    if (d) addCounts(d, c);
    else days.set(day, { ...c });
  }
  return days;
}

function deviceJson(d: Device, toDays: boolean): TimelineDevice {
  const cells = toDays ? byDay(d.cells) : d.cells;
  return {
    kind: d.kind,
    ip: d.ip,
    first: iso(d.first),
    last: iso(d.last),
    firstDelete: iso(d.firstDelete),
    lastDelete: iso(d.lastDelete),
    totals: { ...d.totals },
    buckets: [...cells].sort(([a], [b]) => a - b).map(([start, c]) => ({ start: new Date(start).toISOString(), ...c })),
  };
}
