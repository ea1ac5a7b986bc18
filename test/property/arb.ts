// Shared generators for the property tests: a byte string cut into arbitrary chunks, lines without line breaks.
import fc from 'fast-check';

/** Cut `buf` at the given points (taken modulo its length), in order; empty chunks are kept out. */
export function cut(buf: Buffer, points: number[]): Buffer[] {
  if (buf.length === 0) return [];
  const at = [...new Set(points.map((p) => p % buf.length))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  out.push(buf.subarray(from));
  return out;
}

/** Cut points for cut(): a few, sometimes many (down to one byte per chunk). */
export const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 8 }), fc.array(fc.nat(), { minLength: 50, maxLength: 400 }));

/** Text without CR or LF (any Unicode), for a line's content. */
export const lineText = (maxLength = 60) =>
  fc.string({ unit: 'binary', maxLength }).map((s) => s.replace(/[\r\n]/g, ' '));

/** A decimal number of 30 to 60 digits, far beyond 2^53. */
export const hugeDigits = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 29, maxLength: 59 }))
  .map(([first, rest]) => `${first}${rest.join('')}`);

/** numRuns for one property: modest, so the suite stays quick on two cores. */
export const RUNS = { numRuns: 150 };
