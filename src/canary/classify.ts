// Where the canary is at each probe, and what happened to it over the watch. Pure: the watch's snapshots
// already hold everything (INBOX's per-message list with \Seen, the POP3 list with its UIDL → UID map,
// other folders' arrivals by Message-ID hash), so watching the canary costs no extra connection.
import type { Snapshot } from '../snapshot/schema.js';

export interface CanaryIdentity {
  id: string;
  uid: number;
  uidValidity: string;
  sizeBytes: number | null;
  messageIdHash: string;
  appendedAt: string;
}

export interface CanaryObservation {
  at: string;
  /** null: IMAP not observed (probe failed, no message list, UIDVALIDITY changed). */
  imap: 'present' | 'gone' | null;
  seen: boolean | null;
  /** null: POP3 not probed or failed. */
  pop: 'listed' | 'not-listed' | null;
  /** How POP3 was matched: by the UIDL → UID mapping (exact), or by size alone (a hint). */
  popMatch: 'uidl' | 'size' | null;
  /** Gone from INBOX and found by Message-ID hash among another folder's arrivals. */
  movedTo: string | null;
}

export type CanaryOutcome = 'downloaded-and-removed' | 'marked-seen-without-imap' | 'moved' | 'untouched' | 'unknown';

export interface CanaryVerdict {
  outcome: CanaryOutcome;
  /** With downloaded-and-removed: it went between these many seconds after APPEND (last seen, first missed). */
  removedAfterSeconds: { atLeast: number; atMost: number } | null;
  /** With marked-seen-without-imap: first probe that saw \Seen, seconds after APPEND. */
  seenAfterSeconds: number | null;
  movedTo: string | null;
  /** 'confirmed': POP3 listed the canary by its UIDL → UID mapping, so IMAP and POP3 serve the same store;
   *  'likely': a POP3 message of exactly its size appeared (no mapping); 'contradicted': POP3's mapped list
   *  lacked it while IMAP showed it; 'unknown': POP3 never listed while IMAP had it. */
  sameStore: 'confirmed' | 'likely' | 'contradicted' | 'unknown';
}

export function observeCanary(s: Snapshot, c: CanaryIdentity): CanaryObservation {
  const obs: CanaryObservation = { at: s.takenAt, imap: null, seen: null, pop: null, popMatch: null, movedTo: null };
  if (s.imap?.ok) {
    const inbox = s.imap.evidence.inbox;
    if (inbox.messageList && inbox.uidValidity === c.uidValidity) {
      const m = inbox.messageList.toArray().find((x) => x.uid === c.uid);
      obs.imap = m ? 'present' : 'gone';
      obs.seen = m ? m.seen : null;
      if (!m) obs.movedTo = s.imap.evidence.folders.find((f) => f.arrivals?.messageIdHashes.includes(c.messageIdHash))?.path ?? null;
    }
  }
  if (s.pop?.ok) {
    const pop = s.pop.evidence;
    const map = pop.uidlMap;
    // A sampled listing names only some messages: one not among them is neither listed nor not.
    const sampled = pop.listing === 'sample';
    if (map && (map.uidValidity === c.uidValidity || (map.uidValidity === null && pop.messages.length === 0))) {
      obs.pop = map.uids.includes(c.uid) ? 'listed' : sampled ? null : 'not-listed';
      obs.popMatch = obs.pop === null ? null : 'uidl';
    } else if (sampled) {
      obs.pop = pop.messages.some((m) => m.sizeBytes === c.sizeBytes) && c.sizeBytes !== null ? 'listed' : null;
      obs.popMatch = obs.pop === null ? null : 'size';
    } else if (c.sizeBytes !== null) {
      obs.pop = pop.messages.some((m) => m.sizeBytes === c.sizeBytes) ? 'listed' : 'not-listed';
      obs.popMatch = 'size';
    }
  }
  return obs;
}

const secondsAfter = (iso: string, c: CanaryIdentity) => Math.max(0, Math.round((Date.parse(iso) - Date.parse(c.appendedAt)) / 1000));

export function classifyCanary(observations: readonly CanaryObservation[], c: CanaryIdentity): CanaryVerdict {
  const seenIn = observations.filter((o) => o.imap !== null);
  const firstGone = seenIn.find((o) => o.imap === 'gone');
  const lastPresentBefore = firstGone ? seenIn.filter((o) => o.imap === 'present' && o.at < firstGone.at).pop() : undefined;
  const movedTo = observations.find((o) => o.movedTo)?.movedTo ?? null;
  const firstSeen = seenIn.find((o) => o.seen === true);

  const bothSides = observations.filter((o) => o.imap === 'present' && o.pop !== null);
  let sameStore: CanaryVerdict['sameStore'] = 'unknown';
  if (bothSides.some((o) => o.pop === 'listed' && o.popMatch === 'uidl')) sameStore = 'confirmed';
  else if (bothSides.some((o) => o.pop === 'not-listed' && o.popMatch === 'uidl')) sameStore = 'contradicted';
  else if (bothSides.some((o) => o.pop === 'listed')) sameStore = 'likely';

  const verdict: CanaryVerdict = { outcome: 'unknown', removedAfterSeconds: null, seenAfterSeconds: null, movedTo: null, sameStore };
  if (firstGone && movedTo) return { ...verdict, outcome: 'moved', movedTo };
  if (firstGone) {
    return {
      ...verdict,
      outcome: 'downloaded-and-removed',
      removedAfterSeconds: { atLeast: lastPresentBefore ? secondsAfter(lastPresentBefore.at, c) : 0, atMost: secondsAfter(firstGone.at, c) },
    };
  }
  if (firstSeen) return { ...verdict, outcome: 'marked-seen-without-imap', seenAfterSeconds: secondsAfter(firstSeen.at, c) };
  if (seenIn.some((o) => o.imap === 'present')) return { ...verdict, outcome: 'untouched' };
  return verdict;
}

export const OUTCOME_TEXT: Record<CanaryOutcome, string> = {
  'downloaded-and-removed': 'downloaded and removed from the server: a POP client (or another program) took it and deleted it',
  'marked-seen-without-imap': 'marked as read without maildoctor reading it: a POP client downloaded it (Dovecot sets \\Seen on RETR), or someone read it',
  moved: 'moved out of INBOX into another folder (a filter or an IMAP client)',
  untouched: 'untouched: no client downloaded, read or removed it during the watch',
  unknown: 'not observed: no probe could read INBOX after the canary was written',
};
