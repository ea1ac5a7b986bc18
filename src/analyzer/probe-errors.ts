// Which probe errors are findings about the account (the customer's devices would hit them too) and which
// only mean "maildoctor could not observe" (then the rules that needed the evidence are skipped).
import type { ProbeErrorKind } from '../snapshot/schema.js';

export type ErrorFinding = 'connect' | 'login' | 'tls' | 'locked' | 'login-delay';

/** Steps before login: a timeout or garbage there means the service cannot be used at all. */
const BEFORE_LOGIN = new Set(['connect', 'greeting', 'tls', 'starttls', 'capa', 'capability']);

export function errorFinding(e: { kind: ProbeErrorKind; step?: string | null | undefined }): ErrorFinding | null {
  const step = e.step ?? 'connect';
  switch (e.kind) {
    case 'dns':
    case 'refused':
    case 'unreachable':
      return 'connect';
    case 'timeout':
      return BEFORE_LOGIN.has(step) ? 'connect' : null;
    case 'protocol':
      // Garbage instead of a greeting: usually the wrong port (another service answers there).
      return step === 'greeting' ? 'connect' : null;
    case 'auth':
      return 'login';
    case 'sys-temp':
    case 'sys-perm':
      return step === 'login' ? 'login' : BEFORE_LOGIN.has(step) ? 'connect' : null;
    case 'tls':
    case 'starttls-missing':
    case 'plaintext-refused':
      return 'tls';
    case 'in-use':
      return 'locked';
    case 'login-delay':
      return 'login-delay';
    case 'unsupported':
    case 'internal':
      return null;
  }
}
