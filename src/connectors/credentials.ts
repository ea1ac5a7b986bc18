// Who logs in, and with what: the one type every connector takes instead of a bare password. A password, or
// an admin login on behalf of the user; further kinds (OAuth2 access tokens) join this union, and then only
// the places that switch on `kind` change: imap/login.ts, pop3/login.ts and the imapflow adapter.

/** A user name and its password: IMAP LOGIN or AUTHENTICATE PLAIN, POP3 USER/PASS or AUTH PLAIN. */
export interface PasswordCredentials {
  readonly kind: 'password';
  /** The account's user name, as the server knows it. */
  readonly user: string;
  readonly password: string;
}

/**
 * An admin who logs in on behalf of the account's user (support staff without the customer's password). The
 * account stays `user` everywhere (snapshot, history, logs, report); only the login is the admin's. Without a
 * separator: SASL PLAIN with authzid = user (RFC 4616; Dovecot master users, Cyrus proxy authorization). With
 * one: the Dovecot master-user name `user<sep>authUser` in LOGIN / USER-PASS (or PLAIN without authzid).
 */
export interface AdminCredentials {
  readonly kind: 'admin';
  /** The customer's account, as the server knows it. */
  readonly user: string;
  /** The admin's own login name. */
  readonly authUser: string;
  /** The admin's password. */
  readonly password: string;
  /** Dovecot's auth_master_user_separator (often "*"): the master-user login name form instead of authzid. */
  readonly masterSeparator?: string;
}

export type Credentials = PasswordCredentials | AdminCredentials;

export function passwordCredentials(user: string, password: string): PasswordCredentials {
  return { kind: 'password', user, password };
}

export function adminCredentials(user: string, authUser: string, password: string, masterSeparator?: string): AdminCredentials {
  return { kind: 'admin', user, authUser, password, ...(masterSeparator !== undefined ? { masterSeparator } : {}) };
}

/** The identities of a login by name and password: who acts (authzid; '' = the one who logs in), who logs in, and the password. */
export interface PlainIdentities {
  authzid: string;
  authcid: string;
  password: string;
}

export function plainIdentities(c: PasswordCredentials | AdminCredentials): PlainIdentities {
  if (c.kind === 'password') return { authzid: '', authcid: c.user, password: c.password };
  if (c.masterSeparator !== undefined) return { authzid: '', authcid: `${c.user}${c.masterSeparator}${c.authUser}`, password: c.password };
  return { authzid: c.user, authcid: c.authUser, password: c.password };
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
 * "the user who authenticates"; an admin login puts the customer there.
 */
export function saslPlainResponse(c: PasswordCredentials | AdminCredentials): string {
  const { authzid, authcid, password } = plainIdentities(c);
  return Buffer.from(`${authzid}\0${authcid}\0${password}`, 'utf8').toString('base64');
}

/** Only SASL PLAIN carries an authorization identity: these credentials log in with nothing else. */
export function needsAuthzid(c: Credentials): boolean {
  return c.kind === 'admin' && c.masterSeparator === undefined;
}

/** Who logged in, without secrets, for the snapshot's account: nothing for the user's own login. */
export function loginShown(c: Credentials): { authUser?: string; masterSeparator?: string } {
  if (c.kind !== 'admin') return {};
  return { authUser: c.authUser, ...(c.masterSeparator !== undefined ? { masterSeparator: c.masterSeparator } : {}) };
}

/** Whether any secret would travel: a login with credentials that hold one. */
export function carriesSecret(c: Credentials): boolean {
  return secretsOf(c).length > 0;
}
