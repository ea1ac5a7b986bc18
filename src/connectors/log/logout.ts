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

/** The start of a POP3/IMAP session's last line: "Disconnected: Logged out ...", "Connection closed: ...", ... */
export const LOGOUT_START = /^(?:Disconnected\b|Connection closed\b|Logged out\b)/;

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

/**
 * The counters of a POP3 logout line, or null when a counter we know is there but unreadable, or when nothing
 * says how many messages were deleted (the one number the rules conclude from).
 */
export function pop3Counters(msg: string): Pop3Counters | null {
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
