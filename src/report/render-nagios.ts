// One line for Nagios, Icinga and other monitoring-plugins hosts:
//   MAILDOCTOR CRITICAL - user: verdict [ids] | 'quota_storage'=92%;80;95;0;100 ...
// Perfdata per the monitoring-plugins guidelines: 'label'=value[UOM];[warn];[crit];[min];[max].
import { plural } from './format.js';
import { evidenceProblemLines } from './render-text.js';
import { subjectLine } from './subject.js';
import type { Report } from './types.js';

/** Up to 2 decimals, no exponent, "." as the decimal point. */
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function perf(label: string, value: number, uom = '', warn = '', crit = '', min = '', max = ''): string {
  return `'${label}'=${num(value)}${uom};${warn};${crit};${min};${max}`.replace(/;+$/, '');
}

export function renderNagios(report: Report): string {
  const m = report.metrics;
  const ids = report.findings.filter((f) => f.severity !== 'info').map((f) => f.id);
  const problems = evidenceProblemLines(report).length;
  const unusable = problems ? ` (${plural(problems, 'piece')} of evidence unusable)` : '';
  const summary = `${subjectLine(report)}: ${report.verdict}${ids.length ? ` [${ids.join(', ')}]` : ''}${unusable}`.replace(/[|\r\n]+/g, ' ');
  const data: string[] = [];
  const warnPct = num(m.quotaWarnRatio * 100);
  const critPct = num(m.quotaCritRatio * 100);
  if (m.quotaStorageRatio !== null && m.quotaStorageUsedBytes !== null && m.quotaStorageLimitBytes !== null) {
    data.push(perf('quota_storage', m.quotaStorageRatio * 100, '%', warnPct, critPct, '0', '100'));
    data.push(
      perf(
        'quota_storage_bytes',
        m.quotaStorageUsedBytes,
        'B',
        String(Math.floor(m.quotaStorageLimitBytes * m.quotaWarnRatio)),
        String(Math.floor(m.quotaStorageLimitBytes * m.quotaCritRatio)),
        '0',
        String(m.quotaStorageLimitBytes),
      ),
    );
  }
  if (m.quotaMessagesRatio !== null) data.push(perf('quota_messages', m.quotaMessagesRatio * 100, '%', warnPct, critPct, '0', '100'));
  if (m.inboxMessages !== null) data.push(perf('inbox_messages', m.inboxMessages, '', '', '', '0'));
  if (m.popMessages !== null) data.push(perf('pop_messages', m.popMessages, '', '', '', '0'));
  if (m.imapDurationMs !== null) data.push(perf('imap_time', m.imapDurationMs / 1000, 's', '', '', '0'));
  if (m.popDurationMs !== null) data.push(perf('pop_time', m.popDurationMs / 1000, 's', '', '', '0'));
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  data.push(perf('findings_critical', count('critical'), '', '', '', '0'), perf('findings_warning', count('warning'), '', '', '', '0'));
  return `MAILDOCTOR ${report.status.toUpperCase()} - ${summary} | ${data.join(' ')}\n`;
}
