// The POP3 connector: a read-only wire client and the probe that turns one session into Pop3Evidence.
export { probePop3, type Pop3ProbeOptions } from './probe.js';
export {
  Pop3Client,
  POP3_ALLOWED_VERBS,
  type Pop3ClientOptions,
  type Pop3ListEntry,
  type Pop3Stat,
  type Pop3UidlEntry,
  type Pop3Verb,
} from './client.js';
export { Pop3Error, type Pop3ErrorDetails } from './errors.js';
export { parseCapa, type Pop3Capabilities } from './capa.js';
export { mapUidls, serverFamily, type ServerFamily, type UidlFormat, type UidlHints, type UidlMap, type UidlMapping } from './uidl.js';
export { LineSplitter, ReplyReader, parseStatusLine, DEFAULT_MAX_LINE_BYTES, type Reply, type ReplyStatus } from './lines.js';
