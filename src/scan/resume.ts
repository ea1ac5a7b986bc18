// --resume: read what an earlier (possibly interrupted) scan already wrote to the out file. The file is read
// as a stream, one line at a time; a torn last line (the run was killed mid-write) is cut off so appending
// starts on a clean line; every complete line adds its key, status and finding ids.
import { createReadStream, existsSync, openSync, closeSync, fstatSync, readSync, ftruncateSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface DoneAccount {
  key: string;
  status: string;
  findingIds: string[];
}

/** Cut an unterminated last line off the file; returns the bytes removed. */
export function dropTornTail(path: string): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
    let end = size;
    // Walk back to the last newline.
    while (end > 0) {
      const len = Math.min(chunk.length, end);
      readSync(fd, chunk, 0, len, end - len);
      const nl = chunk.subarray(0, len).lastIndexOf(0x0a);
      if (nl !== -1) {
        const keep = end - len + nl + 1;
        if (keep === size) return 0;
        ftruncateSync(fd, keep);
        return size - keep;
      }
      end -= len;
    }
    ftruncateSync(fd, 0);
    return size;
  } finally {
    closeSync(fd);
  }
}

/** Each account recorded in an out file (complete lines only), in file order. */
export async function* readDone(path: string): AsyncGenerator<DoneAccount> {
  if (!existsSync(path)) return;
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let v: { scan?: { key?: unknown }; status?: unknown; findings?: { id?: unknown }[] };
    try {
      v = JSON.parse(line) as typeof v;
    } catch {
      continue; // not ours, or torn: the account is simply scanned again
    }
    const key = v?.scan?.key;
    if (typeof key !== 'string') continue;
    yield {
      key,
      status: typeof v.status === 'string' ? v.status : 'unknown',
      findingIds: Array.isArray(v.findings) ? v.findings.map((f) => String(f?.id)) : [],
    };
  }
}
