// The scenarios end to end through the analyzer: status, exit code and finding ids; and the snapshot
// fixtures under fixtures/snapshots/ (kept in step with the builder; `vitest -u` rewrites them) that the CLI's
// `analyze` and other tests can load.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { exitCode } from '../../src/report/index.js';
import { parseSnapshot, serializeSnapshot } from '../../src/snapshot/io.js';
import { scenario, type ScenarioName } from '../support/snapshot-builder.js';

const EXPECTED: Record<ScenarioName, { status: string; exit: number; ids: string[] }> = {
  'healthy-imap-only': { status: 'ok', exit: 0, ids: [] },
  'healthy-pop-only': { status: 'ok', exit: 0, ids: [] },
  'pop-single-device-deletes': { status: 'ok', exit: 0, ids: ['pop-deletes-mail'] },
  mixed: { status: 'critical', exit: 2, ids: ['mixed-protocol-use', 'mail-hidden-from-pop', 'pop-deletes-mail'] },
  'pop-leave-on-server-near-quota': { status: 'warning', exit: 1, ids: ['quota-near-limit'] },
  'quota-over-95': { status: 'critical', exit: 2, ids: ['quota-near-limit'] },
  'junk-with-pop-user': { status: 'warning', exit: 1, ids: ['mail-hidden-from-pop'] },
  'pop-locked': { status: 'warning', exit: 1, ids: ['pop-mailbox-locked'] },
  'wrong-password': { status: 'critical', exit: 2, ids: ['login-failed'] },
  'imap-port-closed': { status: 'critical', exit: 2, ids: ['connect-failed'] },
  'tls-self-signed-insecure': { status: 'critical', exit: 2, ids: ['tls-problem'] },
  'deleted-not-expunged': { status: 'warning', exit: 1, ids: ['deleted-not-expunged', 'quota-near-limit'] },
  'pop-imap-disagree': { status: 'warning', exit: 1, ids: ['pop-imap-disagree'] },
  'gmail-pop-and-imap': { status: 'critical', exit: 2, ids: ['mixed-protocol-use', 'mail-hidden-from-pop', 'pop-deletes-mail'] },
  'microsoft-password-refused': { status: 'critical', exit: 2, ids: ['login-failed'] },
  // Outlook's POP folder: the POP client's deletions went there (a POP sign); the folder itself is not mail
  // hidden from POP (only Junk is listed).
  'outlook-pop-folder': { status: 'critical', exit: 2, ids: ['mixed-protocol-use', 'mail-hidden-from-pop'] },
  // iCloud has no POP3: the refused POP3 connection is info, and the account is ok.
  'icloud-no-pop': { status: 'ok', exit: 0, ids: ['connect-failed', 'quota-unknown'] },
};

describe('scenarios', () => {
  for (const [name, want] of Object.entries(EXPECTED) as [ScenarioName, (typeof EXPECTED)[ScenarioName]][]) {
    it(`${name}: ${want.status} (exit ${want.exit}) with [${want.ids.join(', ')}]`, async () => {
      const snap = scenario(name);
      const a = analyze(snap);
      expect(a.status).toBe(want.status);
      expect(exitCode(a.status)).toBe(want.exit);
      expect(a.findings.map((f) => f.id)).toEqual(want.ids);

      const text = serializeSnapshot(snap);
      await expect(text).toMatchFileSnapshot(`../../fixtures/snapshots/${name}.json`);
      expect(analyze(parseSnapshot(text, name))).toEqual(a);
    });
  }
});
