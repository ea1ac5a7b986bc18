import { describe, expect, it } from 'vitest';
import { inShard, parseShard, shardOf } from '../src/scan/shard.js';

const keys = Array.from({ length: 2000 }, (_, i) => `user${i}@example.com`);

describe('--shard i/n', () => {
  it('parses i/n (1-based) and refuses anything else', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, total: 8 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, total: 1 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1', '1/2/3', '-1/2']) expect(() => parseShard(bad)).toThrow(/--shard must be i\/n/);
  });

  it.each([1, 2, 3, 7, 16])('the %i shards are disjoint and their union is every account', (n) => {
    const seen = new Map<string, number>();
    for (let i = 1; i <= n; i++) {
      for (const k of keys) if (inShard(k, { index: i, total: n })) {
        expect(seen.has(k), `${k} in shards ${seen.get(k)} and ${i}`).toBe(false);
        seen.set(k, i);
      }
    }
    expect(seen.size).toBe(keys.length);
  });

  it('is stable under reordering and does not depend on the other rows', () => {
    const a = keys.filter((k) => inShard(k, { index: 2, total: 5 }));
    const shuffled = [...keys].reverse();
    const b = shuffled.filter((k) => inShard(k, { index: 2, total: 5 })).reverse();
    expect(b).toEqual(a);
    expect(shardOf('alice@example.com', 5)).toBe(shardOf('alice@example.com', 5));
  });

  it('spreads accounts roughly evenly', () => {
    const counts = new Array(8).fill(0);
    for (const k of keys) counts[shardOf(k, 8) - 1]++;
    for (const c of counts) expect(c).toBeGreaterThan(keys.length / 8 / 1.5);
  });
});
