// Repeat probes for history, without a server: repeatMessageList against a scripted INBOX that answers UID
// SEARCH RETURN (ALL) and (UID) FETCH the way imapflow hands them to our raw commands. Each case checks which
// commands were sent (the point of the cheap paths) and that the list equals what a full FETCH reads.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import type { Ctx } from '../src/connectors/imap/mailbox/context.js';
import { inboxState, parseRanges, parseSequenceSet, RangeCursor, repeatMessageList, type KnownMailboxes } from '../src/connectors/imap/repeat.js';
import { messageIdHash } from '../src/connectors/imap/mailbox/message-id.js';
import { MessageList } from '../src/snapshot/message-list.js';
import { packIdentities } from '../src/snapshot/pack.js';
import type { MessageIdentity } from '../src/snapshot/schema.js';

interface Msg {
  uid: number;
  size: number;
  date: Date;
  flags: string[];
  messageId: string | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const imapDateTime = (d: Date) =>
  `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)} +0000`;
const atom = (value: string) => ({ type: 'ATOM', value });

/** A mailbox and the raw-command side of imapflow that repeat.ts and mailbox/ talk to. */
class FakeInbox {
  messages: Msg[] = [];
  uidNext = 1;
  modseq = 1;
  commands: string[] = [];

  add(n: number, over: Partial<Msg> = {}): void {
    for (let i = 0; i < n; i++) {
      const uid = this.uidNext++;
      this.messages.push({ uid, size: 500 + uid, date: new Date(Date.UTC(2025, 0, 1) + uid * 60_000), flags: [], messageId: uid % 4 === 0 ? null : `<m${uid}@example.com>`, ...over });
    }
    this.modseq++;
  }

  flag(uids: number[], flag: string): void {
    for (const m of this.messages) if (uids.includes(m.uid) && !m.flags.includes(flag)) m.flags.push(flag);
    this.modseq++;
  }

  expunge(uids: number[]): void {
    this.messages = this.messages.filter((m) => !uids.includes(m.uid));
    this.modseq++;
  }

  truth(): MessageIdentity[] {
    return this.messages.map((m) => ({
      uid: m.uid,
      sizeBytes: m.size,
      internalDate: new Date(Math.floor(m.date.getTime() / 1000) * 1000).toISOString(),
      messageIdHash: m.messageId ? messageIdHash(Buffer.from(`Message-ID: ${m.messageId}\r\n\r\n`, 'latin1')) : null,
      seen: m.flags.includes('\\Seen'),
      deleted: m.flags.includes('\\Deleted'),
    }));
  }

  /** The state a probe sees: EXAMINE plus INBOX's LIST-STATUS line. */
  box(): { uidValidity: string; uidNext: number; highestModseq: string | null } {
    return { uidValidity: '1700000000', uidNext: this.uidNext, highestModseq: String(this.modseq) };
  }

  ctx(caps = ['ESEARCH']): Ctx {
    const client = {
      close: () => undefined,
      exec: async (command: string, attributes: unknown[], opts: { untagged: Record<string, (u: unknown) => Promise<void>> }) => {
        await this.answer(command, attributes, opts.untagged);
        return { next: () => undefined };
      },
    };
    return { client: client as unknown as ImapFlow, caps: new Set(caps), ms: 5000, now: new Date(), step: (_name, fn) => fn() };
  }

  private async answer(command: string, attributes: unknown[], untagged: Record<string, (u: unknown) => Promise<void>>): Promise<void> {
    if (command === 'UID SEARCH') {
      const criterion = (attributes[2] as { value: string }).value;
      const uids = this.messages.filter((m) => criterion === 'ALL' || m.flags.includes(`\\${criterion[0]}${criterion.slice(1).toLowerCase()}`)).map((m) => m.uid);
      this.commands.push(`SEARCH ${criterion}`);
      const set = uids.map(String).join(',');
      await untagged.ESEARCH!({ attributes: [[atom('TAG'), { type: 'STRING', value: 'A1' }], atom('UID'), ...(set ? [atom('ALL'), atom(set)] : [])] });
      return;
    }
    if (command === 'UID FETCH' || command === 'FETCH') {
      const set = (attributes[0] as { value: string }).value;
      this.commands.push(`${command} ${set}`);
      const max = this.messages.length ? this.messages[this.messages.length - 1]!.uid : 0;
      const wanted = new Set<number>();
      for (const part of set.split(',')) {
        const [a, b] = part.split(':');
        if (b === '*') {
          const lo = Number(a);
          for (const m of this.messages) if (m.uid >= Math.min(lo, max)) wanted.add(m.uid);
        } else for (const u of parseSequenceSet(part)) wanted.add(u);
      }
      for (const [i, m] of this.messages.entries()) {
        if (!wanted.has(command === 'FETCH' ? i + 1 : m.uid)) continue;
        const header = m.messageId ? `Message-ID: ${m.messageId}\r\n\r\n` : '\r\n';
        await untagged.FETCH!({
          command: String(i + 1),
          attributes: [
            atom('FETCH'),
            [
              atom('UID'),
              atom(String(m.uid)),
              atom('RFC822.SIZE'),
              atom(String(m.size)),
              atom('INTERNALDATE'),
              { type: 'STRING', value: imapDateTime(m.date) },
              atom('FLAGS'),
              m.flags.map(atom),
              atom('BODY'),
              { type: 'LITERAL', value: Buffer.from(header, 'latin1') },
            ],
          ],
        });
      }
      return;
    }
    throw new Error(`unexpected command ${command}`);
  }
}

/**
 * What the next probe knows: from the history store (the list read back from its blob, packed) or from the
 * probe before it in the same process (`watch`: plain identities).
 */
let representation: 'packed' | 'plain' = 'packed';
function knownAfter(inbox: FakeInbox, list: MessageList, box = inbox.box()): NonNullable<KnownMailboxes['inbox']> {
  const messages = representation === 'packed' ? MessageList.fromPacked(packIdentities(list.toArray())) : MessageList.from(list.toArray().map((m) => ({ ...m })));
  return { uidValidity: box.uidValidity, uidNext: box.uidNext, highestModseq: box.highestModseq, messages };
}

async function firstProbe(inbox: FakeInbox) {
  const box = inbox.box();
  const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, box, null);
  expect(r.method).toBe('full');
  expect(r.list.toArray()).toEqual(inbox.truth());
  inbox.commands = [];
  return knownAfter(inbox, r.list, box);
}

describe.each(['packed', 'plain'] as const)('repeat probes of INBOX (previous list %s)', (kind) => {
  beforeEach(() => {
    representation = kind;
  });

  it('an unchanged INBOX (same UIDNEXT, count and HIGHESTMODSEQ) sends nothing and hands the list on as it is', async () => {
    const inbox = new FakeInbox();
    inbox.add(50);
    inbox.flag([3, 4], '\\Seen');
    const known = await firstProbe(inbox);
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known);
    expect(r.method).toBe('unchanged');
    expect(r.list).toBe(known.messages);
    expect(inbox.commands).toEqual([]);
    expect(r.list.toArray()).toEqual(inbox.truth());
  });

  it('only flags changed: SEEN and DELETED searches, no ALL and no FETCH', async () => {
    const inbox = new FakeInbox();
    inbox.add(40);
    const known = await firstProbe(inbox);
    inbox.flag([1, 2, 3, 30], '\\Seen');
    inbox.flag([7], '\\Deleted');
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known);
    expect(r.method).toBe('repeat');
    expect(inbox.commands).toEqual(['SEARCH SEEN', 'SEARCH DELETED']);
    expect(r.list.toArray()).toEqual(inbox.truth());
  });

  it('without HIGHESTMODSEQ the flags are searched even when nothing changed', async () => {
    const inbox = new FakeInbox();
    inbox.add(10);
    const known = { ...(await firstProbe(inbox)), highestModseq: null };
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, { ...inbox.box(), highestModseq: null }, known);
    expect(inbox.commands).toEqual(['SEARCH SEEN', 'SEARCH DELETED']);
    expect(r.list.toArray()).toEqual(inbox.truth());
  });

  it('only arrivals: SEEN, DELETED and a FETCH of the new UIDs, no ALL', async () => {
    const inbox = new FakeInbox();
    inbox.add(30);
    const known = await firstProbe(inbox);
    inbox.add(5);
    inbox.flag([2, 33], '\\Seen');
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known);
    expect(inbox.commands).toEqual(['SEARCH SEEN', 'SEARCH DELETED', 'UID FETCH 31:*']);
    expect(r.list.toArray()).toEqual(inbox.truth());
    // From a packed list the new one is derived without decoding, and stays packed for the store.
    expect(r.list.packed !== null).toBe(kind === 'packed');
  });

  it('expunges (with or without arrivals): ESEARCH ALL finds what is left', async () => {
    const inbox = new FakeInbox();
    inbox.add(30);
    const known = await firstProbe(inbox);
    inbox.expunge([1, 2, 10, 11, 12, 30]);
    inbox.add(3);
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known);
    expect(inbox.commands).toEqual(['SEARCH ALL', 'SEARCH SEEN', 'SEARCH DELETED', 'UID FETCH 31:*']);
    expect(r.list.toArray()).toEqual(inbox.truth());

    // An expunge and an arrival that keep the count: the count alone must not pass for "only arrivals".
    const known2 = knownAfter(inbox, r.list);
    inbox.commands = [];
    inbox.expunge([3]);
    inbox.add(1);
    const r2 = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known2);
    expect(inbox.commands[0]).toBe('SEARCH ALL');
    expect(r2.list.toArray()).toEqual(inbox.truth());
  });

  it('a previous list holding a UID at or above its UIDNEXT (mail that came during that probe) takes the ALL path', async () => {
    const inbox = new FakeInbox();
    inbox.add(10);
    const box = inbox.box();
    inbox.add(1); // arrives between EXAMINE and the FETCH of the first probe
    const first = await repeatMessageList(inbox.ctx(), inbox.messages.length, box, null);
    const known = knownAfter(inbox, first.list, box);
    inbox.commands = [];
    inbox.expunge([5]);
    inbox.add(1);
    const r = await repeatMessageList(inbox.ctx(), inbox.messages.length, inbox.box(), known);
    expect(inbox.commands[0]).toBe('SEARCH ALL');
    expect(r.list.toArray()).toEqual(inbox.truth());
  });

  it('falls back to the full FETCH without ESEARCH or with another UIDVALIDITY', async () => {
    const inbox = new FakeInbox();
    inbox.add(10);
    const known = await firstProbe(inbox);
    inbox.flag([1], '\\Seen');
    const r = await repeatMessageList(inbox.ctx([]), inbox.messages.length, inbox.box(), known);
    expect(r.method).toBe('full');
    expect(inbox.commands).toEqual(['FETCH 1:*']);
    expect(r.list.toArray()).toEqual(inbox.truth());
    inbox.commands = [];
    const r2 = await repeatMessageList(inbox.ctx(), inbox.messages.length, { ...inbox.box(), uidValidity: '1' }, known);
    expect(r2.method).toBe('full');
    expect(r2.list.toArray()).toEqual(inbox.truth());
  });

  it("INBOX's state comes from EXAMINE: its HIGHESTMODSEQ, or none", () => {
    const box = { uidValidity: 7n, uidNext: 6, exists: 5 };
    expect(inboxState({ ...box, highestModseq: 43n })).toEqual({ uidValidity: '7', uidNext: 6, highestModseq: '43' });
    expect(inboxState(box).highestModseq).toBeNull();
  });
});

describe('sequence sets', () => {
  it('parses into sorted, merged ranges', () => {
    expect(parseRanges('')).toEqual([]);
    expect(parseRanges('1:3,7,9:10')).toEqual([1, 3, 7, 7, 9, 10]);
    expect(parseRanges('9:10,4,1:3,7')).toEqual([1, 4, 7, 7, 9, 10]);
    expect(parseRanges('5:2,3:8')).toEqual([2, 8]);
    expect(parseSequenceSet('3:1,7')).toEqual([1, 2, 3, 7]);
    expect(() => parseRanges('1:x')).toThrow(/bad sequence set/);
  });

  it('answers membership for ascending queries', () => {
    const c = new RangeCursor(parseRanges('2:4,8,10:11'));
    expect([1, 2, 3, 4, 5, 8, 9, 10, 11, 12].map((n) => c.has(n))).toEqual([false, true, true, true, false, true, false, true, true, false]);
    expect(new RangeCursor([]).has(1)).toBe(false);
  });
});
