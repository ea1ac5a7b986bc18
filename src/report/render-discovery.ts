// `maildoctor discover ADDRESS`: every source tried and what it said, the setting that wins per protocol, what
// the published endpoints answered, and the findings about what the domain publishes. Text and JSON.
import type { Finding, Status } from '../analyzer/types.js';
import type { DiscoveredServer, Discovery, SourceResult } from '../snapshot/discovery.js';
import { endpointText, SOURCE_NAME, TLS_NAME } from './discovery-phrases.js';
import { evidenceLines, renderFinding } from './findings/index.js';
import { PROTOCOL_NAME } from './phrases.js';

export const DISCOVERY_SCHEMA = 'maildoctor/discovery@1';

/** The status of a discovery: the worst finding, and unknown when no source gave a usable server. */
export function discoveryStatus(d: Discovery, findings: Finding[]): Status {
  if (!d.chosen.imap && !d.chosen.pop3) return 'unknown';
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}

const STATUS_WORD: Record<SourceResult['status'], string> = { ok: 'ok', nothing: 'nothing', failed: 'failed', 'timed-out': 'timed out' };
const SYMBOL = { critical: '✖ CRITICAL', warning: '⚠ WARNING', info: 'ℹ INFO' } as const;

function serverLine(s: DiscoveredServer): string {
  const parts = [endpointText(s)];
  if (s.username) parts.push(`user ${s.username}`);
  if (s.leaveMessagesOnServer != null) parts.push(`leave on server: ${s.leaveMessagesOnServer ? 'yes' : 'no'}`);
  if (s.daysToLeaveMessagesOnServer != null) parts.push(`delete after ${s.daysToLeaveMessagesOnServer} days`);
  if (s.outsideDomain) parts.push('outside the domain');
  return parts.join(', ');
}

export function renderDiscoveryText(d: Discovery, findings: Finding[], zone = 'UTC'): string {
  const out: string[] = [`Discovery for ${d.address} (domain ${d.domain}; DNS ${d.dnsServer ?? "this machine's resolver"})`, '', 'Sources, in order of priority:'];
  d.sources.forEach((s, i) => {
    out.push(`  ${i + 1}. ${SOURCE_NAME[s.source].padEnd(30)} ${STATUS_WORD[s.status].padEnd(9)} ${`${s.durationMs} ms`.padStart(8)}${s.reason ? `  ${s.reason}` : ''}`);
    for (const a of s.asked) out.push(`       asked  ${a}`);
    s.servers.forEach((x, j) => out.push(`       ${j === 0 ? 'said ' : '     '}  ${serverLine(x)}`));
    for (const n of s.notes) out.push(`       note   ${n}`);
  });
  out.push('', 'Wins:');
  for (const p of ['imap', 'pop3'] as const) {
    const c = d.chosen[p];
    out.push(c ? `  ${PROTOCOL_NAME[p]}  ${c.host}:${c.port} (${TLS_NAME[c.tls]}) from ${SOURCE_NAME[c.source]}, login ${c.user}` : `  ${PROTOCOL_NAME[p]}  none: no source names a ${PROTOCOL_NAME[p]} server`);
  }
  if (d.checks.length) {
    out.push('', 'Endpoints looked at (no login):');
    for (const c of d.checks) {
      const cert = c.tlsVerified === null ? '' : c.tlsVerified ? ', certificate verified' : `, certificate not verified (${c.tlsError ?? 'unverified'})`;
      const said = c.answered ? `answered${c.greeting ? ` (${c.greeting})` : ''}${cert}${c.error ? `; ${c.error}` : ''}` : `no answer: ${c.error ?? 'unknown'}`;
      out.push(`  ${c.answered && !c.error ? '✔' : '✖'} ${endpointText(c)}: ${said}`);
    }
  }
  out.push('');
  if (!d.chosen.imap && !d.chosen.pop3) out.push('✖ Nothing usable was found: no source names an IMAP or POP3 server.');
  else if (!findings.length) out.push('✔ No problems found in what the domain publishes.');
  for (const f of findings) {
    const r = renderFinding(f, zone);
    out.push(`${SYMBOL[r.severity]}  ${r.title}`, `   ${r.explanation}`);
    for (const line of evidenceLines(f, zone)) out.push(`   - ${line}`);
    r.steps.forEach((s, i) => out.push(`   ${i + 1}. ${s}`));
  }
  return `${out.join('\n')}\n`;
}

export function renderDiscoveryJson(d: Discovery, findings: Finding[], zone = 'UTC'): string {
  const status = discoveryStatus(d, findings);
  const rendered = findings.map((f) => {
    const r = renderFinding(f, zone);
    return { id: r.id, severity: r.severity, title: r.title, explanation: r.explanation, evidence: r.evidence, steps: r.steps };
  });
  return `${JSON.stringify({ schema: DISCOVERY_SCHEMA, status, ...d, findings: rendered }, null, 2)}\n`;
}
