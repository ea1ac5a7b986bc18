// --format openmetrics, read back by the reference parser of the format (prometheus_client's strict OpenMetrics
// parser, Debian's python3-prometheus-client): every scenario parses, the families and labels are as documented,
// and label values that need escaping survive.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { buildReport } from '../../src/report/build.js';
import { render } from '../../src/report/render.js';
import { SCENARIOS, scenario, type ScenarioName } from '../support/snapshot-builder.js';
import { ensurePythonParser, PYTHON } from '../support/openmetrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The parser's reading of `text`: its samples, or its error. */
function parse(text: string): Sample[] {
  const code = [
    'import json, sys',
    'from prometheus_client.openmetrics.parser import text_string_to_metric_families as f',
    'out = [{"name": s.name, "labels": s.labels, "value": s.value} for fam in f(sys.stdin.read()) for s in fam.samples]',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the OpenMetrics parser refused it: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as Sample[];
}

describe('--format openmetrics', () => {
  ensurePythonParser();
  const reportOf = (name: ScenarioName) => {
    const s = scenario(name);
    return buildReport(s, analyze(s));
  };

  it.each(Object.keys(SCENARIOS) as ScenarioName[])('the %s scenario parses as OpenMetrics', (name) => {
    const text = render(reportOf(name), 'openmetrics');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(parse(text).length).toBeGreaterThan(0);
  });

  it('carries status, quota, counts and findings with the account labels', () => {
    const report = reportOf('mixed');
    const samples = parse(render(report, 'openmetrics'));
    const one = (name: string, extra: Record<string, string> = {}) => samples.find((s) => s.name === name && Object.entries(extra).every(([k, v]) => s.labels[k] === v));
    const account = { account: 'alice@example.com', imap: 'mail.example.com:993', pop: 'mail.example.com:995' };
    expect(one('maildoctor_status')).toEqual({ name: 'maildoctor_status', labels: account, value: 2 });
    expect(one('maildoctor_quota_storage_limit_bytes')?.value).toBe(report.metrics.quotaStorageLimitBytes);
    expect(one('maildoctor_inbox_messages')?.value).toBe(12);
    expect(one('maildoctor_findings', { severity: 'critical' })?.value).toBe(1);
    expect(samples.filter((s) => s.name === 'maildoctor_finding').map((s) => s.labels.id)).toEqual(report.findings.map((f) => f.id));
    expect(one('maildoctor_probe_up', { protocol: 'pop3' })?.value).toBe(1);
  });

  it('escapes label values and leaves out what was not measured', () => {
    const report = reportOf('wrong-password');
    const odd = { ...report, account: { ...report.account, user: 'a "quoted"\\user\nx' } };
    const samples = parse(render(odd, 'openmetrics'));
    expect(samples.find((s) => s.name === 'maildoctor_status')?.labels.account).toBe('a "quoted"\\user\nx');
    expect(samples.some((s) => s.name === 'maildoctor_inbox_messages')).toBe(false);
    expect(samples.find((s) => s.name === 'maildoctor_probe_up' && s.labels.protocol === 'imap')?.value).toBe(0);
  });
});
