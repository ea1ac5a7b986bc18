// Properties of our own IMAP readers in bulk.ts: the response splitter gives the same responses however the
// stream is cut; arbitrary bytes end in responses or a BulkError, never another exception; a number beyond
// 2^53 is refused; a response without an end is refused at the bound, not held forever.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulkError, parseFetch, ResponseSplitter } from '../../src/connectors/imap/bulk.js';
import { cut, cuts, hugeDigits, RUNS } from './arb.js';

function split(chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  const s = new ResponseSplitter((r) => out.push(Buffer.from(r)));
  for (const c of chunks) s.push(c);
  return out;
}

const atomText = fc.stringMatching(/^[A-Za-z0-9.\\-]{1,12}$/);
const literal = fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a));

interface Msg {
  seq: number;
  uid: number;
  size: number;
  flags: string[];
  header: Buffer;
}
const msg = fc.record({
  seq: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  uid: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  size: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  flags: fc.array(atomText.map((a) => `\\${a}`), { maxLength: 4 }),
  header: literal,
});
const fetchWire = (m: Msg) =>
  Buffer.concat([
    Buffer.from(
      `* ${m.seq} FETCH (UID ${m.uid} RFC822.SIZE ${m.size} INTERNALDATE "26-Nov-2026 13:43:40 +0000" FLAGS (${m.flags.join(' ')}) BODY[HEADER.FIELDS (MESSAGE-ID)] {${m.header.length}}\r\n`,
    ),
    m.header,
    Buffer.from(')\r\n'),
  ]);

describe('ResponseSplitter and parseFetch (property)', () => {
  it('split the same FETCH responses however the stream is cut, and read back what was sent', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(msg, fc.constant(null)), { maxLength: 12 }), cuts, (msgs, points) => {
        const wire = Buffer.concat(msgs.map((m) => (m ? fetchWire(m) : Buffer.from('* OK still here\r\n'))));
        const whole = split([wire]);
        expect(whole.length).toBe(msgs.length);
        expect(split(cut(wire, points))).toEqual(whole);
        whole.forEach((r, i) => {
          const m = msgs[i]!;
          const got = parseFetch(r);
          if (!m) return expect(got).toBeNull();
          expect(got).toEqual({ seq: m.seq, uid: m.uid, size: m.size, internalDate: '26-Nov-2026 13:43:40 +0000', flags: m.flags, header: m.header });
        });
      }),
      RUNS,
    );
  });

  it('end arbitrary bytes in responses or a BulkError, nothing else', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      // Mostly-valid FETCH text with random damage: reaches deeper into the item reader.
      fc.tuple(msg, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat()).map(([m, edits, trunc]) => {
        const b = Buffer.from(fetchWire(m));
        for (const [at, v] of edits) b[at % b.length] = v;
        return b.subarray(0, b.length - (trunc % 8));
      }),
    );
    fc.assert(
      fc.property(bytes, cuts, (b, points) => {
        try {
          for (const r of split(cut(b, points))) parseFetch(r);
          parseFetch(b);
        } catch (e) {
          expect(e).toBeInstanceOf(BulkError);
        }
      }),
      RUNS,
    );
  });

  it('refuses a sequence number, UID or size beyond 2^53', () => {
    fc.assert(
      fc.property(hugeDigits, fc.constantFrom('seq', 'UID', 'RFC822.SIZE'), (digits, where) => {
        const wire =
          where === 'seq' ? `* ${digits} FETCH (UID 5)\r\n` : `* 1 FETCH (${where} ${digits})\r\n`;
        expect(() => parseFetch(Buffer.from(wire))).toThrow(BulkError);
      }),
      RUNS,
    );
  });

  it('refuses a response that never ends once it passes the bound (16 MB)', () => {
    fc.assert(
      fc.property(fc.boolean(), (viaLiteral) => {
        const s = new ResponseSplitter(() => {});
        // An unterminated line, or a literal announced larger than the bound.
        if (viaLiteral) s.push(Buffer.from('* 1 FETCH (BODY[] {99999999999}\r\n'));
        const mb = Buffer.alloc(1 << 20, 0x61);
        let refused = false;
        for (let i = 0; i < 17 && !refused; i++) {
          try {
            s.push(mb);
          } catch (e) {
            expect(e).toBeInstanceOf(BulkError);
            refused = true;
          }
        }
        expect(refused).toBe(true);
      }),
      { numRuns: 2 },
    );
  });
});
