// INBOX's per-message identities as a snapshot holds them in memory (history only). A list never changes: a
// probe that sees a change makes a new list. It is made from identities (the connector, a snapshot file) or
// from the packed bytes of the history store (pack.ts), which it then holds: such a list decodes its items only
// when something reads them, gives its UIDs straight from the bytes, and hands the same bytes back to the
// store, so a repeat probe of an unchanged INBOX neither decodes nor repacks 100k identities.
//
// JSON.stringify writes the items as a plain array (toJSON), so snapshot files look as they always did.
// structuredClone keeps only `length` of a class instance: copy a snapshot with cloneSnapshot() (io.ts).
import type { MessageIdentity } from './identity.js';
import { identityCount, packedIdentity, packedUids, unpackIdentities } from './pack.js';

export class MessageList implements Iterable<MessageIdentity> {
  readonly length: number;
  /** The packed bytes, when the list was made from them (never changed: lists are immutable). */
  readonly #bytes: Buffer | null;
  /** The items: given to from(), or decoded from the bytes on first use. */
  #items: readonly MessageIdentity[] | null;
  #uids: Uint32Array | null = null;

  private constructor(length: number, bytes: Buffer | null, items: readonly MessageIdentity[] | null) {
    this.length = length;
    this.#bytes = bytes;
    this.#items = items;
  }

  /** A list of these identities (copied: changing the array afterwards does not change the list). */
  static from(items: readonly MessageIdentity[]): MessageList {
    return new MessageList(items.length, null, Object.freeze(items.slice()));
  }

  /** A list of the identities packed in `buf` (packIdentities' layout); the list keeps the buffer, unchanged. */
  static fromPacked(buf: Buffer): MessageList {
    return new MessageList(identityCount(buf), buf, null);
  }

  /** The packed bytes when the list was made from them, else null. Read only: the list shares them. */
  get packed(): Buffer | null {
    return this.#bytes;
  }

  /**
   * The UIDs in list order; read only (for a packed list, a view on its bytes: no item is decoded). A RangeError
   * when an identity's UID does not fit in 32 bits (never from a server; a hand-made snapshot could hold one).
   */
  get uids(): Uint32Array {
    this.#uids ??= this.#bytes ? packedUids(this.#bytes) : uidColumn(this.#items ?? []);
    return this.#uids;
  }

  /** The identity at `i` (negative counts from the end, as Array.prototype.at); decoded alone when not yet decoded. */
  at(i: number): MessageIdentity | undefined {
    let k = Math.trunc(i) || 0;
    if (k < 0) k += this.length;
    if (k < 0 || k >= this.length) return undefined;
    if (this.#items !== null || this.#bytes === null) return this.#items?.[k];
    return packedIdentity(this.#bytes, k);
  }

  /** Every identity, as a frozen array (decoded once for a packed list). */
  toArray(): readonly MessageIdentity[] {
    this.#items ??= Object.freeze(this.#bytes ? unpackIdentities(this.#bytes) : []);
    return this.#items;
  }

  [Symbol.iterator](): ArrayIterator<MessageIdentity> {
    return this.toArray()[Symbol.iterator]();
  }

  /** The identities as a snapshot file holds them. */
  toJSON(): readonly MessageIdentity[] {
    return this.toArray();
  }
}

function uidColumn(items: readonly MessageIdentity[]): Uint32Array {
  const out = new Uint32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const u = items[i]!.uid;
    if (!(Number.isInteger(u) && u >= 0 && u <= 0xffffffff)) throw new RangeError(`UID ${u} does not fit in 32 bits`);
    out[i] = u;
  }
  return out;
}
