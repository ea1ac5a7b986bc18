// The shapes of the log parser (line.ts, cyrus.ts): one line's result, its events, and the per-file context.
import type { TimeContext } from './time.js';

/** What one Cyrus process's current session has shown so far (cyrus.ts). */
export interface CyrusSession {
  user: string;
  protocol: LogProtocol;
  session: string | undefined;
  /** Messages expunged in the session ("Expunged N messages from ..."). */
  expunged: number;
}

export type LogProtocol = 'imap' | 'pop3';

/** A count and, when the format logs it, its bytes (top=%t/%p, retr=%r/%b; retr_count= alone has no bytes). */
export type CountBytes = [number, number | null];

export type LogEvent =
  /**
   * pop3 logout. top/retr: count and bytes. del: a `del=a/b` field, whose second number is messages at login on
   * 2.3's default and deleted bytes on 2.4's. deleted/deletedBytes/messages: fields that name one counter alone
   * (deleted_count=, del=3, deleted_bytes=, message_count=), present only when the line has them.
   */
  | {
      type: 'pop3-logout';
      user: string;
      quit: boolean;
      top: CountBytes | null;
      retr: CountBytes | null;
      del: [number, number] | null;
      sizeBytes: number | null;
      deleted?: number;
      deletedBytes?: number;
      messages?: number;
      /**
       * cyrus: Cyrus's "counts:" line (no bytes; deleted from its "Expunged" line). courier: Courier's LOGOUT line,
       * which counts no deletions (deleted unknown when quit, none without QUIT) and downloads in bytes only.
       */
      server?: 'cyrus' | 'courier';
    }
  /** imap logout: in/out bytes and, since 2.2, deleted/expunged/trashed counts (null when the format has none). */
  | { type: 'imap-logout'; user: string; quit: boolean; deleted: number | null; expunged: number | null; trashed: number | null }
  | { type: 'login'; user: string; protocol: LogProtocol | 'other'; method: string | null; ip: string | null }
  | { type: 'auth-failed'; user: string; protocol: LogProtocol | 'other'; method: string | null; ip: string | null }
  /** mail_log plugin: expunge, delete, undelete, copy, save, flag_change, mailbox_delete, mailbox_rename. */
  | { type: 'mail-log'; user: string; service: string; action: string; box: string | null; from: string | null; sizeBytes: number | null; count?: number }
  | { type: 'delivered'; user: string; box: string }
  /** A delivery refused for quota; temporary = 452 4.2.2 (the sender retries), else 552 5.2.2 / save failed. */
  | { type: 'quota-refused'; user: string; temporary: boolean };

/** What an unreadable line of a known account was about: its counters or its result are unknown. */
export type UnreadKind = 'pop3-logout' | 'imap-logout' | 'delivery' | 'mail-log';

export type LineResult =
  /** session: Dovecot's session id (the login line's session=<...>, the last <...> of a service prefix), when the line has one. */
  | { kind: 'event'; time: number | null; event: LogEvent; session?: string }
  /** A log line we understood that carries nothing we count (connects, other services, ...). */
  | { kind: 'other'; time: number | null }
  /** A syslog line of another program. */
  | { kind: 'other-program'; time: number | null }
  /** A line we cannot read (LineContext.unread hears which account it named, when it did). */
  | { kind: 'unparseable' };

/** An unreadable line that names an account: whose it is, what kind of line, when. */
export interface UnreadLine {
  user: string;
  what: UnreadKind;
  time: number | null;
}

export interface LineContext extends TimeContext {
  /** Called for a line that names an account but whose counters or result cannot be read (then 'unparseable'). */
  unread?: (about: UnreadLine) => void;
  /** Cyrus sessions open so far, by process (cyrus.ts); created on the first Cyrus line. Keep one across files. */
  cyrus?: Map<string, CyrusSession>;
  /** Set when a line of Cyrus, Courier or an MTA (Postfix, Exim) was seen: Cyrus logs no refused delivery, its MTA does. */
  seen?: { cyrus?: boolean; courier?: boolean; mta?: boolean };
}

