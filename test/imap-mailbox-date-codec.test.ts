// The IMAP date codec (src/connectors/imap/mailbox/date-codec.ts): the RFC 3501 date a SINCE search is sent,
// and the INTERNALDATE date-time read back from FETCH, on its fast positional path and its regex path.
import { describe, expect, it } from 'vitest';
import { imapDate, parseInternalDate } from '../src/connectors/imap/mailbox/date-codec.js';

describe('imapDate', () => {
  it('writes d-Mon-yyyy in UTC, whatever the local zone: no leading zero, English month', () => {
    expect(imapDate(new Date('2026-03-01T00:10:00Z'))).toBe('1-Mar-2026');
    expect(imapDate(new Date('2025-12-31T23:59:59Z'))).toBe('31-Dec-2025');
    // 23:30 at UTC-5 is already the next day in UTC.
    expect(imapDate(new Date('2026-01-05T23:30:00-05:00'))).toBe('6-Jan-2026');
  });

  it('names every month the way parseInternalDate reads it back', () => {
    for (let mo = 0; mo < 12; mo++) {
      const d = new Date(Date.UTC(2026, mo, 9));
      expect(parseInternalDate(`${imapDate(d)} 00:00:00 +0000`)?.toISOString(), imapDate(d)).toBe(d.toISOString());
    }
  });
});

describe('parseInternalDate', () => {
  it('parseInternalDate reads by position exactly what the regex reads', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    for (let k = 0; k < 500; k++) {
      const [d, mo, y, h, mi, se] = [1 + ((k * 7) % 28), k % 12, 2000 + (k % 30), k % 24, (k * 13) % 60, (k * 29) % 60];
      const [sign, oh, om] = [k % 2 ? -1 : 1, k % 14, k % 4 ? 30 : 0];
      const two = (n: number) => String(n).padStart(2, '0');
      const text = `${String(d).padStart(2, k % 3 === 0 ? ' ' : '0')}-${months[mo]}-${y} ${two(h)}:${two(mi)}:${two(se)} ${sign < 0 ? '-' : '+'}${two(oh)}${two(om)}`;
      const want = Date.UTC(y, mo, d, h, mi, se) - sign * (oh * 60 + om) * 60_000;
      expect(parseInternalDate(text)?.getTime(), text).toBe(want);
    }
    expect(parseInternalDate('6-Jan-2025 01:02:03 +0000')?.toISOString()).toBe('2025-01-06T01:02:03.000Z');
    expect(parseInternalDate('26-Foo-2026 13:43:40 +0000')).toBeNull();
    expect(parseInternalDate('26-Nov-2026 1x:43:40 +0000')).toBeNull();
  });

  it('applies the zone offset, across a day and a year boundary', () => {
    expect(parseInternalDate('31-Dec-2025 23:30:00 -0100')?.toISOString()).toBe('2026-01-01T00:30:00.000Z');
    expect(parseInternalDate('01-Jan-2026 00:30:00 +0100')?.toISOString()).toBe('2025-12-31T23:30:00.000Z');
    expect(parseInternalDate('26-Nov-2026 13:43:40 +0530')?.toISOString()).toBe('2026-11-26T08:13:40.000Z');
  });

  it('reads a space-padded day and a month in any case', () => {
    expect(parseInternalDate(' 6-Jan-2025 01:02:03 -0130')?.toISOString()).toBe('2025-01-06T02:32:03.000Z');
    expect(parseInternalDate('26-nov-2026 13:43:40 +0000')?.toISOString()).toBe('2026-11-26T13:43:40.000Z');
    expect(parseInternalDate('26-NOV-2026 13:43:40 +0000')?.toISOString()).toBe('2026-11-26T13:43:40.000Z');
  });

  it('refuses what is not an IMAP date-time instead of guessing', () => {
    for (const bad of [
      '',
      '26-Nov-2026',
      '26-Nov-2026 13:43:40',
      '26-Nov-2026 13:43:40 0000',
      '26-Nov-2026 13:43:40 x0000',
      '26-Nov-2026T13:43:40 +0000',
      '26-Nov-26 13:43:40 +0000',
      '2026-11-26T13:43:40Z',
      '26-Nov-2026 13:43:40 +0000 ',
    ]) {
      expect(parseInternalDate(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
