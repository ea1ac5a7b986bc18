// A short IMAP conversation of our own before imapflow logs in: imapflow exposes neither the peer
// certificate nor the pre-login capabilities. Greeting → (STARTTLS) → CAPABILITY → LOGOUT; no credentials.
import { classifyNetworkError, noGreeting, oneLine, otherProtocol, transportMode, type ConnectOptions } from '../common.js';
import { LineReader, OpenFailure, openConnection, openOptionsFor, type Connection } from '../transport.js';
import type { TlsFacts } from '../../snapshot/schema.js';
import { fail, ProbeFailure, StepTimeout } from './errors.js';

export interface Preflight {
  greeting: string;
  /** Capabilities a client sees right before it would log in (after STARTTLS when used). */
  capabilities: string[];
  /** Capabilities announced before STARTTLS (starttls mode only). */
  capabilitiesBeforeTls: string[] | null;
  tls: TlsFacts | null;
  preauth: boolean;
}

const MAX_LINE = 64 * 1024;

const stepTimeout = (step: string, ms: number) => new StepTimeout(step, ms);

function capsFrom(text: string): string[] | null {
  const m = /\[CAPABILITY ([^\]]*)\]/i.exec(text);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : null;
}

/** Send a tagged command and collect untagged lines until its tagged reply. */
async function command(conn: Connection, reader: LineReader, tag: string, cmd: string, step: string, ms: number) {
  conn.write(`${tag} ${cmd}\r\n`);
  const untagged: string[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await reader.line(step, Math.max(1, deadline - Date.now()));
    if (l.startsWith(`${tag} `)) {
      const status = l.slice(tag.length + 1).split(' ')[0]!.toUpperCase();
      return { status, text: l.slice(tag.length + 1 + status.length).trim(), untagged };
    }
    untagged.push(l);
  }
}

/** Throws a ProbeFailure of kind 'tls' when the certificate did not verify and --insecure was not given. */
function enforceTrust(facts: TlsFacts, endpoint: string): void {
  if (facts.verified || facts.insecure) return;
  const why = facts.verifyError ?? 'unverified';
  fail('tls', 'tls', `certificate of ${endpoint} is not trusted: ${why}${/SELF_SIGNED/.test(why) ? ' (self-signed: pass its certificate with --ca, or --insecure)' : ''}`, {
    code: why,
  });
}

/** Greeting, TLS facts and pre-login capabilities. Throws ProbeFailure (or a network error to classify). */
export async function preflight(opts: ConnectOptions): Promise<Preflight> {
  const endpoint = `${opts.host}:${opts.port}`;
  const ms = opts.timeoutMs;
  const mode = transportMode(opts.tls);
  let conn: Connection | undefined;
  let facts: TlsFacts | null = null;
  try {
    try {
      // We decide about trust ourselves (after reading the facts), so the handshake always completes.
      conn = await openConnection({ ...openOptionsFor(opts, stepTimeout), verify: 'caller' });
    } catch (e) {
      const cause = e instanceof OpenFailure ? e.error : e;
      if (cause instanceof StepTimeout) throw cause;
      const pe = classifyNetworkError(cause, 'connect', endpoint, 'imap');
      throw new ProbeFailure(pe.kind === 'tls' ? { ...pe, step: 'tls' } : pe);
    }
    if (conn.tls) {
      facts = conn.tls;
      enforceTrust(facts, endpoint);
    }
    const reader = new LineReader(conn, {
      maxLineBytes: MAX_LINE,
      overlong: () => new ProbeFailure({ kind: 'protocol', step: 'greeting', message: 'server sent an overlong line' }),
    });
    let greeting: string;
    try {
      greeting = await reader.line('greeting', ms);
    } catch (e) {
      if (e instanceof StepTimeout) {
        throw new ProbeFailure(noGreeting(endpoint, ms, 'greeting', mode === 'implicit' ? '' : ' (an implicit-TLS port? try --imap-tls implicit)'));
      }
      throw e;
    }
    const g = oneLine(greeting, 300);
    if (/^\* BYE/i.test(greeting)) fail('sys-temp', 'greeting', `${endpoint} refused the session: ${g}`, { serverText: g });
    const other = otherProtocol(greeting, 'IMAP', endpoint);
    if (other) throw new ProbeFailure(other);
    if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) fail('protocol', 'greeting', `${endpoint} did not greet like an IMAP server`, { serverText: g });
    const preauth = /^\* PREAUTH/i.test(greeting);
    let tagN = 0;
    const tag = () => `mdp${++tagN}`;
    const capability = async (step: string) => {
      const r = await command(conn!, reader, tag(), 'CAPABILITY', step, ms);
      if (r.status !== 'OK') fail('protocol', step, `CAPABILITY failed: ${oneLine(r.text)}`, { serverText: oneLine(r.text) });
      const line = r.untagged.find((l) => /^\* CAPABILITY /i.test(l));
      return line ? line.slice('* CAPABILITY '.length).trim().split(/\s+/) : (capsFrom(r.text) ?? []);
    };
    let caps = capsFrom(greeting) ?? (await capability('capability'));
    let before: string[] | null = null;
    if (mode === 'starttls') {
      before = caps;
      if (!caps.some((c) => c.toUpperCase() === 'STARTTLS')) {
        fail('starttls-missing', 'starttls', `${endpoint} does not offer STARTTLS`);
      }
      const r = await command(conn, reader, tag(), 'STARTTLS', 'starttls', ms);
      if (r.status !== 'OK') fail('starttls-missing', 'starttls', `${endpoint} refused STARTTLS: ${oneLine(r.text)}`, { serverText: oneLine(r.text) });
      if (reader.pending > 0) fail('protocol', 'starttls', `${endpoint} sent data after STARTTLS before the TLS handshake (injection?)`);
      try {
        facts = await conn.upgrade('starttls', ms);
      } catch (e) {
        if (e instanceof StepTimeout) throw e;
        throw new ProbeFailure(classifyNetworkError(e, 'starttls', endpoint));
      }
      enforceTrust(facts, endpoint);
      caps = await capability('capability');
    }
    // Polite goodbye; its answer does not matter.
    // Sent, never waited for: a stalled reply must not delay the probe.
    conn.write(`${tag()} LOGOUT\r\n`);
    return { greeting: g, capabilities: caps, capabilitiesBeforeTls: before, tls: facts, preauth };
  } finally {
    conn?.destroy();
  }
}
