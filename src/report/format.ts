// Number formatting for people: evidence keeps raw numbers, titles and renderers show them through these.
// Deterministic on purpose (no locale, no Intl): the same snapshot renders the same bytes everywhere.

/** 12345 → "12,345". */
export function count(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

/** "1 message" / "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/**
 * Bytes in binary multiples with the labels mail providers and webmail show ("1 GB" plan = 1024³ bytes;
 * Dovecot counts storage in KiB). One decimal below 100 units, none above.
 */
/**
 * The bytes of `messages` downloaded: a format that logs no bytes (Cyrus's counts, retr_count= alone) sums to 0
 * for messages that cannot be empty, so that is "bytes not logged", never "0 bytes".
 */
export function downloadedBytes(messages: number, n: number): string {
  return messages > 0 && n === 0 ? 'bytes not logged' : bytes(n);
}

export function bytes(n: number): string {
  if (n < 1024) return plural(n, 'byte');
  let value = n;
  let unit: string = 'bytes';
  for (const u of BYTE_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const shown = value >= 100 ? Math.round(value).toString() : trimZero((Math.round(value * 10) / 10).toFixed(1));
  return `${shown} ${unit}`;
}

/**
 * A ratio 0..1 as a percentage, rounded DOWN to one decimal so a value under a threshold never reads as the
 * threshold itself (0.9499 → "94.9%", not "95%").
 */
export function percent(ratio: number): string {
  const tenths = Math.floor(ratio * 1000 + 1e-9) / 10;
  return `${trimZero(tenths.toFixed(1))}%`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** An age or duration in seconds, in the largest whole unit that fits: "45 seconds", "3 hours", "12 days". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  // "0 seconds" reads as no time at all; two checks a moment apart are still two checks.
  if (s < 1) return 'less than a second';
  if (s < 60) return plural(s, 'second');
  if (s < 3600) return plural(Math.floor(s / 60), 'minute');
  if (s < 86400) return plural(Math.floor(s / 3600), 'hour');
  return plural(Math.floor(s / 86400), 'day');
}

/** Milliseconds as "0.42 s" / "12 s". */
export function millis(ms: number): string {
  if (ms < 10_000) return `${trimZero((Math.round(ms / 10) / 100).toFixed(2)).replace(/\.(\d)0$/, '.$1')} s`;
  return `${Math.round(ms / 1000)} s`;
}

/** "a, b and c". */
export function list(items: readonly string[], last = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}


/**
 * A time to the second in the reader's zone (an IANA name such as Europe/Berlin, or UTC), with the zone's short
 * name: "2026-12-02 16:52:53 CET", "2026-12-02 15:52:53 UTC". Text that is not a time is returned as it is.
 */
export function zonedTime(iso: string, zone = 'UTC'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (zone === 'UTC') return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(d);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** Whether `zone` is a time zone this Node knows (an IANA name or UTC). */
export function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
