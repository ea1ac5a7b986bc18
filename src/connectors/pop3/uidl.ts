// Which IMAP message a POP3 UIDL names, for the servers whose UIDL is built from UIDVALIDITY and UID
// (pop3_uidl_format in Dovecot's terms):
//   dovecot  %08Xu%08Xv  16 hex digits, UID then UIDVALIDITY (Dovecot 2.x default)
//   uw       %08Xv%08Xu  16 hex digits, UIDVALIDITY then UID (UW ipop3d, Dovecot 1.x default)
//   cyrus    %v.%u       decimal
//   courier  %v-%u       decimal ("Courier version 2"; also Critical Path migrations)
//   gmail    GmailId<hex> carries no IMAP identity
// dovecot and uw have the same shape. In one mailbox all UIDLs share one UIDVALIDITY and UIDs rise with the
// message number, so with two or more messages only one reading is consistent; with one message the server's
// name (greeting, CAPA IMPLEMENTATION, a hint) decides, and failing that the reading with the smaller UID
// (UIDVALIDITY is usually a timestamp, far above the UIDs).
import type { Pop3Evidence } from '../../snapshot/schema.js';

export type UidlFormat = Pop3Evidence['uidlFormat'];
export type UidlMap = NonNullable<Pop3Evidence['uidlMap']>;

export interface UidlHints {
  /** The POP3 greeting text, e.g. "Dovecot ready." */
  greeting?: string | null;
  /** CAPA IMPLEMENTATION. */
  implementation?: string | null;
  /** What the caller knows about the server (e.g. "dovecot"). */
  hint?: string | null;
}

export interface UidlMapping {
  uidlFormat: UidlFormat;
  /**
   * UIDs per message (same order as the input) and the UIDVALIDITY they belong to. A UID is null for a
   * message whose UIDL does not follow the format or carries another UIDVALIDITY (e.g. a UIDL kept from
   * a migration). null when the format carries no IMAP identity.
   */
  uidlMap: UidlMap | null;
}

export type ServerFamily = 'dovecot' | 'uw' | 'cyrus' | 'courier' | 'gmail' | null;

/** The server family named by the greeting, CAPA IMPLEMENTATION or the caller's hint. */
export function serverFamily(hints: UidlHints): ServerFamily {
  const text = [hints.hint, hints.implementation, hints.greeting].filter(Boolean).join(' ');
  if (/dovecot/i.test(text)) return 'dovecot';
  if (/cyrus/i.test(text)) return 'cyrus';
  if (/courier/i.test(text)) return 'courier';
  if (/\bgpop\b|gmail|google/i.test(text)) return 'gmail';
  // UW ipop3d greets "POP3 [host] v2007f.104 server ready".
  if (/\buw\b|ipop3d|university of washington|\bv20\d\d[a-z]*\.\d+ server ready/i.test(text)) return 'uw';
  return null;
}

interface Reading {
  format: Exclude<UidlFormat, 'gmail' | 'unknown' | 'none'>;
  map: UidlMap;
  /** Every UIDL parsed, one UIDVALIDITY, UIDs strictly rising. */
  consistent: boolean;
  /** UIDLs that parsed and carry the majority UIDVALIDITY. */
  matched: number;
  firstUid: number;
}

const DOT = /^(\d{1,10})\.(\d{1,10})$/;
const DASH = /^(\d{1,10})-(\d{1,10})$/;
const GMAIL = /^GmailId[0-9a-f]+$/i;
const U32 = 0xffffffff;

/** 8 hex digits at `at` as a number, or -1. (By hand: 100k UIDLs should cost milliseconds.) */
function hex8(s: string, at: number): number {
  let x = 0;
  for (let i = at; i < at + 8; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    x = x * 16 + d;
  }
  return x;
}

/**
 * One reading of the UIDLs: uids[i] and vs[i] per message, -1 where the UIDL does not parse. The UIDVALIDITY
 * is the one most messages carry; messages with another one get a null UID.
 */
function reading(format: Reading['format'], uidsIn: ArrayLike<number>, vs: ArrayLike<number>, majority = true): Reading {
  const n = uidsIn.length;
  const ok = (i: number) => uidsIn[i]! >= 1 && uidsIn[i]! <= U32 && vs[i]! >= 1 && vs[i]! <= U32;
  let v = -1;
  let best = 0;
  // Fast path: one UIDVALIDITY throughout (the normal case).
  let same = n > 0;
  for (let i = 0; i < n && same; i++) same = ok(i) && vs[i] === vs[0];
  if (same) {
    v = vs[0]!;
    best = n;
  } else if (!majority) {
    return { format, map: { uidValidity: null, uids: [] }, consistent: false, matched: 0, firstUid: 0 };
  } else {
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) if (ok(i)) counts.set(vs[i]!, (counts.get(vs[i]!) ?? 0) + 1);
    for (const [cand, c] of counts) {
      if (c > best) {
        best = c;
        v = cand;
      }
    }
  }
  const uids: (number | null)[] = [];
  let rising = true;
  let last = 0;
  let firstUid = 0;
  for (let i = 0; i < n; i++) {
    if (v === -1 || vs[i] !== v || !ok(i)) {
      uids.push(null);
      continue;
    }
    const u = uidsIn[i]!;
    uids.push(u);
    if (firstUid === 0) firstUid = u;
    if (u <= last) rising = false;
    last = u;
  }
  return {
    format,
    map: { uidValidity: v === -1 ? null : String(v), uids },
    consistent: same && rising,
    matched: best,
    firstUid,
  };
}

function decimalReading(format: 'cyrus' | 'courier', uidls: readonly (string | null)[], re: RegExp): Reading {
  const uids: number[] = [];
  const vs: number[] = [];
  for (const u of uidls) {
    const m = u === null ? null : re.exec(u);
    uids.push(m ? Number(m[2]) : -1);
    vs.push(m ? Number(m[1]) : -1);
  }
  return reading(format, uids, vs);
}

function mapping(r: Reading): UidlMapping {
  return { uidlFormat: r.format, uidlMap: r.map };
}

/**
 * Map the UIDLs of a mailbox (in message-number order; null for a message without one) to IMAP UIDs.
 * `uidls` null means the server has no UIDL.
 */
export function mapUidls(uidls: readonly (string | null)[] | null, hints: UidlHints = {}): UidlMapping {
  if (uidls === null) return { uidlFormat: 'none', uidlMap: null };
  const family = serverFamily(hints);
  if (uidls.length === 0) {
    // Nothing to go by but the server's name.
    if (family === null) return { uidlFormat: 'unknown', uidlMap: null };
    if (family === 'gmail') return { uidlFormat: 'gmail', uidlMap: null };
    return { uidlFormat: family, uidlMap: { uidValidity: null, uids: [] } };
  }
  const n = uidls.length;
  const half = n / 2;
  const count = (re: RegExp) => uidls.reduce((c, u) => (u !== null && re.test(u) ? c + 1 : c), 0);

  // 16 hex digits: two halves, read both ways.
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  let hexCount = 0;
  for (let i = 0; i < n; i++) {
    const u = uidls[i];
    const h = u != null && u.length === 16 ? hex8(u, 0) : -1;
    const l = h >= 0 ? hex8(u!, 8) : -1;
    hi[i] = l >= 0 ? h : -1;
    lo[i] = l;
    if (l >= 0) hexCount++;
  }
  if (hexCount >= half) {
    // First only the consistent readings (cheap); the majority count only when neither is.
    let d = reading('dovecot', hi, lo, false);
    let w = reading('uw', lo, hi, false);
    if (d.consistent && !w.consistent) return mapping(d);
    if (w.consistent && !d.consistent) return mapping(w);
    if (d.consistent && w.consistent) {
      if (family === 'uw') return mapping(w);
      if (family === 'dovecot') return mapping(d);
      return mapping(w.firstUid < d.firstUid ? w : d);
    }
    // Neither reading holds for every message: take the one most messages agree with, if that is most of them.
    d = reading('dovecot', hi, lo);
    w = reading('uw', lo, hi);
    const pick = d.matched > w.matched ? d : w.matched > d.matched ? w : family === 'uw' ? w : d;
    return pick.matched >= half ? mapping(pick) : { uidlFormat: 'unknown', uidlMap: null };
  }

  if (count(GMAIL) >= half) return { uidlFormat: 'gmail', uidlMap: null };

  for (const [format, re] of [
    ['cyrus', DOT],
    ['courier', DASH],
  ] as const) {
    if (count(re) >= half) {
      const r = decimalReading(format, uidls, re);
      return r.matched >= half ? mapping(r) : { uidlFormat: 'unknown', uidlMap: null };
    }
  }
  return { uidlFormat: 'unknown', uidlMap: null };
}
