// The report's details (report@1 `details`): what the HTML report tabulates and draws beyond the findings.
// Built from the snapshot, the earlier probes of the history and the server log evidence; copied field by
// field so nothing but facts about the servers and the mailbox rides along (never a secret).
import { loginOf, worstResource } from '../analyzer/facts.js';
import type { ImapLoginResult, Pop3LoginResult, ProbePaths, Snapshot, TlsFacts } from '../snapshot/schema.js';
import { pathWords } from '../snapshot/paths.js';
import type { ReportJson } from './schema.js';

export type ReportDetails = NonNullable<ReportJson['details']>;
type Server = ReportDetails['servers'][number];
type HistoryPoint = ReportDetails['history'][number];

function tlsOf(t: TlsFacts | null): Server['tls'] {
  if (!t) return null;
  const c = t.certificate;
  return {
    protocol: t.protocol,
    cipher: t.cipher,
    verified: t.verified,
    verifyError: t.verifyError,
    insecure: t.insecure,
    subject: c?.subject ?? null,
    issuer: c?.issuer ?? null,
    validTo: c?.validTo ?? null,
  };
}

function server(protocol: Server['protocol'], snapshot: Snapshot, result: ImapLoginResult | Pop3LoginResult | null): Server | null {
  const endpoint = protocol === 'imap' ? snapshot.account.imap : snapshot.account.pop;
  if (!endpoint || !result) return null;
  const base = { protocol, host: endpoint.host, port: endpoint.port, transport: endpoint.tls };
  if (!result.ok) return { ...base, tls: null, greeting: null, loginMethod: null, capabilities: [] };
  const e = result.evidence;
  // A login-only check (check --just-login) read no CAPA after the login.
  const postLogin = 'capaPostLogin' in e ? (e.capaPostLogin as string[] | null) : null;
  const capabilities = 'capabilities' in e ? e.capabilities : (postLogin ?? e.capaPreLogin ?? []);
  const recorded = 'paths' in e ? (e.paths as ProbePaths | undefined) : undefined;
  const paths = recorded ? { probePaths: pathWords(recorded) } : {};
  return { ...base, tls: tlsOf(e.tls), greeting: e.greeting, loginMethod: e.loginMethod, capabilities: [...capabilities], ...paths };
}

function quotaUse(s: Snapshot): { used: number | null; limit: number | null } {
  const storage = s.imap?.ok ? worstResource(s.imap.evidence.quota, 'STORAGE') : null;
  return { used: storage?.usage ?? null, limit: storage?.limit ?? null };
}

/** One point per probe (earlier ones first, then this one), with what arrived in and left INBOX since the one before. */
export function historyPoints(probes: readonly Snapshot[]): HistoryPoint[] {
  return probes.map((s, i) => {
    const inbox = s.imap?.ok ? s.imap.evidence.inbox : null;
    const before = i > 0 ? probes[i - 1]! : null;
    const prev = before?.imap?.ok ? before.imap.evidence.inbox : null;
    // An unknown UIDVALIDITY or UIDNEXT (the server sent none) on either side: neither changed nor counted.
    const changed = Boolean(inbox?.uidValidity && prev?.uidValidity && inbox.uidValidity !== prev.uidValidity);
    const next = inbox?.uidNext ?? null;
    const prevNext = prev?.uidNext ?? null;
    const comparable = inbox && prev && inbox.uidValidity !== null && !changed && next !== null && prevNext !== null && next >= prevNext;
    const arrived = comparable ? next - prevNext : null;
    const q = quotaUse(s);
    return {
      takenAt: s.takenAt,
      inboxMessages: inbox?.messages ?? null,
      arrived,
      leftInbox: comparable && arrived !== null ? Math.max(0, prev.messages + arrived - inbox.messages) : null,
      uidValidityChanged: changed,
      quotaUsedBytes: q.used,
      quotaLimitBytes: q.limit,
    };
  });
}

/** The details of one check; `history` is the earlier probes of the account, oldest first ([] without history). */
export function buildDetails(snapshot: Snapshot, history: readonly Snapshot[]): ReportDetails {
  const imap = snapshot.imap?.ok ? snapshot.imap.evidence : null;
  const earlier = history.filter((h) => h.takenAt < snapshot.takenAt);
  return {
    servers: [server('imap', snapshot, loginOf(snapshot, 'imap')), server('pop3', snapshot, loginOf(snapshot, 'pop'))].filter((x): x is Server => x !== null),
    folders: (imap?.folders ?? []).map((f) => ({
      path: f.path,
      specialUse: f.specialUse,
      messages: f.status?.messages ?? null,
      unseen: f.status?.unseen ?? null,
      sizeBytes: f.status?.sizeBytes ?? null,
      oldest: f.activity?.oldestInternalDate ?? null,
      newest: f.activity?.newestInternalDate ?? null,
    })),
    quota: (imap?.quota.roots ?? []).flatMap((r) =>
      r.resources.map((x) => ({ root: r.root, resource: x.name, usage: x.usage, limit: x.limit, unit: x.unit })),
    ),
    history: earlier.length ? historyPoints([...earlier, snapshot]) : [],
    devices: (snapshot.logs?.logins ?? []).map((l) => ({ protocol: l.protocol, ip: l.ip, logins: l.count, first: l.first, last: l.last, methods: [...l.methods] })),
  };
}
