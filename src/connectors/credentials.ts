// Who logs in, and with what: the one type every connector takes instead of a bare password. Today a password;
// further kinds (OAuth2 access tokens, an admin login on behalf of the user) join this union, and then only
// the places that switch on `kind` change: imap/login.ts, pop3/login.ts and the imapflow adapter.

/** A user name and its password: IMAP LOGIN or AUTHENTICATE PLAIN, POP3 USER/PASS or AUTH PLAIN. */
export interface PasswordCredentials {
  readonly kind: 'password';
  /** The account's user name, as the server knows it. */
  readonly user: string;
  readonly password: string;
}

export type Credentials = PasswordCredentials;

export function passwordCredentials(user: string, password: string): PasswordCredentials {
  return { kind: 'password', user, password };
}

/**
 * Every secret the credentials hold, to be scrubbed from anything quoted back (scrub also hides base64 forms), and
 * the SASL PLAIN response a login sends: a server that echoes it would otherwise pass on the password, encoded.
 */
export function secretsOf(c: Credentials): string[] {
  return c.password ? [c.password, saslPlainResponse(c)] : [];
}

/**
 * The SASL PLAIN initial response (RFC 4616: authzid NUL authcid NUL password), base64. An empty authzid means
 * "the user who authenticates"; an admin login would put the customer there.
 */
export function saslPlainResponse(c: PasswordCredentials): string {
  return Buffer.from(`\0${c.user}\0${c.password}`, 'utf8').toString('base64');
}

/** Whether any secret would travel: a login with credentials that hold one. */
export function carriesSecret(c: Credentials): boolean {
  return secretsOf(c).length > 0;
}
