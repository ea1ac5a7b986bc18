// The runner: resolve options, compute the shared usage signs, run every registered rule whose evidence is
// there, list the others as skipped with the reason, and sum up a status.
import type { Snapshot } from '../snapshot/schema.js';
import { incompleteEvidence, missingEvidence } from './evidence.js';
import { answered, loginOf } from './facts.js';
import { vanishedMail } from '../snapshot/compare.js';
import { RULES, type RuleOptionOverrides } from './registry.js';
import { usageSigns, type RemovalOptions } from './signs.js';
import {
  SEVERITY_RANK,
  type Analysis,
  type Finding,
  type FindingDraft,
  type FindingId,
  type Rule,
  type RuleOptions,
  type SkippedRule,
  type Status,
} from './types.js';

export interface AnalyzeOptions {
  /** An earlier snapshot of the same account (history); rules that compare two probes read it. */
  previous?: Snapshot | null;
  /** Why there is no `previous` when it is not a first check (a history that could not be read): the skip reason. */
  previousUnavailable?: string;
  /** takenAt of probes newer than `previous` that were passed over because they lacked its evidence. */
  passedOver?: string[];
  /** Earlier snapshots of the account, oldest first (for trends such as quota growth); previous need not be in it. */
  history?: Snapshot[];
  /** Per-rule option overrides, e.g. { 'quota-near-limit': { warnRatio: 0.7, critRatio: 0.9 } }. */
  options?: RuleOptionOverrides;
  /** The time ages and certificate expiry are measured against; default snapshot.takenAt (so replays match). */
  now?: Date | string;
}

function resolveOptions(rule: Rule, overrides: Record<string, unknown> | undefined): RuleOptions {
  const out: RuleOptions = { ...rule.defaults };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) continue;
    if (!(key in rule.defaults)) throw new TypeError(`rule ${rule.id} has no option "${key}"`);
    if (typeof value !== typeof rule.defaults[key]) {
      throw new TypeError(`option ${rule.id}.${key} must be a ${typeof rule.defaults[key]}, got ${JSON.stringify(value)}`);
    }
    out[key] = value as RuleOptions[string];
  }
  return out;
}

export function analyze(snapshot: Snapshot, opts: AnalyzeOptions = {}): Analysis {
  const now = opts.now !== undefined ? new Date(opts.now) : new Date(snapshot.takenAt);
  if (Number.isNaN(now.getTime())) throw new TypeError(`analyze: invalid time ${String(opts.now ?? snapshot.takenAt)}`);
  const rules: readonly Rule[] = RULES;
  const overrides = (opts.options ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const id of Object.keys(overrides)) {
    if (!rules.some((r) => r.id === id)) throw new TypeError(`no rule "${id}" to take options`);
  }
  const options = Object.fromEntries(rules.map((r) => [r.id, resolveOptions(r, overrides[r.id])])) as Record<FindingId, RuleOptions>;
  const signs = usageSigns(snapshot, now, options['pop-deletes-mail'] as unknown as RemovalOptions);
  // Two probes prove what one can only suspect: mail gone from INBOX and in no folder is a POP client's work.
  const vanished = opts.previous ? vanishedMail(opts.previous, snapshot) : null;
  if (vanished && vanished.vanished.length > 0) {
    signs.pop.unshift({ kind: 'vanished-between-probes', strength: 'strong', count: vanished.vanished.length, folders: ['INBOX'], keyword: null });
    // One count for one loss: what vanished between the checks was also deleted without trace, so the ledger's
    // sign says at least that many (the ledger alone can count fewer when later mail refilled INBOX).
    for (const s of signs.pop) if (s.kind === 'removed-without-trace' && (s.count ?? 0) < vanished.vanished.length) s.count = vanished.vanished.length;
  }

  const findings: Finding[] = [];
  const skipped: SkippedRule[] = [];
  const notApplicable: SkippedRule[] = [];
  const checked: FindingId[] = [];
  const errors: Analysis['errors'] = [];
  for (const rule of rules) {
    const missing = missingEvidence(snapshot, rule.needs, opts.previous ?? null, opts.previousUnavailable);
    if (missing) {
      (missing.kind === 'not-discovered' ? notApplicable : skipped).push({ rule: rule.id, ...missing });
      continue;
    }
    const drafts: FindingDraft<FindingId>[] = [];
    try {
      rule.check({
        snapshot,
        previous: opts.previous ?? null,
        history: opts.history ?? [],
        options: options[rule.id],
        now,
        signs: { pop: signs.pop, imap: signs.imap },
        vanished,
        report: (draft) => drafts.push(draft),
      });
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      errors.push({ rule: rule.id, message });
      skipped.push({ rule: rule.id, reason: `internal error in this rule: ${message} (a maildoctor bug; please report it)`, kind: 'rule-error' });
      continue;
    }
    // Nothing found in part of the evidence is not a pass.
    const partial = drafts.length === 0 ? incompleteEvidence(snapshot, rule.complete) : null;
    if (partial) {
      skipped.push({ rule: rule.id, reason: partial, kind: 'incomplete-evidence' });
      continue;
    }
    checked.push(rule.id);
    for (const d of drafts) {
      findings.push({
        id: rule.id,
        severity: d.severity,
        evidence: d.evidence,
        steps: d.steps,
        ...(d.confidence ? { confidence: d.confidence } : {}),
      } as Finding);
    }
  }
  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.id.localeCompare(b.id));
  return { status: statusOf(snapshot, findings, errors.length > 0), findings, skipped, checked, notApplicable, errors, options, now: now.toISOString(),
    comparedWith: opts.previous ? { takenAt: opts.previous.takenAt, passedOver: opts.passedOver ?? [] } : null };
}

/**
 * The highest finding severity decides. Info findings alone leave the account "ok" — unless nothing was
 * observed at all (no protocol answered and no finding explains why), a probe hit a maildoctor bug, or a rule
 * crashed: then "unknown", because a check that could not run must never read as healthy. A wrong password or
 * a closed port is a finding (critical), not "unknown".
 */
function statusOf(snapshot: Snapshot, findings: Finding[], ruleCrashed: boolean): Status {
  const worst = findings[0]?.severity;
  if (worst === 'critical' || worst === 'warning') return worst;
  const observed = answered(snapshot, 'imap') || answered(snapshot, 'pop');
  const probeBug = [loginOf(snapshot, 'imap'), loginOf(snapshot, 'pop')].some((r) => r && !r.ok && r.error.kind === 'internal');
  if (!observed || probeBug || ruleCrashed) return 'unknown';
  return 'ok';
}
