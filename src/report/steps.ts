// What to do, once, in our own words: the troubleshooting advice of the support article (one protocol per
// account, IMAP for several devices, POP only for one device, a full mailbox refuses mail) plus the fixes for
// what the rules find. Rules pick steps by key and pass the numbers; the text lives only here.
// A key without a text, or a text without its parameters, does not compile.
import type { FolderFact, Protocol, StepKey, StepParamsMap, StepRef } from '../analyzer/types.js';
import { bytes, count, duration, list, percent, plural, zonedTime } from './format.js';

const NAME: Record<Protocol, string> = { imap: 'IMAP', pop3: 'POP3' };

function folderList(folders: FolderFact[]): string {
  return list(
    folders.map((f) => {
      const size = f.sizeBytes !== null ? bytes(f.sizeBytes) : null;
      return `${f.folder} (${size ? `${size}, ` : ''}${plural(f.messages, 'message')})`;
    }),
  );
}

/** A step's words from its parameters; `at` writes a time in the reader's zone. */
const TEXT: { [K in StepKey]: (p: StepParamsMap[K], at: (iso: string) => string) => string } = {
  'check-protocol-on-every-device': () =>
    'Make a list of everything that opens this mailbox (phones, tablets, computers, webmail, and anything that collects mail automatically) and check on each one whether the account is set up as IMAP or as POP. Every one of them should use the same protocol.',
  'where-to-see-protocol': () =>
    [
      'Where each program shows the protocol:',
      '- Outlook for Windows: File › Account Settings › Account Settings, the Type column',
      '- Thunderbird: Account Settings › Server Settings, Server Type',
      '- Apple Mail on a Mac: Mail › Settings › Accounts; the account list shows the type',
      '- iPhone and iPad: the account page in the Mail settings is headed IMAP or POP',
      '- Android mail apps: the account settings, incoming server',
      '- Webmail always works on the server copy, the way IMAP does',
      '- Easily forgotten: an old phone or laptop, a shared office PC, a helpdesk or CRM tool, and mail services that collect this mailbox (Gmail\'s "Check mail from other accounts" uses POP)',
    ].join('\n'),
  'imap-on-every-device': () =>
    'More than one device reads this mailbox, so set every one of them up with IMAP. With IMAP the mail stays on the server, each device shows the same folders, and reading, filing or deleting on one device shows up on the others.',
  'move-pop-device-to-imap': () =>
    'To move a device from POP to IMAP without losing mail: what POP already downloaded exists only on that device, so keep it first (export it, or once the IMAP account is added, drag it into an IMAP folder so it goes back to the server). Then add the mailbox as an IMAP account and remove the POP account last.',
  'pop-only-on-one-device': () =>
    'Keep POP only if the mailbox is read on a single device, has to be readable without an internet connection, or keeps running into its storage limit; and then use POP on that one device and read the mailbox nowhere else.',
  'pop-single-device-is-fine': () =>
    'If a single device reads this mailbox, nothing is wrong: POP works as designed. Make sure that device is backed up, because the mail now exists only there.',
  'pop-leave-copy': ({ oldestAgeDays }) =>
    'In the POP account settings of that device, the option usually called "Leave a copy of messages on the server" decides what happens after download: off, the device takes the mail away and no other device sees it again; on, the server keeps it (optionally only for some days), other devices still see it, and it keeps counting against the storage limit.' +
    (oldestAgeDays !== null && oldestAgeDays >= 1
      ? ` The oldest message still in INBOX is ${plural(oldestAgeDays, 'day')} old: either the device removes mail after about that long, or it has not fetched mail since.`
      : ''),
  'find-pop-collector': ({ removed, onlyIfUnknown }) =>
    `${onlyIfUnknown ? 'If nobody knowingly uses POP, something still' : 'Something'} downloads this mailbox by POP and deletes what it took: at least ${plural(removed, 'message')} so far. Find it: check every device and program that reads this mailbox, including programs that collect mail on their own (fetchmail or getmail scripts, helpdesk and CRM tools, another mail service importing this mailbox).`,
  'quota-refuses-mail': ({ ratio, usedBytes, limitBytes, usedMessages, limitMessages }) => {
    const amount =
      usedBytes !== null && limitBytes !== null
        ? `${bytes(usedBytes)} of ${bytes(limitBytes)}`
        : usedMessages !== null && limitMessages !== null
          ? `${count(usedMessages)} of ${count(limitMessages)} messages`
          : percent(ratio);
    return ratio >= 1
      ? `The mailbox is full (${amount}): the server is refusing new mail right now and the senders get a bounce. Free space first, then ask the senders of anything important to send it again.`
      : `Once the mailbox reaches 100%, the server refuses new mail and the senders get a bounce. It is at ${percent(ratio)} now (${amount}): free space or raise the limit before it gets there.`;
  },
  'quota-clean': ({ folders, trashOutsideQuota }) =>
    (folders.length
      ? `Free space where it counts most: ${folderList(folders)}. `
      : 'Free space in the largest folders first. ') +
    (trashOutsideQuota
      ? 'This server (Courier) leaves Trash out of the quota, so emptying Trash frees nothing that counts: empty Junk, then delete or archive old messages with large attachments (most mail programs can sort a folder by size).'
      : 'Empty Trash and Junk, then delete or archive old messages with large attachments (most mail programs can sort a folder by size).'),
  'quota-raise': () => 'If the mail has to stay on the server, ask the provider for a larger mailbox.',
  'quota-pop-copies': () =>
    'A POP device that leaves a copy of every message on the server fills the mailbox over time: set it to remove messages from the server after some days (14 is common), or, if several devices read the mailbox, move them all to IMAP and keep the folders tidy.',
  'quota-ask-provider': ({ totalSizeBytes, totalMessages }) =>
    `The server does not publish its storage limit over IMAP. The folders hold ${totalSizeBytes !== null ? `${bytes(totalSizeBytes)} in ` : ''}${plural(totalMessages, 'message')} now; look up the limit in webmail or ask the provider, so a full mailbox does not come as a surprise.`,
  'look-in-junk-and-filters': ({ folders }) =>
    `Open webmail and look at the folders outside INBOX that received mail in the last 7 days: ${list(folders.map((f) => `${f.folder} (${count(f.last7Days)})`))}. Mark wanted mail as "not spam", and review the filter rules that move mail out of INBOX.`,
  'pop-sees-inbox-only': () =>
    'A POP device only ever downloads INBOX; what the spam filter or a rule puts into another folder never reaches it. Either switch that device to IMAP, which shows every folder, or look through Junk and the filtered folders in webmail regularly.',
  'check-user-and-password': ({ protocols }) =>
    `Check the user name and password the devices use (many providers want the full email address as the user name): the server refused them over ${list(protocols.map((p) => NAME[p]))}.`,
  'check-oauth2-token': ({ protocols, status, scope }) =>
    `The server refused the OAuth2 access token over ${list(protocols.map((p) => NAME[p]))}${status ? ` (status ${status}${scope ? `, scope it wants: ${scope}` : ''})` : ''}. ` +
    'The usual causes: the token has expired (they last about an hour: get a fresh one and run again); it lacks the mail scope ' +
    '(Microsoft 365: https://outlook.office.com/IMAP.AccessAsUser.All for IMAP and https://outlook.office.com/POP.AccessAsUser.All for POP3; ' +
    'Google: https://mail.google.com/); it was issued for another user than --user; or IMAP or POP is switched off for the mailbox ' +
    '(Microsoft 365 admin center: Mail apps; Gmail settings: Forwarding and POP/IMAP).',
  'check-admin-login': ({ user, authUser, masterSeparator }) =>
    `The refused login was the admin's: ${authUser} on behalf of ${user} (${masterSeparator !== null ? `as ${user}${masterSeparator}${authUser}` : 'SASL PLAIN with an authorization identity'}), so the customer's own password was not tried. ` +
    `Check the admin's name and password, that the server lets ${authUser} act for other users (Dovecot: a master passdb${masterSeparator !== null ? ` and auth_master_user_separator = ${masterSeparator}` : ''}), and that ${user} exists.`,
  'try-webmail-login': () =>
    'Try the same user name and password in webmail. If that fails too, reset the password there or through the provider; if webmail works, the devices have an old or mistyped password.',
  'update-password-everywhere': () =>
    'After a password change, enter the new password on every device: one that keeps trying the old password can get the account locked for a while, for all devices.',
  'protocol-disabled-for-account': ({ protocol, other }) =>
    `The same login works over ${NAME[other]}, so ${NAME[protocol]} access may be switched off for this account: check the account's settings in webmail or ask the provider.`,
  'check-host-and-port': ({ failures }) =>
    `Compare the server name and port with the provider's settings: ${list(failures.map((f) => `${NAME[f.protocol]} ${f.host ?? '?'}:${f.port ?? '?'}${f.tls ? ` (${f.tls === 'none' ? 'no TLS' : f.tls === 'implicit' ? 'TLS' : 'STARTTLS'})` : ''}`))}. The usual ports are 993 (TLS) or 143 (STARTTLS) for IMAP and 995 (TLS) or 110 (STARTTLS) for POP3.`,
  'check-network-path': () =>
    "If the settings are right, try from another network: a firewall, VPN or antivirus mail shield can block mail ports. Also check the provider's status page.",
  'protocol-not-offered': ({ protocol, other }) =>
    `If the provider does not offer ${NAME[protocol]} at all, nothing is broken: run the check again with --only ${other === 'pop3' ? 'pop' : 'imap'}.`,
  'renew-certificate': ({ host, expiresInSeconds }) =>
    expiresInSeconds < 0
      ? `The certificate of ${host} expired ${duration(-expiresInSeconds)} ago: the server's administrator has to renew it (with automatic renewal, such as Let's Encrypt, check why the renewal stopped).`
      : `The certificate of ${host} expires in ${duration(expiresInSeconds)}: make sure the server's administrator renews it before then (with automatic renewal, check that the renewal job runs).`,
  'certificate-name': ({ host }) =>
    `The certificate does not name ${host}: set the devices to the host name the provider documents (the one the certificate is issued for), or have the certificate cover this name.`,
  'certificate-not-yet-valid': () =>
    "The certificate's validity starts in the future: check the date and time on the server and on the device (a wrong clock makes a good certificate fail), or have the certificate reissued.",
  'certificate-trust': ({ insecureUsed }) =>
    'The certificate is not issued by an authority that devices trust. For a private server, install its CA on the devices (and pass it to maildoctor with --ca FILE); otherwise use the host name the provider documents, whose certificate is trusted. Do not tell people to accept the warning: that also accepts an impostor.' +
    (insecureUsed ? ' This check ran with --insecure, which hides exactly this problem.' : ''),
  'tls-mode-and-port': () =>
    'Check that the TLS mode matches the port: implicit TLS on 993 (IMAP) and 995 (POP3), STARTTLS on 143 and 110.',
  'require-tls': ({ protocols }) =>
    `Use TLS for ${list(protocols.map((p) => NAME[p]))}: set the devices to SSL/TLS or STARTTLS, and ask the administrator to refuse logins without TLS.`,
  'use-offered-starttls': ({ protocols }) =>
    `The server offers STARTTLS on the same port: run the check again with ${list(protocols.map((p) => (p === 'imap' ? '--imap-tls starttls' : '--pop-tls starttls')))} (this check sent no password without TLS), and set the devices to STARTTLS as well.`,
  'drop-insecure': () =>
    'Leave --insecure off: the certificate verifies without it, and with it a fake server would go unnoticed.',
  'find-pop-session-holder': () =>
    'Another POP session has the mailbox open: a device is downloading right now, or a crashed client still holds the lock. Whatever it is uses POP: check each device and program that reads this mailbox (the next step says where to look).',
  'stuck-pop-lock': () =>
    'If the lock lasts more than a few minutes with every mail program closed, ask the provider to end the stuck session.',
  'expunge-deleted': ({ deleted }) =>
    `Remove the ${plural(deleted, 'message')} marked as deleted: in the IMAP client, purge or compact INBOX (Thunderbird: "Compact", or "Clean up (Expunge) Inbox on exit" in Server Settings; Outlook: Folder › Purge › Purge Deleted Items), or set it to move deleted mail to Trash instead of only marking it.`,
  'pop-deleted-still-in-inbox': ({ keyword, messages, user }) =>
    `${plural(messages, 'message')} in INBOX ${messages === 1 ? 'carries' : 'carry'} the keyword ${keyword}: a POP client deleted ${messages === 1 ? 'it' : 'them'}, and this server only hides such mail from POP (Dovecot's pop3_deleted_flag). ${messages === 1 ? 'It is' : 'They are'} not lost: still in INBOX, to be read over IMAP or in webmail. ` +
    `To let POP devices download ${messages === 1 ? 'it' : 'them'} again, the administrator removes the keyword (doveadm flags remove -u ${user} '${keyword}' mailbox INBOX keyword '${keyword}'); to free the space instead, the administrator expunges ${messages === 1 ? 'it' : 'them'}.`,
  'cyrus-unexpunge': ({ user }) =>
    `The server is Cyrus IMAP, which by default (expunge_mode: delayed) keeps deleted mail for a while before it is purged for good: ask the administrator to list what can still be recovered with unexpunge -l user/${user} (user.${user} on servers without unixhierarchysep) and to restore it with unexpunge -a, before cyr_expire removes it.`,
  'pop-remove-after-days': ({ days, messages, ofVanished }) =>
    `${count(messages)} of the ${plural(ofVanished, 'message')} that disappeared were about ${plural(days, 'day')} old when they went, while younger mail stayed: that is a POP device set to "remove from server after ${days} days" (Thunderbird's default is 14). Turn that option off on the device, or better, set the device up with IMAP.`,
  'deleted-come-back-over-pop': () =>
    'Until they are removed, a POP device downloads them as if they were new mail, so "deleted" mail reappears there.',
  'server-expire-policy': ({ days }) =>
    (days === 0
      ? 'The server deletes mail as soon as a POP client has downloaded it, whatever "leave a copy on the server" says.'
      : `The server deletes mail ${plural(days, 'day')} after a POP client has downloaded it, whatever "leave a copy on the server" says.`) +
    ' If other devices or webmail need that mail, use IMAP on every device instead.',
  'login-delay-policy': ({ seconds }) =>
    `The server lets a POP client log in only once every ${duration(seconds)}: set the device to check for mail no more often than that, or it will see login errors.`,
  'pop-listing-to-provider': () =>
    'Send the provider this report: its POP3 server lists messages inconsistently (see the evidence). Until it is fixed, a POP device that keeps mail on the server may miss messages; IMAP does not depend on these IDs.',
  'rerun-check': () => 'Run the check again: mail that arrived or was removed while the probe ran explains a small difference.',
  'same-server-for-both': () =>
    'Check that the IMAP and POP server names on the devices lead to the same mail server: after a move to a new provider, one of them often still points at the old one.',
  'find-pop-device-by-ip': ({ ips, pollIntervalSeconds }) =>
    `The server log names the POP3 device by its address: ${list(ips)}${pollIntervalSeconds !== null ? `, polling about every ${duration(pollIntervalSeconds)}` : ''}. Find the computer, phone or script behind it (an office's public address points to its network; a script that polls this often is usually a server or a helpdesk tool) and turn on "leave a copy on the server" there, or switch it to IMAP.`,
  'ask-senders-to-resend': ({ refused, firstRefused, lastRefused }, at) =>
    `${plural(refused, 'message')} ${refused === 1 ? 'was' : 'were'} refused${firstRefused ? ` between ${at(firstRefused)} and ${at(lastRefused ?? firstRefused)}` : ''}: those senders got a bounce and the mail is not on the server. Once there is room again, ask them to send it again.`,
  'test-delivery': ({ quietDays }) =>
    `Nothing has arrived for more than ${plural(quietDays, 'day')}: send a test message from an address at another provider. If it does not arrive, look at the way in (the domain's MX records, forwarding rules, a full mailbox, the sender's side), not at the mail programs.`,
  'vanished-window': ({ count: n, fromTakenAt, toTakenAt }, at) =>
    `${plural(n, 'message')} left the mailbox between the check at ${at(fromTakenAt)} and the one at ${at(toTakenAt)}: ask which devices and programs were on and checking mail then; the one that downloads by POP without "leave a copy on the server" took them.`,
  'pop-redownloads-all': () =>
    'Expect POP devices to download every message again (duplicates): after the download, delete the duplicates there, or set the device up again with "leave a copy on the server".',
  'uidvalidity-ask-provider': () =>
    'Ask the provider whether the mailbox was restored, migrated or rebuilt: that is what resets the identity of every message. IMAP devices resync by themselves; nothing else is needed there.',
  'quota-trend': ({ daysToFull }) =>
    `At the current rate the mailbox is full in about ${plural(Math.max(1, Math.round(daysToFull)), 'day')}: clean up or raise the limit before then, or new mail will bounce.`,
  'publish-imap-first': ({ url }) =>
    `For the domain's administrator: in ${url}, list the IMAP server before the POP3 one (or drop POP3), so devices that set themselves up choose IMAP.`,
  'publish-leave-on-server': ({ url }) =>
    `For the domain's administrator: in ${url}, set <leaveMessagesOnServer>true</leaveMessagesOnServer> in the <pop3> block and remove a short <daysToLeaveMessagesOnServer>, so POP3 devices keep a copy on the server.`,
  'align-published-settings': ({ settings }) =>
    `For the domain's administrator: make every published source name the same server (${settings.map((s) => `${s.source} ${s.host}:${s.port}`).join(', ')}): autoconfig, the SRV records and Autodiscover are read by different mail programs.`,
  'fix-published-port': ({ settings }) =>
    `For the domain's administrator: ${settings.map((s) => `${s.host}:${s.port} (${s.source})`).join(', ')} ${settings.length === 1 ? 'does' : 'do'} not answer: open the port, or correct the published setting to the port the server listens on.`,
  'publish-settings': ({ domain }) =>
    `For the domain's administrator: publish the settings, so every client finds the same ones: an autoconfig document at https://autoconfig.${domain}/mail/config-v1.1.xml (IMAP first) and SRV records _imaps._tcp.${domain} and _submissions._tcp.${domain} (RFC 6186, RFC 8314).`,
  'publish-tls-settings': ({ settings }) =>
    `For the domain's administrator: publish only settings with TLS (implicit TLS on 993/995, or STARTTLS), each with the host name its certificate is issued for (${settings.map((s) => `${s.host}:${s.port}`).join(', ')}).`,
  'gmail-pop-setting': ({ inboxMessages, allMailMessages, trashMessages, trashLast7Days }) =>
    'On Gmail, what becomes of a message once a POP client has downloaded it is decided by the account\'s POP setting, not by the client\'s "delete from server" option: ' +
    'in Gmail, Settings › See all settings › Forwarding and POP/IMAP › "When messages are accessed with POP" (keep Gmail\'s copy in the Inbox, mark it as read, archive it, or delete it). ' +
    'The setting cannot be read over IMAP or POP, only its effect: ' +
    `INBOX holds ${plural(inboxMessages, 'message')}` +
    (allMailMessages !== null
      ? `, [Gmail]/All Mail ${plural(allMailMessages, 'message')} (mail archived by POP is still there)`
      : ', and [Gmail]/All Mail is not shown over IMAP (its "Show in IMAP" box is off), so mail archived by POP looks deleted from here') +
    (trashMessages !== null
      ? `; [Gmail]/Trash holds ${plural(trashMessages, 'message')}${trashLast7Days ? `, ${count(trashLast7Days)} of them from the last 7 days` : ''} (with "delete Gmail's copy", every downloaded message goes there, and Gmail empties Trash after 30 days)`
      : '') +
    '. While other devices read the mailbox too, set it to keep Gmail\'s copy in the Inbox.',
  'gmail-pop-once': ({ user }) =>
    'Gmail hands each message to POP once: after one POP client has downloaded it, no other POP client is offered it again, even though nothing was deleted, so a second POP device "misses" that mail. ' +
    'Gmail\'s POP also downloads from All Mail, not just the Inbox (sent and archived mail too; Spam and Trash not). ' +
    `Use IMAP on every device; where POP has to stay on more than one, log in there with the user name recent:${user}, which offers the last 30 days to every POP client.`,
  'microsoft-pop-folder': ({ folder, messages, last7Days }) =>
    `Outlook does not let this account's POP clients delete mail: it moves what they delete to the folder ${folder}, which holds ${plural(messages, 'message')} (${count(last7Days)} of the last 7 days). ` +
    `That mail is not lost: it left INBOX for ${folder}, so IMAP devices and webmail no longer show it in INBOX. Look there first, and move the POP device to IMAP (Outlook settings: Mail › Forwarding and IMAP, POP options).`,
  'microsoft-oauth2-only': ({ protocols }) =>
    `Microsoft 365 and Outlook.com refuse password logins over ${list(protocols.map((p) => NAME[p]))} (basic authentication is switched off), so checking or resetting the password will not help. ` +
    'Sign in with OAuth2: in mail programs, the Microsoft or "modern authentication" sign-in (remove and add the account again if it only asks for a password); ' +
    'for this check, a token with --oauth2-token-file or --oauth2-token-command (for example az account get-access-token --resource https://outlook.office.com --query accessToken -o tsv), or one from maildoctor token --provider microsoft.',
  'icloud-no-pop': () =>
    'iCloud Mail has no POP3 at all, so a failed POP3 connection is what to expect, not a fault. Set up every device with IMAP (imap.mail.me.com, port 993, TLS) and run the check again with --only imap.',
};

export function renderStep(ref: StepRef, zone = 'UTC'): string {
  const text = TEXT[ref.key] as (p: StepParamsMap[typeof ref.key], at: (iso: string) => string) => string;
  return text(ref.params, (iso) => zonedTime(iso, zone));
}
