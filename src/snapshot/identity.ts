// One INBOX message as history keeps it, apart from schema.ts so that the message list (message-list.ts,
// pack.ts) can name it while schema.ts builds on that list: no import cycle.
import * as z from 'zod';

export const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO date');

/** Per-message identity, only with --history. Never subjects, bodies or addresses. */
export const MessageIdentitySchema = z.object({
  uid: z.number().int().positive(),
  sizeBytes: z.number().int().nonnegative(),
  internalDate: isoDate,
  /** sha256 hex of the Message-ID header value (trimmed, angle brackets kept), or null when absent. */
  messageIdHash: z.string().nullable(),
  seen: z.boolean(),
  deleted: z.boolean(),
});
export type MessageIdentity = z.infer<typeof MessageIdentitySchema>;
