// Titles and explanations of every finding, kept apart from detection. One entry per finding id: a missing
// one does not compile. Titles carry the numbers; explanations say why it matters.
import { bytes, count, duration, list, percent, plural } from './format.js';
import { renderStep } from './steps.js';
import type { RenderedFinding } from './types.js';
import type { ProbeErrorKind } from '../snapshot/schema.js';
import type { DisagreeReason, Finding, FindingEvidenceMap, FindingId, PopSignKind, Protocol, Sign, SignKind, TlsProblem, TlsProblemKind } from '../analyzer/types.js';

export const PROTOCOL_NAME: Record<Protocol, string> = { imap: 'IMAP', pop3: 'POP3' };

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
  'vanished-between-probes': 'mail gone from INBOX between two probes, into no folder',
  'log-pop-deletes': 'POP3 sessions deleting mail, in the server log',
};

/** One phrase per sign, with its number: used in titles and evidence. */
export const SIGN_TEXT: Record<SignKind, (s: Sign) => string> = {
  'removed-without-trace': (s) => `at least ${plural(s.count ?? 0, 'message')} deleted from INBOX without going to any folder`,
  'pop-session-active': () => 'a POP3 session held the mailbox during the probe ([IN-USE])',
  'pop-login-delay': () => 'the POP3 login was refused as too soon after a previous one ([LOGIN-DELAY])',
  'read-without-imap-traces': (s) => `${plural(s.count ?? 0, 'INBOX message')} marked read while no IMAP client left any trace`,
  'vanished-between-probes': (s) => `${plural(s.count ?? 0, 'message')} gone from INBOX since the previous probe and in no folder`,
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

export const DISAGREE_REASON_TEXT: Record<DisagreeReason, string> = {
  'pop-listing-inconsistent':
    'the POP3 server contradicts itself within one session (its message list does not match its own count, or two messages share an ID): POP clients that keep mail on the server track messages by those IDs and may skip some or fetch them twice.',
  'different-mailbox':
    'POP3 and IMAP do not read the same mailbox (the UIDVALIDITY or UIDs in the POP3 UIDLs do not match INBOX): the server names on the devices may lead to different servers, for example an old one after a move.',
  'pop-hides-deleted':
    'the difference equals the messages IMAP shows as marked deleted: this server hides those from POP3, so a POP device and an IMAP device disagree about what is in INBOX.',
  'changed-between-probes': 'mail arrived or was removed between the two probes (they run side by side, a moment apart).',
  'size-accounting': 'the server counts message sizes differently for POP3 and IMAP (for example line endings); harmless on its own.',
};

export const TLS_PROBLEM_TEXT: Record<TlsProblemKind, (p: TlsProblem) => string> = {
  'certificate-expired': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} expired ${duration(-(p.expiresInSeconds ?? 0))} ago`,
  'certificate-not-yet-valid': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} is not valid yet`,
  'certificate-self-signed': (p) => `The ${PROTOCOL_NAME[p.protocol]} server ${p.host} uses a self-signed certificate that devices do not trust`,
  'certificate-untrusted': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} is not issued by a trusted authority`,
  'certificate-wrong-host': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate does not match the host name ${p.host}`,
  'handshake-failed': (p) => `The TLS handshake with ${PROTOCOL_NAME[p.protocol]} ${p.host}:${p.port} failed`,
  'certificate-expiring': (p) => `The ${PROTOCOL_NAME[p.protocol]} certificate of ${p.host} expires in ${duration(p.expiresInSeconds ?? 0)}`,
  'no-tls-offered': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} offers no TLS, so passwords would travel unencrypted`,
  'tls-not-chosen': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} offers STARTTLS, but the check was told to use no TLS, so it did not log in`,
  'plaintext-login': (p) => `The ${PROTOCOL_NAME[p.protocol]} login to ${p.host}:${p.port} went without TLS: the password travelled unencrypted`,
  'plaintext-login-offered': (p) => `${PROTOCOL_NAME[p.protocol]} on ${p.host}:${p.port} accepts a password before TLS is started`,
  'insecure-unneeded': (p) => `--insecure was used for ${PROTOCOL_NAME[p.protocol]}, but the certificate of ${p.host} is valid`,
};

function protocols(failures: { protocol: Protocol }[]): string {
  return list([...new Set(failures.map((f) => PROTOCOL_NAME[f.protocol]))]);
}

export interface FindingText<K extends FindingId> {
  title(e: FindingEvidenceMap[K]): string;
  explanation(e: FindingEvidenceMap[K]): string;
}

/** The words of a finding: its title, explanation and steps, rendered from the analyzer's data. */
export function renderFinding(f: Finding, zone = 'UTC'): RenderedFinding {
  const text = FINDING_TEXT[f.id] as unknown as FindingText<FindingId>;
  // The key order of report@1's findings, the step keys after the steps they name.
  return {
    id: f.id,
    severity: f.severity,
    title: text.title(f.evidence),
    explanation: text.explanation(f.evidence),
    evidence: f.evidence,
    steps: f.steps.map((s) => renderStep(s, zone)),
    stepKeys: f.steps,
    ...(f.confidence ? { confidence: f.confidence } : {}),
  } as RenderedFinding;
}

export const FINDING_TEXT: { [K in FindingId]: FindingText<K> } = {
  'quota-near-limit': {
    title: (e) => {
      if (e.resource === 'MESSAGE') {
        const amount = `${count(e.usedMessages ?? 0)} of ${count(e.limitMessages ?? 0)} allowed messages`;
        return e.ratio >= 1 ? `The mailbox is full: ${amount}` : `The mailbox holds ${percent(e.ratio)} of its message limit (${amount})`;
      }
      const amount = `${bytes(e.usedBytes ?? 0)} of ${bytes(e.limitBytes ?? 0)}`;
      return e.ratio >= 1 ? `The mailbox is full: ${amount} used` : `Mailbox storage is ${percent(e.ratio)} full (${amount})`;
    },
    explanation: (e) =>
      (e.ratio >= 1
        ? 'The server is refusing new mail now: senders get a bounce and the message never arrives.'
        : 'When the mailbox is full the server refuses new mail: senders get a bounce and the message never arrives.') +
      (e.popUseSeen ? ' A POP device that leaves copies on the server keeps filling it.' : ''),
  },
  'quota-unknown': {
    title: (e) =>
      `The server publishes no storage limit; the folders hold ${e.totalSizeBytes !== null ? `${bytes(e.totalSizeBytes)} in ` : ''}${plural(e.totalMessages, 'message')}`,
    explanation: () =>
      'Without a published limit, maildoctor cannot tell how close the mailbox is to full, and a full mailbox refuses new mail. The limit may still exist: the provider knows it.',
  },
  'pop-deletes-mail': {
    title: (e) =>
      e.fromLog
        ? `The server log shows a POP3 client deleting mail after download: ${plural(e.fromLog.deletedMessages, 'message')} in ${plural(e.fromLog.sessionsWithDeletes, 'session')}`
        : `Mail is deleted from the server after download: INBOX took in about ${count(e.inboxReceived)} messages and holds ${count(e.inboxMessages)}`,
    explanation: (e) =>
      `At least ${plural(e.removedWithoutTrace, 'message')} left INBOX without going to any folder, and ${
        e.oldestAgeSeconds === null ? 'INBOX is empty' : `the oldest message left in INBOX is only ${duration(e.oldestAgeSeconds)} old`
      }. That is what a POP client does when it does not leave a copy on the server (or removes it after some days); an IMAP client that deletes permanently looks the same, but rarely empties INBOX like this. ` +
      (e.imapClientSeen
        ? 'IMAP clients use this account too, so they never see the mail the POP client takes.'
        : 'With a single device that is how POP is meant to work; any other device never sees that mail.') +
      (e.fromLog ? ' The server log records each deletion at the end of the POP3 session (DELE then QUIT), so this is not a guess.' : ''),
  },
  'mixed-protocol-use': {
    title: (e) => {
      const pop = e.popSigns[0];
      const imap = e.imapSigns[0];
      return `Both POP and IMAP are used on this mailbox (POP: ${pop ? SIGN_TEXT[pop.kind](pop) : '?'}; IMAP: ${imap ? SIGN_TEXT[imap.kind](imap) : '?'})`;
    },
    explanation: (e) =>
      (e.popSigns.some((s) => s.kind === 'removed-without-trace')
        ? 'A POP device downloads the mail in INBOX and deletes it from the server, so IMAP devices and webmail never see those messages. '
        : 'A POP device keeps its own copy of INBOX: what is deleted, read or filed on one side does not show on the other. ') +
      'Mail that IMAP clients or filters put into folders never reaches the POP device. Using both protocols on one mailbox is the usual cause of "missing" mail.',
  },
  'mail-hidden-from-pop': {
    title: (e) =>
      `${plural(e.last7Days, 'message')} from the last 7 days went to folders POP never downloads (${e.folders
        .slice(0, 3)
        .map((f) => `${f.folder}: ${count(f.last7Days)}`)
        .join(', ')}${e.folders.length > 3 ? ', …' : ''})`,
    explanation: (e) =>
      (e.popUseSeen
        ? 'This account shows signs of a POP client, and POP downloads INBOX only: '
        : 'Nothing shows how this mailbox is read; if any device uses POP, it downloads INBOX only: ') +
      'mail the spam filter or a filter rule puts into another folder never reaches that device.',
  },
  'pop-imap-disagree': {
    title: (e) => {
      if (e.likelyReasons.includes('pop-listing-inconsistent')) {
        return `The POP3 server's message list contradicts itself (${e.popListingProblems[0] ?? 'see the evidence'})`;
      }
      if (e.likelyReasons.includes('different-mailbox')) {
        return `POP3 and IMAP seem to read different mailboxes (POP3: ${plural(e.popMessages, 'message')}, IMAP INBOX: ${count(e.imapMessages)})`;
      }
      if (e.messageDiff !== 0) {
        return `POP3 lists ${plural(e.popMessages, 'message')}, but IMAP shows ${count(e.imapMessages)} in INBOX`;
      }
      return `POP3 and IMAP report different INBOX sizes (${bytes(e.popSizeBytes)} vs ${bytes(e.imapSizeBytes ?? 0)})`;
    },
    explanation: (e) =>
      `Both should show the same INBOX. Likely reason: ${e.likelyReasons.map((r) => DISAGREE_REASON_TEXT[r]).join(' Or: ')}`,
  },
  'pop-mailbox-locked': {
    title: () => 'Another POP3 session held the mailbox during the probe ([IN-USE])',
    explanation: (e) =>
      'The server lets one POP3 session at a time open the mailbox; another one had it, so some device is downloading by POP (or a crashed one still holds the lock). While it does, other POP devices get login errors.' +
      (e.imapClientSeen ? ' IMAP clients use this account too.' : ''),
  },
  'pop-server-expires-mail': {
    title: (e) => {
      if (e.expireDays === 0) return 'The server deletes mail as soon as a POP3 client downloads it (EXPIRE 0)';
      if (e.expireDays !== null) return `The server deletes mail ${plural(e.expireDays, 'day')} after a POP3 client downloads it (EXPIRE ${e.expireDays})`;
      if (e.loginDelayRefused) return 'The POP3 login was refused as too soon after the previous one ([LOGIN-DELAY])';
      return `The server allows a POP3 login only once every ${duration(e.loginDelaySeconds ?? 0)} (LOGIN-DELAY ${e.loginDelaySeconds ?? 0})`;
    },
    explanation: (e) =>
      e.expireDays !== null
        ? 'This is server policy, not a setting on the device: "leave a copy on the server" does not keep the mail. Devices that use IMAP or webmail lose whatever a POP client downloaded.' +
          (e.imapClientSeen ? ' IMAP clients use this account, so this affects them.' : '')
        : 'A POP client that checks for mail more often than the server allows gets login errors, which people read as "mail not arriving".',
  },
  'deleted-not-expunged': {
    title: (e) =>
      `${plural(e.deletedMessages, 'message')} in INBOX ${e.deletedMessages === 1 ? 'is' : 'are'} marked deleted but still on the server (${percent(e.deletedRatio)} of INBOX)`,
    explanation: (e) =>
      'An IMAP client set to "mark as deleted" hides them from its own view but leaves them on the server: they still count against the storage limit' +
      (e.servedToPop === false ? '.' : ', and a POP device downloads them as if they were new.') +
      (e.quotaRatio !== null ? ` The mailbox is ${percent(e.quotaRatio)} full.` : ''),
  },
  'login-failed': {
    title: (e) => {
      const codes = [...new Set(e.failures.map((f) => f.code).filter((c): c is string => c !== null))];
      return `The server refused the login over ${protocols(e.failures)}${codes.length ? ` (${codes.join(', ')})` : ''}`;
    },
    explanation: (e) =>
      e.otherProtocolWorks
        ? `The same login works over the other protocol, so ${protocols(e.failures)} may be switched off for this account. Devices set up with ${protocols(e.failures)} get no mail at all.`
        : 'With a wrong user name or password, or a locked or disabled account, no device gets new mail; to the customer that looks like missing mail.',
  },
  'connect-failed': {
    title: (e) => {
      const first = e.failures[0];
      const more = e.failures.length > 1 ? ` (and ${PROTOCOL_NAME[e.failures[1]!.protocol]})` : '';
      return first ? `Cannot reach ${PROTOCOL_NAME[first.protocol]} at ${first.host}:${first.port}: ${PROBE_ERROR_TEXT[first.kind]}${more}` : 'Cannot reach the server';
    },
    explanation: (e) =>
      `Devices set up with ${e.failures.length > 1 ? 'these settings' : 'this server and port'} cannot fetch mail at all. A wrong host or port in the settings, a firewall on the way, or a server that is down all look like this from outside.` +
      (e.otherProtocolWorks ? ' The other protocol answers, so the mailbox itself is reachable.' : ''),
  },
  'tls-problem': {
    title: (e) => {
      const first = e.problems[0];
      if (!first) return 'TLS problem';
      const more = e.problems.length - 1;
      return TLS_PROBLEM_TEXT[first.problem](first) + (more > 0 ? ` (and ${plural(more, 'more TLS problem')})` : '');
    },
    explanation: (e) => {
      const kinds = new Set(e.problems.map((p) => p.problem));
      const parts: string[] = [];
      if (['certificate-expired', 'certificate-not-yet-valid', 'certificate-self-signed', 'certificate-untrusted', 'certificate-wrong-host', 'handshake-failed'].some((k) => kinds.has(k as TlsProblemKind))) {
        parts.push('Mail programs refuse a certificate they cannot verify, or warn until someone clicks the warning away, which would also let an impostor collect the password; phones often just stop fetching mail.');
      }
      if (kinds.has('certificate-expiring')) parts.push('Once it expires, many devices stop fetching mail.');
      if (kinds.has('no-tls-offered') || kinds.has('plaintext-login') || kinds.has('plaintext-login-offered')) {
        parts.push('Without TLS the password and the mail cross the network readable by anyone on the way.');
      }
      if (kinds.has('tls-not-chosen')) parts.push('The password is sent only over TLS unless --allow-plaintext says otherwise; this server offers TLS, so nothing was checked after the greeting.');
      if (kinds.has('insecure-unneeded')) parts.push('--insecure turns off the check that catches a fake server; here it was not needed.');
      return parts.join(' ');
    },
  },
  'no-recent-mail': {
    title: (e) => `No new mail in any folder for ${duration(e.newestAgeSeconds)} (the newest is in ${e.newestFolder})`,
    explanation: () =>
      'If the customer expects mail, it is probably not reaching the server at all: the way in (MX records, forwarding, a full mailbox, the sender) is the place to look rather than the mail programs.',
  },
  'mail-vanished': {
    title: (e) =>
      `${e.atLeast ? 'At least ' : ''}${plural(e.vanishedMessages, 'message')} (${bytes(e.vanishedBytes)}) left INBOX between two checks ${duration(e.windowSeconds)} apart and ${e.vanishedMessages === 1 ? 'is' : 'are'} in no folder`,
    explanation: (e) =>
      `Between the previous probe and this one, mail disappeared from the server without being moved anywhere` +
      (e.seenBefore < e.vanishedMessages ? `; ${plural(e.vanishedMessages - e.seenBefore, 'message')} had never been read` : '; all had been read') +
      '. That is what a POP client does when it downloads mail and deletes it from the server' +
      (e.imapUseSeen ? ', and IMAP clients on this account will never see that mail.' : '.'),
  },
  'uidvalidity-changed': {
    title: (e) => `The identity of every message in ${e.folder} was reset since the previous probe (UIDVALIDITY ${e.previousUidValidity} → ${e.uidValidity})`,
    explanation: (e) =>
      `Mail programs recognise messages by these identities. IMAP clients resync the folder by themselves; POP clients see ${plural(e.messages, 'message')} as new and download them all again, which leaves duplicates` +
      (e.popUseSeen ? ' (a POP client uses this account).' : '.'),
  },
  'quota-filling': {
    title: (e) => `At the current rate (${bytes(e.growthBytesPerDay)} a day) the mailbox is full in about ${plural(Math.max(1, Math.round(e.daysToFull)), 'day')}`,
    explanation: (e) =>
      `${bytes(e.usedBytes)} of ${bytes(e.limitBytes)} is used, measured over ${plural(e.points, 'probe')} across ${duration(e.spanSeconds)}. When it is full the server refuses new mail and senders get bounces.`,
  },
  'quota-rejected-mail': {
    title: (e) =>
      `The server refused ${plural(e.refused, 'delivery', 'deliveries')} because the mailbox was full${e.lastRefused ? ` (the last at ${e.lastRefused})` : ''}`,
    explanation: (e) =>
      `The server log shows mail refused for quota${e.deferred ? ` (${count(e.deferred)} only deferred, which the sender retries for a few days)` : ''}: the senders got a bounce and the messages never reached the mailbox, so no device can show them.` +
      (e.quotaRatio !== null ? ` The mailbox is ${percent(e.quotaRatio)} full now.` : ''),
  },
};
