// The "Server:" line and the JSON `server` field: what each server said it is, and which hosted provider runs it.
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport, render, ReportSchema } from '../../src/report/index.js';
import { serverLine } from '../../src/report/subject.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { buildSnapshot, fail, type SnapshotSpec } from '../support/snapshot-builder.js';

const INBOX = { uidNext: 11, ages: { lt7d: 10 } };

function reportOf(spec: SnapshotSpec) {
  const s: Snapshot = buildSnapshot(spec);
  return buildReport(s, analyze(s));
}

const CYRUS: SnapshotSpec = {
  imap: { inbox: INBOX, greeting: '* OK [CAPABILITY IMAP4rev1] mail.example.com Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready', serverId: null },
  pop: { messages: 10, greeting: 'mail.example.com Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5 server ready <1@mail>', implementation: 'Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5' },
};

describe('the Server line', () => {
  it('one software on both protocols: named once, with its version and every source', () => {
    expect(serverLine(reportOf(CYRUS))).toBe('Server: Cyrus 3.6.1-Debian-3.6.1-4+deb12u5 (IMAP greeting, POP3 CAPA IMPLEMENTATION)');
  });

  it('two servers: per protocol', () => {
    const r = reportOf({ ...CYRUS, popHost: 'pop.example.net', pop: { messages: 10, greeting: 'Hello there.', implementation: 'Courier Mail Server' } });
    expect(serverLine(r)).toBe('Server: IMAP Cyrus 3.6.1-Debian-3.6.1-4+deb12u5 (IMAP greeting); POP3 Courier (POP3 CAPA IMPLEMENTATION)');
  });

  it('a hosted provider with what showed it', () => {
    const r = reportOf({ host: 'imap.gmail.com', imap: { inbox: INBOX, greeting: '* OK Gimap ready for requests from 192.0.2.1', serverId: { name: 'GImap', vendor: 'Google, Inc.' }, capabilities: ['IMAP4REV1', 'X-GM-EXT-1'] } });
    expect(serverLine(r)).toBe('Server: Gmail (IMAP ID)');
    const ms = reportOf({ host: 'outlook.office365.com', imap: fail('auth', 'AUTHENTICATE failed') });
    expect(serverLine(ms)).toBe('Server: Microsoft 365 / Outlook.com (host name)');
  });

  it('a server that names nothing is "not named", never a guess; nothing at all when no server answered', () => {
    const r = reportOf({ imap: { inbox: INBOX, greeting: '* OK IMAP server ready', serverId: null } });
    expect(r.server.imap).toEqual({ software: null, version: null, provider: null, source: null, providerSource: null });
    expect(serverLine(r)).toBe('Server: not named by the server');
    expect(r.probes.imap.software).toBeNull();
    expect(serverLine(reportOf({ imap: fail('refused', 'connection refused') }))).toBeNull();
  });

  it('in text, markdown and HTML, and as data in JSON (valid report@1)', () => {
    const r = reportOf({ ...CYRUS, imap: { ...CYRUS.imap!, inbox: { ...INBOX, flags: { deleted: 5 } } } });
    const line = 'Server: Cyrus 3.6.1-Debian-3.6.1-4+deb12u5 (IMAP greeting, POP3 CAPA IMPLEMENTATION)';
    expect(render(r, 'text')).toContain(`\n  ${line}\n`);
    expect(render(r, 'markdown')).toContain(line);
    expect(render(r, 'html')).toContain(`<p class="server">${line}</p>`);
    const json = ReportSchema.parse(JSON.parse(render(r, 'json')));
    expect(json.server).toEqual({
      imap: { software: 'cyrus', version: '3.6.1-Debian-3.6.1-4+deb12u5', provider: null, source: 'imap-greeting', providerSource: null },
      pop: { software: 'cyrus', version: '3.6.1-Debian-3.6.1-4+deb12u5', provider: null, source: 'pop-implementation', providerSource: null },
      provider: null,
    });
    // The probes' software string stays the server's own words.
    expect(json.probes.imap.software).toBe('Cyrus');
    expect(json.probes.pop.software).toBe('Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5');
  });
});
