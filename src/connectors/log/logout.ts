// POP3 and IMAP logout lines read as key=value fields, whatever pop3_logout_format / imap_logout_format the admin
// chose: any order, any subset, commas or not, other fields between. Pure.
//
// The labels are the admin's words, so we know the ones Dovecot's defaults use and the variables' own names:
//   2.2/2.3 pop3 default  top=%t/%p, retr=%r/%b, del=%d/%m, size=%s          (del = deleted / messages at login)
//   2.4 pop3 default      top=%{top_count}/%{top_bytes}, retr=%{retr_count}/%{retr_bytes},
//                         del=%{deleted_count}/%{deleted_bytes}, size=%{message_bytes}   (del = count / bytes)
//   pop3 variables        top_count top_bytes retr_count retr_bytes deleted_count deleted_bytes message_count
//                         message_bytes input output uidl_change session (2.2/2.3 also %t %p %r %b %d %m %s %i %o %u)
//   imap defaults         2.0 bytes=%i/%o; 2.1 in=%i out=%o; 2.2/2.3 in=%i out=%o deleted=%{deleted}
//                         expunged=%{expunged} trashed=%{trashed} hdr_count=%{fetch_hdr_count} ...; 2.4 the same
//                         with in=%{input} out=%{output}
//   imap variables        input output deleted expunged trashed autoexpunged appended fetch_hdr_count
//                         fetch_hdr_bytes fetch_body_count fetch_body_bytes session
// A known field whose value is not a plain counter makes the line unreadable (never a guessed number); unknown
// fields are passed over (uidl_change's "3/0a1b2c3d -> 1/9f8e7d6c", session ids, the admin's own extras).
import { counter } from './counter.js';

/** Whether a POP3/IMAP line is the session's last: "Disconnected: Logged out ...", "Connection closed: ...", ... */
export function isLogout(msg: string): boolean {
  const c = msg.charCodeAt(0);
  if (c === 68) return msg.startsWith('Disconnected'); // D
  if (c === 67) return msg.startsWith('Connection closed'); // C
  return c === 76 && msg.startsWith('Logged out'); // L
}

// A field: a label, "=", a value up to white space or a separator. The label must start the message or follow
// white space or a separator, so "a=b=c" and "(state=x)" parts of a reason text are not mistaken for one.
const FIELD = /(?:^|[\s,;|(])([A-Za-z][\w.-]*)=([^\s,;|()]*)/g;

function fieldsOf(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of msg.matchAll(FIELD)) {
    const key = m[1]!.toLowerCase();
    if (!out.has(key)) out.set(key, m[2]!);
  }
  return out;
}

/** "3/2612" → [3, 2612], "3" → [3, null]; undefined when the field is not a count (or two). */
function countBytes(v: string): [number, number | null] | undefined {
  const slash = v.indexOf('/');
  const a = counter(slash < 0 ? v : v.slice(0, slash));
  if (a === null) return undefined;
  if (slash < 0) return [a, null];
  const b = counter(v.slice(slash + 1));
  return b === null ? undefined : [a, b];
}

type Pop3Counter = 'top_count' | 'top_bytes' | 'retr_count' | 'retr_bytes' | 'deleted_count' | 'deleted_bytes' | 'message_count' | 'message_bytes';

/** Labels that name one counter (the variables' names, and a few an admin would write for them). */
const POP3_SINGLE: Readonly<Record<string, Pop3Counter>> = {
  top_count: 'top_count',
  top_bytes: 'top_bytes',
  retr_count: 'retr_count',
  retr_bytes: 'retr_bytes',
  deleted_count: 'deleted_count',
  deleted: 'deleted_count',
  dele: 'deleted_count',
  deleted_bytes: 'deleted_bytes',
  message_count: 'message_count',
  messages: 'message_count',
  message_bytes: 'message_bytes',
  size: 'message_bytes',
};

export interface Pop3Counters {
  top: [number, number | null] | null;
  retr: [number, number | null] | null;
  del: [number, number] | null;
  sizeBytes: number | null;
  deleted?: number;
  deletedBytes?: number;
  messages?: number;
}

// Dovecot's default formats, ending the line: read without the general field scan (most lines of a log are these).
const POP3_DEFAULT = /\btop=(\d+)\/(\d+), retr=(\d+)\/(\d+), del=(\d+)\/(\d+), size=(\d+)$/;
const IMAP_DEFAULT = /\bin=(\d+) out=(\d+)(?: deleted=(\d+) expunged=(\d+) trashed=(\d+) hdr_count=(\d+) hdr_bytes=(\d+) body_count=(\d+) body_bytes=(\d+))?$/;

/** The groups of a default-format match as counters; null when one is not (too long to be exact). */
function counters(m: RegExpExecArray): (number | null)[] | null {
  const out: (number | null)[] = [];
  for (let i = 1; i < m.length; i++) {
    if (m[i] === undefined) {
      out.push(null);
      continue;
    }
    const n = counter(m[i]);
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/**
 * The counters of a POP3 logout line, or null when a counter we know is there but unreadable, or when nothing
 * says how many messages were deleted (the one number the rules conclude from).
 */
export function pop3Counters(msg: string): Pop3Counters | null {
  const d = POP3_DEFAULT.exec(msg);
  const c = d && counters(d);
  if (c) return { top: [c[0]!, c[1]!], retr: [c[2]!, c[3]!], del: [c[4]!, c[5]!], sizeBytes: c[6]! };
  const f = fieldsOf(msg);
  const single: Partial<Record<Pop3Counter, number>> = {};
  for (const [key, value] of f) {
    const name = POP3_SINGLE[key];
    if (!name) continue;
    const n = counter(value);
    if (n === null) return null;
    single[name] ??= n;
  }
  const pair = (key: string): [number, number | null] | null | undefined => {
    const v = f.get(key);
    return v === undefined ? null : countBytes(v);
  };
  const top = pair('top');
  const retr = pair('retr');
  const delPair = pair('del');
  if (top === undefined || retr === undefined || delPair === undefined) return null;
  const join = (p: [number, number | null] | null, count: number | undefined, bytes: number | undefined): [number, number | null] | null =>
    p ?? (count === undefined ? null : [count, bytes ?? null]);
  // del=3 alone is a count; del=a/b keeps its second number for the 2.3/2.4 decision.
  const del: [number, number] | null = delPair && delPair[1] !== null ? [delPair[0], delPair[1]] : null;
  const deleted = delPair && delPair[1] === null ? delPair[0] : single.deleted_count;
  if (del === null && deleted === undefined) return null;
  const out: Pop3Counters = {
    top: join(top, single.top_count, single.top_bytes),
    retr: join(retr, single.retr_count, single.retr_bytes),
    del,
    sizeBytes: single.message_bytes ?? null,
  };
  if (deleted !== undefined && (del === null || deleted !== del[0])) out.deleted = deleted;
  if (single.deleted_bytes !== undefined) out.deletedBytes = single.deleted_bytes;
  if (single.message_count !== undefined) out.messages = single.message_count;
  return out;
}

const IMAP_COUNTS = { deleted: 'deleted', expunged: 'expunged', trashed: 'trashed' } as const;
/** Known IMAP fields that must be counters when present (the fetch counters under either label, in/out, ...). */
const IMAP_NUMERIC = new Set(['in', 'out', 'input', 'output', 'autoexpunged', 'appended', 'hdr_count', 'hdr_bytes', 'body_count', 'body_bytes',
  'fetch_hdr_count', 'fetch_hdr_bytes', 'fetch_body_count', 'fetch_body_bytes']);

export interface ImapCounters {
  deleted: number | null;
  expunged: number | null;
  trashed: number | null;
}

/** The counters of an IMAP logout line (null each when the format has none), or null when a known one is unreadable. */
export function imapCounters(msg: string): ImapCounters | null {
  const d = IMAP_DEFAULT.exec(msg);
  const c = d && counters(d);
  if (c) return { deleted: c[2] ?? null, expunged: c[3] ?? null, trashed: c[4] ?? null }; // 2.1: in/out only
  const out: ImapCounters = { deleted: null, expunged: null, trashed: null };
  for (const [key, value] of fieldsOf(msg)) {
    const name = IMAP_COUNTS[key as keyof typeof IMAP_COUNTS];
    if (name) {
      const n = counter(value);
      if (n === null) return null;
      out[name] ??= n;
    } else if (IMAP_NUMERIC.has(key) && counter(value) === null) return null;
    else if (key === 'bytes' && countBytes(value) === undefined) return null;
  }
  return out;
}
