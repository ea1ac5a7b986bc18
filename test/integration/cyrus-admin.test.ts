// Admin logins on Cyrus (issue 14): Cyrus lets a user listed in imapd.conf `admins` authenticate with its own
// password and act as another user through the SASL PLAIN authorization identity (proxy authorization). This
// file proves maildoctor's `--auth-user` on the real Cyrus over IMAP and POP3: the customer's mailbox is read and
// left as it was, and a wrong admin password or a user who is no admin fails as login-failed on both protocols.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema, type ReportJson } from '../../src/report/schema.js';
import { addCyrusUser, appendCyrusMessages, cyrusMailboxState, startCyrus, type CyrusTestbed } from '../../src/testbed/cyrus.js';
import type { TestAccount } from '../../src/testbed/types.js';
import { accountArgs, runCli } from '../support/cli.js';
import { daysAgo } from '../support/testbed.js';

let cy: CyrusTestbed;
let customer: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  cy = await startCyrus();
  customer = await addCyrusUser(cy);
  other = await addCyrusUser(cy);
  await appendCyrusMessages(cy, customer, 'INBOX', [{ date: daysAgo(30), flags: ['\\Seen'] }, { date: daysAgo(3) }, { date: daysAgo(0.5) }]);
  await appendCyrusMessages(cy, customer, 'Junk', [{ date: daysAgo(1) }]);
}, 180_000);

afterAll(async () => {
  await cy?.stop();
});

async function checkAs(authUser: string, password: string): Promise<{ code: number; stdout: string; stderr: string; report: ReportJson }> {
  const r = await runCli(['check', ...accountArgs(cy, customer), '--auth-user', authUser, '--no-history', '--format', 'json'], { env: { MAILDOCTOR_PASSWORD: password } });
  let report: ReportJson;
  try {
    report = ReportSchema.parse(JSON.parse(r.stdout));
  } catch (e) {
    throw new Error(`check --auth-user ${authUser}: no report (exit ${r.code}): ${r.stderr}`, { cause: e });
  }
  return { ...r, report };
}

describe('admin logins on Cyrus (SASL PLAIN authorization identity, imapd.conf admins)', () => {
  it("the admin reads the customer's mailbox over IMAP and POP3 with SASL PLAIN authzid, and leaves it as it was", async () => {
    const before = await cyrusMailboxState(cy, customer);
    const r = await checkAs(cy.admin.user, cy.admin.password);
    expect(r.report.account).toMatchObject({ user: customer.user, authUser: cy.admin.user });
    expect(r.report.probes.imap.state, r.stdout).toBe('ok');
    expect(r.report.probes.pop.state, r.stdout).toBe('ok');
    expect(r.report.findings.map((f) => f.id)).not.toContain('login-failed');
    // The customer's INBOX (three messages) on both protocols: the admin's own mailbox is not what was read.
    expect(r.report.metrics).toMatchObject({ inboxMessages: 3, popMessages: 3 });
    const text = await runCli(['check', ...accountArgs(cy, customer), '--auth-user', cy.admin.user, '--no-history', '-q'], { env: { MAILDOCTOR_PASSWORD: cy.admin.password } });
    expect(text.stdout).toContain(`logged in as ${cy.admin.user} on behalf of ${customer.user} (SASL PLAIN authorization identity)`);
    expect(await cyrusMailboxState(cy, customer)).toEqual(before);
    for (const out of [r.stdout, r.stderr, text.stdout, text.stderr]) {
      expect(out).not.toContain(cy.admin.password);
      expect(out).not.toContain(Buffer.from(`${customer.user}\0${cy.admin.user}\0${cy.admin.password}`).toString('base64'));
    }
  });

  it('a wrong admin password, and a user who is no admin, fail as login-failed over both protocols, the password nowhere', async () => {
    for (const [who, password] of [
      [cy.admin.user, `${cy.admin.password}-wrong`],
      [other.user, other.password],
    ] as const) {
      const r = await checkAs(who, password);
      expect(r.code, r.stdout).toBe(2);
      const lf = r.report.findings.find((f) => f.id === 'login-failed');
      const failures = (lf?.evidence as { failures?: { protocol: string; kind: string }[] } | undefined)?.failures ?? [];
      expect(failures.map((f) => [f.protocol, f.kind]).sort(), r.stdout).toEqual([
        ['imap', 'auth'],
        ['pop3', 'auth'],
      ]);
      expect(r.stdout + r.stderr).not.toContain(password);
    }
  });
});
