// Timestamps at the start of a log line, in every form a log_timestamp, syslog daemon or journalctl writes. Pure:
// the year of a year-less stamp comes in as a value.
//   "Nov 26 13:57:01"              Dovecot's default log_timestamp (%b %d %H:%M:%S), syslog, journalctl -o short
//   "Nov 26 13:57:01.123456"       journalctl -o short-precise
//   "2025-11-26 13:57:01"          log_timestamp = "%Y-%m-%d %H:%M:%S "
//   "2025-11-26T13:57:01.123+01:00", "2025-11-26T13:57:01+0100", "...Z"
//                                  rsyslog's ISO format, journalctl -o short-iso / short-iso-precise
//   "1764161821.123456"            journalctl -o short-unix
// Without a zone the time is the machine's local time, as the server wrote it.

const DAY_MS = 86_400_000;

export interface TimeContext {
  /** Year for timestamps without one ("Nov 26 13:57:01"). */
  year: number;
  /**
   * The latest a year-less time can be (ms; normally the file's modification time): one more than a day after
   * it belongs to the year before (a log that runs over New Year, read in January).
   */
  latest?: number;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const MON_TS = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? +/;
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)? +/;
const UNIX_TS = /^(\d{9,11})(?:\.(\d{1,9}))? +/;

/** Milliseconds of a fraction's digits ("123456" → 123). */
function fractionMs(digits: string | undefined): number {
  return digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0;
}

function yearless(ctx: TimeContext, month: number, day: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(ctx.year, month, day, h, mi, s, ms).getTime();
  if (ctx.latest === undefined || t <= ctx.latest + DAY_MS) return t;
  return new Date(ctx.year - 1, month, day, h, mi, s, ms).getTime();
}

// Consecutive lines mostly share their second: remember the last "Mon DD HH:MM:SS " conversion.
let lastCtx: TimeContext | null = null;
let lastStampText = '';
let lastStampMs = 0;

/** A date Date.parse rejects is no timestamp. */
function valid(t: number, rest: string): [number, string] | null {
  return Number.isNaN(t) ? null : [t, rest];
}

/** Parses a timestamp at the start; returns [epoch ms, the rest of the line]. */
export function timestamp(line: string, ctx: TimeContext): [number, string] | null {
  const c = line.charCodeAt(0);
  if (c >= 65 && c <= 90 && line.charCodeAt(3) === 32) {
    // "Nov 26 13:57:01 " (15 characters and a space) seen just before?
    if (lastCtx === ctx && line.charCodeAt(15) === 32 && line.startsWith(lastStampText)) return [lastStampMs, line.slice(16).trimStart()];
    const m = MON_TS.exec(line);
    if (!m) return null;
    const month = MONTHS[m[1]!];
    if (month === undefined || Number(m[2]) < 1 || Number(m[2]) > 31 || Number(m[3]) > 23 || Number(m[4]) > 59 || Number(m[5]) > 60) return null;
    const ms = yearless(ctx, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), fractionMs(m[6]));
    if (m[0].length === 16 && m[2]!.length === 2) {
      lastCtx = ctx;
      lastStampText = m[0];
      lastStampMs = ms;
    }
    return [ms, line.slice(m[0].length)];
  }
  if (c < 48 || c > 57) return null;
  const m = ISO_TS.exec(line);
  if (m) {
    // Date() would roll "2025-13-45" over into the next year: out of range is no timestamp.
    if (Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) return null;
    const ms = fractionMs(m[7]);
    const zone = m[8];
    if (zone) {
      const offset = zone === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
      const frac = `.${String(ms).padStart(3, '0')}`;
      return valid(Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${frac}${offset}`), line.slice(m[0].length));
    }
    return valid(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms).getTime(), line.slice(m[0].length));
  }
  const u = UNIX_TS.exec(line);
  if (u) return [Number(u[1]) * 1000 + fractionMs(u[2]), line.slice(u[0].length)];
  return null;
}
