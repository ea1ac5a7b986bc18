// A message's identity across probes without storing its header: the sha256 of its Message-ID value.
import { hash } from 'node:crypto';

/** The Message-ID header's value (unfolded, trimmed) as bytes, or null when absent or empty. */
function messageIdValue(headers: Buffer | undefined): Buffer | null {
  if (!headers || headers.length === 0) return null;
  // Fast path, the usual answer: one unfolded "Message-ID: value" line; the value's bytes are used in place.
  if (headers.length > 11 && headers.toString('latin1', 0, 11).toLowerCase() === 'message-id:') {
    const eol = headers.indexOf(0x0a, 11);
    const next = eol === -1 ? -1 : headers[eol + 1];
    if (eol !== -1 && next !== 0x20 && next !== 0x09) {
      let a = 11;
      let z = headers[eol - 1] === 0x0d ? eol - 1 : eol;
      while (a < z && (headers[a] === 0x20 || headers[a] === 0x09)) a++;
      while (z > a && (headers[z - 1] === 0x20 || headers[z - 1] === 0x09)) z--;
      // Other whitespace or 8-bit bytes at either end: String.trim() below decides what they are.
      const plain = (c: number) => c > 0x20 && c < 0x80;
      if (z > a && plain(headers[a]!) && plain(headers[z - 1]!)) return headers.subarray(a, z);
      if (z === a) return null;
    }
  }
  const unfolded = headers.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id[ \t]*:(.*)$/im.exec(unfolded);
  const v = m ? m[1]!.trim() : '';
  // The header's own bytes (latin1 round-trips them), not a re-encoding.
  return v ? Buffer.from(v, 'latin1') : null;
}

/** sha256 hex of the Message-ID header value (unfolded, trimmed), or null when absent. */
export function messageIdHash(headers: Buffer | undefined): string | null {
  const v = messageIdValue(headers);
  return v ? hash('sha256', v, 'hex') : null;
}

/** The same sha256 as messageIdHash, as its 32 bytes (what the packed history list stores), or null when absent. */
export function messageIdDigest(headers: Buffer | undefined): Buffer | null {
  const v = messageIdValue(headers);
  return v ? hash('sha256', v, 'buffer') : null;
}
