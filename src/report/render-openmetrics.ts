// OpenMetrics text (https://prometheus.io/docs/specs/om/open_metrics_spec/) for Prometheus: the numbers of the
// nagios perfdata as maildoctor_* gauges, labelled with the account and its servers, ending in "# EOF". Written
// to a file for node_exporter's textfile collector (`--format openmetrics > /var/lib/node_exporter/mail.prom`).
import { SEVERITY_RANK, type Severity } from '../analyzer/types.js';
import type { Report } from './types.js';

const STATUS_VALUE: Record<Report['status'], number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

/** A label value: backslash, double quote and line feed escaped (the format allows nothing else raw). */
function labelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(',');
  return `{${body}}`;
}

/** A number the way the format writes it: no exponent for ordinary sizes, +Inf/NaN never (null is left out). */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6);
}

export function renderOpenMetrics(report: Report): string {
  const { user, imap, pop } = report.account;
  const base: Record<string, string> = { account: user };
  if (imap) base.imap = `${imap.host}:${imap.port}`;
  if (pop) base.pop = `${pop.host}:${pop.port}`;
  const out: string[] = [];
  const family = (name: string, help: string, samples: [Record<string, string>, number | null][]) => {
    const present = samples.filter((s): s is [Record<string, string>, number] => s[1] !== null && Number.isFinite(s[1]));
    if (present.length === 0) return;
    out.push(`# TYPE maildoctor_${name} gauge`, `# HELP maildoctor_${name} ${help}`);
    for (const [extra, value] of present) out.push(`maildoctor_${name}${labels({ ...base, ...extra })} ${num(value)}`);
  };
  const m = report.metrics;
  family('status', 'Result of the check: 0 ok, 1 warning, 2 critical, 3 unknown (the exit code).', [[{}, STATUS_VALUE[report.status]]]);
  family('check_timestamp_seconds', 'When the probe ran, seconds since the epoch.', [[{}, Date.parse(report.snapshotTakenAt) / 1000]]);
  family('quota_storage_used_bytes', 'Storage used, from the IMAP quota.', [[{}, m.quotaStorageUsedBytes]]);
  family('quota_storage_limit_bytes', 'Storage limit, from the IMAP quota.', [[{}, m.quotaStorageLimitBytes]]);
  family('quota_storage_ratio', 'Storage used over the limit (0 to 1).', [[{}, m.quotaStorageRatio]]);
  family('quota_messages_used', 'Messages stored, from the IMAP quota.', [[{}, m.quotaMessagesUsed]]);
  family('quota_messages_limit', 'Message limit, from the IMAP quota.', [[{}, m.quotaMessagesLimit]]);
  family('quota_messages_ratio', 'Messages stored over the limit (0 to 1).', [[{}, m.quotaMessagesRatio]]);
  family('quota_warn_ratio', 'The quota ratio that gives a warning (--quota-warn).', [[{}, m.quotaWarnRatio]]);
  family('quota_crit_ratio', 'The quota ratio that is critical (--quota-crit).', [[{}, m.quotaCritRatio]]);
  family('inbox_messages', 'Messages in INBOX over IMAP.', [[{}, m.inboxMessages]]);
  family('pop_messages', 'Messages POP3 lists (STAT).', [[{}, m.popMessages]]);
  family('probe_duration_seconds', 'How long each protocol probe took.', [
    [{ protocol: 'imap' }, m.imapDurationMs === null ? null : m.imapDurationMs / 1000],
    [{ protocol: 'pop3' }, m.popDurationMs === null ? null : m.popDurationMs / 1000],
  ]);
  family('probe_up', 'Whether each protocol could be observed (1), failed (0); absent when not probed.', [
    [{ protocol: 'imap' }, report.probes.imap.state === 'not-probed' ? null : report.probes.imap.state === 'ok' ? 1 : 0],
    [{ protocol: 'pop3' }, report.probes.pop.state === 'not-probed' ? null : report.probes.pop.state === 'ok' ? 1 : 0],
  ]);
  const severities = (Object.keys(SEVERITY_RANK) as Severity[]).sort((a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b]);
  family('findings', 'Findings of each severity.', severities.map((s) => [{ severity: s }, report.findings.filter((f) => f.severity === s).length]));
  family('finding', 'One sample per finding (value 1), with its id and severity.', report.findings.map((f) => [{ id: f.id, severity: f.severity }, 1]));
  family('checks_not_run', 'Checks that could not run for lack of evidence.', [[{}, report.coverage?.rulesNotRun ?? null]]);
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}
