// A scripted IMAP server on 127.0.0.1 for what a real Dovecot will not do: absurd numbers, a stalled
// GETQUOTAROOT, a BYE right after login. It answers the probe's read-only conversation over plain text
// (use tls 'none' + allowPlaintext) for an INBOX of `exists` messages with no other folder; `on` overrides
// the answer to one command (upper-case verb, "UID SEARCH" / "UID FETCH" for the UID forms).
import type net from 'node:net';
import { fakeServer, type FakeServer } from './fake-server.js';

export interface FakeImapScript {
  /** The greeting line without CRLF; default "* OK [CAPABILITY …] fake IMAP ready". */
  greeting?: string;
  /** Capabilities announced (default IMAP4rev1 AUTH=PLAIN QUOTA). */
  capabilities?: string[];
  /** The EXISTS count EXAMINE INBOX announces (a string, so any digits can be sent); default "0". */
  exists?: string;
  /** GETQUOTAROOT's QUOTA response list, e.g. "STORAGE 10 100"; default "STORAGE 10 1000". */
  quota?: string;
  /**
   * Answer a command yourself: return the lines to send (tag included), '' to stay silent, or undefined
   * for the default answer.
   */
  on?: (verb: string, tag: string, line: string, s: net.Socket) => string | undefined;
}

export async function fakeImap(script: FakeImapScript = {}): Promise<FakeServer> {
  const caps = (script.capabilities ?? ['IMAP4rev1', 'AUTH=PLAIN', 'QUOTA']).join(' ');
  const exists = script.exists ?? '0';
  return fakeServer({
    onConnect: (s) => s.write(`${script.greeting ?? `* OK [CAPABILITY ${caps}] fake IMAP ready`}\r\n`),
    onLine: (line, s) => {
      const [tag = '*', w1 = '', w2 = ''] = line.split(' ');
      const verb = w1.toUpperCase() === 'UID' ? `UID ${w2.toUpperCase()}` : w1.toUpperCase();
      const own = script.on?.(verb, tag, line, s);
      if (own !== undefined) {
        if (own) s.write(own);
        return;
      }
      if (s.destroyed) return;
      s.write(defaultAnswer(verb, tag, caps, exists, script.quota ?? 'STORAGE 10 1000'));
      if (verb === 'LOGOUT') s.end();
    },
  });
}

function defaultAnswer(verb: string, tag: string, caps: string, exists: string, quota: string): string {
  switch (verb) {
    case 'CAPABILITY':
      return `* CAPABILITY ${caps}\r\n${tag} OK done\r\n`;
    case 'AUTHENTICATE':
    case 'LOGIN':
      return `${tag} OK [CAPABILITY ${caps}] logged in\r\n`;
    case 'EXAMINE':
    case 'SELECT':
      return `* FLAGS (\\Seen \\Deleted)\r\n* ${exists} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 1] ok\r\n${tag} OK [READ-ONLY] done\r\n`;
    case 'UID SEARCH':
    case 'SEARCH':
      return `* SEARCH\r\n${tag} OK done\r\n`;
    case 'LIST':
      return `* LIST () "/" INBOX\r\n${tag} OK done\r\n`;
    case 'STATUS':
      return `* STATUS INBOX (MESSAGES ${exists} UIDNEXT 1 UIDVALIDITY 7 UNSEEN 0)\r\n${tag} OK done\r\n`;
    case 'GETQUOTAROOT':
      return `* QUOTAROOT INBOX ""\r\n* QUOTA "" (${quota})\r\n${tag} OK done\r\n`;
    case 'LOGOUT':
      return `* BYE bye\r\n${tag} OK done\r\n`;
    default:
      return `${tag} OK done\r\n`;
  }
}
