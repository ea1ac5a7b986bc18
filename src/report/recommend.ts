// The protocol choice of the support article, from the customer's answers and what a
// probe measured. IMAP for several devices, tight local storage or unreliable backups; POP for a single
// device that needs offline access or a mailbox that keeps hitting its limit. Measured facts weigh in: a
// mailbox used by POP and IMAP clients at once already has more than one reader.
import type { Snapshot } from '../snapshot/schema.js';
import { percent, plural } from './format.js';
import { imapOf, quotaPressure } from '../analyzer/facts.js';
import quotaNearLimit from '../analyzer/rules/quota-near-limit.js';
import { imapClientSeen, REMOVAL_DEFAULTS, usageSigns, type RemovalOptions } from '../analyzer/signs.js';
import type { Analysis } from '../analyzer/types.js';

export interface CustomerAnswers {
  /** How many devices or programs read this mailbox. */
  devices?: number;
  /** Mail must be readable without an internet connection. */
  offline?: boolean;
  /** Storage on the device is short. */
  localStorageProblem?: boolean;
  /** The device is backed up reliably. */
  backupsReliable?: boolean;
  /** The customer worries about the mailbox's storage limit. */
  quotaConcern?: boolean;
}

export interface Measured {
  /** Highest quota ratio seen (0..1), null when unknown. */
  quotaRatio: number | null;
  /** Ratio from which quota counts as pressing (the quota-near-limit warning ratio). */
  quotaWarnRatio: number;
  imapClientSeen: boolean;
  popClientSeen: boolean;
}

export interface Recommendation {
  protocol: 'imap' | 'pop3';
  reasons: string[];
  caveats: string[];
}

/** What a snapshot (and its analysis, for the configured thresholds) says about how the mailbox is used. */
export function measuredFrom(snapshot: Snapshot, analysis?: Analysis): Measured {
  const imap = imapOf(snapshot);
  const now = new Date(analysis?.now ?? snapshot.takenAt);
  const removal = (analysis?.options['pop-deletes-mail'] as unknown as RemovalOptions | undefined) ?? REMOVAL_DEFAULTS;
  const signs = usageSigns(snapshot, now, removal);
  const warn = analysis?.options['quota-near-limit']?.warnRatio;
  return {
    quotaRatio: imap ? quotaPressure(imap) : null,
    quotaWarnRatio: typeof warn === 'number' ? warn : quotaNearLimit.defaults.warnRatio,
    imapClientSeen: imapClientSeen(signs),
    popClientSeen: signs.pop.length > 0,
  };
}

export function recommend(answers: CustomerAnswers, measured: Measured | null = null): Recommendation {
  const imapReasons: string[] = [];
  const popReasons: string[] = [];
  const mixedSeen = Boolean(measured?.imapClientSeen && measured.popClientSeen);
  const devices = answers.devices;
  const quotaPressed = measured?.quotaRatio != null && measured.quotaRatio >= measured.quotaWarnRatio;

  if (devices !== undefined && devices >= 2) {
    imapReasons.push(`The mailbox is read on ${plural(devices, 'device')}: IMAP shows all of them the same mail and folders, while POP would leave each one with a different part of it.`);
  }
  if (mixedSeen) {
    imapReasons.push(
      devices === 1
        ? 'One device was named, but the probe found both a POP client and IMAP clients (webmail counts) on this mailbox: something else reads it too, and for more than one reader IMAP is the choice.'
        : 'The probe found both a POP client and IMAP clients (webmail counts) on this mailbox: it already has more than one reader, and that is where IMAP is the choice.',
    );
  }
  if (answers.localStorageProblem) imapReasons.push('Storage on the device is short: IMAP keeps the mail on the server and the device only caches what it needs.');
  if (answers.backupsReliable === false) {
    imapReasons.push('The device is not reliably backed up: with POP the mail lives only on the device and is lost with it; with IMAP the server keeps it.');
  }
  if (devices === 1 && !mixedSeen) popReasons.push('The mailbox is read on a single device, the case POP was made for.');
  if (answers.offline) popReasons.push('Mail has to be readable offline: POP downloads every message in full.');
  if (answers.quotaConcern || quotaPressed) {
    popReasons.push(
      quotaPressed
        ? `The mailbox is at ${percent(measured.quotaRatio!)} of its storage limit: POP moves mail off the server, so it stops filling up.`
        : 'The storage limit on the server is a worry: POP moves mail off the server, so it does not fill up.',
    );
  }

  const severalReaders = (devices !== undefined && devices >= 2) || mixedSeen;
  const popFits = !severalReaders && devices === 1 && popReasons.length > 1 && imapReasons.length === 0;
  if (popFits) {
    const caveats = [
      'Use POP on this one device only. Adding a second device (or reading in webmail) later means moving to IMAP first.',
      'With "leave a copy on the server" off, the device holds the only copy of the mail: back it up.',
    ];
    if (measured?.imapClientSeen) caveats.push('The probe saw IMAP activity (another program or webmail): it will stop seeing mail once POP takes it.');
    return { protocol: 'pop3', reasons: popReasons, caveats };
  }

  const reasons = imapReasons.length
    ? imapReasons
    : ['IMAP is the safe default: it works with any number of devices and the server keeps the mail, so losing a device loses no mail.'];
  const caveats: string[] = [];
  if (answers.offline) caveats.push('For offline reading, turn on the offline or cached mode of the IMAP account: most programs then keep a full copy on the device.');
  if (answers.quotaConcern || quotaPressed) {
    caveats.push(
      quotaPressed
        ? `IMAP keeps everything on the server and the mailbox is at ${percent(measured.quotaRatio!)}: empty Trash and Junk, archive old mail, or ask for more space.`
        : 'IMAP keeps everything on the server: empty Trash and Junk from time to time, or ask for more space, so the mailbox never fills up (a full mailbox refuses mail).',
    );
  }
  if (devices === undefined && !measured) caveats.push('Based on no answers: say how many devices read the mailbox for a firmer recommendation.');
  return { protocol: 'imap', reasons, caveats };
}

export function renderRecommendation(rec: Recommendation, format: 'text' | 'json' = 'text'): string {
  if (format === 'json') return `${JSON.stringify({ schema: 'maildoctor/recommendation@1', ...rec }, null, 2)}\n`;
  const lines = [`Recommended protocol: ${rec.protocol === 'imap' ? 'IMAP' : 'POP3'}`, '', 'Why:', ...rec.reasons.map((r) => `  - ${r}`)];
  if (rec.caveats.length) lines.push('', 'Keep in mind:', ...rec.caveats.map((c) => `  - ${c}`));
  return `${lines.join('\n')}\n`;
}
