// Where the history database lives, apart from store.ts: finding the path must not load SQLite and zod.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileReason } from '../file-reason.js';
import { HistoryError } from './errors.js';

/** XDG state dir: $XDG_STATE_HOME/maildoctor/history.db, else ~/.local/state/maildoctor/history.db. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'maildoctor', 'history.db');
}

/**
 * Whether a history database file is at `path`: false when nothing is there yet; a HistoryError naming the path
 * and the reason when there cannot be one (a folder, a path under a file, no access).
 */
export function historyFileExists(path: string): boolean {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw unopenable(path, e);
  }
}

/** The one wording of a history database that cannot be opened. */
export function unopenable(path: string, err: unknown): HistoryError {
  return new HistoryError(`cannot open history database ${path}: ${fileReason(err)}`);
}
