// FETCH of the examined mailbox with our own response handler, under a deadline that restarts on progress.
import { StepTimeout } from '../errors.js';
import { atom, execRaw, seq, text } from '../raw.js';
import type { Ctx } from './context.js';
import { parseInternalDate } from './date-codec.js';

interface RawMessage {
  seq: number;
  uid: number | null;
  size: number | null;
  internalDate: Date | null;
  flags: string[] | null;
  /** The BODY[HEADER.FIELDS ...] literal. */
  header: Buffer | null;
}

/**
 * FETCH through imapflow's exec with our own handler: imapflow's fetch() builds a rich object (and an id
 * hash) per message, which costs ~3x the CPU on a 100k-message mailbox. Always BODY.PEEK.
 */
export async function rawFetch(
  ctx: Ctx,
  set: string,
  byUid: boolean,
  items: unknown[],
  label: string,
  onMessage: (m: RawMessage) => void,
): Promise<void> {
  await inactivityGuard(ctx, label, (tick) =>
    execRaw(ctx.client, byUid ? 'UID FETCH' : 'FETCH', [seq(set), items], {
      FETCH: (u) => {
        tick();
        const list = u.attributes?.[1];
        if (!Array.isArray(list)) return;
        const m: RawMessage = { seq: Number(u.command), uid: null, size: null, internalDate: null, flags: null, header: null };
        for (let i = 0; i + 1 < list.length; i += 2) {
          const key = text(list[i])?.toUpperCase();
          const val = list[i + 1];
          if (key === 'UID') m.uid = Number(text(val));
          else if (key === 'RFC822.SIZE') m.size = Number(text(val));
          else if (key === 'INTERNALDATE') m.internalDate = parseInternalDate(text(val) ?? '');
          else if (key === 'FLAGS') m.flags = Array.isArray(val) ? val.map((f) => text(f) ?? '') : [];
          else if (key === 'BODY') {
            const v = Array.isArray(val) ? null : val?.value;
            m.header = Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.alloc(0);
          }
        }
        onMessage(m);
      },
    }),
  );
}

/** INTERNALDATEs of the messages in a UID (or sequence) set. */
export async function internalDates(ctx: Ctx, set: string, label: string, byUid = true): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  await rawFetch(ctx, set, byUid, [atom('UID'), atom('INTERNALDATE')], label, (m) => {
    if (m.uid !== null && m.internalDate) out.set(byUid ? m.uid : m.seq, m.internalDate);
  });
  return out;
}

/**
 * A deadline that restarts on every tick: long transfers (a 100k-message FETCH) may take longer than one
 * step's deadline as a whole, but never stall for that long.
 */
export async function inactivityGuard<T>(ctx: Ctx, step: string, fn: (tick: () => void) => Promise<T>): Promise<T> {
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    ctx.client.close();
  }, ctx.ms);
  try {
    const r = await fn(() => timer.refresh());
    if (fired) throw new StepTimeout(step, ctx.ms);
    return r;
  } catch (e) {
    if (fired) throw new StepTimeout(step, ctx.ms);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
