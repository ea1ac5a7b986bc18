// Deterministic split of a fleet across machines: `--shard i/n` (1-based, like Jest's and Playwright's) keeps
// the accounts whose key hashes to bucket i. The hash depends on the key alone, so the shards of one file are
// disjoint, their union is the whole file, and reordering or appending rows never moves an account.
import { createHash } from 'node:crypto';

export interface Shard {
  index: number; // 1..total
  total: number;
}

export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || !(total >= 1) || !(index >= 1) || index > total || total > 1_000_000) {
    throw new RangeError(`--shard must be i/n with 1 <= i <= n (e.g. 1/4), got ${JSON.stringify(text)}`);
  }
  return { index, total };
}

/** The 1-based bucket of a key among `total` shards. */
export function shardOf(key: string, total: number): number {
  const h = createHash('sha256').update(key, 'utf8').digest();
  // 48 bits of the digest: uniform enough for any n up to a million.
  return (h.readUIntBE(0, 6) % total) + 1;
}

export function inShard(key: string, shard: Shard | null | undefined): boolean {
  return !shard || shard.total === 1 || shardOf(key, shard.total) === shard.index;
}
