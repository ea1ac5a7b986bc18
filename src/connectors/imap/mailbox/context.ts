// What every mailbox step is handed: the session, the capabilities we act on, the deadline and the clock.
import type { ImapSession } from '../imapflow.js';
import type { BulkMessage, StreamedSearch } from '../bulk.js';

export interface Ctx {
  client: ImapSession;
  /** Capabilities we act on (upper case; the ones a test asked us to ignore are removed). */
  caps: Set<string>;
  ms: number;
  now: Date;
  /** Run one network step with the deadline. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * A UID FETCH of INBOX on a session of our own (see bulk.ts), for big identity lists; absent when not
   * wanted. Throws on anything unexpected, and the caller falls back to imapflow.
   */
  bulk?: (uidSet: string, items: string, onMessage: (m: BulkMessage) => void) => Promise<number>;
  /**
   * A plain UID SEARCH (criteria as IMAP text) of the examined mailbox on a session of our own that counts the
   * answer as it streams in (see SearchSession); set only while a big mailbox is examined on a server without
   * ESEARCH. Throws on anything unexpected, and the caller asks the main session instead.
   */
  streamSearch?: (criteria: string) => Promise<StreamedSearch>;
  /** Identity lists of at least this many messages go through `bulk`. */
  bulkMinMessages?: number;
}
