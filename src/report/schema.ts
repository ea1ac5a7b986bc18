// The JSON report contract, "maildoctor/report@1". The CLI, CI jobs and fleet scans validate reports with
// ReportSchema. Finding ids are checked for shape, not against today's list, so a reader built now still
// accepts a report from a later maildoctor that knows more findings; evidence is open per finding
// (see docs/findings.md for each id's fields).
import * as z from 'zod';
import { AnomalySchema, EndpointSchema } from '../snapshot/schema.js';
import { LogTimelineSchema } from '../snapshot/timeline-schema.js';
import type { TestLogEntry } from '../snapshot/trace.js';
import { REPORT_SCHEMA } from './schema-id.js';

export { REPORT_SCHEMA };

const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'not a kebab-case id');
export const SeveritySchema = z.enum(['info', 'warning', 'critical']);
export const StatusSchema = z.enum(['ok', 'warning', 'critical', 'unknown']);

export const ReportFindingSchema = z.object({
  id: kebab,
  severity: SeveritySchema,
  title: z.string().min(1),
  explanation: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  steps: z.array(z.string()),
  /** The steps as data, in the same order: key and parameters (absent in reports before it was added). */
  stepKeys: z.array(z.object({ key: kebab, params: z.record(z.string(), z.unknown()) })).optional(),
  confidence: z.enum(['low', 'medium', 'high']).optional(),
});

export const ProbeSummarySchema = z.object({
  state: z.enum(['ok', 'failed', 'not-probed']),
  /** The server software as the server names it (IMAP ID, POP3 IMPLEMENTATION, greeting), when known. */
  software: z.string().nullable().optional(),
  durationMs: z.number().nonnegative().nullable(),
  error: z
    .object({ kind: z.string(), message: z.string(), step: z.string().nullable(), code: z.string().nullable() })
    .nullable(),
});

const nullableNumber = z.number().nullable();

/**
 * Which software answered and which hosted provider runs it, as the server showed it (never guessed: null when
 * nothing named it). source / providerSource: the evidence that said so (imap-id, imap-greeting,
 * imap-capability, imap-folders, pop-implementation, pop-greeting, host-name).
 */
export const ServerIdentitySchema = z.object({
  software: kebab.nullable(),
  version: z.string().nullable(),
  provider: kebab.nullable(),
  source: kebab.nullable(),
  providerSource: kebab.nullable(),
});

export const TestLogEntrySchema = z.object({
  atMs: z.number().nonnegative(),
  protocol: z.enum(['dns', 'imap', 'pop3']),
  step: z.string(),
  outcome: z.enum(['ok', 'failed', 'info']),
  ms: z.number().nonnegative().nullable(),
  detail: z.string().nullable(),
}) satisfies z.ZodType<TestLogEntry>;
const nullableString = z.string().nullable();

export const DetailsSchema = z.object({
  servers: z.array(
    z.object({
      protocol: z.enum(['imap', 'pop3']),
      host: z.string(),
      port: z.number().int(),
      transport: z.enum(['implicit', 'starttls', 'none']),
      /** Null when the connection had no TLS or the probe failed before it. */
      tls: z
        .object({
          protocol: nullableString,
          cipher: nullableString,
          verified: z.boolean(),
          verifyError: nullableString,
          insecure: z.boolean(),
          subject: nullableString,
          issuer: nullableString,
          validTo: nullableString,
        })
        .nullable(),
      greeting: nullableString,
      loginMethod: nullableString,
      /** IMAP CAPABILITY after login, POP3 CAPA (after login when given); [] when the probe failed. */
      capabilities: z.array(z.string()),
      /** IMAP: which probe path read each fact (snapshot imap.evidence.paths), in words; absent when not recorded. */
      probePaths: z.string().optional(),
    }),
  ),
  folders: z.array(
    z.object({
      path: z.string(),
      specialUse: nullableString,
      messages: nullableNumber,
      unseen: nullableNumber,
      sizeBytes: nullableNumber,
      oldest: nullableString,
      newest: nullableString,
    }),
  ),
  quota: z.array(z.object({ root: z.string(), resource: z.string(), usage: z.number(), limit: z.number(), unit: z.string() })),
  /**
   * One point per probe, oldest first, the last one this check: INBOX messages, and since the point before it
   * (same UIDVALIDITY) how many arrived (UIDNEXT growth) and how many left INBOX (moved or deleted). Null where a
   * probe had no IMAP evidence or the UIDVALIDITY changed.
   */
  history: z.array(
    z.object({
      takenAt: z.string(),
      inboxMessages: nullableNumber,
      arrived: nullableNumber,
      leftInbox: nullableNumber,
      uidValidityChanged: z.boolean(),
      quotaUsedBytes: nullableNumber,
      quotaLimitBytes: nullableNumber,
    }),
  ),
  /** With a server log: logins per device (protocol and client address), first and last seen. */
  devices: z.array(
    z.object({ protocol: z.enum(['imap', 'pop3']), ip: z.string(), logins: z.number().int().nonnegative(), first: nullableString, last: nullableString, methods: z.array(z.string()) }),
  ),
});

export const ReportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  tool: z.object({ name: z.literal('maildoctor'), version: z.string() }),
  generatedAt: z.string(),
  snapshotTakenAt: z.string(),
  account: z
    .object({
      user: z.string(),
      imap: EndpointSchema.nullable(),
      pop: EndpointSchema.nullable(),
      /** Whose credentials logged in, when not the user's own: an admin on behalf of `user` (--auth-user). */
      authUser: z.string().optional(),
      /** With authUser: the login name was `user<masterSeparator>authUser` (Dovecot master users), not SASL PLAIN authzid. */
      masterSeparator: z.string().optional(),
    })
    .strict(),
  /** check ADDRESS without --host: the address, and which discovery source named each server (absent with --host). */
  foundBy: z.object({ address: z.string(), imap: kebab.nullable(), pop: kebab.nullable() }).optional(),
  status: StatusSchema,
  verdict: z.string().min(1),
  /** The time zone the report's words use for times (check --tz); every time field stays UTC ISO. */
  timeZone: z.string().optional(),
  probes: z.object({ imap: ProbeSummarySchema, pop: ProbeSummarySchema }),
  /**
   * The server software per protocol (null: not probed) and the account's hosted provider (gmail, microsoft,
   * icloud, yahoo), from the ID response, greetings, CAPA IMPLEMENTATION, capabilities, folders and host names.
   * Absent in reports before it was added.
   */
  server: z.object({ imap: ServerIdentitySchema.nullable(), pop: ServerIdentitySchema.nullable(), provider: kebab.nullable() }).optional(),
  findings: z.array(ReportFindingSchema),
  /** kind: waits-for-earlier-probe, waits-for-log, missing-evidence, incomplete-evidence, rule-error, login-only (absent before it was added). */
  skipped: z.array(z.object({ rule: kebab, reason: z.string(), kind: kebab.optional() })),
  checked: z.array(kebab),
  errors: z.array(z.object({ rule: kebab, message: z.string() })),
  /**
   * What the verdict rests on. partial: a protocol was not probed (--only) or its probe failed, so the rules
   * that needed it did not run; the verdict's first words say so in every format.
   */
  coverage: z
    .object({
      partial: z.boolean(),
      observed: z.array(z.enum(['imap', 'pop'])),
      notProbed: z.array(z.enum(['imap', 'pop'])),
      failed: z.array(z.enum(['imap', 'pop'])),
      /** Rules that did not run for lack of evidence (not counting those that wait for history or a log). */
      rulesNotRun: z.number().int().nonnegative(),
      /** Only the logins were checked (check --just-login): the mailbox was not read. Absent for a full check. */
      loginOnly: z.literal(true).optional(),
    })
    .optional(),
  /**
   * Server data that made no sense (a negative quota, a count beyond the protocol's range, UIDL against STAT):
   * each value was treated as unknown and the rules that needed it say so in skipped. Absent when none.
   */
  anomalies: z.array(AnomalySchema).optional(),
  /** Evidence a probe meant to read and could not (a quota that failed, a folder step that timed out), in words. */
  gaps: z.array(z.string()).optional(),
  /** With history: the earlier probe compared with, and newer probes passed over because they lacked evidence. */
  comparedWith: z.object({ takenAt: z.string(), passedOver: z.array(z.string()) }).nullable().optional(),
  /** Present when the customer's answers were given (check --devices …): the article's protocol choice. */
  recommendation: z
    .object({ protocol: z.enum(['imap', 'pop3']), reasons: z.array(z.string()), caveats: z.array(z.string()) })
    .optional(),
  /**
   * What the HTML report draws and tabulates beyond the findings: the servers (TLS, software, capabilities),
   * the folders and quota, with history the INBOX and quota over earlier probes, with a server log the logins
   * per device. Present only when asked for (buildReport's details option; `--format html` asks). Times UTC ISO.
   */
  details: DetailsSchema.optional(),
  /**
   * The test log (check --include-log): what the probe tried, step by step, in the order it was logged. atMs is
   * when, in ms since the probe began; ms how long the step took (null for a fact read on the way). Never a secret.
   */
  testLog: z.array(TestLogEntrySchema).optional(),
  /** The device timeline of the server log (check --log): per device and hour or day, who deleted what and when. */
  timeline: LogTimelineSchema.optional(),
  metrics: z.object({
    quotaStorageUsedBytes: nullableNumber,
    quotaStorageLimitBytes: nullableNumber,
    quotaStorageRatio: nullableNumber,
    quotaMessagesUsed: nullableNumber,
    quotaMessagesLimit: nullableNumber,
    quotaMessagesRatio: nullableNumber,
    quotaWarnRatio: z.number(),
    quotaCritRatio: z.number(),
    inboxMessages: nullableNumber,
    popMessages: nullableNumber,
    imapDurationMs: nullableNumber,
    popDurationMs: nullableNumber,
  }),
});

export type ReportJson = z.infer<typeof ReportSchema>;
