// Raw commands through imapflow's internal exec(): what imapflow has no method for (ESORT, GETQUOTAROOT
// with every root, SEARCH RETURN with exactly the criteria we write). One command in flight, like imapflow.
import { attrText, execCommand, type ImapSession, type Untagged } from './imapflow.js';

export type { Attr, Untagged } from './imapflow.js';

export const atom = (value: string) => ({ type: 'ATOM', value });
export const str = (value: string) => ({ type: 'STRING', value });
export const seq = (value: string) => ({ type: 'SEQUENCE', value });

/** Send one command; untagged handlers collect what it returns. Rejects on NO/BAD like imapflow does. */
export function execRaw(client: ImapSession, command: string, attributes: unknown[], untagged: Record<string, (u: Untagged) => void>): Promise<void> {
  return execCommand(client, command, attributes, untagged);
}

export const text = attrText;

/** key/value pairs of an ESEARCH response after the (TAG "x") correlator and the UID atom. */
export function parseEsearch(u: Untagged): Map<string, string> {
  const attrs = u.attributes ?? [];
  let i = 0;
  if (Array.isArray(attrs[0])) i++;
  if (text(attrs[i])?.toUpperCase() === 'UID') i++;
  const out = new Map<string, string>();
  for (; i + 1 < attrs.length; i += 2) {
    const k = text(attrs[i]);
    const v = text(attrs[i + 1]);
    if (k && v !== null) out.set(k.toUpperCase(), v);
  }
  return out;
}

/** Numbers of an untagged SEARCH/SORT response. */
export function searchNumbers(u: Untagged): number[] {
  if (u.numbers) return u.numbers;
  const out: number[] = [];
  for (const a of u.attributes ?? []) {
    const t = text(a);
    if (t && /^\d+$/.test(t)) out.push(Number(t));
  }
  // A message number or UID is 32 bits (RFC 3501 nz-number).
  for (const n of out) if (!(n <= MAX_NUMBER)) throw new Error(`bad number from server: ${String(n).slice(0, 40)}`);
  return out;
}

/** The largest message number or UID (RFC 3501: 32 bits). */
const MAX_NUMBER = 0xffffffff;
/** parseSequenceSet expands at most this many numbers; a bigger answer is no mailbox's. */
const MAX_EXPANDED = 10_000_000;

/**
 * A sequence set as sorted, disjoint, non-adjacent ranges, flattened: "7,1:3,9:10,4" → [1, 4, 7, 7, 9, 10].
 * A 100k-message answer is a few ranges; expanding it into numbers (or a Set) is what costs.
 */
export function parseRanges(set: string): number[] {
  const pairs: number[] = [];
  let sorted = true;
  // A hand-written scan: a SEEN answer for a large INBOX can hold tens of thousands of ranges.
  let i = 0;
  const bad = () => new Error(`bad sequence set from server: ${set.slice(0, 80)}`);
  const number = (): number => {
    let v = 0;
    const start = i;
    for (let c = set.charCodeAt(i); c >= 48 && c <= 57; c = set.charCodeAt(++i)) v = v * 10 + (c - 48);
    if (i === start || v > MAX_NUMBER) throw bad();
    return v;
  };
  while (i < set.length) {
    if (set.charCodeAt(i) === 44 /* , */) {
      i++;
      continue;
    }
    const a = number();
    let b = a;
    if (set.charCodeAt(i) === 58 /* : */) {
      i++;
      b = number();
    }
    if (i < set.length && set.charCodeAt(i) !== 44) throw bad();
    const lo = Math.min(a, b);
    if (pairs.length && lo <= pairs[pairs.length - 1]!) sorted = false;
    pairs.push(lo, Math.max(a, b));
  }
  let ordered = pairs;
  if (!sorted) {
    const idx = Array.from({ length: pairs.length / 2 }, (_, k) => k).sort((x, y) => pairs[2 * x]! - pairs[2 * y]!);
    ordered = idx.flatMap((k) => [pairs[2 * k]!, pairs[2 * k + 1]!]);
  }
  const out: number[] = [];
  for (let k = 0; k < ordered.length; k += 2) {
    const lo = ordered[k]!;
    const hi = ordered[k + 1]!;
    if (out.length && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** "1:3,7,9:10" → [1,2,3,7,9,10]. */
export function parseSequenceSet(set: string): number[] {
  const r = parseRanges(set);
  let total = 0;
  for (let i = 0; i < r.length; i += 2) total += r[i + 1]! - r[i]! + 1;
  if (total > MAX_EXPANDED) throw new Error(`bad sequence set from server: ${total} numbers in ${set.slice(0, 40)}`);
  const out: number[] = [];
  for (let i = 0; i < r.length; i += 2) for (let u = r[i]!; u <= r[i + 1]!; u++) out.push(u);
  return out;
}
