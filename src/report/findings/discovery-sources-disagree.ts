import { list, plural } from '../format.js';
import { endpointText, settingText, SOURCE_NAME } from '../discovery-phrases.js';
import { PROTOCOL_NAME } from '../phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'discovery-sources-disagree'> = {
  title: (e) => {
    const d = e.disagreements[0];
    if (d) {
      const [a, b] = [d.settings[0]!, d.settings.find((s) => s.host !== d.settings[0]!.host || s.port !== d.settings[0]!.port || s.tls !== d.settings[0]!.tls)!];
      return `The published settings disagree: ${SOURCE_NAME[a.source]} says ${PROTOCOL_NAME[d.protocol]} ${a.host}:${a.port}, ${SOURCE_NAME[b.source]} says ${b.host}:${b.port}`;
    }
    const n = e.notAnswering[0]!;
    return `A published ${PROTOCOL_NAME[n.protocol]} setting does not answer: ${n.host}:${n.port} from ${SOURCE_NAME[n.source]}${e.notAnswering.length > 1 ? ` (and ${plural(e.notAnswering.length - 1, 'more')})` : ''}`;
  },
  explanation: () =>
    'Mail clients read different sources: Thunderbird autoconfig first, others SRV records or Autodiscover. Where the sources name different servers, devices of the same account end up on different servers; a published port that does not answer leaves every client that reads it without mail.',
  headline: () => 'What the domain publishes for mail clients is inconsistent.',
  evidence: (e) => [
    ...e.disagreements.map((d) => `${PROTOCOL_NAME[d.protocol]}: ${list(d.settings.map((s) => `${SOURCE_NAME[s.source]} ${s.host}:${s.port}`))}`),
    ...e.notAnswering.map((n) => `Not answering: ${settingText(n)}: ${n.error}`),
    ...(['imap', 'pop3'] as const).flatMap((p) => (e.chosen[p] ? [`Used for ${PROTOCOL_NAME[p]}: ${endpointText(e.chosen[p])} (${SOURCE_NAME[e.chosen[p].source]}, the first in priority)`] : [])),
  ],
};

export default words;
