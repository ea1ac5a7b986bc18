// The per-message identity list of the examined mailbox (history only): UID, size, date, flags and the
// Message-ID hash, read on the bulk session for big lists, else through imapflow. A whole INBOX goes straight
// into the history store's packed bytes (packedMessageList); a few messages (a repeat probe's new mail) as
// identities (messageList).
import type { MessageIdentity } from '../../../snapshot/schema.js';
import { MessageList } from '../../../snapshot/message-list.js';
import { PackedBuilder } from '../../../snapshot/pack.js';
import { atom } from '../raw.js';
import type { Ctx } from './context.js';
import { parseInternalDate } from './date-codec.js';
import { rawFetch } from './fetch.js';
import { messageIdDigest, messageIdHash } from './message-id.js';

/** Below this many messages the second session's login costs more than imapflow's parsing. */
export const BULK_MIN_MESSAGES = 2_000;

/** Where a read puts each identity; reset() when the bulk read failed and the main session starts over. */
interface Sink {
  add(uid: number, size: number, date: Date, seen: boolean, deleted: boolean, header: Buffer | null): void;
  reset(): void;
  readonly length: number;
}

/** One streaming FETCH of the examined mailbox's identities (no bodies) into `sink`. */
async function readIdentities(ctx: Ctx, total: number, sink: Sink, onProgress?: (n: number) => void, uidSet?: string): Promise<void> {
  if (total === 0) return;
  const add = (uid: number | null, size: number | null, date: Date | null, flags: string[] | null, header: Buffer | null) => {
    // Unsolicited FETCH responses (flag updates from other sessions) carry no UID/size: skip them. A UID over
    // 32 bits is no IMAP UID (RFC 9051: nz-number < 2^32) and could not be compared across probes either.
    if (!uid || uid > 0xffffffff || size === null || !date) return;
    let seen = false;
    let deleted = false;
    for (const f of flags ?? []) {
      const l = f.toLowerCase();
      if (l === '\\seen') seen = true;
      else if (l === '\\deleted') deleted = true;
    }
    sink.add(uid, size, date, seen, deleted, header);
    if (onProgress && sink.length % 10_000 === 0) onProgress(sink.length);
  };
  if (ctx.bulk && total >= (ctx.bulkMinMessages ?? BULK_MIN_MESSAGES)) {
    try {
      await ctx.bulk(uidSet ?? '1:*', '(UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])', (m) =>
        add(m.uid, m.size, m.internalDate ? parseInternalDate(m.internalDate) : null, m.flags, m.header),
      );
      return;
    } catch {
      // The main session reads the same list below.
      sink.reset();
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
}

/** Per-message identities of the examined mailbox (`uidSet`, else all of it) as identities. */
export async function messageList(ctx: Ctx, total: number, onProgress?: (n: number) => void, uidSet?: string): Promise<MessageIdentity[]> {
  let out: MessageIdentity[] = [];
  await readIdentities(
    ctx,
    total,
    {
      add: (uid, sizeBytes, date, seen, deleted, header) =>
        out.push({ uid, sizeBytes, internalDate: date.toISOString(), messageIdHash: messageIdHash(header ?? undefined), seen, deleted }),
      reset: () => (out = []),
      get length() {
        return out.length;
      },
    },
    onProgress,
    uidSet,
  );
  return out;
}

/**
 * Every identity of the examined mailbox, written as it arrives into the packed bytes the history store keeps
 * (snapshot/pack.ts): 65 bytes a message, no identity object, and nothing to pack when the probe is stored.
 */
export async function packedMessageList(ctx: Ctx, total: number, onProgress?: (n: number) => void): Promise<MessageList> {
  const packed = new PackedBuilder(total);
  await readIdentities(
    ctx,
    total,
    {
      add: (uid, sizeBytes, date, seen, deleted, header) => packed.add(uid, sizeBytes, date.toISOString(), seen, deleted, messageIdDigest(header ?? undefined)),
      reset: () => packed.reset(),
      get length() {
        return packed.length;
      },
    },
    onProgress,
  );
  return MessageList.fromPacked(packed.finish());
}
