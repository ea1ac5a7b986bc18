// Words several findings share: protocol names, probe error kinds, signs of POP and IMAP use, and evidence
// lines of the same shape. A finding's own words are in findings/<id>.ts.
import { bytes, count, list, plural } from './format.js';
import type { ProbeErrorKind } from '../snapshot/schema.js';
import type { FolderFact, PopHiddenMail, PopSignKind, ProbeFailure, Protocol, Sign, SignKind } from '../analyzer/types.js';

export const PROTOCOL_NAME: Record<Protocol, string> = { imap: 'IMAP', pop3: 'POP3' };

/** The evidence line of findings about POP on Gmail. */
export const GMAIL_LINE = "Provider: Gmail (its POP setting, not the POP client, decides what becomes of Gmail's copy)";

function folders(names: string[], max = 3): string {
  if (names.length <= max) return list(names);
  return `${names.slice(0, max).join(', ')} and ${plural(names.length - max, 'more folder')}`;
}

/** What went wrong, in a few words, per probe error kind. */
export const PROBE_ERROR_TEXT: Record<ProbeErrorKind, string> = {
  dns: 'host name does not resolve',
  refused: 'connection refused',
  unreachable: 'network unreachable or connection dropped',
  timeout: 'no answer in time',
  tls: 'TLS failed',
  'starttls-missing': 'STARTTLS not offered',
  'plaintext-refused': 'only a login without TLS was possible',
  auth: 'login refused',
  'in-use': 'mailbox locked by another session',
  'login-delay': 'login too soon after the previous one',
  'sys-temp': 'temporary server failure',
  'sys-perm': 'permanent server failure',
  protocol: 'unexpected answer (another service on that port?)',
  unsupported: 'server lacks a needed feature',
  internal: 'maildoctor bug',
};

/** Short labels of the POP signs, for lists. */
export const POP_SIGN_LABEL: Record<PopSignKind, string> = {
  'removed-without-trace': 'mail deleted from INBOX without trace',
  'pop-session-active': 'a POP3 session held the mailbox',
  'pop-login-delay': 'a LOGIN-DELAY refusal',
  'read-without-imap-traces': 'INBOX mail read with no IMAP client traces',
  'vanished-between-probes': 'mail gone from INBOX between two checks, into no folder',
  'log-pop-deletes': 'POP3 sessions deleting mail, in the server log',
  'pop-folder-recent': "mail of the last 7 days in Outlook's POP folder (what POP clients deleted)",
};

/** One phrase per sign, with its number: used in titles and evidence. */
export const SIGN_TEXT: Record<SignKind, (s: Sign) => string> = {
  'removed-without-trace': (s) => `at least ${plural(s.count ?? 0, 'message')} deleted from INBOX without going to any folder`,
  'pop-session-active': () => 'a POP3 session held the mailbox during the check ([IN-USE]: locked)',
  'pop-login-delay': () => 'the POP3 login was refused as too soon after a previous one ([LOGIN-DELAY])',
  'read-without-imap-traces': (s) => `${plural(s.count ?? 0, 'INBOX message')} marked read while no IMAP client left any trace`,
  'vanished-between-probes': (s) => `${plural(s.count ?? 0, 'message')} gone from INBOX since the previous check and in no folder`,
  'pop-folder-recent': (s) => `${plural(s.count ?? 0, 'message')} of the last 7 days in ${folders(s.folders)}, where Outlook puts what a POP client deletes`,
  'sent-recent': (s) => `${plural(s.count ?? 0, 'message')} saved to ${folders(s.folders)} in the last 7 days`,
  'drafts-recent': (s) => `${plural(s.count ?? 0, 'draft')} saved to ${folders(s.folders)} in the last 7 days`,
  'trash-recent': (s) => `${plural(s.count ?? 0, 'message')} from the last 7 days moved to ${folders(s.folders)}`,
  'archive-recent': (s) => `${plural(s.count ?? 0, 'message')} from the last 7 days archived in ${folders(s.folders)}`,
  'folders-filed-recent': (s) =>
    `${plural(s.count ?? 0, 'message')} from the last 7 days in ${folders(s.folders)}, filed there by a client or a server filter`,
  'inbox-answered': (s) => `${plural(s.count ?? 0, 'INBOX message')} marked answered`,
  'inbox-flagged': (s) => `${plural(s.count ?? 0, 'INBOX message')} flagged`,
  'inbox-deleted-flag': (s) => `${plural(s.count ?? 0, 'INBOX message')} marked deleted`,
  'log-pop-deletes': (s) =>
    `the server log shows POP3 sessions deleting ${plural(s.count ?? 0, 'message')} after download${s.ips?.length ? ` (from ${list(s.ips)})` : ''}`,
  'log-imap-logins': (s) =>
    `the server log shows ${plural(s.count ?? 0, 'IMAP login')} from ${s.ips?.length ? list(s.ips) : 'unknown addresses'}${s.strength === 'weak' ? ', the same addresses the POP3 client uses' : ''}`,
  'inbox-client-keyword': (s) => `${plural(s.count ?? 0, 'INBOX message')} with the client keyword ${s.keyword ?? '?'}`,
};

/** "Largest folders: Trash 410 MB / 3,000 messages; …" (no line when there are none). */
export function folderLine(fs: FolderFact[]): string[] {
  if (!fs.length) return [];
  return [`Largest folders: ${fs.map((f) => `${f.folder} ${f.sizeBytes !== null ? `${bytes(f.sizeBytes)} / ` : ''}${plural(f.messages, 'message')}`).join('; ')}`];
}

/** One probe failure: where, what, and what the server said. */
export function failureLine(f: ProbeFailure): string {
  const where = `${PROTOCOL_NAME[f.protocol]} ${f.host ?? '?'}:${f.port ?? '?'}`;
  const what = `${PROBE_ERROR_TEXT[f.kind]}${f.step ? ` at ${f.step}` : ''}${f.code ? ` (${f.code})` : ''}`;
  return `${where}: ${what}; ${f.serverText ? `server said: ${f.serverText}` : f.message}`;
}

export const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/** pop-deletes-mail and mail-vanished: mail deleted over POP that the server only hid (pop3_deleted_flag), and Cyrus's delayed expunge. */
export function serverBehaviourLines(e: { popHidden?: PopHiddenMail; server?: 'cyrus' }): string[] {
  return [
    ...(e.popHidden ? [`Still in INBOX with the keyword ${e.popHidden.keyword} (deleted over POP, hidden from POP): ${count(e.popHidden.messages)}`] : []),
    ...(e.server === 'cyrus' ? ['Server: Cyrus IMAP (expunged mail is kept until cyr_expire runs, by default)'] : []),
  ];
}

export const CYRUS_KEEPS_DELETED = ' The server is Cyrus IMAP, which by default keeps deleted mail for a while: the administrator may still be able to restore it.';
