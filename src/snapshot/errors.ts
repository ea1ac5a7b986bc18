/** A snapshot file that cannot be used (missing, corrupt, foreign, newer schema): one line, exit 3. */
export class SnapshotFileError extends Error {
  override name = 'SnapshotFileError';
}
