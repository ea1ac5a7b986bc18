// Properties of the POP3 framing (LineSplitter, ReplyReader): however the bytes are cut the result is the
// same; any bytes end in lines, a reply, or a Pop3Error, never another exception; a line beyond the cap is
// refused while it arrives, not held.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, ReplyReader, type Reply } from '../../src/connectors/pop3/lines.js';
import { Pop3Error } from '../../src/connectors/pop3/errors.js';
import { cut, cuts, lineText, RUNS } from './arb.js';

function splitAll(chunks: Buffer[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), max);
  for (const c of chunks) s.push(c);
  return out;
}

/** Read one reply from chunks; the outcome as a value (the reply, or the error it failed with). */
async function readReply(chunks: Buffer[], multiline: boolean, r = new ReplyReader()): Promise<Reply | Error> {
  const p = r.read(multiline).catch((e: unknown) => e as Error);
  for (const c of chunks) r.push(c);
  r.end(new Pop3Error('unreachable', 'connection closed'));
  return p;
}

const wireOf = (status: string, body: string[] | null) =>
  Buffer.from(`${status}\r\n${body ? body.map((l) => (l.startsWith('.') ? `.${l}` : l) + '\r\n').join('') + '.\r\n' : ''}`, 'utf8');

describe('LineSplitter (property)', () => {
  it('gives the same lines however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lineText(), fc.boolean()), { maxLength: 30 }), cuts, (lines, points) => {
        const wire = Buffer.from(lines.map(([l, crlf]) => l + (crlf ? '\r\n' : '\n')).join(''), 'utf8');
        const whole = splitAll([wire]);
        expect(whole).toEqual(lines.map(([l]) => Buffer.from(l, 'utf8').toString('utf8')));
        expect(splitAll(cut(wire, points))).toEqual(whole);
      }),
      RUNS,
    );
  });

  it('throws nothing but a Pop3Error on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, fc.integer({ min: 1, max: 80 }), (bytes, points, max) => {
        try {
          splitAll(cut(Buffer.from(bytes), points), max);
        } catch (e) {
          expect(e).toBeInstanceOf(Pop3Error);
        }
      }),
      RUNS,
    );
  });

  it('refuses a line beyond its cap while it arrives, holding at most the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), (max, chunkLen) => {
        const s = new LineSplitter(() => {}, max);
        let fed = 0;
        let refused = false;
        while (fed < max + 2 + chunkLen * 2 && !refused) {
          try {
            s.push(Buffer.alloc(chunkLen, 0x61));
          } catch (e) {
            expect(e).toBeInstanceOf(Pop3Error);
            refused = true;
          }
          fed += chunkLen;
          expect(s.partialBytes).toBeLessThanOrEqual(max + 1);
        }
        expect(refused).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('ReplyReader (property)', () => {
  it('reads the same multi-line reply however it is cut', async () => {
    await fc.assert(
      fc.asyncProperty(lineText(30), fc.array(lineText(), { maxLength: 30 }), cuts, async (text, body, points) => {
        const status = `+OK ${text}`.trimEnd();
        const wire = wireOf(status, body);
        const whole = await readReply([wire], true);
        expect(whole).not.toBeInstanceOf(Error);
        expect((whole as Reply).body).toEqual(body.map((l) => Buffer.from(l, 'utf8').toString('utf8')));
        expect(await readReply(cut(wire, points), true)).toEqual(whole);
      }),
      RUNS,
    );
  });

  it('reads one-line replies back to back however they are cut', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('+OK', '-ERR'), lineText(30)), { minLength: 1, maxLength: 8 }), cuts, async (replies, points) => {
        const wire = Buffer.from(replies.map(([s, t]) => `${s} ${t}\r\n`).join(''), 'utf8');
        const r = new ReplyReader();
        for (const c of cut(wire, points)) r.push(c);
        for (const [s] of replies) {
          const reply = await r.read(false);
          expect(reply.status).toBe(s === '+OK' ? 'ok' : 'err');
        }
        expect(r.bufferedBytes).toBe(0);
      }),
      RUNS,
    );
  });

  it('ends arbitrary bytes in a reply or a Pop3Error, nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), cuts, fc.boolean(), fc.integer({ min: 8, max: 120 }), async (bytes, points, multi, max) => {
        const res = await readReply(cut(Buffer.from(bytes), points), multi, new ReplyReader(max, 400));
        if (res instanceof Error) expect(res).toBeInstanceOf(Pop3Error);
        else expect(['ok', 'err', 'continue']).toContain(res.status);
      }),
      RUNS,
    );
  });

  it('refuses a line beyond its cap as it arrives, buffering at most the cap', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), async (max, chunkLen, inBody) => {
        const r = new ReplyReader(max, 1 << 20);
        const p = r.read(true).catch((e: unknown) => e as Error);
        if (inBody) r.push(Buffer.from('+OK\r\n'));
        for (let fed = 0; fed < max + 2 + chunkLen * 2; fed += chunkLen) {
          r.push(Buffer.alloc(chunkLen, 0x61));
          expect(r.bufferedBytes).toBeLessThanOrEqual(max + 1);
        }
        // The refusal came without the connection ending: no end() call here.
        expect(await p).toBeInstanceOf(Pop3Error);
      }),
      RUNS,
    );
  });
});
