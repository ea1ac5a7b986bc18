// The per-message identity list of the examined mailbox (history only): UID, size, date, flags and the
// Message-ID hash, read on the bulk session for big lists, else through imapflow.
import type { MessageIdentity } from '../../../snapshot/schema.js';
import { atom } from '../raw.js';
import type { Ctx } from './context.js';
import { parseInternalDate } from './date-codec.js';
import { rawFetch } from './fetch.js';
import { messageIdHash } from './message-id.js';

/** Below this many messages the second session's login costs more than imapflow's parsing. */
export const BULK_MIN_MESSAGES = 2_000;

/** Per-message identities of the examined mailbox (history only): one streaming FETCH, no bodies. */
export async function messageList(
  ctx: Ctx,
  total: number,
  onProgress?: (n: number) => void,
  uidSet?: string,
): Promise<MessageIdentity[]> {
  let out: MessageIdentity[] = [];
  if (total === 0) return out;
  const add = (uid: number | null, size: number | null, date: Date | null, flags: string[] | null, header: Buffer | null) => {
    // Unsolicited FETCH responses (flag updates from other sessions) carry no UID/size: skip them.
    if (!uid || size === null || !date) return;
    let seen = false;
    let deleted = false;
    for (const f of flags ?? []) {
      const l = f.toLowerCase();
      if (l === '\\seen') seen = true;
      else if (l === '\\deleted') deleted = true;
    }
    out.push({ uid, sizeBytes: size, internalDate: date.toISOString(), messageIdHash: messageIdHash(header ?? undefined), seen, deleted });
    if (onProgress && out.length % 10_000 === 0) onProgress(out.length);
  };
  if (ctx.bulk && total >= (ctx.bulkMinMessages ?? BULK_MIN_MESSAGES)) {
    try {
      await ctx.bulk(uidSet ?? '1:*', '(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])', (m) =>
        add(m.uid, m.size, m.internalDate ? parseInternalDate(m.internalDate) : null, m.flags, m.header),
      );
      return out;
    } catch {
      // The main session reads the same list below.
      out = [];
    }
  }
  const items = [
    atom('UID'),
    atom('RFC822.SIZE'),
    atom('INTERNALDATE'),
    atom('FLAGS'),
    { type: 'ATOM', value: 'BODY.PEEK', section: [atom('HEADER.FIELDS'), [atom('MESSAGE-ID')]] },
  ];
  await rawFetch(ctx, uidSet ?? '1:*', uidSet !== undefined, items, 'history fetch', (m) => add(m.uid, m.size, m.internalDate, m.flags, m.header));
  return out;
}
