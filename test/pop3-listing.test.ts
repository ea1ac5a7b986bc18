// The byte-level UIDL and LIST readers against the regexes they stand in for: same lines accepted, same values,
// also for the lines that leave the fast path (non-ASCII, Unicode spaces, long numbers); and the hex halves they
// hand to mapUidls give the same mapping as mapUidls reading the strings itself.
import { describe, expect, it } from 'vitest';
import { ReplyReader } from '../src/connectors/pop3/lines.js';
import { ListSink, MalformedLine, UidlSink } from '../src/connectors/pop3/listing.js';
import { mapUidls } from '../src/connectors/pop3/uidl.js';

const UIDL_LINE = /^\s*(\d+)\s+(\S+)\s*$/;
const LIST_LINE = /^\s*(\d+)\s+(\d+)(?:\s|$)/;

/** Feed one body line (as it is after dot-unstuffing) to a sink, the way ReplyReader does. */
function feed(sink: UidlSink | ListSink, line: string): void {
  const b = Buffer.from(`xx${line}yy`, 'utf8');
  sink.line(b, 2, b.length - 2);
}

const UIDL_LINES = [
  '1 000000016b082d2e',
  '  12   abc  ',
  '3\tabc\t',
  '01 x',
  '1234567890123456789 big-number',
  '7 Grüße',
  '8 abc\u00a0',
  '9 \u3000abc',
  '10 abc\x01def',
  '11 abc\x7f',
  // malformed
  '1 abc def',
  '1 ',
  '1',
  'x abc',
  ' ',
  '',
  '1 a b',
];

const LIST_LINES = [
  '1 120',
  '2 3000 extra words',
  '3\t45',
  '  4   5  ',
  '5 99999999999999999999',
  '123456789012345678 1',
  '6 7\u00a0x',
  '\u00a07 8',
  // malformed
  '1 12x',
  '1',
  '1 ',
  'a 1',
  '1 -5',
  '',
];

describe('UidlSink', () => {
  it.each(UIDL_LINES)('reads %j as the regex does', (line) => {
    const m = UIDL_LINE.exec(line);
    const tooBig = m !== null && !Number.isSafeInteger(Number(m[1]));
    for (const entries of [false, true]) {
      const sink = new UidlSink(0, entries);
      if (!m || tooBig) {
        expect(() => feed(sink, line)).toThrow(MalformedLine);
        continue;
      }
      feed(sink, line);
      expect(sink.count).toBe(1);
      if (entries) {
        expect(sink.entries).toEqual([{ n: Number(m[1]), uidl: m[2] }]);
      } else {
        expect([sink.n[0], sink.ids]).toEqual([Number(m[1]), [m[2]]]);
      }
    }
  });

  it('grows past its first size and keeps every line', () => {
    const sink = new UidlSink(2);
    for (let i = 1; i <= 1000; i++) feed(sink, `${i} id-${i}`);
    expect(sink.count).toBe(1000);
    expect(sink.ids[999]).toBe('id-1000');
    expect(sink.n[999]).toBe(1000);
  });
});

describe('ListSink', () => {
  it.each(LIST_LINES)('reads %j as the regex does', (line) => {
    const m = LIST_LINE.exec(line);
    const tooBig = m !== null && !(Number.isSafeInteger(Number(m[1])) && Number.isSafeInteger(Number(m[2])));
    for (const entries of [false, true]) {
      const sink = new ListSink(0, entries);
      if (!m || tooBig) {
        expect(() => feed(sink, line)).toThrow(MalformedLine);
        continue;
      }
      feed(sink, line);
      expect([sink.count, sink.n[0], sink.sizes[0]]).toEqual([1, Number(m[1]), Number(m[2])]);
      if (entries) expect(sink.entries).toEqual([{ n: Number(m[1]), sizeBytes: Number(m[2]) }]);
    }
  });
});

describe('numbers beyond 2^53 (found by test/property/pop3-listing.test.ts)', () => {
  it('refuses them instead of storing a rounded value', () => {
    expect(() => feed(new UidlSink(), '100000000000000000000000000000 abc')).toThrow(/too large/);
    expect(() => feed(new UidlSink(0, true), '100000000000000000000000000000 abc')).toThrow(/too large/);
    expect(() => feed(new ListSink(0, true), '100000000000000000000000000000 1')).toThrow(/too large/);
    expect(() => feed(new ListSink(0, true), '1 100000000000000000000000000000')).toThrow(/too large/);
    // 2^53 - 1 itself is still a number.
    const s = new ListSink(0, true);
    feed(s, '1 9007199254740991');
    expect(s.entries).toEqual([{ n: 1, sizeBytes: 9007199254740991 }]);
  });
});

describe('UIDL through the reader', () => {
  it('gives the same columns, entries and mapping however the reply is cut', async () => {
    const h8 = (x: number) => x.toString(16).padStart(8, '0');
    const lines = Array.from({ length: 40 }, (_, i) => `${i + 1} ${h8(i * 3 + 1)}${h8(0x6b082d2e)}`);
    lines[7] = '8 legacy-uidl';
    lines[20] = '21 ABCDEF016B082D2E';
    const wire = Buffer.from(`+OK\r\n${lines.join('\r\n')}\r\n.\r\n`);
    const want = lines.map((l) => UIDL_LINE.exec(l)![2]!);
    for (let at = 1; at < wire.length; at += 7) {
      for (const entries of [false, true]) {
        const r = new ReplyReader();
        const sink = new UidlSink(0, entries);
        const p = r.read(true, sink);
        r.push(wire.subarray(0, at));
        r.push(wire.subarray(at));
        expect((await p).body).toBeNull();
        if (entries) {
          expect(sink.entries!.map((e) => e.uidl)).toEqual(want);
          continue;
        }
        expect(sink.ids).toEqual(want);
        expect(mapUidls(sink.ids, {}, sink)).toEqual(mapUidls(want));
      }
    }
  });

  it('hex halves agree with mapUidls reading the strings, for every format', () => {
    const cases = [
      ['000000016b082d2e', '000000026b082d2e'],
      ['6b082d2e00000001', '6b082d2e00000002'],
      ['000000016b082d2e'],
      ['00000001000000010', 'abc', 'def'],
      ['1700000000.1', '1700000000.2'],
      ['GmailId18c2f5e3a4b1c0d2', 'GmailId18c2f5e3a4b1c0d3'],
      ['000000016b082d2e', 'legacy', '000000036b082d2e', '000000046B082D2E'],
    ];
    for (const uidls of cases) {
      const sink = new UidlSink();
      uidls.forEach((u, i) => feed(sink, `${i + 1} ${u}`));
      expect(mapUidls(sink.ids, { greeting: 'Dovecot ready.' }, sink)).toEqual(mapUidls(uidls, { greeting: 'Dovecot ready.' }));
    }
  });
});
