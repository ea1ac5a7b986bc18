// The device timeline of a server log (LogEvidence.timeline): per device (protocol and client address) and per
// hour or day, what it did to the account. Counts only: no subjects, no message ids.
import * as z from 'zod';
import { isoDate } from './identity.js';

const n = z.number().int().nonnegative();

/** What happened in one bucket (or in total): every field a count of this account's log lines' doing. */
export const TimelineCountsSchema = z.object({
  logins: n,
  failedLogins: n,
  /** POP3 sessions that logged out (their logout line was read). */
  popSessions: n,
  retrMessages: n,
  retrBytes: z.number().nonnegative(),
  /** Messages a POP3 session deleted (DELE applied at QUIT). */
  popDeleted: n,
  /** IMAP sessions that logged out. */
  imapSessions: n,
  /** IMAP messages expunged (logout counters, or mail_log expunge lines where the logout has none). */
  expunged: n,
  /** IMAP messages copied or moved to Trash. */
  trashed: n,
  /** Deliveries saved (LMTP/LDA) and refused for quota. */
  delivered: n,
  quotaRefused: n,
});
export type TimelineCounts = z.infer<typeof TimelineCountsSchema>;

export const TimelineDeviceSchema = z.object({
  /** 'delivery': the mail server delivering to the account (LMTP/LDA, Postfix), not a client. */
  kind: z.enum(['pop3', 'imap', 'delivery']),
  /** Client address (rip); 'unknown' when a session's login line was not in the log. Null for delivery. */
  ip: z.string().nullable(),
  first: isoDate.nullable(),
  last: isoDate.nullable(),
  /** When this device deleted (POP3 DELE, IMAP expunge): first and last such line. */
  firstDelete: isoDate.nullable(),
  lastDelete: isoDate.nullable(),
  totals: TimelineCountsSchema,
  /** Buckets with activity, oldest first; start is the bucket's start in UTC. */
  buckets: z.array(TimelineCountsSchema.extend({ start: isoDate })),
});
export type TimelineDevice = z.infer<typeof TimelineDeviceSchema>;

export const LogTimelineSchema = z.object({
  bucket: z.enum(['hour', 'day']),
  /** 'auto': chosen from the span (hours up to 3 days, else days); 'given': --timeline-bucket. */
  bucketChosen: z.enum(['auto', 'given']),
  /** Hourly buckets were merged into days to keep memory bounded (too many device-hours). */
  coarsened: z.boolean(),
  /** Devices seen, and shown (the most active first); the rest are summed in `others`. */
  devicesSeen: n,
  devicesShown: n,
  devices: z.array(TimelineDeviceSchema),
  others: z.object({ devices: n, totals: TimelineCountsSchema }).nullable(),
  /** The device that deleted most (POP3 deletions plus IMAP expunges), and when; null when none deleted. */
  topDeleter: z
    .object({ kind: z.enum(['pop3', 'imap']), ip: z.string(), deleted: n, firstDelete: isoDate.nullable(), lastDelete: isoDate.nullable() })
    .nullable(),
  /** Logouts and mail_log lines whose session had no login line in the log (device unknown). */
  sessionsWithoutLogin: n,
});
export type LogTimeline = z.infer<typeof LogTimelineSchema>;
