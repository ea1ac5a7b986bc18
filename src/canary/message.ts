// The canary message: one small, clearly marked test message that `watch --canary` appends to INBOX.
import { randomBytes } from 'node:crypto';
import { messageIdHash } from '../connectors/imap/mailbox/message-id.js';

export const CANARY_HEADER = 'X-Maildoctor-Canary';

export interface CanaryMessage {
  id: string;
  subject: string;
  messageId: string;
  /** sha256 of the Message-ID as the IMAP probe hashes it (MessageIdentity.messageIdHash). */
  messageIdHash: string;
  raw: string;
}

function newCanaryId(): string {
  return randomBytes(6).toString('hex');
}

/** An address for From/To: the login name when it is one, else login@host. */
export function canaryAddress(user: string, host: string): string {
  return user.includes('@') ? user : `${user}@${host}`;
}

export function canaryMessage(address: string, date: Date, id: string = newCanaryId()): CanaryMessage {
  const subject = `maildoctor canary ${id} — safe to delete`;
  // RFC 2047: the em dash makes the subject non-ASCII; one Q-encoded word keeps it readable in raw form.
  const encodedSubject = `=?UTF-8?Q?${subject.replace(/ /g, '_').replace(/—/g, '=E2=80=94')}?=`;
  const messageId = `<maildoctor-canary.${id}@maildoctor.invalid>`;
  const body = [
    'This is a test message written by "maildoctor watch --canary".',
    '',
    'maildoctor put it into this INBOX to see whether a mail program collects',
    'mail from this mailbox over POP3 (and deletes it from the server), or',
    'marks it as read. It removes the message again at the end of its run.',
    '',
    'If you can read this, the message was left behind or was downloaded by a',
    'device: it is safe to delete.',
    '',
    `Canary id: ${id}`,
  ];
  const headers = [
    `From: maildoctor canary <${address}>`,
    `To: <${address}>`,
    `Subject: ${encodedSubject}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: ${messageId}`,
    `${CANARY_HEADER}: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: 7bit',
  ];
  return {
    id,
    subject,
    messageId,
    messageIdHash: messageIdHash(Buffer.from(`Message-ID: ${messageId}\r\n`, 'latin1'))!,
    raw: `${headers.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`,
  };
}
