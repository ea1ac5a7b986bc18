// The Message-ID hash (src/connectors/imap/mailbox/message-id.ts) that identifies a message across probes and
// folders without storing its header.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { messageIdHash } from '../src/connectors/imap/mailbox/message-id.js';

describe('messageIdHash: the fast path agrees with the general one', () => {
  it('messageIdHash hashes the same value with or without folding, case and spacing', () => {
    const h = (v: string) => createHash('sha256').update(Buffer.from(v, 'latin1')).digest('hex');
    const cases: Array<[string, string | null]> = [
      ['Message-ID: <a@b>\r\n\r\n', h('<a@b>')],
      ['message-id:<a@b>  \r\n\r\n', h('<a@b>')],
      ['Message-Id:\r\n <a@b>\r\n\r\n', h('<a@b>')],
      ['Message-ID : <a@b>\r\n\r\n', h('<a@b>')],
      ['Message-ID: <\xe9@b>\xa0\r\n\r\n', h('<\xe9@b>')],
      ['Message-ID:   \r\n\r\n', null],
      ['\r\n', null],
    ];
    for (const [text, want] of cases) expect(messageIdHash(Buffer.from(text, 'latin1')), JSON.stringify(text)).toBe(want);
  });
});
