// Why a file could not be opened, read or written, in words a user can act on, with the system's code for a
// search. One place for every command that takes a path (--history, --save, probe --out, scan --out).

const WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links in the path',
  EMFILE: 'too many open files',
};

/** "permission denied (EACCES)"; for an error without a known code, its message. */
export function fileReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  let code = typeof e?.code === 'string' ? e.code : undefined;
  // mkdir -p over a path that runs through a regular file says EEXIST: that is the ENOTDIR case.
  if (code === 'EEXIST' && e?.syscall === 'mkdir') code = 'ENOTDIR';
  if (code && WORDS[code]) return `${WORDS[code]} (${code})`;
  if (code) return code;
  return e?.message ?? String(err);
}
