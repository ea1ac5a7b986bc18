import { plural } from '../format.js';
import { settingText } from '../discovery-phrases.js';
import type { FindingWords } from '../types.js';

const words: FindingWords<'published-without-tls'> = {
  title: (e) => {
    const p = e.problems[0]!;
    const more = e.problems.length > 1 ? ` (and ${plural(e.problems.length - 1, 'more')})` : '';
    if (p.problem === 'no-tls') return `A published setting has no TLS: ${settingText(p)}${more}`;
    if (p.problem === 'starttls-not-offered') return `A published setting says STARTTLS, but the server does not offer it: ${settingText(p)}${more}`;
    return `A published server's certificate does not verify for its name: ${settingText(p)}${p.tlsError ? `, ${p.tlsError}` : ''}${more}`;
  },
  explanation: (e) =>
    [
      ...(e.problems.some((p) => p.problem === 'no-tls') ? ['Devices set up from these settings send the password and the mail unencrypted.'] : []),
      ...(e.problems.some((p) => p.problem === 'starttls-not-offered')
        ? ['Devices set up from these settings cannot start TLS: they fail to fetch mail, or go on without TLS.']
        : []),
      ...(e.problems.some((p) => p.problem === 'certificate-not-verified')
        ? ['Devices set up from these settings warn about the certificate or refuse the server; a user who accepts the warning would accept an impostor too.']
        : []),
    ].join(' '),
  headline: () => 'The domain publishes mail settings that are not protected by a valid TLS connection.',
  evidence: (e) =>
    e.problems.map((p) => `${settingText(p)}: ${p.problem === 'no-tls' ? 'no TLS' : p.problem === 'starttls-not-offered' ? `no STARTTLS (${p.tlsError ?? 'not offered'})` : `certificate not verified (${p.tlsError ?? 'unverified'})`}`),
};

export default words;
