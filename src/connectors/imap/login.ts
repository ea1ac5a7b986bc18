// The IMAP login of the sessions we write ourselves (the bulk reader): which command these credentials send,
// given the capabilities the server announced before login. The main session logs in through imapflow, whose
// settings for each credentials kind live in the adapter (imapflow.ts); both switch on the same `kind`.
import { chooseOAuth2Mechanism, oauth2Response, oauth2Unframeable, plainIdentities, saslPlainResponse, type Credentials } from '../credentials.js';
import { quoted } from './syntax.js';

/**
 * The login command line (without its tag), or null when no single line fits (a name that needs a literal, or
 * LOGINDISABLED without AUTH=PLAIN and SASL-IR, an OAuth2 token without SASL-IR): the caller then keeps to the
 * main session.
 */
export function imapLoginCommand(credentials: Credentials, caps: ReadonlySet<string>): string | null {
  switch (credentials.kind) {
    case 'password':
      return plainOrLogin(credentials.user, credentials.password, saslPlainResponse(credentials), caps);
    case 'admin': {
      const id = plainIdentities(credentials);
      // An authzid travels only in PLAIN: without SASL-IR the main session (imapflow) logs in instead.
      if (id.authzid && !(caps.has('AUTH=PLAIN') && caps.has('SASL-IR'))) return null;
      return plainOrLogin(id.authcid, id.password, saslPlainResponse(credentials), caps);
    }
    case 'oauth2': {
      // One line only with SASL-IR: without it the response waits for a continuation, which the bulk reader
      // does not take (the main session then reads on).
      const mechanism = chooseOAuth2Mechanism(credentials, (m) => caps.has(`AUTH=${m}`));
      if (!mechanism || !caps.has('SASL-IR') || oauth2Unframeable(credentials.user, credentials.token)) return null;
      return `AUTHENTICATE ${mechanism} ${oauth2Response(mechanism, credentials.user, credentials.token)}`;
    }
  }
}

function plainOrLogin(user: string, password: string, plainResponse: string, caps: ReadonlySet<string>): string | null {
  // SASL-IR (RFC 4959) puts the PLAIN response on the command line: one round trip.
  if (caps.has('AUTH=PLAIN') && caps.has('SASL-IR')) return `AUTHENTICATE PLAIN ${plainResponse}`;
  const u = quoted(user);
  const p = quoted(password);
  if (u === null || p === null || caps.has('LOGINDISABLED')) return null;
  return `LOGIN ${u} ${p}`;
}
