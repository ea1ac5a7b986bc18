// The only code in maildoctor that writes to a mailbox, and only with `watch --canary`: APPEND the canary to
// INBOX in a short connection of its own, and at the end remove exactly that message again (UID STORE
// \Deleted + UID EXPUNGE of its UID, which needs UIDPLUS: a plain EXPUNGE would also remove other mail that a
// client flagged \Deleted, so without UIDPLUS the canary is left in place). The read-only probe is untouched.
import { newImapSession, type ImapSession } from '../connectors/imap/imapflow.js';
import { secretsOf } from '../connectors/credentials.js';
import { classifyImapError, withDeadline } from '../connectors/imap/errors.js';
import { plaintextAllowed, transportMode, type ConnectOptions } from '../connectors/common.js';
import { CANARY_HEADER, type CanaryMessage } from './message.js';

export type AppendResult =
  | { ok: true; uid: number; uidValidity: string; sizeBytes: number | null; appendedAt: string }
  | { ok: false; error: string };

export type Removal =
  | { state: 'removed' }
  | { state: 'already-gone' }
  | { state: 'left'; reason: string }
  | { state: 'failed'; reason: string };

async function session<T>(opts: ConnectOptions, what: string, fn: (client: ImapSession, step: <R>(name: string, f: () => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
  const ms = opts.timeoutMs;
  if (transportMode(opts.tls) === 'none' && !plaintextAllowed(opts)) throw new Error(`not sending the password without TLS for the canary ${what}`);
  const client = newImapSession(opts);
  client.on('error', () => {
    /* reported through the failing command */
  });
  const step = <R>(name: string, f: () => Promise<R>) => withDeadline(name, ms, f, () => client.close());
  try {
    await withDeadline('login', ms * 2, () => client.connect(), () => client.close());
    return await fn(client, step);
  } finally {
    try {
      if (client.usable) await withDeadline('logout', Math.min(ms, 5000), () => client.logout(), () => client.close());
    } catch {
      /* done anyway */
    }
    client.close();
  }
}

function explain(e: unknown, opts: ConnectOptions, step: string): string {
  const pe = classifyImapError(e, step, `${opts.host}:${opts.port}`, secretsOf(opts.credentials));
  return `${pe.kind}: ${pe.message}`;
}

/** APPEND the canary to INBOX (no flags: unread, like new mail) and learn its UID. */
export async function appendCanary(opts: ConnectOptions, msg: CanaryMessage, now: Date): Promise<AppendResult> {
  let at = 'login';
  try {
    return await session(opts, 'APPEND', async (client, step) => {
      at = 'append';
      const r = await step('append', () => client.append('INBOX', msg.raw, [], now));
      if (!r) return { ok: false as const, error: 'the server refused the APPEND to INBOX' };
      let uid = r.uid ?? null;
      let uidValidity = r.uidValidity !== undefined ? r.uidValidity.toString() : null;
      // Without UIDPLUS (no APPENDUID), find it by its own header.
      at = 'examine INBOX';
      const box = await step('examine INBOX', () => client.mailboxOpen('INBOX', { readOnly: true }));
      if (uidValidity === null || uidValidity !== box.uidValidity.toString()) uid = null;
      uidValidity = box.uidValidity.toString();
      if (uid === null) {
        at = 'search';
        const found = await step('search', () => client.search({ header: { [CANARY_HEADER]: msg.id } }, { uid: true }));
        uid = found && found.length === 1 ? found[0]! : null;
      }
      if (uid === null) return { ok: false as const, error: 'the canary was written but its UID could not be found (it stays in INBOX: safe to delete)' };
      at = 'fetch';
      const m = await step('fetch', () => client.fetchOne(String(uid), { uid: true, size: true }, { uid: true }));
      return { ok: true as const, uid, uidValidity, sizeBytes: m ? (m.size ?? null) : null, appendedAt: now.toISOString() };
    });
  } catch (e) {
    return { ok: false, error: explain(e, opts, at) };
  }
}

/** Remove exactly the canary (by UID, after checking its header), unless it is gone already. */
export async function removeCanary(opts: ConnectOptions, msg: CanaryMessage, where: { uid: number; uidValidity: string }): Promise<Removal> {
  let at = 'login';
  try {
    return await session(opts, 'removal', async (client, step): Promise<Removal> => {
      if (!client.capabilities.has('UIDPLUS')) {
        return { state: 'left', reason: 'the server lacks UIDPLUS, so only a plain EXPUNGE could remove it, and that would also expunge other messages flagged \\Deleted' };
      }
      at = 'select INBOX';
      const box = await step('select INBOX', () => client.mailboxOpen('INBOX'));
      if (box.uidValidity.toString() !== where.uidValidity) return { state: 'left', reason: 'INBOX UIDVALIDITY changed during the watch, so its UID no longer names it' };
      at = 'fetch';
      const m = await step('fetch', () => client.fetchOne(String(where.uid), { uid: true, headers: [CANARY_HEADER] }, { uid: true }));
      if (!m) return { state: 'already-gone' };
      const header = m.headers ? m.headers.toString('latin1') : '';
      if (!new RegExp(`^${CANARY_HEADER}:\\s*${msg.id}\\s*$`, 'im').test(header)) {
        return { state: 'left', reason: `UID ${where.uid} in INBOX is not the canary (header ${CANARY_HEADER} does not match): nothing removed` };
      }
      at = 'expunge';
      const ok = await step('expunge', () => client.messageDelete(String(where.uid), { uid: true }));
      return ok ? { state: 'removed' } : { state: 'failed', reason: 'the server refused UID STORE \\Deleted or UID EXPUNGE' };
    });
  } catch (e) {
    return { state: 'failed', reason: explain(e, opts, at) };
  }
}
