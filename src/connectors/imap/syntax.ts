// IMAP string syntax shared by the sessions we write ourselves (the bulk reader, the login line).

/** An IMAP quoted string, or null when the text needs a literal (CR, LF, NUL or 8-bit). */
export function quoted(s: string): string | null {
  if (/[\r\n\0\u0080-\uffff]/.test(s)) return null;
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
