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
  /** UIDLs that parsed and carry the majority UIDVALIDITY. */
  matched: number;
}

const DOT = /^(\d{1,10})\.(\d{1,10})$/;
const DASH = /^(\d{1,10})-(\d{1,10})$/;
const GMAIL = /^GmailId[0-9a-f]+$/i;
const U32 = 0xffffffff;

/**
 * Each UIDL read as 16 hex digits, split into its two 32-bit halves: hi[i] and lo[i], both -1 where UIDL i is
 * not 16 hex digits. The UIDL parser fills these while the bytes pass by (see listing.ts), so that mapUidls does
 * not read 100k strings a second time; arrays may be longer than the UIDL list.
 */
export interface UidlHalves {
  hi: Float64Array;
  lo: Float64Array;
  /** How many UIDLs are 16 hex digits. */
  hexCount: number;
}

/** 8 hex digits at `at` as a number, or -1. (By hand: 100k UIDLs should cost milliseconds.) */
export function hex8(s: string, at: number): number {
  let x = 0;
  for (let i = at; i < at + 8; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    x = x * 16 + d;
  }
  return x;
}

/** hex8 over bytes (ASCII). */
export function hex8Bytes(b: Uint8Array, at: number): number {
  let x = 0;
  for (let i = at; i < at + 8; i++) {
    const c = b[i]! | 0x20;
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
function reading(format: Reading['format'], uidsIn: ArrayLike<number>, vs: ArrayLike<number>): Reading {
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
  for (let i = 0; i < n; i++) uids.push(v === -1 || vs[i] !== v || !ok(i) ? null : uidsIn[i]!);
  return { format, map: { uidValidity: v === -1 ? null : String(v), uids }, matched: best };
}

/** Each UIDL of 16 hex digits as its two halves in hi and lo, -1 in both for any other; returns how many were. */
function splitHex(uidls: readonly (string | null)[], hi: Float64Array, lo: Float64Array): number {
  // A function of its own: one small loop gets optimized quickly, which matters for one call over 100k UIDLs.
  let count = 0;
  for (let i = 0; i < uidls.length; i++) {
    const u = uidls[i];
    const h = u != null && u.length === 16 ? hex8(u, 0) : -1;
    const l = h >= 0 ? hex8(u!, 8) : -1;
    hi[i] = l >= 0 ? h : -1;
    lo[i] = l;
    if (l >= 0) count++;
  }
  return count;
}

/**
 * The reading holds for every message: all parse, one UIDVALIDITY, UIDs strictly rising. Checked without building
 * anything, since for a big mailbox this is the whole cost of telling Dovecot from UW.
 */
function consistent(uids: Float64Array, vs: Float64Array): boolean {
  const n = uids.length;
  if (n === 0) return false;
  const v = vs[0]!;
  if (!(v >= 1 && v <= U32)) return false;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const u = uids[i]!;
    if (vs[i] !== v || !(u >= 1 && u <= U32) || u <= last) return false;
    last = u;
  }
  return true;
}

/** The mapping of a consistent reading: UIDVALIDITY from the first message, every UID as it is. */
function consistentMapping(format: 'dovecot' | 'uw', uids: Float64Array, vs: Float64Array): UidlMapping {
  const n = uids.length;
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = uids[i]!;
  return { uidlFormat: format, uidlMap: { uidValidity: String(vs[0]!), uids: out } };
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
 * `uidls` null means the server has no UIDL. `halves`, when given, must be the hex halves of these same UIDLs.
 */
export function mapUidls(uidls: readonly (string | null)[] | null, hints: UidlHints = {}, halves?: UidlHalves): UidlMapping {
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
  let hi: Float64Array;
  let lo: Float64Array;
  let hexCount: number;
  if (halves) {
    hi = halves.hi.subarray(0, n);
    lo = halves.lo.subarray(0, n);
    hexCount = halves.hexCount;
  } else {
    hi = new Float64Array(n);
    lo = new Float64Array(n);
    hexCount = splitHex(uidls, hi, lo);
  }
  if (hexCount >= half) {
    // First only the consistent readings (cheap); the majority count only when neither is.
    const dc = consistent(hi, lo);
    const wc = consistent(lo, hi);
    if (dc && !wc) return consistentMapping('dovecot', hi, lo);
    if (wc && !dc) return consistentMapping('uw', lo, hi);
    if (dc && wc) {
      if (family === 'uw') return consistentMapping('uw', lo, hi);
      if (family === 'dovecot') return consistentMapping('dovecot', hi, lo);
      // The first UIDs of the two readings are lo[0] (UW) and hi[0] (Dovecot).
      return lo[0]! < hi[0]! ? consistentMapping('uw', lo, hi) : consistentMapping('dovecot', hi, lo);
    }
    // Neither reading holds for every message: take the one most messages agree with, if that is most of them.
    const d = reading('dovecot', hi, lo);
    const w = reading('uw', lo, hi);
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
