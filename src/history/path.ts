// Where the history database lives, apart from store.ts: finding the path must not load SQLite and zod.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** XDG state dir: $XDG_STATE_HOME/maildoctor/history.db, else ~/.local/state/maildoctor/history.db. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'maildoctor', 'history.db');
}
