// The IMAP login of the sessions we write ourselves (the bulk reader): which command these credentials send,
// given the capabilities the server announced before login. The main session logs in through imapflow, whose
// settings for each credentials kind live in the adapter (imapflow.ts); both switch on the same `kind`.
import { chooseOAuth2Mechanism, oauth2Response, oauth2Unframeable, saslPlainResponse, type Credentials } from '../credentials.js';
import { quoted } from './syntax.js';

/**
 * The login command line (without its tag), or null when no single line fits (a name that needs a literal, or
 * LOGINDISABLED without AUTH=PLAIN and SASL-IR, an OAuth2 token without SASL-IR): the caller then keeps to the
 * main session.
 */
export function imapLoginCommand(credentials: Credentials, caps: ReadonlySet<string>): string | null {
  switch (credentials.kind) {
    case 'password': {
      // SASL-IR (RFC 4959) puts the PLAIN response on the command line: one round trip.
      if (caps.has('AUTH=PLAIN') && caps.has('SASL-IR')) return `AUTHENTICATE PLAIN ${saslPlainResponse(credentials)}`;
      const u = quoted(credentials.user);
      const p = quoted(credentials.password);
      if (u === null || p === null || caps.has('LOGINDISABLED')) return null;
      return `LOGIN ${u} ${p}`;
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
