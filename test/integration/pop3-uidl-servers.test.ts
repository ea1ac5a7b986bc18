// UIDL formats of real servers mapped to IMAP UIDs. Cyrus (its own instance, as in cyrus.test.ts): the default
// uidl_format "cyrus" is UIDVALIDITY.UID, and the sampled POP3 listing maps to the UIDs IMAP gives the same
// sequence numbers, so the sample agrees with IMAP and the full listing is not needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeImap } from '../../src/connectors/imap/index.js';
import { probePop3 } from '../../src/connectors/pop3/index.js';
import { passwordCredentials } from '../../src/connectors/credentials.js';
import { popSampleDisagrees, popSampleNumbers } from '../../src/connectors/pop-sample.js';
import { addCyrusUser, appendCyrusMessages, startCyrus, type CyrusTestbed } from '../../src/testbed/cyrus.js';
import { daysAgo } from '../support/testbed.js';

const KEEP = process.env.MAILDOCTOR_KEEP_TESTBED === '1';
const COUNT = 40;
let cy: CyrusTestbed;

beforeAll(async () => {
  cy = await startCyrus();
}, 180_000);

afterAll(async () => {
  await cy?.stop({ keep: KEEP });
});

describe('Cyrus UIDL (default uidl_format: UIDVALIDITY.UID)', () => {
  it('maps to the IMAP UIDs and UIDVALIDITY of the same messages, sampled and in full', async () => {
    const user = await addCyrusUser(cy);
    await appendCyrusMessages(cy, user, 'INBOX', Array.from({ length: COUNT }, (_, i) => ({ date: daysAgo(i / 4), bodyBytes: 200 + i * 11 })));
    const conn = (port: number) => ({ host: cy.host, port, tls: 'implicit' as const, ca: cy.caPem, credentials: passwordCredentials(user.user, user.password), timeoutMs: 10_000 });
    const imap = await probeImap({ ...conn(cy.ports.imaps), history: false, now: new Date(), popSample: true });
    if (!imap.ok) throw new Error(`IMAP failed: ${JSON.stringify(imap.error)}`);
    const sample = await probePop3(conn(cy.ports.pop3s));
    const full = await probePop3({ ...conn(cy.ports.pop3s), fullListing: 'asked' });
    if (!sample.ok || !full.ok) throw new Error('POP3 failed');
    const inbox = imap.evidence.inbox;
    expect(inbox.messages).toBe(COUNT);
    const ns = popSampleNumbers(COUNT);
    expect(sample.evidence.messages.map((m) => m.n)).toEqual(ns);
    // The raw form, as Cyrus sends it: UIDVALIDITY "." UID.
    for (const m of sample.evidence.messages) expect(m.uidl).toMatch(new RegExp(`^${inbox.uidValidity}\\.\\d+$`));
    for (const e of [sample.evidence, full.evidence]) {
      expect(e.uidlFormat).toBe('cyrus');
      expect(e.uidlMap?.uidValidity).toBe(inbox.uidValidity);
    }
    expect(sample.evidence.uidlMap!.uids).toEqual(inbox.popSample!.map((m) => m.uid));
    expect(sample.evidence.messages.map((m) => m.sizeBytes)).toEqual(inbox.popSample!.map((m) => m.sizeBytes));
    expect(full.evidence.uidlMap!.uids).toHaveLength(COUNT);
    expect(ns.map((n) => full.evidence.uidlMap!.uids[n - 1])).toEqual(sample.evidence.uidlMap!.uids);
    expect(popSampleDisagrees(sample.evidence, imap.evidence)).toBeNull();
  });
});

describe('Cyrus with uidl_format: dovecot (UID then UIDVALIDITY, 8 hex digits each)', () => {
  it('maps as Dovecot’s own format does', async () => {
    const alt = await startCyrus({ extraConfig: 'uidl_format: dovecot' });
    try {
      const user = await addCyrusUser(alt);
      await appendCyrusMessages(alt, user, 'INBOX', Array.from({ length: 30 }, (_, i) => ({ date: daysAgo(i), bodyBytes: 150 + i })));
      const conn = (port: number) => ({ host: alt.host, port, tls: 'implicit' as const, ca: alt.caPem, credentials: passwordCredentials(user.user, user.password), timeoutMs: 10_000 });
      const imap = await probeImap({ ...conn(alt.ports.imaps), history: false, now: new Date(), popSample: true });
      const pop = await probePop3(conn(alt.ports.pop3s));
      if (!imap.ok || !pop.ok) throw new Error('a probe failed');
      for (const m of pop.evidence.messages) expect(m.uidl).toMatch(/^[0-9a-f]{16}$/i);
      expect(pop.evidence.uidlFormat).toBe('dovecot');
      expect(pop.evidence.uidlMap).toEqual({ uidValidity: imap.evidence.inbox.uidValidity, uids: imap.evidence.inbox.popSample!.map((m) => m.uid) });
      expect(popSampleDisagrees(pop.evidence, imap.evidence)).toBeNull();
    } finally {
      await alt.stop({ keep: KEEP });
    }
  }, 180_000);
});

// Cyrus's other uidl_format values: "courier" is UIDVALIDITY-UID (mapped as Courier's own version-2 form), and
// "uidonly" the bare UID, which names no UIDVALIDITY: recorded as unknown, compared by counts and sizes only.
describe.each([
  { format: 'courier', re: /^\d+-\d+$/, expected: 'courier' as const },
  { format: 'uidonly', re: /^\d+$/, expected: 'unknown' as const },
])('Cyrus with uidl_format: $format', ({ format, re, expected }) => {
  it(`reads as ${expected}, and POP and IMAP agree`, async () => {
    const alt = await startCyrus({ extraConfig: `uidl_format: ${format}` });
    try {
      const user = await addCyrusUser(alt);
      await appendCyrusMessages(alt, user, 'INBOX', Array.from({ length: 12 }, (_, i) => ({ date: daysAgo(i), bodyBytes: 150 + i })));
      const conn = (port: number) => ({ host: alt.host, port, tls: 'implicit' as const, ca: alt.caPem, credentials: passwordCredentials(user.user, user.password), timeoutMs: 10_000 });
      const imap = await probeImap({ ...conn(alt.ports.imaps), history: false, now: new Date(), popSample: true });
      const pop = await probePop3(conn(alt.ports.pop3s));
      if (!imap.ok || !pop.ok) throw new Error('a probe failed');
      for (const m of pop.evidence.messages) expect(m.uidl).toMatch(re);
      expect(pop.evidence.uidlFormat).toBe(expected);
      if (expected === 'unknown') expect(pop.evidence.uidlMap ?? null).toBeNull();
      else expect(pop.evidence.uidlMap).toEqual({ uidValidity: imap.evidence.inbox.uidValidity, uids: imap.evidence.inbox.popSample!.map((m) => m.uid) });
      expect(popSampleDisagrees(pop.evidence, imap.evidence)).toBeNull();
    } finally {
      await alt.stop({ keep: KEEP });
    }
  }, 180_000);
});
