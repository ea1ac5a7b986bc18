// A read-only fingerprint of an IMAP account for the testbed's read-only proofs on servers that keep their own
// index (Cyrus, Courier): every folder's STATUS and its messages' UIDs, flags, dates and sizes, read under
// EXAMINE. \Recent is left out: it belongs to sessions, not to the mailbox.
import { quoted, type ImapSession } from './imap-session.js';

export interface ImapFolderState {
  /** STATUS of the items asked for, as the server answered. */
  status: string;
  /** One line a message: `UID FLAGS (...) INTERNALDATE "..." RFC822.SIZE n`, flags sorted, \Recent left out. */
  messages: string[];
}

/** Every selectable folder's state, read with `s` (logged in); `items` are the STATUS items to record. */
export async function imapMailboxState(s: ImapSession, items: string): Promise<Record<string, ImapFolderState>> {
  const folders = (await s.ok('LIST "" "*"')).untagged.map(listedName).filter((f): f is string => f !== null).sort();
  const out: Record<string, ImapFolderState> = {};
  for (const folder of folders) {
    const st = await s.ok(`STATUS ${quoted(folder)} (${items})`);
    const status = st.untagged.find((u) => /^STATUS /i.test(u))?.replace(/^STATUS .*?\(/i, '(') ?? '';
    await s.ok(`EXAMINE ${quoted(folder)}`);
    const fetched = (await s.ok('UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)')).untagged.filter((u) => /^\d+ FETCH /i.test(u));
    out[folder] = { status, messages: fetched.map(normalizeFetch).sort(byUid) };
  }
  return out;
}

/** The mailbox name of a LIST response (quoted or atom; literals arrive inlined), null for \Noselect. */
function listedName(untagged: string): string | null {
  const m = /^LIST \(([^)]*)\) (?:NIL|"(?:[^"\\]|\\.)*") (.*)$/i.exec(untagged);
  if (!m || /\\Noselect/i.test(m[1]!)) return null;
  const raw = m[2]!;
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.replace(/^\{\d+\}/, '');
}

function normalizeFetch(line: string): string {
  const uid = /\bUID (\d+)/i.exec(line)?.[1] ?? '?';
  const flags = (/\bFLAGS \(([^)]*)\)/i.exec(line)?.[1] ?? '').split(/\s+/).filter((f) => f && f.toLowerCase() !== '\\recent').sort();
  const date = /\bINTERNALDATE ("[^"]*")/i.exec(line)?.[1] ?? '?';
  const size = /\bRFC822\.SIZE (\d+)/i.exec(line)?.[1] ?? '?';
  return `${uid} FLAGS (${flags.join(' ')}) INTERNALDATE ${date} RFC822.SIZE ${size}`;
}

function byUid(a: string, b: string): number {
  return Number(a.split(' ')[0]) - Number(b.split(' ')[0]);
}
