// The probe paths of an IMAP snapshot (ImapEvidence.paths) in words: the test log and the report's details
// say which of each pair ran, so a report of a server without the extensions shows how its facts were read.
import type { ProbePaths } from './schema.js';

/** The probe paths in one line: which of each pair ran. */
export function pathWords(p: ProbePaths): string {
  const words = {
    uids: p.uids === 'examine' ? 'INBOX UIDNEXT/UIDVALIDITY from EXAMINE' : 'INBOX UIDNEXT/UIDVALIDITY from STATUS (EXAMINE sent none)',
    search: p.search === 'esearch' ? 'counts by ESEARCH' : 'counts by plain SEARCH, counted here',
    status: p.status === 'list-status' ? 'folder STATUS by LIST-STATUS' : 'folder STATUS one folder at a time',
    specialUse: p.specialUse === 'special-use' ? 'folder roles from SPECIAL-USE' : 'folder roles from their names',
    ages: p.ages === 'within' ? 'ages by WITHIN' : 'ages by SINCE dates',
  };
  return (Object.keys(words) as (keyof typeof words)[]).filter((k) => p[k] !== undefined).map((k) => words[k]).join('; ');
}

