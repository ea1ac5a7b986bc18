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
