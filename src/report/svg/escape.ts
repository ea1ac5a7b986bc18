// One escape for everything the HTML report and its SVG pictures write: text nodes and attribute values alike.
// Server text (folder names, greetings, capabilities, error lines) and the account's own names pass through it.

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for HTML and SVG, in element content and in quoted attributes. C0 control characters other than
 * tab and line feed (and DEL) are shown as U+FFFD: they are not allowed in the document and say nothing to a reader.
 */
export function esc(text: string | number): string {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[&<>"']/g, (ch) => ENTITY[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}
