// The server's NAMESPACE response in the snapshot, and folder roles guessed from names directly under the
// server's own personal prefix and separator (Courier `INBOX.` with `.`, Cyrus `INBOX.` or `` with `/`, Dovecot
// `` with `/` or `.`), never a hard-coded INBOX parent where the server says otherwise.
import { afterEach, describe, expect, it } from 'vitest';
import { probeImap } from '../src/connectors/imap/index.js';
import { guessSpecialUse } from '../src/connectors/imap/probe.js';
import { passwordCredentials } from '../src/connectors/credentials.js';
import type { ImapEvidence, Namespace } from '../src/snapshot/schema.js';
import { fakeImap } from './support/fake-imap.js';

const COURIER: Namespace[] = [{ prefix: 'INBOX.', delimiter: '.' }];
const DOVECOT_SLASH: Namespace[] = [{ prefix: '', delimiter: '/' }];
const DOVECOT_DOT: Namespace[] = [{ prefix: '', delimiter: '.' }];

describe('guessSpecialUse under the personal namespace', () => {
  it('Courier and Cyrus: INBOX. with "."', () => {
    expect(guessSpecialUse('INBOX.Sent', '.', COURIER)).toBe('\\Sent');
    expect(guessSpecialUse('inbox.Papierkorb', '.', COURIER)).toBe('\\Trash');
    expect(guessSpecialUse('INBOX.Projects.Sent', '.', COURIER)).toBeNull();
    expect(guessSpecialUse('INBOX', '.', COURIER)).toBeNull();
  });

  it('Dovecot and Cyrus altnamespace: "" with "/" or ".": a child of INBOX is a user folder', () => {
    expect(guessSpecialUse('Sent', '/', DOVECOT_SLASH)).toBe('\\Sent');
    expect(guessSpecialUse('INBOX/Sent', '/', DOVECOT_SLASH)).toBeNull();
    expect(guessSpecialUse('Junk', '.', DOVECOT_DOT)).toBe('\\Junk');
    expect(guessSpecialUse('INBOX.Junk', '.', DOVECOT_DOT)).toBeNull();
    expect(guessSpecialUse('Projects/Trash', '/', DOVECOT_SLASH)).toBeNull();
  });

  it('a prefix of another name and separator, and one sent without its trailing separator', () => {
    expect(guessSpecialUse('Mail/Drafts', '/', [{ prefix: 'Mail/', delimiter: '/' }])).toBe('\\Drafts');
    expect(guessSpecialUse('Mail/Drafts', '/', [{ prefix: 'Mail', delimiter: '/' }])).toBe('\\Drafts');
    // Prefixes other than INBOX are case-sensitive.
    expect(guessSpecialUse('mail/Drafts', '/', [{ prefix: 'Mail/', delimiter: '/' }])).toBeNull();
    // Several personal namespaces (a Dovecot migrated from Courier keeps both).
    expect(guessSpecialUse('INBOX.Trash', '.', [...DOVECOT_DOT, ...COURIER])).toBe('\\Trash');
  });

  it('Gmail folders keep their meaning under [Gmail]', () => {
    expect(guessSpecialUse('[Gmail]/Sent Mail', '/', DOVECOT_SLASH)).toBe('\\Sent');
  });

  it('without NAMESPACE (null): INBOX with the folder\'s own separator is the parent', () => {
    expect(guessSpecialUse('INBOX.Sent', '.', null)).toBe('\\Sent');
    expect(guessSpecialUse('INBOX/Sent', '/', null)).toBe('\\Sent');
    expect(guessSpecialUse('Sent', '/', null)).toBe('\\Sent');
    expect(guessSpecialUse('INBOX.Work.Sent', '.', null)).toBeNull();
  });
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A probe of a scripted server that lists `folders` (with `sep`) and answers NAMESPACE with `namespace`. */
async function probeWith(capabilities: string[], namespace: string | null, sep: string, folders: string[]): Promise<ImapEvidence> {
  const srv = await fakeImap({
    capabilities,
    on: (verb, tag, line) => {
      // imapflow's own question for the separator where there is no NAMESPACE.
      if (verb === 'LIST' && line.endsWith(' "" ""')) return `* LIST (\\Noselect) "${sep}" ""\r\n${tag} OK done\r\n`;
      if (verb === 'NAMESPACE') return namespace === null ? `${tag} BAD unknown command\r\n` : `* NAMESPACE ${namespace}\r\n${tag} OK done\r\n`;
      if (verb === 'LIST') return `${['INBOX', ...folders].map((f) => `* LIST (\\HasNoChildren) "${sep}" "${f}"\r\n`).join('')}${tag} OK done\r\n`;
      if (verb === 'STATUS') return `${tag} OK done\r\n`;
      return undefined;
    },
  });
  open.push(srv);
  const r = await probeImap({
    host: '127.0.0.1',
    port: srv.port,
    tls: 'none',
    allowPlaintext: true,
    credentials: passwordCredentials('alice', 'pw'),
    timeoutMs: 3000,
    history: false,
    now: new Date(),
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.evidence;
}

const roles = (e: ImapEvidence) => Object.fromEntries(e.folders.map((f) => [f.path, f.specialUse]));

describe('the NAMESPACE response in the snapshot', () => {
  it('records Courier\'s answer as sent and guesses roles under INBOX.', async () => {
    const e = await probeWith(['IMAP4rev1', 'AUTH=PLAIN', 'NAMESPACE'], '(("INBOX." ".")) NIL (("#shared." "."))', '.', ['INBOX.Sent', 'INBOX.Work.Trash', 'INBOX.Junk']);
    expect(e.namespace).toEqual({ personal: [{ prefix: 'INBOX.', delimiter: '.' }], other: [], shared: [{ prefix: '#shared.', delimiter: '.' }] });
    expect(roles(e)).toEqual({ INBOX: null, 'INBOX.Sent': '\\Sent', 'INBOX.Work.Trash': null, 'INBOX.Junk': '\\Junk' });
  });

  it('records Dovecot\'s "" with "/", other users\' namespace, a NIL separator and a literal prefix', async () => {
    const e = await probeWith(['IMAP4rev1', 'AUTH=PLAIN', 'NAMESPACE'], '(("" "/")) (("Other Users/" "/")) (({6}\r\nPublic NIL))', '/', ['Sent', 'INBOX/Sent']);
    expect(e.namespace).toEqual({ personal: [{ prefix: '', delimiter: '/' }], other: [{ prefix: 'Other Users/', delimiter: '/' }], shared: [{ prefix: 'Public', delimiter: null }] });
    expect(roles(e)).toEqual({ INBOX: null, Sent: '\\Sent', 'INBOX/Sent': null });
  });

  it('is null without the NAMESPACE capability, and roles fall back to INBOX as the parent', async () => {
    const e = await probeWith(['IMAP4rev1', 'AUTH=PLAIN'], null, '/', ['INBOX/Sent', 'Drafts']);
    expect(e.namespace).toBeNull();
    expect(roles(e)).toEqual({ INBOX: null, 'INBOX/Sent': '\\Sent', Drafts: '\\Drafts' });
  });

  it('is null when the server refuses the command it advertises', async () => {
    const e = await probeWith(['IMAP4rev1', 'AUTH=PLAIN', 'NAMESPACE'], null, '.', ['INBOX.Sent']);
    expect(e.namespace).toBeNull();
    expect(roles(e)['INBOX.Sent']).toBe('\\Sent');
  });
});
