// GETQUOTAROOT INBOX with every root and resource (imapflow's getQuota keeps one root and drops units).
import type { Quota, QuotaResource } from '../../snapshot/schema.js';
import type { Ctx } from './mailbox.js';
import { atom, execRaw, str, text, type Attr } from './raw.js';

/** Resources counted in units of 1024 octets on the wire (RFC 2087 / RFC 9208). */
const KIB_RESOURCES = new Set(['STORAGE', 'ANNOTATION-STORAGE']);

function resources(list: Attr | undefined): QuotaResource[] {
  if (!Array.isArray(list)) return [];
  const out: QuotaResource[] = [];
  for (let i = 0; i + 2 < list.length; i += 3) {
    const name = text(list[i])?.toUpperCase();
    const usage = Number(text(list[i + 1]));
    const limit = Number(text(list[i + 2]));
    if (!name || !Number.isFinite(usage) || !Number.isFinite(limit)) continue;
    const kib = KIB_RESOURCES.has(name);
    out.push({
      name,
      usage: kib ? usage * 1024 : usage,
      limit: kib ? limit * 1024 : limit,
      unit: kib ? 'bytes' : name === 'MESSAGE' ? 'messages' : 'count',
    });
  }
  return out;
}

export function hasQuota(caps: Set<string>): boolean {
  return caps.has('QUOTA') || [...caps].some((c) => c.startsWith('QUOTA=RES-'));
}

export async function quota(ctx: Ctx): Promise<Quota> {
  const source = 'IMAP GETQUOTAROOT INBOX';
  if (!hasQuota(ctx.caps)) return { supported: false, roots: [], source };
  const rootNames: string[] = [];
  const roots = new Map<string, QuotaResource[]>();
  const onQuota = (u: { attributes?: Attr[] }) => {
    const root = text(u.attributes?.[0]) ?? '';
    roots.set(root, resources(u.attributes?.[1]));
  };
  try {
    await ctx.step('quota', () =>
      execRaw(ctx.client, 'GETQUOTAROOT', [atom('INBOX')], {
        QUOTAROOT: (u) => {
          for (const a of (u.attributes ?? []).slice(1)) {
            const t = text(a);
            if (t !== null) rootNames.push(t);
          }
        },
        QUOTA: onQuota,
      }),
    );
    // Some servers name the roots and leave the numbers to GETQUOTA.
    for (const r of rootNames) {
      if (roots.has(r)) continue;
      await ctx.step('quota', () => execRaw(ctx.client, 'GETQUOTA', [str(r)], { QUOTA: onQuota }));
    }
  } catch (e) {
    const err = e as { responseStatus?: string; responseText?: string };
    if (err.responseStatus === 'NO' || err.responseStatus === 'BAD') {
      return { supported: true, roots: [], source: `${source} (${err.responseStatus}: ${(err.responseText ?? '').slice(0, 120)})` };
    }
    throw e;
  }
  const order = [...new Set([...rootNames, ...roots.keys()])];
  return { supported: true, roots: order.filter((r) => roots.has(r)).map((r) => ({ root: r, resources: roots.get(r)! })), source };
}
