// RuleTester in the ESLint style: `valid` cases must produce no finding of the rule, `invalid` cases exactly
// the listed findings (count, severity, confidence, evidence compared whole), `skipped` cases must be skipped
// with the reason. The rule runs through the real runner, so wording and steps are exercised too. A case can
// not pass silently: the rule must have run (not been skipped) for valid and invalid cases, and the healthy
// IMAP-only and POP-only scenarios (each with itself as the earlier probe) are always added to the valid cases.
import { describe, expect, it } from 'vitest';
import { analyze, type AnalyzeOptions } from '../../src/analyzer/index.js';
import type { Confidence, FindingEvidenceMap, FindingId, Severity, StepKey } from '../../src/analyzer/types.js';
import { renderFinding } from '../../src/report/findings/index.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { cloneSnapshot } from '../../src/snapshot/io.js';
import { MessageList } from '../../src/snapshot/message-list.js';
import { scenario } from '../support/snapshot-builder.js';
import { LogEvidenceBuilder } from '../../src/connectors/log/index.js';

interface BaseCase {
  name: string;
  snapshot: Snapshot;
  options?: AnalyzeOptions['options'];
  now?: string;
  /** An earlier probe of the account and older history (rules that compare probes). */
  previous?: Snapshot;
  history?: Snapshot[];
}

interface ExpectedFinding<K extends FindingId> {
  severity: Severity;
  evidence: FindingEvidenceMap[K];
  confidence?: Confidence;
  /** Substrings the title must contain (numbers, names). */
  titleIncludes?: string[];
  /** The step keys, in order (the ESLint messageId habit: what to do is asserted as data, not as text). */
  steps?: StepKey[];
}

export interface RuleTests<K extends FindingId> {
  valid: BaseCase[];
  invalid: (BaseCase & { findings: ExpectedFinding<K>[] })[];
  skipped?: (BaseCase & { reason: string | RegExp })[];
  /** Adds the input the rule reads to the healthy scenarios always checked (a discovery part for the discovery rules). */
  healthy?: (s: Snapshot) => Snapshot;
}

/** The snapshot as if `check --log` had read a log that says nothing about this account. */
export function withQuietLog(snapshot: Snapshot): Snapshot {
  const lines = { total: 0, matched: 0, otherUsers: 0, otherPrograms: 0, unparseable: 0, afterUntil: 0 };
  return { ...snapshot, logs: new LogEvidenceBuilder().build({ user: snapshot.account.user, files: [], lines }) };
}

/** The scenario with an INBOX message list (one identity per message) where it has none: the comparing rules need both lists. */
export function withList(snapshot: Snapshot): Snapshot {
  const s = cloneSnapshot(snapshot);
  if (s.imap?.ok && s.imap.evidence.inbox.messageList == null) {
    s.imap.evidence.inbox.messageList = MessageList.from(Array.from({ length: s.imap.evidence.inbox.messages }, (_, i) => ({
      uid: i + 1,
      sizeBytes: 1000,
      internalDate: '2025-06-01T00:00:00.000Z',
      messageIdHash: (i + 1).toString(16).padStart(64, '0'),
      seen: true,
      deleted: false,
    })));
  }
  return s;
}

function run(c: BaseCase) {
  return analyze(c.snapshot, { options: c.options, ...(c.now ? { now: c.now } : {}), previous: c.previous ?? null, history: c.history ?? [] });
}

export function ruleTester<K extends FindingId>(id: K, tests: RuleTests<K>): void {
  const healthy = tests.healthy ?? ((s: Snapshot) => s);
  const valid: BaseCase[] = [
    // With themselves as the earlier probe (nothing changed in between) and a server log with nothing about the
    // account, so the rules that compare two probes or read logs run too.
    { name: 'healthy IMAP-only account (always checked)', snapshot: healthy(withQuietLog(withList(scenario('healthy-imap-only')))), previous: withList(scenario('healthy-imap-only')) },
    { name: 'healthy POP-only single device (always checked)', snapshot: healthy(withQuietLog(withList(scenario('healthy-pop-only')))), previous: withList(scenario('healthy-pop-only')) },
    ...tests.valid,
  ];
  describe(id, () => {
    if (tests.invalid.length === 0) throw new Error(`${id}: a rule test needs at least one invalid case`);
    describe('valid', () => {
      for (const c of valid) {
        it(c.name, () => {
          const a = run(c);
          expect(a.checked, `${id} must have run`).toContain(id);
          expect(a.findings.filter((f) => f.id === id)).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const c of tests.invalid) {
        it(c.name, () => {
          const a = run(c);
          expect(a.checked, `${id} must have run`).toContain(id);
          const got = a.findings.filter((f) => f.id === id);
          expect(got.length, 'number of findings').toBe(c.findings.length);
          c.findings.forEach((want, i) => {
            const data = got[i]!;
            // What to do is asserted as data: the step keys, given in the case or kept in the rule's snapshot file.
            const keys = data.steps.map((s) => s.key);
            if (want.steps) expect(keys).toEqual(want.steps);
            else expect(keys).toMatchSnapshot('step keys');
            const f = renderFinding(data);
            expect(f.severity).toBe(want.severity);
            expect(f.confidence).toBe(want.confidence);
            expect(f.evidence).toStrictEqual(want.evidence);
            for (const part of want.titleIncludes ?? []) expect(f.title).toContain(part);
            expect(f.title.length).toBeGreaterThan(0);
            expect(f.explanation.length).toBeGreaterThan(0);
            expect(f.steps.every((s) => s.length > 0)).toBe(true);
          });
        });
      }
    });
    if (tests.skipped?.length) {
      describe('skipped', () => {
        for (const c of tests.skipped!) {
          it(c.name, () => {
            const a = run(c);
            expect(a.checked).not.toContain(id);
            const s = a.skipped.find((x) => x.rule === id);
            expect(s, `${id} must be listed as skipped`).toBeDefined();
            if (typeof c.reason === 'string') expect(s!.reason).toBe(c.reason);
            else expect(s!.reason).toMatch(c.reason);
          });
        }
      });
    }
  });
}
