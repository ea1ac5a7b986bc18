// Counting matches of a UID SEARCH: ESEARCH RETURN (COUNT [MIN]) where offered, else the UIDs counted here.
import { atom, execRaw, parseEsearch, searchNumbers } from '../raw.js';
import type { Ctx } from './context.js';

export interface SearchResult {
  count: number;
  /** Lowest matching UID (only when asked for). */
  min: number | null;
}

/**
 * UID SEARCH with RETURN (COUNT [MIN]) when ESEARCH is offered, else a plain UID SEARCH counted here.
 * `min` asks for the lowest matching UID too.
 */
export async function searchCount(ctx: Ctx, criteria: unknown[], label: string, min = false): Promise<SearchResult> {
  if (ctx.caps.has('ESEARCH')) {
    let res: Map<string, string> | null = null;
    const ret = min ? [atom('COUNT'), atom('MIN')] : [atom('COUNT')];
    await ctx.step(`search ${label}`, () =>
      execRaw(ctx.client, 'UID SEARCH', [atom('RETURN'), ret, ...criteria], {
        ESEARCH: (u) => {
          res = parseEsearch(u);
        },
      }),
    );
    const r = res as Map<string, string> | null;
    const num = (k: string) => (r?.has(k) ? Number(r.get(k)) : null);
    return { count: num('COUNT') ?? 0, min: num('MIN') };
  }
  // A big mailbox's answer can hold every UID on one line: counted as it streams in on a session of our own.
  const text = ctx.streamSearch ? criteriaText(criteria) : null;
  if (ctx.streamSearch && text !== null) {
    try {
      const r = await ctx.step(`search ${label}`, () => ctx.streamSearch!(text));
      return { count: r.count, min: r.min };
    } catch {
      // The main session answers the same search below.
    }
  }
  let count = 0;
  let lowest: number | null = null;
  await ctx.step(`search ${label}`, () =>
    execRaw(ctx.client, 'UID SEARCH', criteria, {
      SEARCH: (u) => {
        for (const n of searchNumbers(u)) {
          count++;
          if (lowest === null || n < lowest) lowest = n;
        }
      },
    }),
  );
  return { count, min: lowest };
}

/** Plain SEARCHes of mailboxes this big or bigger go through Ctx.streamSearch (when offered). */
export const STREAM_SEARCH_MIN_MESSAGES = 2_000;

/** Search criteria made of atoms and sequence sets as IMAP text, or null when any is something else. */
function criteriaText(criteria: unknown[]): string | null {
  const out: string[] = [];
  for (const c of criteria) {
    const n = c as { type?: unknown; value?: unknown } | null;
    if (!n || (n.type !== 'ATOM' && n.type !== 'SEQUENCE') || typeof n.value !== 'string' || !/^[\x21-\x7e]+$/.test(n.value) || /[(){"\\]/.test(n.value)) return null;
    out.push(n.value);
  }
  return out.join(' ');
}
