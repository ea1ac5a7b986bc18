/** Progress lines go to stderr, and only to a terminal unless asked: stdout holds the report alone. */
export function progressTo(quiet: boolean): (message: string) => void {
  if (quiet || !process.stderr.isTTY) return () => {};
  return (message) => process.stderr.write(`… ${message}\n`);
}
