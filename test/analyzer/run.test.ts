import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyze, RULES } from '../../src/analyzer/index.js';
import { exitCode } from '../../src/report/index.js';
import { buildSnapshot, daysAgo, fail, healthyImapOnlySpec, scenario, type ImapSpec } from '../support/snapshot-builder.js';
import { NO_EARLIER_PROBE, NO_SERVER_LOG } from '../../src/analyzer/evidence.js';
import { withList, withQuietLog } from '../rules/rule-tester.js';
import { withDiscovery } from '../support/discovery-builder.js';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('analyze: status', () => {
  it('healthy account → ok, no findings, every rule checked (with an earlier probe to compare with)', () => {
    // Found from the address, so the discovery rules run too.
    const a = analyze(withDiscovery(withQuietLog(withList(scenario('healthy-imap-only')))), { previous: withList(scenario('healthy-imap-only')) });
    expect(a.status).toBe('ok');
    expect(a.findings).toEqual([]);
    expect(a.skipped).toEqual([]);
    expect(a.checked.length).toBe(RULES.length);
  });

  it('info findings alone leave the status ok', () => {
    const a = analyze(scenario('pop-single-device-deletes'));
    expect(a.findings.map((f) => [f.id, f.severity])).toEqual([['pop-deletes-mail', 'info']]);
    expect(a.status).toBe('ok');
  });

  it('wrong password is a finding (critical), not unknown', () => {
    const a = analyze(scenario('wrong-password'));
    expect(a.status).toBe('critical');
    expect(exitCode(a.status)).toBe(2);
  });

  it('nothing observed and no finding explains why → unknown', () => {
    const a = analyze(
      buildSnapshot({
        imap: fail('protocol', 'unexpected untagged response', { step: 'list' }),
        pop: fail('unsupported', 'the server has no UIDL', { step: 'uidl' }),
      }),
    );
    expect(a.findings).toEqual([]);
    expect(a.status).toBe('unknown');
    expect(exitCode(a.status)).toBe(3);
    expect(a.skipped.find((s) => s.rule === 'pop-imap-disagree')?.reason).toBe('IMAP probe failed: protocol (unexpected untagged response)');
  });

  it('nothing probed at all → unknown', () => {
    expect(analyze(buildSnapshot({ imap: null, pop: null })).status).toBe('unknown');
  });

  it('a probe that hit a maildoctor bug makes an otherwise clean result unknown', () => {
    const a = analyze(buildSnapshot({ ...healthyImapOnlySpec(), pop: fail('internal', 'internal error in the POP3 probe: x') }));
    expect(a.findings).toEqual([]);
    expect(a.status).toBe('unknown');
  });

  it('a rule that throws is listed as not checked, with the error, and the status is unknown', () => {
    vi.spyOn(RULES.find((r) => r.id === 'quota-unknown')!, 'check').mockImplementation(() => {
      throw new Error('boom');
    });
    const a = analyze(withQuietLog(withList(scenario('healthy-imap-only'))), { previous: withList(scenario('healthy-imap-only')) });
    expect(a.errors).toEqual([{ rule: 'quota-unknown', message: 'boom' }]);
    expect(a.checked).not.toContain('quota-unknown');
    expect(a.skipped).toEqual([{ rule: 'quota-unknown', reason: 'internal error in this rule: boom (a maildoctor bug; please report it)', kind: 'rule-error' }]);
    expect(a.status).toBe('unknown');
  });

  it('a crashed rule does not hide a critical finding', () => {
    vi.spyOn(RULES.find((r) => r.id === 'quota-unknown')!, 'check').mockImplementation(() => {
      throw new Error('boom');
    });
    expect(analyze(scenario('wrong-password')).status).toBe('critical');
  });
});

describe('analyze: shape', () => {
  it('sorts findings by severity, then id', () => {
    const a = analyze(scenario('mixed'));
    expect(a.findings.map((f) => `${f.severity}:${f.id}`)).toEqual([
      'critical:mixed-protocol-use',
      'warning:mail-hidden-from-pop',
      'warning:pop-deletes-mail',
    ]);
  });

  it('says why a rule was skipped when a protocol was not probed', () => {
    const a = analyze(withQuietLog(withList(buildSnapshot({ ...healthyImapOnlySpec(), pop: null }))), { previous: withList(scenario('healthy-imap-only')) });
    expect(a.skipped).toEqual([
      { rule: 'pop-imap-disagree', reason: 'POP3 not probed (--only imap)', kind: 'missing-evidence' },
      { rule: 'pop-mailbox-locked', reason: 'POP3 not probed (--only imap)', kind: 'missing-evidence' },
      { rule: 'pop-server-expires-mail', reason: 'POP3 not probed (--only imap)', kind: 'missing-evidence' },
    ]);
    expect(a.status).toBe('ok');
  });

  it('lists the rules that compare two probes or read logs as not checked when those inputs are missing', () => {
    const a = analyze(scenario('healthy-imap-only'));
    expect(a.skipped).toEqual([
      { rule: 'quota-rejected-mail', reason: NO_SERVER_LOG, kind: 'waits-for-log' },
      ...['mail-vanished', 'uidvalidity-changed', 'quota-filling'].map((rule) => ({ rule, reason: NO_EARLIER_PROBE, kind: 'waits-for-earlier-probe' })),
    ]);
    expect(a.status).toBe('ok');
  });

  it('is JSON-serialisable and deterministic', () => {
    const s = scenario('mixed');
    const a = analyze(s);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(analyze(s)).toEqual(a);
  });

  it('never reads the clock: time comes from the snapshot (or now)', () => {
    const s = scenario('mixed');
    const before = analyze(s);
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-01-01T00:00:00Z'));
    expect(analyze(s)).toEqual(before);
    expect(before.now).toBe(s.takenAt);
  });

  it('measures certificate expiry against the given now', () => {
    const spec = healthyImapOnlySpec();
    (spec.imap as ImapSpec).tls = { validTo: daysAgo(-30) };
    const s = buildSnapshot(spec);
    expect(analyze(s).findings).toEqual([]);
    const later = analyze(s, { now: daysAgo(-20) });
    expect(later.findings.map((f) => [f.id, f.severity])).toContainEqual(['tls-problem', 'warning']);
    expect(later.now).toBe(daysAgo(-20));
  });

  it('resolves options over defaults and reports them', () => {
    const a = analyze(scenario('healthy-imap-only'), { options: { 'quota-near-limit': { warnRatio: 0.7 } } });
    expect(a.options['quota-near-limit']).toEqual({ warnRatio: 0.7, critRatio: 0.95 });
    expect(a.options['tls-problem']).toEqual({ warnDays: 14 });
  });

  it('refuses options for unknown rules, unknown keys and wrong types', () => {
    const s = scenario('healthy-imap-only');
    expect(() => analyze(s, { options: { nope: {} } as never })).toThrow('no rule "nope"');
    expect(() => analyze(s, { options: { 'quota-near-limit': { warn: 1 } } as never })).toThrow('has no option "warn"');
    expect(() => analyze(s, { options: { 'quota-near-limit': { warnRatio: '0.8' } } as never })).toThrow('must be a number');
  });

  it('passes the previous snapshot to the rules', () => {
    const seen: unknown[] = [];
    vi.spyOn(RULES.find((r) => r.id === 'quota-unknown')!, 'check').mockImplementation((ctx) => void seen.push(ctx.previous));
    const prev = scenario('healthy-imap-only');
    analyze(scenario('healthy-imap-only'), { previous: prev });
    expect(seen).toEqual([prev]);
  });
});
