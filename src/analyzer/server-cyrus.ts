// Whether the server is Cyrus IMAP, read from what a snapshot already holds: the IMAP greeting ("Cyrus IMAP 3.6.1
// ... server ready") or ID name, the POP3 greeting ("Cyrus POP3 ...") or its CAPA IMPLEMENTATION. A local helper
// of the rules that give Cyrus-only advice (mail-vanished, pop-deletes-mail), to be merged into the general
// server-identity module once that lands.
import type { Snapshot } from '../snapshot/schema.js';
import { loginOf } from './facts.js';

const CYRUS = /\bCyrus (IMAP|POP3)\b/i;

export function isCyrus(snapshot: Snapshot): boolean {
  const imap = loginOf(snapshot, 'imap');
  const pop = loginOf(snapshot, 'pop');
  const texts = [
    imap?.ok ? imap.evidence.greeting : null,
    imap?.ok ? (imap.evidence.serverId?.['name'] ?? null) : null,
    pop?.ok ? pop.evidence.greeting : null,
    pop?.ok ? pop.evidence.implementation : null,
  ];
  return texts.some((t) => t !== null && CYRUS.test(t));
}
