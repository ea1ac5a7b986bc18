// The IMAP connector: one read-only probe session (probe.ts) over imapflow (imapflow.ts), plus the sessions of
// our own (preflight.ts, bulk.ts). The same layout as pop3/.
export { probeImap, probeImapLogin, type ImapProbeOptions } from './probe.js';
