import { endpointText, SOURCE_NAME } from '../discovery-phrases.js';
import type { FindingWords } from '../types.js';

const STATUS = { nothing: 'nothing there', failed: 'failed', 'timed-out': 'no answer in time' } as const;

const words: FindingWords<'nothing-published'> = {
  title: (e) =>
    `${e.domain} publishes no mail settings: every client guesses${e.guessed.length ? ` (guessing finds ${e.guessed.map(endpointText).join(', ')})` : ', and guessing finds nothing'}`,
  explanation: () =>
    'Without autoconfig, SRV records or Autodiscover, each mail program tries names and ports of its own, with or without TLS, and some fall back to POP3: devices of the same account end up set up differently, which is how one of them starts deleting mail the others expect to keep.',
  headline: (f) => `${f.evidence.domain} does not tell mail clients its settings; each one guesses.`,
  evidence: (e) => [
    ...e.sources.map((s) => `${SOURCE_NAME[s.source]}: ${STATUS[s.status]}${s.reason ? ` (${s.reason})` : ''}`),
    ...(e.guessed.length ? e.guessed.map((g) => `Guessing finds: ${endpointText(g)}`) : ['Guessing finds: nothing']),
  ],
};

export default words;
