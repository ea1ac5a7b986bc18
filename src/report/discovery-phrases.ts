// Words the discovery findings and `maildoctor discover` share: a source's name, a published setting in one line.
import type { PublishedSetting } from '../analyzer/types.js';
import type { DiscoverySource } from '../snapshot/discovery.js';
import type { Transport } from '../snapshot/schema.js';
import { PROTOCOL_NAME } from './phrases.js';

export const SOURCE_NAME: Record<DiscoverySource, string> = {
  autoconfig: 'autoconfig',
  srv: 'SRV records',
  'mx-autoconfig': "the MX provider's autoconfig",
  autodiscover: 'Autodiscover',
  guess: 'guessing',
};

export const TLS_NAME: Record<Transport, string> = { implicit: 'TLS', starttls: 'STARTTLS', none: 'no TLS' };

/** "IMAP imap.example.com:993 (TLS)" */
export function endpointText(s: Pick<PublishedSetting, 'protocol' | 'host' | 'port' | 'tls'>): string {
  return `${PROTOCOL_NAME[s.protocol]} ${s.host}:${s.port} (${TLS_NAME[s.tls]})`;
}

/** "IMAP imap.example.com:993 (TLS) from SRV records" */
export function settingText(s: PublishedSetting): string {
  return `${endpointText(s)} from ${SOURCE_NAME[s.source]}`;
}
