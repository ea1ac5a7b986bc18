// Helpers for tests that use the shared Dovecot testbed started by test/global-setup.ts.
import { inject } from 'vitest';
import { addUser, doveadm, mailboxState } from '../../src/testbed/dovecot.js';
import { createFolder, deliverLmtp, seedMaildir } from '../../src/testbed/seed.js';
import type { AddUserOptions, SeedMessage, TestbedInfo, TestUser } from '../../src/testbed/types.js';
import type { ConnectOptions } from '../../src/connectors/common.js';

export { addUser, createFolder, deliverLmtp, doveadm, mailboxState, seedMaildir };
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

const DAY = 86_400_000;
/** A date `days` days (fractional allowed) before `now`. */
export function daysAgo(days: number, now: Date = new Date()): Date {
  return new Date(now.getTime() - days * DAY);
}

/** Connection options for a testbed user over IMAP (implicit TLS by default, trusting the testbed CA). */
export function imapOptions(user: TestUser, over: Partial<ConnectOptions> = {}): ConnectOptions {
  const tb = testbed();
  const tls = over.tls ?? 'implicit';
  return {
    host: tb.host,
    port: tls === 'implicit' ? tb.ports.imaps : tb.ports.imap,
    tls,
    user: user.user,
    password: user.password,
    ca: tb.caPem,
    timeoutMs: 10_000,
    ...over,
  };
}

/** Connection options for a testbed user over POP3 (implicit TLS by default, trusting the testbed CA). */
export function pop3Options(user: TestUser, over: Partial<ConnectOptions> = {}): ConnectOptions {
  const tb = testbed();
  const tls = over.tls ?? 'implicit';
  return {
    host: tb.host,
    port: tls === 'implicit' ? tb.ports.pop3s : tb.ports.pop3,
    tls,
    user: user.user,
    password: user.password,
    ca: tb.caPem,
    timeoutMs: 10_000,
    ...over,
  };
}
