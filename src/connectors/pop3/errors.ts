// The one error type of the POP3 client: a probe error kind plus the step it happened in, so the probe can
// record it in the snapshot as it is.
import type { ProbeError, ProbeErrorKind } from '../../snapshot/schema.js';
import type { OAuth2Refusal } from '../credentials.js';

export interface Pop3ErrorDetails {
  step?: string;
  /** RFC 2449 / 3206 response code, e.g. IN-USE, SYS/TEMP. */
  code?: string;
  /** The server's line (sanitised, without the password). */
  serverText?: string;
  /** An OAuth2 login refused: the mechanism and the decoded error challenge. */
  oauth2?: OAuth2Refusal;
}

export class Pop3Error extends Error {
  override name = 'Pop3Error';
  readonly kind: ProbeErrorKind;
  readonly step: string | undefined;
  readonly code: string | undefined;
  readonly serverText: string | undefined;
  readonly oauth2: OAuth2Refusal | undefined;

  constructor(kind: ProbeErrorKind, message: string, details: Pop3ErrorDetails = {}) {
    super(message);
    this.kind = kind;
    this.step = details.step;
    this.code = details.code;
    this.serverText = details.serverText;
    this.oauth2 = details.oauth2;
  }

  /** A probe error built by the shared helpers (noGreeting, otherProtocol) as the client's error. */
  static from(pe: ProbeError): Pop3Error {
    return new Pop3Error(pe.kind, pe.message, { step: pe.step, code: pe.code, serverText: pe.serverText, oauth2: pe.oauth2 });
  }

  /** The same error for another step (when a lower layer did not know which step it was in). */
  withStep(step: string): Pop3Error {
    if (this.step) return this;
    return new Pop3Error(this.kind, this.message, { step, code: this.code, serverText: this.serverText, oauth2: this.oauth2 });
  }

  toProbeError(): ProbeError {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.step !== undefined ? { step: this.step } : {}),
      ...(this.code !== undefined ? { code: this.code } : {}),
      ...(this.serverText !== undefined ? { serverText: this.serverText } : {}),
      ...(this.oauth2 !== undefined ? { oauth2: this.oauth2 } : {}),
    };
  }
}
