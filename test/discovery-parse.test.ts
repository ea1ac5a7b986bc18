// The pure parts of discovery: the XML reader, the two documents, names and templates.
import { describe, expect, it } from 'vitest';
import { parseXml, textOf } from '../src/discovery/xml.js';
import { parseClientConfig } from '../src/discovery/autoconfig.js';
import { parseAutodiscover } from '../src/discovery/autodiscover.js';
import { mxDomains } from '../src/discovery/mx.js';
import { loginName, parseDnsServer, splitAddress } from '../src/discovery/index.js';
import { underDomain } from '../src/discovery/source.js';

describe('parseXml', () => {
  it('reads elements, attributes, text with entities and CDATA, and drops namespace prefixes', () => {
    const root = parseXml('\uFEFF<?xml version="1.0"?><!-- c --><a:root xmlns:a="x" k=\'v&amp;w\'><a:b>1 &lt; 2 &#x41;</a:b><c><![CDATA[<raw>]]></c><d/></a:root>');
    expect(root.name).toBe('root');
    expect(root.attrs).toEqual({ a: 'x', k: 'v&w' });
    expect(textOf(root, 'b')).toBe('1 < 2 A');
    expect(textOf(root, 'c')).toBe('<raw>');
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c', 'd']);
  });

  it.each([
    ['<a><b></a>', '</a> does not close <b>'],
    ['<a>', '<a> is never closed'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'a DTD or declaration (not accepted)'],
    ['<a>&bogus;</a>', 'unknown entity &bogus;'],
    ['<a/><b/>', 'a second root element'],
    ['text', 'text outside the root element'],
    ['', 'no element at all'],
    ['<a x=1/>', 'a tag that is not well-formed'],
  ])('refuses %j: %s', (doc, why) => {
    expect(() => parseXml(doc)).toThrow(why);
  });
});

describe('parseClientConfig', () => {
  const doc = (servers: string) => `<clientConfig version="1.1"><emailProvider id="x"><domain>x</domain>${servers}<outgoingServer type="smtp"><hostname>smtp</hostname></outgoingServer></emailProvider></clientConfig>`;
  it('maps socketType, fills %EMAILDOMAIN% in the host name, keeps the username template and the <pop3> block', () => {
    const notes: string[] = [];
    const servers = parseClientConfig(
      doc(
        '<incomingServer type="pop3"><hostname>POP.%EMAILDOMAIN%</hostname><port>110</port><socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username><pop3><leaveMessagesOnServer>TRUE</leaveMessagesOnServer><daysToLeaveMessagesOnServer>3</daysToLeaveMessagesOnServer></pop3></incomingServer>' +
          '<incomingServer type="imap"><hostname>imap.x</hostname><port>143</port><socketType>plain</socketType></incomingServer>' +
          '<incomingServer type="exchange"><hostname>ews.x</hostname></incomingServer>' +
          '<incomingServer type="imap"><hostname>bad.x</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>',
      ),
      'example.com',
      'URL',
      notes,
    );
    expect(servers).toEqual([
      { protocol: 'pop3', host: 'pop.example.com', port: 110, tls: 'starttls', username: '%EMAILLOCALPART%', from: 'URL', outsideDomain: false, leaveMessagesOnServer: true, daysToLeaveMessagesOnServer: 3 },
      { protocol: 'imap', host: 'imap.x', port: 143, tls: 'none', username: null, from: 'URL', outsideDomain: false },
    ]);
    expect(notes).toEqual(['URL: an imap server without a usable hostname, port or socketType was left out']);
  });

  it('refuses another document', () => {
    expect(() => parseClientConfig('<html><body/></html>', 'x', 'URL', [])).toThrow('the document is <html>, not a clientConfig');
  });
});

describe('parseAutodiscover', () => {
  const wrap = (account: string) =>
    `<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"><Account>${account}</Account></Response></Autodiscover>`;
  it('reads IMAP and POP3 protocols with Encryption, SSL and LoginName', () => {
    const r = parseAutodiscover(
      wrap('<Action>settings</Action><Protocol><Type>IMAP</Type><Server>Imap.X</Server><Port>993</Port><LoginName>alice</LoginName></Protocol><Protocol><Type>POP3</Type><Server>pop.x</Server><Port>110</Port><SSL>on</SSL></Protocol><Protocol><Type>SMTP</Type><Server>s</Server></Protocol><Protocol><Type>IMAP</Type><Server>i2</Server><Port>143</Port><Encryption>None</Encryption></Protocol>'),
      'URL',
    );
    expect(r).toEqual({
      kind: 'servers',
      servers: [
        { protocol: 'imap', host: 'imap.x', port: 993, tls: 'implicit', username: 'alice', from: 'URL', outsideDomain: false },
        { protocol: 'pop3', host: 'pop.x', port: 110, tls: 'starttls', username: null, from: 'URL', outsideDomain: false },
        { protocol: 'imap', host: 'i2', port: 143, tls: 'none', username: null, from: 'URL', outsideDomain: false },
      ],
    });
  });

  it('reads redirects and errors', () => {
    expect(parseAutodiscover(wrap('<Action>redirectAddr</Action><RedirectAddr>a@b.example</RedirectAddr>'), 'U')).toEqual({ kind: 'redirect-addr', to: 'a@b.example' });
    expect(parseAutodiscover('<Autodiscover><Response><Error><ErrorCode>600</ErrorCode><Message>Invalid Request</Message></Error></Response></Autodiscover>', 'U')).toEqual({ kind: 'error', reason: 'the server answered with an error: Invalid Request' });
  });
});

describe('names', () => {
  it('mxDomains: the parent domain, then the base domain', () => {
    expect(mxDomains('mx1.mail.provider.net.')).toEqual(['mail.provider.net', 'provider.net']);
    expect(mxDomains('mx.provider.net')).toEqual(['provider.net']);
  });

  it('mxDomains: the base domain comes from the Public Suffix List, and a public suffix is never asked', () => {
    expect(mxDomains('mx.provider.co.uk')).toEqual(['provider.co.uk']);
    expect(mxDomains('mx1.mail.provider.co.uk')).toEqual(['mail.provider.co.uk', 'provider.co.uk']);
    expect(mxDomains('mail.example.com.au')).toEqual(['example.com.au']);
    expect(mxDomains('provider.co.uk')).toEqual(['provider.co.uk']);
    expect(mxDomains('mx.someone.github.io')).toEqual(['someone.github.io']);
    expect(mxDomains('co.uk')).toEqual([]);
    expect(mxDomains('192.0.2.1')).toEqual([]);
  });

  it('loginName fills the templates, and is the address when none is given', () => {
    expect(loginName('%EMAILLOCALPART%', 'a.b@x.org', 'a.b', 'x.org')).toBe('a.b');
    expect(loginName('%EMAILADDRESS%', 'a@x.org', 'a', 'x.org')).toBe('a@x.org');
    expect(loginName('mail-%EMAILLOCALPART%-%EMAILDOMAIN%', 'a@x.org', 'a', 'x.org')).toBe('mail-a-x.org');
    expect(loginName(null, 'a@x.org', 'a', 'x.org')).toBe('a@x.org');
  });

  it('parseDnsServer: HOST, HOST:PORT, [v6]:PORT; anything else is refused', () => {
    expect(parseDnsServer('127.0.0.1')).toBe('127.0.0.1:53');
    expect(parseDnsServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(parseDnsServer('[::1]:5353')).toBe('[::1]:5353');
    for (const bad of ['a:b:c', '1.2.3.4:0', '1.2.3.4:70000', '']) expect(() => parseDnsServer(bad)).toThrow(/--dns-server must be HOST or HOST:PORT/);
  });

  it('splitAddress lower-cases the domain and refuses what is not an address', () => {
    expect(splitAddress('Alice@Example.COM')).toEqual({ localPart: 'Alice', domain: 'example.com' });
    for (const bad of ['alice', '@example.com', 'alice@localhost', 'a b@example.com', 'alice@exa_mple.com']) expect(() => splitAddress(bad)).toThrow(/is not an email address/);
  });

  it('underDomain: the domain itself or a name below it', () => {
    expect(underDomain('imap.example.com.', 'example.com')).toBe(true);
    expect(underDomain('example.com', 'example.com')).toBe(true);
    expect(underDomain('badexample.com', 'example.com')).toBe(false);
  });
});
