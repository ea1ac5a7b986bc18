/** A mistake in how maildoctor was called: one line on stderr, exit 3 (UNKNOWN). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
