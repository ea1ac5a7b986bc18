// Which server software answered, and which hosted provider runs it, from what the servers showed: the IMAP ID
// response, the greetings, POP3's CAPA IMPLEMENTATION line, Gmail's capability and folders, and the host names
// the probe connected to. Derived from the snapshot (a saved snapshot names its server the same way on replay),
// never guessed: what no evidence names stays null.
import type { ImapEvidence, ImapLoginEvidence, Pop3LoginEvidence, Snapshot } from '../snapshot/schema.js';
import { isInbox, last7Days, loginOf, role } from './facts.js';
import type { HostedProvider, StepParamsMap } from './types.js';

export type { HostedProvider } from './types.js';

/** Server software told apart by what it shows. */
export type ServerSoftware = 'dovecot' | 'cyrus' | 'courier' | 'gmail' | 'microsoft' | 'zimbra' | 'uw-imap';
/** The evidence that named the software or the provider. */
export type IdentitySource =
  | 'imap-id' // RFC 2971 ID response (name, version)
  | 'imap-greeting'
  | 'imap-capability' // X-GM-EXT-1
  | 'imap-folders' // [Gmail]/… folders
  | 'pop-implementation' // RFC 2449 CAPA IMPLEMENTATION
  | 'pop-greeting'
  | 'host-name'; // the host the probe connected to (imap.gmail.com, outlook.office365.com, imap.mail.me.com)

export interface ServerIdentity {
  software: ServerSoftware | null;
  /** As the server wrote it ("3.6.1-Debian-3.6.1-4+deb12u5"); null when it gave none. */
  version: string | null;
  provider: HostedProvider | null;
  /** What named the software (and the version); null with software null. */
  source: IdentitySource | null;
  /** What named the provider; null with provider null. */
  providerSource: IdentitySource | null;
}

/** Per protocol (null: not probed) and for the account: the provider either protocol showed, IMAP's first. */
export interface AccountServers {
  imap: ServerIdentity | null;
  pop: ServerIdentity | null;
  provider: HostedProvider | null;
}

/** Software only one hosted provider runs: naming it names the provider too. */
const PROVIDER_OF: Partial<Record<ServerSoftware, HostedProvider>> = { gmail: 'gmail' };

interface Named {
  software: ServerSoftware;
  version: string | null;
}

const VERSION = String.raw`v?(\d[\w.+~:-]*)`;

/** Names (and versions) in greetings, ID names and IMPLEMENTATION lines; the first that matches wins. */
const NAMES: { re: RegExp; software: ServerSoftware }[] = [
  // "Cyrus IMAP 3.6.1-Debian-3.6.1-4+deb12u5 server ready", "Cyrus IMAP v2.4.17 …", "Cyrus POP3 3.6.1 …", ID "Cyrus IMAPD".
  // The protocol word is required: a host called "cyrus" in another server's greeting names nothing.
  { re: new RegExp(String.raw`\bCyrus (?:IMAPD?|POP3|IMAP4)\b(?: Murder)?(?: ${VERSION})?`, 'i'), software: 'cyrus' },
  { re: new RegExp(String.raw`\bDovecot\b(?: ${VERSION})?`, 'i'), software: 'dovecot' },
  // "Courier-IMAP ready.", IMPLEMENTATION "Courier Mail Server": no version in either.
  { re: /\bCourier(?:-IMAP|-POP3| Mail Server)?\b/i, software: 'courier' },
  // "Gimap ready for requests from …", "Gpop ready for requests from …", ID name "GImap".
  { re: /\bG(?:imap|pop)\b/i, software: 'gmail' },
  // "The Microsoft Exchange IMAP4 service is ready.", "… POP3 service is ready." (Exchange Server and Exchange Online alike).
  { re: /\bMicrosoft Exchange\b/i, software: 'microsoft' },
  { re: new RegExp(String.raw`\bZimbra\b(?: ${VERSION})?`, 'i'), software: 'zimbra' },
  // UW IMAP: "IMAP4rev1 2007f.404 at …".
  { re: /\bIMAP4rev1 (\d{4}[a-z]?\.\d+)\b/i, software: 'uw-imap' },
];

/** A server-chosen string, kept to one short line. */
function short(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? flat.slice(0, 60) : flat;
}

/** The software a text names, with the version when it follows the name; null when it names none we know. */
export function softwareIn(text: string | null | undefined): Named | null {
  if (!text) return null;
  for (const { re, software } of NAMES) {
    const m = re.exec(text);
    if (m) return { software, version: m[1] ? short(m[1].replace(/[.:-]+$/, '')) : null };
  }
  return null;
}

/** Hosted providers by the host names they document, matched on whole labels (evilgmail.com is not Gmail). */
const PROVIDER_HOSTS: [HostedProvider, string[]][] = [
  ['gmail', ['gmail.com', 'googlemail.com']],
  ['microsoft', ['office365.com', 'outlook.com', 'outlook.office.com']],
  ['icloud', ['mail.me.com', 'icloud.com']],
  ['yahoo', ['yahoo.com']],
];

export function providerOfHost(host: string | null | undefined): HostedProvider | null {
  if (!host) return null;
  const h = host.toLowerCase().replace(/\.$/, '');
  return PROVIDER_HOSTS.find(([, suffixes]) => suffixes.some((s) => h === s || h.endsWith(`.${s}`)))?.[0] ?? null;
}

/**
 * Exchange Online's greeting ends in "[<base64>]", the UTF-16LE name of the backend that answered
 * ("…prod.outlook.com"): Microsoft's own servers, where an Exchange Server of one's own greets without it.
 */
export function exchangeOnlineTell(greeting: string | null | undefined): boolean {
  const m = /\[([A-Za-z0-9+/]{8,}={0,2})\]\s*$/.exec(greeting ?? '');
  if (!m) return false;
  const name = Buffer.from(m[1]!, 'base64').toString('utf16le').toLowerCase();
  return /^[a-z0-9.-]+\.(?:outlook\.com|office365\.com)$/.test(name);
}

function identity(named: Named | null, source: IdentitySource | null, provider: [HostedProvider, IdentitySource] | null): ServerIdentity {
  const own = named ? PROVIDER_OF[named.software] : undefined;
  const [p, ps] = own && source ? [own, source] : (provider ?? [null, null]);
  return { software: named?.software ?? null, version: named?.version ?? null, provider: p, source: named ? source : null, providerSource: p ? ps : null };
}

/** The first of the candidates that names something, with its source. */
function first(candidates: [string | null | undefined, IdentitySource][]): [Named, IdentitySource] | null {
  for (const [text, source] of candidates) {
    const named = softwareIn(text);
    if (named) return [named, source];
  }
  return null;
}

function isGmailFolder(path: string): boolean {
  return /^\[(?:Gmail|Google Mail)\]\//.test(path);
}

/** IMAP: ID first (it names the version), then the greeting; Gmail also by X-GM-EXT-1 and its [Gmail] folders. */
function imapIdentity(e: ImapLoginEvidence | ImapEvidence | null, host: string | null): ServerIdentity {
  let found = e ? first([[e.serverId?.name, 'imap-id'], [e.greeting, 'imap-greeting']]) : null;
  if (found && found[1] === 'imap-id' && found[0].version === null) {
    // ID names the software; the version may be its own field, or the greeting's.
    const idVersion = e?.serverId?.version ? short(e.serverId.version) : null;
    const greeted = softwareIn(e?.greeting);
    const version = idVersion ?? (greeted?.software === found[0].software ? greeted.version : null);
    found = [{ ...found[0], version }, 'imap-id'];
  }
  if (!found && e) {
    const caps = [...e.capabilities, ...e.capabilitiesPreLogin].map((c) => c.toUpperCase());
    if (caps.includes('X-GM-EXT-1')) found = [{ software: 'gmail', version: null }, 'imap-capability'];
    else if ('folders' in e && e.folders.some((f) => isGmailFolder(f.path))) found = [{ software: 'gmail', version: null }, 'imap-folders'];
  }
  return identity(found?.[0] ?? null, found?.[1] ?? null, hostedBy(e?.greeting, 'imap-greeting', host));
}

/** POP3: CAPA IMPLEMENTATION first, then the greeting. */
function popIdentity(e: Pop3LoginEvidence | null, host: string | null): ServerIdentity {
  const found = e ? first([[e.implementation, 'pop-implementation'], [e.greeting, 'pop-greeting']]) : null;
  return identity(found?.[0] ?? null, found?.[1] ?? null, hostedBy(e?.greeting, 'pop-greeting', host));
}

/** The provider a greeting's Exchange Online tell or the host name shows. */
function hostedBy(greeting: string | null | undefined, source: IdentitySource, host: string | null): [HostedProvider, IdentitySource] | null {
  if (exchangeOnlineTell(greeting)) return ['microsoft', source];
  const p = providerOfHost(host);
  return p ? [p, 'host-name'] : null;
}

/** Who runs each probed server (null for a protocol not probed), and the account's hosted provider. */
export function serverIdentities(snapshot: Snapshot): AccountServers {
  const imapResult = loginOf(snapshot, 'imap');
  const popResult = loginOf(snapshot, 'pop');
  const imapHost = snapshot.account.imap?.host ?? null;
  const popHost = snapshot.account.pop?.host ?? null;
  const imap = imapResult ? imapIdentity(imapResult.ok ? imapResult.evidence : null, imapHost) : null;
  const pop = popResult ? popIdentity(popResult.ok ? popResult.evidence : null, popHost) : null;
  return { imap, pop, provider: imap?.provider ?? pop?.provider ?? null };
}

/**
 * What Gmail's POP setting leaves behind, in numbers: INBOX, [Gmail]/All Mail (archived mail stays there; null
 * when the account does not show it over IMAP) and [Gmail]/Trash (where "delete Gmail's copy" puts it).
 */
export function gmailCopies(imap: ImapEvidence): StepParamsMap['gmail-pop-setting'] {
  const gmail = imap.folders.filter((f) => isGmailFolder(f.path) && f.selectable && f.status);
  const allMail = gmail.find((f) => role(f) === 'all' || /\/All Mail$/.test(f.path));
  const trash = gmail.find((f) => role(f) === 'trash' || /\/(?:Trash|Bin)$/.test(f.path));
  return {
    inboxMessages: imap.folders.find((f) => isInbox(f.path))?.status?.messages ?? imap.inbox.messages,
    allMailMessages: allMail?.status?.messages ?? null,
    trashMessages: trash?.status?.messages ?? null,
    trashLast7Days: trash ? last7Days(trash) : null,
  };
}

/**
 * Outlook.com and Microsoft 365 can be set not to let POP clients delete mail: Outlook then moves what a POP
 * client deletes to a folder of its own, "POP", at the top of the mailbox. That folder on a Microsoft account, with
 * its numbers; null elsewhere or when it holds nothing.
 */
export function microsoftPopFolder(snapshot: Snapshot): StepParamsMap['microsoft-pop-folder'] | null {
  if (serverIdentities(snapshot).provider !== 'microsoft' || !snapshot.imap?.ok) return null;
  const f = snapshot.imap.evidence.folders.find((x) => x.selectable && /^POP$/i.test(x.path) && (x.status?.messages ?? 0) > 0);
  return f ? { folder: f.path, messages: f.status!.messages, last7Days: last7Days(f) } : null;
}

/** Whether either protocol's server named itself as `software` (the rules' server-specific advice: Cyrus's unexpunge). */
export function runs(snapshot: Snapshot, software: ServerSoftware): boolean {
  const { imap, pop } = serverIdentities(snapshot);
  return imap?.software === software || pop?.software === software;
}
