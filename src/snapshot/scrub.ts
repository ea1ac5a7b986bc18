// Server-sent text (ID fields, folder names, response texts, UIDLs) goes into snapshots, saved files and the
// history. A server that echoes the password, or a folder a customer named after it, must not carry it there:
// every string of the probe results is scrubbed in place, as error texts already are when they are made.
import type { Snapshot } from './schema.js';

/** Keys whose values hold no server text worth the walk: INBOX identities are our own hashes and numbers. */
const SKIP = new Set(['messageList']);

function walk(node: unknown, hide: (s: string) => string, hit: (s: string) => boolean): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      if (typeof v === 'string') {
        if (hit(v)) node[i] = hide(v);
      } else if (v !== null && typeof v === 'object') walk(v, hide, hit);
    }
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const proto: unknown = Object.getPrototypeOf(node);
  if (proto !== Object.prototype && proto !== null) return; // typed arrays, Dates, message lists: nothing to scrub
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (SKIP.has(key)) continue;
    const v = obj[key];
    if (typeof v === 'string') {
      if (hit(v)) obj[key] = hide(v);
    } else if (v !== null && typeof v === 'object') walk(v, hide, hit);
  }
}

/**
 * Replace the password (and its base64 form) in every string of the IMAP and POP3 results and the log
 * evidence, in place. The account (user, hosts) is ours and is kept; `keep` protects those words elsewhere too.
 */
export function scrubSnapshot(snapshot: Snapshot, password: string): Snapshot {
  if (!password) return snapshot;
  const b64 = Buffer.from(password).toString('base64');
  const secrets = b64.length >= 4 ? [password, b64] : [password];
  const keep = [snapshot.account.user, snapshot.account.imap?.host ?? '', snapshot.account.pop?.host ?? ''];
  const hit = (s: string) => secrets.some((x) => s.includes(x));
  const hide = (s: string) => scrub(s, password, keep);
  for (const part of [snapshot.imap, snapshot.pop, snapshot.logs, snapshot.anomalies] as unknown[]) walk(part, hide, hit);
  return snapshot;
}

/**
 * Remove every occurrence of the password (and its base64 form) from a text that might echo it: defence in depth
 * for server replies we quote. Texts we wrote ourselves name the endpoint and user, so `keep` protects those:
 * a short password that happens to occur inside a host name must not mangle the host name.
 */
export function scrub(text: string, password: string, keep: readonly string[] = []): string {
  if (!password) return text;
  const secrets = [password];
  const b64 = Buffer.from(password).toString('base64');
  if (b64.length >= 4) secrets.push(b64);
  const hide = (part: string) => secrets.reduce((out, secret) => out.split(secret).join('***'), part);
  const guard = keep.filter((k) => k && !password.includes(k) && !k.includes('***')).sort((a, b) => b.length - a.length);
  if (guard.length === 0) return hide(text);
  // Split around the protected words, hide secrets in the rest; a protected word that contains the password is
  // kept only where it stands whole.
  const pattern = new RegExp(`(${guard.map((g) => g.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  return text
    .split(pattern)
    .map((part, i) => (i % 2 === 1 ? part : hide(part)))
    .join('');
}
