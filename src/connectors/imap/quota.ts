// GETQUOTAROOT INBOX with every root and resource (imapflow's getQuota keeps one root and drops units).
import type { Anomaly, Quota, QuotaResource } from '../../snapshot/schema.js';
import { anomaly, countAnomaly, shown } from '../anomalies.js';
import type { Ctx } from './mailbox/context.js';
import { atom, execRaw, str, text, type Attr } from './raw.js';

export const QUOTA_SOURCE = 'IMAP GETQUOTAROOT INBOX';

/** Resources counted in units of 1024 octets on the wire (RFC 2087 / RFC 9208). */
const KIB_RESOURCES = new Set(['STORAGE', 'ANNOTATION-STORAGE']);

/** A quota number as sent: digits only (RFC 9208 number64), else NaN so that it is reported. */
function quotaNumber(a: Attr | undefined): number {
  const t = text(a)?.trim() ?? '';
  return /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
}

/** One QUOTA response's resources; a number that makes no sense goes to `odd` instead. */
function resources(root: string, list: Attr | undefined, odd: Anomaly[]): QuotaResource[] {
  if (!Array.isArray(list)) return [];
  const out: QuotaResource[] = [];
  for (let i = 0; i + 2 < list.length; i += 3) {
    const name = text(list[i])?.toUpperCase();
    if (!name) continue;
    const kib = KIB_RESOURCES.has(name);
    const scale = kib ? 1024 : 1;
    const where = `${name}${root ? ` of root ${root}` : ''}`;
    const raw = [text(list[i + 1]), text(list[i + 2])];
    const [usage, limit] = [quotaNumber(list[i + 1]), quotaNumber(list[i + 2])].map((n) => n * scale) as [number, number];
    const bad =
      (Number.isNaN(usage) ? anomaly('imap', 'quota', 'not-a-number', `${where} usage is ${shown(raw[0])}, not a number`) : null) ??
      (Number.isNaN(limit) ? anomaly('imap', 'quota', 'not-a-number', `${where} limit is ${shown(raw[1])}, not a number`) : null) ??
      countAnomaly('imap', 'quota', `${where} usage${kib ? ' (bytes)' : ''}`, usage) ??
      countAnomaly('imap', 'quota', `${where} limit${kib ? ' (bytes)' : ''}`, limit) ??
      // A limit of 0 with something stored is no limit nor a full mailbox that can be told apart.
      (limit === 0 && usage > 0 ? anomaly('imap', 'quota', 'out-of-range', `${where} limit is 0 while ${shown(raw[0])}${kib ? ' KiB' : ''} are used`) : null);
    if (bad) {
      odd.push(bad);
      continue;
    }
    out.push({ name, usage, limit, unit: kib ? 'bytes' : name === 'MESSAGE' ? 'messages' : 'count' });
  }
  return out;
}

export function hasQuota(caps: Set<string>): boolean {
  return caps.has('QUOTA') || [...caps].some((c) => c.startsWith('QUOTA=RES-'));
}

/**
 * Every quota root of INBOX with its resources. Numbers that make no sense are recorded in `anomalies`, and then
 * the whole quota is unknown (roots empty, `error` set): one resource left out could be the one that is full.
 */
export async function quota(ctx: Ctx, anomalies?: Anomaly[]): Promise<Quota> {
  const source = QUOTA_SOURCE;
  if (!hasQuota(ctx.caps)) return { supported: false, roots: [], source };
  const rootNames: string[] = [];
  const roots = new Map<string, QuotaResource[]>();
  const odd: Anomaly[] = [];
  const onQuota = (u: { attributes?: Attr[] }) => {
    const root = text(u.attributes?.[0]) ?? '';
    roots.set(root, resources(root, u.attributes?.[1], odd));
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
  if (odd.length) {
    anomalies?.push(...odd);
    const message = `the server's quota numbers make no sense (${odd.map((a) => a.detail).join('; ')})`;
    return { supported: true, roots: [], source, error: { kind: 'protocol', step: 'quota', code: 'ANOMALY', message } };
  }
  const order = [...new Set([...rootNames, ...roots.keys()])];
  return { supported: true, roots: order.filter((r) => roots.has(r)).map((r) => ({ root: r, resources: roots.get(r)! })), source };
}
