// Properties of the UIDL/LIST body readers (listing.ts) and the UIDL mapping (uidl.ts): the same reply gives the
// same columns however it is cut; any line is taken or refused with MalformedLine; a message number or size
// beyond 2^53 is refused, never stored rounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyReader } from '../../src/connectors/pop3/lines.js';
import { ListSink, MalformedLine, UidlSink } from '../../src/connectors/pop3/listing.js';
import { mapUidls } from '../../src/connectors/pop3/uidl.js';
import { cut, cuts, hugeDigits, lineText, RUNS } from './arb.js';

function feed(sink: UidlSink | ListSink, line: Buffer): void {
  const b = Buffer.concat([Buffer.from('xx'), line, Buffer.from('yy')]);
  sink.line(b, 2, b.length - 2);
}

async function readWith(sink: UidlSink | ListSink, chunks: Buffer[]): Promise<unknown> {
  const r = new ReplyReader();
  const p = r.read(true, sink).catch((e: unknown) => e);
  for (const c of chunks) r.push(c);
  return p;
}

const space = fc.constantFrom(' ', '  ', '\t', ' \t ');
const uidlLine = fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), space, fc.stringMatching(/^[\x21-\x7e]{1,70}$/));
const listLine = fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), space, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));

const columnsOf = (s: UidlSink) => ({ count: s.count, n: [...s.n.subarray(0, s.count)], ids: s.ids, hi: [...s.hi.subarray(0, s.count)], lo: [...s.lo.subarray(0, s.count)] });

describe('UidlSink (property)', () => {
  it('gives the same columns and entries however the reply is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(uidlLine, { maxLength: 40 }), cuts, async (lines, points) => {
        const wire = Buffer.from(`+OK\r\n${lines.map(([n, sp, id]) => `${n}${sp}${id}\r\n`).join('')}.\r\n`);
        const one = new UidlSink();
        await readWith(one, [wire]);
        expect(one.count).toBe(lines.length);
        expect([...one.n.subarray(0, one.count)]).toEqual(lines.map(([n]) => n));
        expect(one.ids).toEqual(lines.map(([, , id]) => id));
        const many = new UidlSink();
        await readWith(many, cut(wire, points));
        expect(columnsOf(many)).toEqual(columnsOf(one));
        const entries = new UidlSink(0, true);
        await readWith(entries, cut(wire, points));
        expect(entries.entries).toEqual(lines.map(([n, , id]) => ({ n, uidl: id })));
        // The halves the sink hands on give the mapping that reading the strings gives.
        expect(mapUidls(one.ids, {}, one)).toEqual(mapUidls(one.ids));
      }),
      RUNS,
    );
  });

  it('takes or refuses any line with MalformedLine; numbers it keeps are safe integers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)), lineText(80).map((s) => Buffer.from(s))), fc.boolean(), (line, entries) => {
        const sink = new UidlSink(0, entries);
        try {
          feed(sink, line);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedLine);
          return;
        }
        const n = entries ? sink.entries![0]!.n : sink.n[0]!;
        expect(Number.isSafeInteger(n)).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses a message number beyond 2^53', () => {
    fc.assert(
      fc.property(hugeDigits, space, fc.boolean(), (digits, sp, entries) => {
        expect(() => feed(new UidlSink(0, entries), Buffer.from(`${digits}${sp}abc`))).toThrow(MalformedLine);
      }),
      RUNS,
    );
  });
});

describe('ListSink (property)', () => {
  it('gives the same columns however the reply is cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(listLine, { maxLength: 40 }), cuts, async (lines, points) => {
        const wire = Buffer.from(`+OK\r\n${lines.map(([n, sp, size]) => `${n}${sp}${size}\r\n`).join('')}.\r\n`);
        const one = new ListSink(0, true);
        await readWith(one, [wire]);
        expect(one.entries).toEqual(lines.map(([n, , size]) => ({ n, sizeBytes: size })));
        const many = new ListSink(0, true);
        await readWith(many, cut(wire, points));
        expect(many.entries).toEqual(one.entries);
        expect([...many.sizes.subarray(0, many.count)]).toEqual([...one.sizes.subarray(0, one.count)]);
      }),
      RUNS,
    );
  });

  it('takes or refuses any line with MalformedLine; numbers it keeps are safe integers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)), lineText(80).map((s) => Buffer.from(s))), (line) => {
        const sink = new ListSink(0, true);
        try {
          feed(sink, line);
        } catch (e) {
          expect(e).toBeInstanceOf(MalformedLine);
          return;
        }
        expect(Number.isSafeInteger(sink.entries![0]!.n)).toBe(true);
        expect(Number.isSafeInteger(sink.entries![0]!.sizeBytes)).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses a message number or size beyond 2^53', () => {
    fc.assert(
      fc.property(hugeDigits, fc.boolean(), fc.integer({ min: 1, max: 1000 }), (digits, first, other) => {
        const line = first ? `${digits} ${other}` : `${other} ${digits}`;
        expect(() => feed(new ListSink(0, true), Buffer.from(line))).toThrow(MalformedLine);
      }),
      RUNS,
    );
  });
});

describe('mapUidls (property)', () => {
  it('never throws and gives UIDs in 1..2^32-1 for arbitrary UIDLs', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(null), fc.string({ maxLength: 24 }), fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^\d{1,12}[.-]\d{1,12}$/)), { maxLength: 20 }), (uidls) => {
        const m = mapUidls(uidls);
        for (const u of m.uidlMap?.uids ?? []) if (u !== null) expect(Number.isSafeInteger(u) && u >= 1 && u <= 0xffffffff).toBe(true);
      }),
      RUNS,
    );
  });
});
