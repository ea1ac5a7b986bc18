/**
 * A history database that cannot be used: one line. `newer` (written by a newer maildoctor) stops a check
 * before it probes; `unusable` (cannot be opened or read, not a database) lets a check report without history.
 */
export class HistoryError extends Error {
  override name = 'HistoryError';
  readonly kind: 'newer' | 'unusable';
  constructor(message: string, kind: 'newer' | 'unusable' = 'unusable') {
    super(message);
    this.kind = kind;
  }
}
