// The POP3 login: which mechanism the credentials and the server's CAPA allow, and the login itself. The one
// place that knows what each credentials kind means on POP3 (a password, an OAuth2 token, an admin on behalf of
// the user).
import type { ProbeError } from '../../snapshot/schema.js';
import { chooseOAuth2Mechanism, needsAuthzid, noOAuth2Mechanism, plainIdentities, type Credentials, type OAuth2Credentials } from '../credentials.js';
import type { Pop3Capabilities } from './capa.js';
import type { Pop3Client } from './client.js';

export type PopLoginMethod = 'SASL PLAIN' | 'USER/PASS' | 'SASL OAUTHBEARER' | 'SASL XOAUTH2';

/**
 * How these credentials log in to a server with this CAPA, or why they cannot (a refusal to record). `capaKnown`
 * false: the server answered CAPA with an error, so USER/PASS is tried as RFC 1939 promises it.
 */
export function popLoginMethod(
  credentials: Credentials,
  pre: Pop3Capabilities,
  capaKnown: boolean,
  secure: boolean,
  preferSasl: boolean,
  endpoint: string,
): PopLoginMethod | ProbeError {
  switch (credentials.kind) {
    case 'password':
      return passwordMethod(pre, capaKnown, secure, preferSasl, endpoint);
    case 'oauth2':
      return oauth2Method(credentials, pre, capaKnown, endpoint);
    case 'admin':
      if (!needsAuthzid(credentials)) return passwordMethod(pre, capaKnown, secure, preferSasl, endpoint);
      // The authorization identity rides only on SASL PLAIN; USER/PASS would log the admin in as itself.
      if (pre.sasl.includes('PLAIN')) return 'SASL PLAIN';
      return {
        kind: 'unsupported',
        step: 'login',
        code: 'NO-SASL-PLAIN',
        message:
          `${endpoint} ${capaKnown ? 'offers no AUTH PLAIN (CAPA SASL)' : 'did not answer CAPA, so AUTH PLAIN is not known to work'}, ` +
          `the only POP3 login that carries the authorization identity of an admin login on behalf of ${credentials.user} ` +
          '(for Dovecot master users, try --master-separator)',
      };
  }
}

/** AUTH OAUTHBEARER or AUTH XOAUTH2 as CAPA's SASL line offers them (RFC 2449 §6.3); without CAPA only a forced one. */
function oauth2Method(c: OAuth2Credentials, pre: Pop3Capabilities, capaKnown: boolean, endpoint: string): PopLoginMethod | ProbeError {
  const mechanism = chooseOAuth2Mechanism(c, (m) => (capaKnown ? pre.sasl.includes(m) : m === c.mechanism));
  if (mechanism) return `SASL ${mechanism}`;
  const why = capaKnown ? `its CAPA SASL ${noOAuth2Mechanism(c, '')}` : 'answered no CAPA, so its SASL mechanisms are unknown (force one with --oauth2-mechanism)';
  return { kind: 'unsupported', step: 'login', code: 'NO-OAUTH2', message: `${endpoint}: no OAuth2 login: ${why}` };
}

function passwordMethod(pre: Pop3Capabilities, capaKnown: boolean, secure: boolean, preferSasl: boolean, endpoint: string): PopLoginMethod | ProbeError {
  const saslPlain = pre.sasl.includes('PLAIN');
  const userPass = !capaKnown || pre.tags.has('USER');
  if (saslPlain && (preferSasl || !userPass)) return 'SASL PLAIN';
  // Over TLS a server that lists neither USER nor SASL PLAIN may still take USER/PASS: try it.
  if (userPass || secure) return 'USER/PASS';
  return {
    kind: 'plaintext-refused',
    step: 'login',
    message: `${endpoint} offers no password login on a connection without TLS${pre.tags.has('STLS') ? ' (it offers STLS)' : ''}`,
    ...(pre.tags.has('STLS') ? { starttlsOffered: true } : {}),
  };
}

/** Log in with the chosen method; a refusal throws the client's Pop3Error. */
export async function popLogin(client: Pop3Client, credentials: Credentials, method: PopLoginMethod): Promise<void> {
  switch (credentials.kind) {
    case 'password':
      if (method === 'SASL PLAIN') await client.authPlain(credentials.user, credentials.password);
      else await client.login(credentials.user, credentials.password);
      return;
    case 'oauth2':
      await client.authOAuth2(method === 'SASL XOAUTH2' ? 'XOAUTH2' : 'OAUTHBEARER', credentials.user, credentials.token);
      return;
    case 'admin': {
      const id = plainIdentities(credentials);
      if (method === 'SASL PLAIN') await client.authPlain(id.authcid, id.password, id.authzid);
      else await client.login(id.authcid, id.password);
    }
  }
}
