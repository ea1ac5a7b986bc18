import { count, plural } from '../format.js';
import { POP_SIGN_LABEL } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'mail-hidden-from-pop'> = {
  title: (e) =>
    `${plural(e.last7Days, 'message')} from the last 7 days went to folders POP never downloads (${e.folders
      .slice(0, 3)
      .map((f) => `${f.folder}: ${count(f.last7Days)}`)
      .join(', ')}${e.folders.length > 3 ? ', …' : ''})`,
  explanation: (e) =>
    e.provider === 'gmail'
      ? `${e.popUseSeen ? 'This account shows signs of a POP client. ' : ''}Gmail's POP downloads All Mail, labels included, but not Spam or Trash: mail Gmail's spam filter puts into Spam never reaches a POP device.`
      : (e.popUseSeen
      ? 'This account shows signs of a POP client, and POP downloads INBOX only: '
      : 'Nothing shows how this mailbox is read; if any device uses POP, it downloads INBOX only: ') +
    'mail the spam filter or a filter rule puts into another folder never reaches that device.',
  headline: () => 'Recent mail sits in folders that a POP device never downloads.',
  evidence: (e) => [
    ...e.folders.map((f) => `${f.folder}: ${count(f.last7Days)} in the last 7 days (${count(f.last1Day)} in the last day)`),
    `POP use seen: ${e.popUseSeen ? `yes (${e.popSigns.map((k) => POP_SIGN_LABEL[k]).join('; ')})` : 'no'}`,
  ],
};

export default words;
