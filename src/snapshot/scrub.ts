// Server-sent text (ID fields, folder names, response texts, UIDLs) goes into snapshots, saved files and the
// history. A server that echoes the password, or a folder a customer named after it, must not carry it there:
// every string of the probe results is scrubbed in place, as error texts already are when they are made.
import { scrub } from '../connectors/common.js';
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
  const proto = Object.getPrototypeOf(node);
  if (proto !== Object.prototype && proto !== null) return; // typed arrays, Dates, lazy lists: nothing to scrub
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
