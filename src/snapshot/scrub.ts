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

/** The texts to hide for these secrets: each secret and its base64 form (when that is not too short to matter). */
function forms(secret: string | readonly string[]): string[] {
  const out: string[] = [];
  for (const x of typeof secret === 'string' ? [secret] : secret) {
    if (!x) continue;
    out.push(x);
    const b64 = Buffer.from(x).toString('base64');
    if (b64.length >= 4) out.push(b64);
  }
  return out;
}

/**
 * Replace the secrets (a password, a token; and their base64 forms) in every string of the IMAP and POP3 results
 * and the log evidence, in place. The account (user, hosts) is ours and is kept; `keep` protects those words
 * elsewhere too.
 */
export function scrubSnapshot(snapshot: Snapshot, secret: string | readonly string[]): Snapshot {
  const secrets = forms(secret);
  if (secrets.length === 0) return snapshot;
  const keep = [snapshot.account.user, snapshot.account.imap?.host ?? '', snapshot.account.pop?.host ?? ''];
  const hit = (s: string) => secrets.some((x) => s.includes(x));
  const hide = (s: string) => scrub(s, secret, keep);
  for (const part of [snapshot.imap, snapshot.pop, snapshot.login, snapshot.logs, snapshot.anomalies] as unknown[]) walk(part, hide, hit);
  return snapshot;
}

/**
 * Remove every occurrence of the secrets (and their base64 forms) from a text that might echo them: defence in
 * depth for server replies we quote. Texts we wrote ourselves name the endpoint and user, so `keep` protects
 * those: a short password that happens to occur inside a host name must not mangle the host name.
 */
export function scrub(text: string, secret: string | readonly string[], keep: readonly string[] = []): string {
  const secrets = forms(secret);
  if (secrets.length === 0) return text;
  const raw = typeof secret === 'string' ? [secret] : secret;
  const hide = (part: string) => secrets.reduce((out, s) => out.split(s).join('***'), part);
  const guard = keep.filter((k) => k && !raw.some((x) => x && x.includes(k)) && !k.includes('***')).sort((a, b) => b.length - a.length);
  if (guard.length === 0) return hide(text);
  // Split around the protected words, hide secrets in the rest; a protected word that contains a secret is
  // kept only where it stands whole.
  const pattern = new RegExp(`(${guard.map((g) => g.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  return text
    .split(pattern)
    .map((part, i) => (i % 2 === 1 ? part : hide(part)))
    .join('');
}
