// What the discovery rules read from a snapshot's discovery part, once: the published sources (every source
// but guessing), their settings in the shape findings name them, and the connections to them.
import type { DiscoveredServer, Discovery, EndpointCheck, SourceResult } from '../snapshot/discovery.js';
import type { PublishedSetting } from './types.js';

/** Sources whose settings the domain (or its provider) publishes: all but guessing. */
export function publishedSources(d: Discovery): SourceResult[] {
  return d.sources.filter((s) => s.source !== 'guess');
}

export function settingOf(source: SourceResult['source'], s: Pick<DiscoveredServer, 'protocol' | 'host' | 'port' | 'tls'>): PublishedSetting {
  return { source, protocol: s.protocol, host: s.host, port: s.port, tls: s.tls };
}

/** The connection discovery made to this endpoint, if any. */
export function checkOf(d: Discovery, s: Pick<DiscoveredServer, 'protocol' | 'host' | 'port' | 'tls'>): EndpointCheck | undefined {
  return d.checks.find((c) => c.protocol === s.protocol && c.host === s.host && c.port === s.port && c.tls === s.tls);
}

export const sameEndpoint = (a: PublishedSetting, b: PublishedSetting) => a.host === b.host && a.port === b.port && a.tls === b.tls;
