// Raw commands through imapflow's internal exec(): what imapflow has no method for (ESORT, GETQUOTAROOT
// with every root, SEARCH RETURN with exactly the criteria we write). One command in flight, like imapflow.
import type { ImapFlow } from 'imapflow';

export interface Node {
  type?: string;
  value?: unknown;
}
export type Attr = Node | Attr[];

export interface Untagged {
  command?: string;
  attributes?: Attr[];
  /** imapflow reads a plain "* SEARCH 1 2 3" line straight into numbers. */
  numbers?: number[];
}

interface ExecClient {
  exec(
    command: string,
    attributes: unknown[],
    options: { untagged: Record<string, (u: Untagged) => Promise<void>> },
  ): Promise<{ next: () => void }>;
}

export const atom = (value: string) => ({ type: 'ATOM', value });
export const str = (value: string) => ({ type: 'STRING', value });
export const seq = (value: string) => ({ type: 'SEQUENCE', value });

/** Send one command; untagged handlers collect what it returns. Rejects on NO/BAD like imapflow does. */
export async function execRaw(
  client: ImapFlow,
  command: string,
  attributes: unknown[],
  untagged: Record<string, (u: Untagged) => void>,
): Promise<void> {
  const handlers: Record<string, (u: Untagged) => Promise<void>> = {};
  for (const [k, fn] of Object.entries(untagged)) handlers[k] = async (u) => fn(u);
  const res = await (client as unknown as ExecClient).exec(command, attributes, { untagged: handlers });
  res.next();
}

export function text(n: Attr | undefined): string | null {
  if (!n || Array.isArray(n)) return null;
  const v = n.value;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return null;
}

/** key/value pairs of an ESEARCH response after the (TAG "x") correlator and the UID atom. */
export function parseEsearch(u: Untagged): Map<string, string> {
  const attrs = u.attributes ?? [];
  let i = 0;
  if (Array.isArray(attrs[0])) i++;
  if (text(attrs[i])?.toUpperCase() === 'UID') i++;
  const out = new Map<string, string>();
  for (; i + 1 < attrs.length; i += 2) {
    const k = text(attrs[i]);
    const v = text(attrs[i + 1]);
    if (k && v !== null) out.set(k.toUpperCase(), v);
  }
  return out;
}

/** Numbers of an untagged SEARCH/SORT response. */
export function searchNumbers(u: Untagged): number[] {
  if (u.numbers) return u.numbers;
  const out: number[] = [];
  for (const a of u.attributes ?? []) {
    const t = text(a);
    if (t && /^\d+$/.test(t)) out.push(Number(t));
  }
  return out;
}
