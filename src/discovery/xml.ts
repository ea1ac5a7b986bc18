// A small, strict XML reader for the two documents discovery reads (Mozilla's clientConfig, Microsoft's
// Autodiscover POX): elements, attributes, text, CDATA, comments. No DTD and no entities beyond the five
// predefined and numeric ones, so a hostile document cannot expand. Anything malformed throws XmlError.

export interface XmlElement {
  /** The local name (a namespace prefix dropped): Autodiscover responses come with and without prefixes. */
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, at: number) {
    super(`malformed XML at character ${at}: ${message}`);
    this.name = 'XmlError';
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(raw: string, at: number): string {
  return raw.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);|&/gi, (all, ent: string | undefined) => {
    if (ent === undefined) throw new XmlError('a bare "&"', at);
    if (ent.startsWith('#')) {
      const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      if (!(code > 0 && code <= 0x10ffff)) throw new XmlError(`character reference ${all} out of range`, at);
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[ent];
    if (v === undefined) throw new XmlError(`unknown entity ${all}`, at);
    return v;
  });
}

const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);

/** Parse a whole document into its root element. */
export function parseXml(src: string): XmlElement {
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const expect = (s: string, what: string) => {
    const end = src.indexOf(s, i);
    if (end < 0) throw new XmlError(`unterminated ${what}`, i);
    return end;
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const text = src.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decode(text, i);
      else if (text.trim()) throw new XmlError('text outside the root element', i);
      i = textEnd;
      continue;
    }
    if (src.startsWith('<!--', i)) {
      i = expect('-->', 'comment') + 3;
    } else if (src.startsWith('<![CDATA[', i)) {
      const end = expect(']]>', 'CDATA section');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlError('CDATA outside the root element', i);
      top.text += src.slice(i + 9, end);
      i = end + 3;
    } else if (src.startsWith('<?', i)) {
      i = expect('?>', 'processing instruction') + 2;
    } else if (src.startsWith('<!', i)) {
      throw new XmlError('a DTD or declaration (not accepted)', i);
    } else if (src.startsWith('</', i)) {
      const end = expect('>', 'end tag');
      const name = src.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.name !== localName(name)) throw new XmlError(`</${name}> does not close ${open ? `<${open.name}>` : 'anything'}`, i);
      i = end + 1;
    } else {
      const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(src.slice(i, i + 4096));
      if (!m) throw new XmlError('a tag that is not well-formed', i);
      const el: XmlElement = { name: localName(m[1]!), attrs: {}, children: [], text: '' };
      for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        el.attrs[localName(a[1]!)] = decode(a[2] ?? a[3] ?? '', i);
      }
      const top = stack[stack.length - 1];
      if (top) top.children.push(el);
      else if (root) throw new XmlError('a second root element', i);
      else root = el;
      if (m[3] !== '/') stack.push(el);
      i += m[0].length;
    }
  }
  if (stack.length) throw new XmlError(`<${stack[stack.length - 1]!.name}> is never closed`, src.length);
  if (!root) throw new XmlError('no element at all', 0);
  return root;
}

/** Direct children named `name` (case-insensitive: Autodiscover servers differ in case). */
export function childrenOf(el: XmlElement | undefined, name: string): XmlElement[] {
  const want = name.toLowerCase();
  return el ? el.children.filter((c) => c.name.toLowerCase() === want) : [];
}

export function childOf(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return childrenOf(el, name)[0];
}

/** The trimmed text of a direct child, or null when there is none or it is empty. */
export function textOf(el: XmlElement | undefined, name: string): string | null {
  const t = childOf(el, name)?.text.trim();
  return t ? t : null;
}
