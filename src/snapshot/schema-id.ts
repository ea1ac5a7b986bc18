// The snapshot's schema id on its own, without zod: the probe stamps it on every snapshot, and loading zod
// for three strings would cost every `check` tens of milliseconds of start-up.
// Bump SNAPSHOT_SCHEMA_VERSION when a change would make an older reader misread a newer file.
export const SNAPSHOT_SCHEMA_NAME = 'maildoctor/snapshot';
export const SNAPSHOT_SCHEMA_VERSION = 1;
export const SNAPSHOT_SCHEMA = `${SNAPSHOT_SCHEMA_NAME}@${SNAPSHOT_SCHEMA_VERSION}`;
