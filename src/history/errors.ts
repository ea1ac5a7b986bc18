/** A history database that cannot be used (newer schema, unreadable file): one line, exit 3. */
export class HistoryError extends Error {
  override name = 'HistoryError';
}
