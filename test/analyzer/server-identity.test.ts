// Server identity from what the servers showed: software and version from ID, greetings and CAPA IMPLEMENTATION,
// hosted providers from their capability, folders, greeting tell and host names; unknown stays null.
import { describe, expect, it } from 'vitest';
import { exchangeOnlineTell, providerOfHost, serverIdentities, softwareIn } from '../../src/analyzer/server-identity.js';
import { buildSnapshot, fail, type ImapSpec, type PopSpec } from '../support/snapshot-builder.js';

const INBOX: ImapSpec['inbox'] = { uidNext: 11, ages: { lt7d: 10 } };
const POP: PopSpec = { messages: 10 };
const NONE = { software: null, version: null, provider: null, source: null, providerSource: null };

function imapOnly(imap: Partial<ImapSpec>, host = 'mail.example.com') {
  return serverIdentities(buildSnapshot({ host, imap: { inbox: INBOX, ...imap } })).imap;
}

function popOnly(pop: Partial<PopSpec>, host = 'mail.example.com') {
  return serverIdentities(buildSnapshot({ host, pop: { ...POP, ...pop } })).pop;
}

describe('software and version from greetings, ID and IMPLEMENTATION', () => {
  it.each([
    ['* OK [CAPABILITY IMAP4rev1 ID] Dovecot (Debian) ready.', 'dovecot', null],
    ['* OK Dovecot v2.3.19 ready.', 'dovecot', '2.3.19'],
    // A host named cyrus running Dovecot: the name alone is no Cyrus.
    ['* OK cyrus.example.com Dovecot ready.', 'dovecot', null],
    ['* OK [CAPABILITY IMAP4rev1] mail.example.com Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready', 'cyrus', '3.6.1-Debian-3.6.1-4+deb12u5'],
    ['* OK mail.example.com Cyrus IMAP v2.4.17-Invoca-RPM-2.4.17-15.el7 server ready', 'cyrus', '2.4.17-Invoca-RPM-2.4.17-15.el7'],
    ['* OK [CAPABILITY IMAP4rev1 UIDPLUS] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.', 'courier', null],
    ['* OK Gimap ready for requests from 192.0.2.1 a1b2mb1234567abc', 'gmail', null],
    ['* OK The Microsoft Exchange IMAP4 service is ready.', 'microsoft', null],
    ['* OK [CAPABILITY IMAP4rev1] mail.example.com IMAP4rev1 2007f.404 at Mon, 1 Jun 2025 12:00:00 +0000', 'uw-imap', '2007f.404'],
  ])('IMAP greeting %s', (greeting, software, version) => {
    const id = imapOnly({ greeting, serverId: null });
    expect(id).toMatchObject({ software, version, source: 'imap-greeting' });
  });

  it('an unknown greeting and no ID: null everywhere, not a guess', () => {
    expect(imapOnly({ greeting: '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] IMAP server ready', serverId: null })).toEqual(NONE);
    expect(imapOnly({ greeting: '* OK ready to exchange mail', serverId: null })).toEqual(NONE);
    expect(popOnly({ greeting: 'Hello there.' })).toEqual(NONE);
    expect(softwareIn('')).toBeNull();
    expect(softwareIn(null)).toBeNull();
  });

  it('ID wins over the greeting and brings its version; ID without a version takes the greeting\'s of the same software', () => {
    expect(imapOnly({ greeting: '* OK server ready', serverId: { name: 'Cyrus IMAPD', version: '3.6.1-Debian-3.6.1-4+deb12u5', vendor: 'Project Cyrus' } })).toEqual({
      software: 'cyrus',
      version: '3.6.1-Debian-3.6.1-4+deb12u5',
      provider: null,
      source: 'imap-id',
      providerSource: null,
    });
    expect(imapOnly({ greeting: '* OK host Cyrus IMAP 3.6.1 server ready', serverId: { name: 'Cyrus IMAPD' } })).toMatchObject({ software: 'cyrus', version: '3.6.1', source: 'imap-id' });
    // The greeting names other software: its version is not borrowed.
    expect(imapOnly({ greeting: '* OK host Cyrus IMAP 3.6.1 server ready', serverId: { name: 'Dovecot' } })).toMatchObject({ software: 'dovecot', version: null, source: 'imap-id' });
  });

  it('an ID name we do not know falls back to the greeting', () => {
    expect(imapOnly({ greeting: '* OK Dovecot ready.', serverId: { name: 'SomeProxy', version: '1.0' } })).toMatchObject({ software: 'dovecot', source: 'imap-greeting' });
  });

  it('POP3: CAPA IMPLEMENTATION first, then the greeting', () => {
    expect(popOnly({ greeting: 'Hello there.', implementation: 'Courier Mail Server' })).toEqual({ ...NONE, software: 'courier', source: 'pop-implementation' });
    expect(popOnly({ greeting: 'mail.example.com Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5 server ready <1@mail>', implementation: 'Cyrus POP3 3.6.1-Debian-3.6.1-4+deb12u5' })).toMatchObject({
      software: 'cyrus',
      version: '3.6.1-Debian-3.6.1-4+deb12u5',
      source: 'pop-implementation',
    });
    expect(popOnly({ greeting: 'Dovecot (Debian) ready.' })).toMatchObject({ software: 'dovecot', version: null, source: 'pop-greeting' });
  });

  it('a protocol not probed is null; a failed probe names nothing but the host\'s provider', () => {
    const s = buildSnapshot({ imap: { inbox: INBOX } });
    expect(serverIdentities(s).pop).toBeNull();
    const failed = buildSnapshot({ host: 'mail.example.com', imap: fail('auth', 'login refused') });
    expect(serverIdentities(failed)).toEqual({ imap: NONE, pop: null, provider: null });
  });
});

describe('hosted providers from what they show', () => {
  it('Gmail: the Gimap greeting, ID GImap, X-GM-EXT-1, [Gmail] folders, the Gpop greeting', () => {
    expect(imapOnly({ greeting: '* OK Gimap ready for requests from 192.0.2.1', serverId: null }, 'mx.example.net')).toMatchObject({ software: 'gmail', provider: 'gmail', providerSource: 'imap-greeting' });
    expect(imapOnly({ greeting: '* OK ready', serverId: { name: 'GImap', vendor: 'Google, Inc.' } }, 'mx.example.net')).toMatchObject({ software: 'gmail', provider: 'gmail', source: 'imap-id' });
    expect(imapOnly({ greeting: '* OK ready', serverId: null, capabilities: ['IMAP4REV1', 'X-GM-EXT-1'] }, 'mx.example.net')).toMatchObject({ software: 'gmail', provider: 'gmail', source: 'imap-capability' });
    expect(imapOnly({ greeting: '* OK ready', serverId: null, capabilities: ['IMAP4REV1'], folders: [{ path: '[Gmail]/Sent Mail', specialUse: '\\Sent' }] }, 'mx.example.net')).toMatchObject({
      software: 'gmail',
      provider: 'gmail',
      source: 'imap-folders',
    });
    expect(popOnly({ greeting: 'Gpop ready for requests from 192.0.2.1 a1mb1234pob' }, 'mx.example.net')).toMatchObject({ software: 'gmail', provider: 'gmail', source: 'pop-greeting' });
  });

  it('a folder named like Gmail\'s elsewhere in the tree is not Gmail', () => {
    expect(imapOnly({ greeting: '* OK ready', serverId: null, capabilities: ['IMAP4REV1'], folders: [{ path: 'Archive/[Gmail]/old' }] })).toEqual(NONE);
  });

  it('Microsoft: the Exchange greeting names the software; the provider needs Exchange Online\'s tell or its host', () => {
    const online = '* OK The Microsoft Exchange IMAP4 service is ready. [TQBOADIAUABSADAAMQBDAEEAMAAwADEANQAuAG4AYQBtAHAAcgBkADAAMQAuAHAAcgBvAGQALgBvAHUAdABsAG8AbwBrAC4AYwBvAG0A]';
    expect(imapOnly({ greeting: online, serverId: null }, 'mail.contoso.com')).toEqual({ software: 'microsoft', version: null, provider: 'microsoft', source: 'imap-greeting', providerSource: 'imap-greeting' });
    // An Exchange Server of one's own: the same words, its own name in the brackets: not Microsoft 365.
    const onPrem = '* OK The Microsoft Exchange IMAP4 service is ready. [bQBhAGkAbAAuAGMAbwBuAHQAbwBzAG8ALgBjAG8AbQA=]';
    expect(imapOnly({ greeting: onPrem, serverId: null }, 'mail.contoso.com')).toMatchObject({ software: 'microsoft', provider: null });
    expect(imapOnly({ greeting: '* OK The Microsoft Exchange IMAP4 service is ready.', serverId: null }, 'outlook.office365.com')).toMatchObject({ software: 'microsoft', provider: 'microsoft', providerSource: 'host-name' });
    expect(exchangeOnlineTell(onPrem)).toBe(false);
    expect(exchangeOnlineTell(online)).toBe(true);
    expect(exchangeOnlineTell('* OK [CAPABILITY IMAP4rev1] ready')).toBe(false);
  });

  it('a refused login to Microsoft 365 still names the provider by the host it reached', () => {
    const s = buildSnapshot({ host: 'outlook.office365.com', imap: fail('auth', 'AUTHENTICATE failed', { code: 'AUTHENTICATIONFAILED' }) });
    expect(serverIdentities(s)).toEqual({ imap: { ...NONE, provider: 'microsoft', providerSource: 'host-name' }, pop: null, provider: 'microsoft' });
  });

  it('iCloud by its host even when POP could not connect; the account takes the provider either protocol showed', () => {
    const s = buildSnapshot({ host: 'imap.mail.me.com', imap: { inbox: INBOX, greeting: '* OK ready', serverId: null }, pop: fail('refused', 'connection refused', { step: 'connect' }) });
    expect(serverIdentities(s)).toEqual({
      imap: { ...NONE, provider: 'icloud', providerSource: 'host-name' },
      pop: { ...NONE, provider: 'icloud', providerSource: 'host-name' },
      provider: 'icloud',
    });
  });

  it.each([
    ['imap.gmail.com', 'gmail'],
    ['POP.GMAIL.COM.', 'gmail'],
    ['imap.googlemail.com', 'gmail'],
    ['outlook.office365.com', 'microsoft'],
    ['imap-mail.outlook.com', 'microsoft'],
    ['outlook.office.com', 'microsoft'],
    ['imap.mail.me.com', 'icloud'],
    ['imap.mail.yahoo.com', 'yahoo'],
    ['evilgmail.com', null],
    ['gmail.com.example.net', null],
    ['mail.example.com', null],
    ['', null],
  ])('host %s → %s', (host, provider) => {
    expect(providerOfHost(host)).toBe(provider);
  });
});
