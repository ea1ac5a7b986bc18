import { bytes, duration, plural } from '../format.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'quota-filling'> = {
  title: (e) => `At the current rate (${bytes(e.growthBytesPerDay)} a day) the mailbox is full in about ${plural(Math.max(1, Math.round(e.daysToFull)), 'day')}`,
  explanation: (e) =>
    `${bytes(e.usedBytes)} of ${bytes(e.limitBytes)} is used, measured over ${plural(e.points, 'probe')} across ${duration(e.spanSeconds)}. When it is full the server refuses new mail and senders get bounces.`,
  headline: () => 'The mailbox is filling up and will be full soon.',
  evidence: (e, at) => [
    `Storage: ${bytes(e.usedBytes)} of ${bytes(e.limitBytes)}, growing ${bytes(e.growthBytesPerDay)} a day (${plural(e.points, 'probe')} over ${duration(e.spanSeconds)})`,
    `Projected full: ${at(e.projectedFullAt)} (warning under ${plural(e.warnDays, 'day')})`,
  ],
};

export default words;
