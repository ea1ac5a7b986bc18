// Hosted providers' own steps on the findings they change: Gmail's POP setting and its one-POP-client rule on
// mixed-protocol-use and pop-deletes-mail, OAuth2 only on a refused Microsoft login, no POP3 on iCloud. The same
// evidence on a server of one's own keeps the usual steps.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { gmailCopies } from '../../src/analyzer/server-identity.js';
import type { Finding, FindingId } from '../../src/analyzer/types.js';
import { buildReport } from '../../src/report/index.js';
import { serverLine } from '../../src/report/subject.js';
import {
  buildSnapshot,
  fail,
  gmailPopAndImapSpec,
  icloudNoPopSpec,
  microsoftPasswordRefusedSpec,
  type ImapSpec,
  type SnapshotSpec,
} from '../support/snapshot-builder.js';

function findingOf(spec: SnapshotSpec, id: FindingId): Finding {
  const f = analyze(buildSnapshot(spec)).findings.find((x) => x.id === id);
  if (!f) throw new Error(`no ${id}`);
  return f;
}

function renderedOf(spec: SnapshotSpec, id: FindingId) {
  const s = buildSnapshot(spec);
  const r = buildReport(s, analyze(s));
  return { report: r, finding: r.findings.find((f) => f.id === id)! };
}

/** The Gmail scenario on a server of one's own: Dovecot's greeting, ID and capabilities, plain folder names. */
function asOwnServer(spec: SnapshotSpec): SnapshotSpec {
  const imap = spec.imap as ImapSpec;
  const { greeting: _g, serverId: _i, capabilities: _c, capabilitiesPreLogin: _p, ...rest } = imap;
  return { ...spec, host: 'mail.example.com', imap: { ...rest, folders: imap.folders!.map((f) => ({ ...f, path: f.path.replace('[Gmail]/', '') })) } };
}

describe('Gmail', () => {
  it('mixed-protocol-use starts with the POP setting (with the numbers) and the one-POP-client rule', () => {
    const f = findingOf(gmailPopAndImapSpec(), 'mixed-protocol-use');
    expect(f.evidence).toMatchObject({ provider: 'gmail' });
    expect(f.steps.slice(0, 2)).toEqual([
      { key: 'gmail-pop-setting', params: { inboxMessages: 12, allMailMessages: null, trashMessages: 8, trashLast7Days: 2 } },
      { key: 'gmail-pop-once', params: { user: 'alice@gmail.com' } },
    ]);
    const { finding, report } = renderedOf(gmailPopAndImapSpec(), 'mixed-protocol-use');
    expect(finding.steps[0]).toContain('Forwarding and POP/IMAP');
    expect(finding.steps[0]).toContain('INBOX holds 12 messages, and [Gmail]/All Mail is not shown over IMAP');
    expect(finding.steps[0]).toContain('[Gmail]/Trash holds 8 messages, 2 of them from the last 7 days');
    expect(finding.steps[1]).toContain('recent:alice@gmail.com');
    expect(serverLine(report)).toBe('Server: Gmail (IMAP ID)');
  });

  it('with All Mail shown over IMAP, the step counts it, and the ledger sees the archived mail as moved, not deleted', () => {
    const spec = gmailPopAndImapSpec();
    (spec.imap as ImapSpec).folders!.push({ path: '[Gmail]/All Mail', specialUse: '\\All', uidNext: 2600, ages: { lt1d: 10, lt7d: 20, older: 2400 } });
    const s = buildSnapshot(spec);
    expect(gmailCopies(s.imap!.ok ? s.imap!.evidence : (null as never))).toEqual({ inboxMessages: 12, allMailMessages: 2430, trashMessages: 8, trashLast7Days: 2 });
    expect(analyze(s).findings.map((f) => f.id)).not.toContain('pop-deletes-mail');
  });

  it('pop-deletes-mail names the POP setting first', () => {
    const f = findingOf(gmailPopAndImapSpec(), 'pop-deletes-mail');
    expect(f.evidence).toMatchObject({ provider: 'gmail' });
    expect(f.steps[0]?.key).toBe('gmail-pop-setting');
    expect(renderedOf(gmailPopAndImapSpec(), 'pop-deletes-mail').finding.steps[0]).toContain('When messages are accessed with POP');
  });

  it('mail-hidden-from-pop counts only Spam on Gmail (its POP serves labels through All Mail) and drops the INBOX-only step', () => {
    const spec = gmailPopAndImapSpec();
    (spec.imap as ImapSpec).folders!.push({ path: 'Receipts', uidNext: 61, ages: { lt7d: 2, lt30d: 8, older: 50 } });
    const f = findingOf(spec, 'mail-hidden-from-pop');
    expect(f.evidence).toMatchObject({ provider: 'gmail', last7Days: 7, folders: [{ folder: '[Gmail]/Spam', last7Days: 7 }] });
    expect(f.steps.map((s) => s.key)).toEqual(['look-in-junk-and-filters']);
    expect(renderedOf(spec, 'mail-hidden-from-pop').finding.explanation).toContain('not Spam or Trash');
    // On a server of one's own the label is a folder POP never sees.
    const own = findingOf(asOwnServer(spec), 'mail-hidden-from-pop');
    expect(own.evidence).toMatchObject({ last7Days: 9 });
    expect(own.steps.map((s) => s.key)).toEqual(['look-in-junk-and-filters', 'pop-sees-inbox-only']);
  });

  it('the same mailbox on a server of one\'s own: no provider, no Gmail steps', () => {
    const own = asOwnServer(gmailPopAndImapSpec());
    for (const id of ['mixed-protocol-use', 'pop-deletes-mail'] as const) {
      const f = findingOf(own, id);
      expect(f.evidence).not.toHaveProperty('provider');
      expect(f.steps.map((s) => s.key)).not.toContain('gmail-pop-setting');
      expect(f.steps.map((s) => s.key)).not.toContain('gmail-pop-once');
    }
  });
});

describe('Microsoft 365 / Outlook.com', () => {
  it('a refused password login: OAuth2 only, no password steps', () => {
    const f = findingOf(microsoftPasswordRefusedSpec(), 'login-failed');
    expect(f.severity).toBe('critical');
    expect(f.evidence).toMatchObject({ provider: 'microsoft' });
    expect(f.steps).toEqual([{ key: 'microsoft-oauth2-only', params: { protocols: ['imap', 'pop3'] } }]);
    const { finding } = renderedOf(microsoftPasswordRefusedSpec(), 'login-failed');
    expect(finding.explanation).toContain('basic authentication is switched off');
    expect(finding.steps[0]).toContain('--oauth2-token-command');
    expect(finding.steps[0]).toContain('maildoctor token --provider microsoft');
  });

  it('a refused OAuth2 token there keeps the token step (the token is what to look at)', () => {
    const spec = microsoftPasswordRefusedSpec();
    spec.imap = fail('auth', 'outlook.office365.com:993 refused the token', { step: 'login', oauth2: { mechanism: 'XOAUTH2', status: '401', schemes: 'Bearer' } });
    const f = findingOf(spec, 'login-failed');
    expect(f.steps.map((s) => s.key)).toEqual(['check-oauth2-token']);
  });

  it('the same refusal on a server of one\'s own keeps the password steps', () => {
    const f = findingOf({ ...microsoftPasswordRefusedSpec(), host: 'mail.contoso.com' }, 'login-failed');
    expect(f.evidence).not.toHaveProperty('provider');
    expect(f.steps.map((s) => s.key)).toEqual(['check-user-and-password', 'try-webmail-login', 'update-password-everywhere']);
  });
});

describe('iCloud Mail', () => {
  it('a POP3 connection failure is expected: info, one step, the account stays ok', () => {
    const s = buildSnapshot(icloudNoPopSpec());
    const a = analyze(s);
    const f = a.findings.find((x) => x.id === 'connect-failed')!;
    expect(f.severity).toBe('info');
    expect(f.evidence).toMatchObject({ provider: 'icloud' });
    expect(f.steps).toEqual([{ key: 'icloud-no-pop', params: {} }]);
    expect(a.status).toBe('ok');
    const r = buildReport(s, a).findings.find((x) => x.id === 'connect-failed')!;
    expect(r.title).toBe('iCloud Mail offers no POP3: POP3 at imap.mail.me.com:995: connection refused');
    expect(r.steps[0]).toContain('imap.mail.me.com, port 993');
  });

  it('with IMAP failing too it stays critical, and the iCloud step comes first', () => {
    const spec = icloudNoPopSpec();
    spec.imap = fail('timeout', 'imap.mail.me.com:993: no answer in 20 s', { step: 'connect' });
    const f = findingOf(spec, 'connect-failed');
    expect(f.severity).toBe('critical');
    expect(f.steps.map((s) => s.key)).toEqual(['icloud-no-pop', 'check-host-and-port', 'check-network-path']);
  });

  it('a POP3 failure elsewhere is critical with the usual steps', () => {
    const f = findingOf({ ...icloudNoPopSpec(), host: 'mail.example.com' }, 'connect-failed');
    expect(f.severity).toBe('critical');
    expect(f.evidence).not.toHaveProperty('provider');
    expect(f.steps.map((s) => s.key)).toEqual(['check-host-and-port', 'check-network-path', 'protocol-not-offered']);
  });
});
