// One interface for every mail server of the testbed (Dovecot 2.3, Cyrus 3.6, Courier 5.0): start, users, quota,
// seed, deliver, read-only fingerprint, stop. The scenario table (test/integration/server-table.test.ts) plays the
// same customer stories on each through it. Each server keeps its own way underneath: Dovecot and Courier are
// seeded as Maildir files, Cyrus (its own index) by IMAP APPEND; new mail comes through Dovecot's and Cyrus's
// LMTP, and through Courier's deliverquota (Courier has no LMTP).
import { addCourierUser, courierMailboxState, deliverCourier, seedCourier, startCourier } from './courier.js';
import { addCyrusUser, appendCyrusMessages, cyrusMailboxState, startCyrus } from './cyrus.js';
import { addUser, mailboxState, startTestbed } from './dovecot.js';
import { deliverLmtp, seedMaildir, type LmtpReply } from './seed.js';
import type { AddUserOptions, SeedMessage, TestAccount, TestbedEndpoints } from './types.js';

export type ServerKind = 'dovecot' | 'cyrus' | 'courier';
export const SERVER_KINDS: readonly ServerKind[] = ['dovecot', 'cyrus', 'courier'];

export interface MailServer {
  kind: ServerKind;
  endpoints: TestbedEndpoints;
  /** A user with a quota (default 100 MiB); `popLockSession` only where the server has the setting (Dovecot). */
  addUser(opts?: AddUserOptions): Promise<TestAccount>;
  /**
   * Put old mail into a folder with its dates and flags, in order. `folder` is the name a user sees without the
   * server's personal prefix: 'INBOX', 'Sent', 'Junk' (`INBOX.Junk` on Courier).
   */
  seed(account: TestAccount, folder: string, messages: SeedMessage[]): Promise<void>;
  /** New mail through the server's own delivery agent: 250 delivered, 5xx/4xx refused (quota: 552/452). */
  deliver(account: TestAccount, message?: SeedMessage): Promise<LmtpReply>;
  /** A read-only fingerprint of the account (folders, UIDs, flags, dates, sizes); equal twice unless mail changed. */
  state(account: TestAccount): Promise<unknown>;
  /** The full name of a user-visible folder on this server ('Junk' → 'INBOX.Junk' on Courier). */
  folder(name: string): string;
  /** Whether a second POP3 session is refused while one is open (Dovecot with pop3_lock_session). */
  hasPopLock: boolean;
  stop(): Promise<void>;
}

/** Start a fresh server of this kind on free loopback ports. */
export async function startServer(kind: ServerKind, opts: { keep?: boolean } = {}): Promise<MailServer> {
  switch (kind) {
    case 'dovecot': {
      const tb = await startTestbed();
      return {
        kind,
        endpoints: tb,
        addUser: (o) => addUser(tb, o),
        seed: async (a, folder, messages) => {
          seedMaildir(tb, a.user, folder, messages);
        },
        deliver: (a, m = {}) => deliverLmtp(tb, a, m),
        state: (a) => mailboxState(tb, a.user),
        folder: (name) => name,
        hasPopLock: true,
        stop: () => tb.stop({ keep: opts.keep }),
      };
    }
    case 'cyrus': {
      const cy = await startCyrus();
      return {
        kind,
        endpoints: cy,
        addUser: (o) => addCyrusUser(cy, o),
        seed: async (a, folder, messages) => {
          await appendCyrusMessages(cy, a, folder, messages);
        },
        deliver: (a, m = {}) => deliverLmtp(cy, a, m),
        state: (a) => cyrusMailboxState(cy, a),
        folder: (name) => name,
        hasPopLock: false,
        stop: () => cy.stop({ keep: opts.keep }),
      };
    }
    case 'courier': {
      const co = await startCourier();
      return {
        kind,
        endpoints: co,
        addUser: (o) => addCourierUser(co, o),
        seed: async (a, folder, messages) => {
          seedCourier(co, a, folder, messages);
        },
        deliver: async (a, m = {}) => deliverCourier(co, a, m),
        state: (a) => courierMailboxState(co, a),
        folder: (name) => (name.toUpperCase() === 'INBOX' ? name : `INBOX.${name}`),
        hasPopLock: false,
        stop: () => co.stop({ keep: opts.keep }),
      };
    }
  }
}
