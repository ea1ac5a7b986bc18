// Helpers for tests that use the shared Dovecot testbed started by test/global-setup.ts.
import { inject } from 'vitest';
import { addMasterUser, addUser, mailboxState } from '../../src/testbed/dovecot.js';
import { createFolder, deliverLmtp, seedMaildir } from '../../src/testbed/seed.js';
import type { AddUserOptions, SeedMessage, TestbedInfo, TestUser } from '../../src/testbed/types.js';
import type { ConnectOptions } from '../../src/connectors/common.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';

export { createFolder, deliverLmtp, mailboxState, seedMaildir };
export type { SeedMessage, TestbedInfo, TestUser };

/** The running testbed (from globalSetup). */
export function testbed(): TestbedInfo {
  const tb = inject('testbed');
  if (!tb) throw new Error('no testbed: run the tests through vitest with test/global-setup.ts');
  return tb;
}

/** A fresh user on the shared testbed. */
export function newUser(opts: AddUserOptions = {}): Promise<TestUser> {
  return addUser(testbed(), opts);
}

/** A fresh master user (an admin who logs in on behalf of any user: customer*admin or PLAIN authzid). */
export function newMasterUser(opts: { password?: string } = {}): { user: string; password: string } {
  return addMasterUser(testbed(), opts);
}

const DAY = 86_400_000;
/** A date `days` days (fractional allowed) before `now`. */
export function daysAgo(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - days * DAY);
}

function connectOptions(protocol: 'imap' | 'pop3', user: TestUser, over: Partial<ConnectOptions>): ConnectOptions {
  const tb = testbed();
  const tls = over.tls ?? 'implicit';
  const ports = protocol === 'imap' ? { implicit: tb.ports.imaps, other: tb.ports.imap } : { implicit: tb.ports.pop3s, other: tb.ports.pop3 };
  return {
    host: tb.host,
    port: tls === 'implicit' ? ports.implicit : ports.other,
    tls,
    credentials: passwordCredentials(user.user, user.password),
    ca: tb.caPem,
    timeoutMs: 10_000,
    ...over,
  };
}

/** Connection options for a testbed user over IMAP (implicit TLS by default, trusting the testbed CA). */
export function imapOptions(user: TestUser, over: Partial<ConnectOptions> = {}): ConnectOptions {
  return connectOptions('imap', user, over);
}

/** Connection options for a testbed user over POP3 (implicit TLS by default, trusting the testbed CA). */
export function pop3Options(user: TestUser, over: Partial<ConnectOptions> = {}): ConnectOptions {
  return connectOptions('pop3', user, over);
}

/**
 * Maildir files (from mailboxState) as message → flags per folder, wherever the file sits: Dovecot moves
 * delivered mail from new/ to cur/ on the first session (docs/dovecot-notes.md), which changes no message.
 */
export function messagesAndFlags(files: Record<string, string[]>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [folder, names] of Object.entries(files)) {
    out[folder] = {};
    for (const name of names) {
      const base = name.replace(/^(cur|new)\//, '');
      const i = base.indexOf(':2,');
      out[folder][i === -1 ? base : base.slice(0, i)] = i === -1 ? '' : base.slice(i + 3);
    }
  }
  return out;
}
