// IMAP dates both ways: the RFC 3501 date a SINCE search takes, and the date-time INTERNALDATE returns.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMAP date (RFC 3501 date: d-Mon-yyyy) of a moment, in UTC. */
export function imapDate(d: Date): string {
  return `${d.getUTCDate()}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
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
