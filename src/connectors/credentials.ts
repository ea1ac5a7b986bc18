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

/** The SASL mechanisms that carry an OAuth2 bearer token (RFC 7628, and Google's and Microsoft's XOAUTH2). */
export const OAUTH2_MECHANISMS = ['OAUTHBEARER', 'XOAUTH2'] as const;
export type OAuth2Mechanism = (typeof OAUTH2_MECHANISMS)[number];

/** A user name and an OAuth2 access token: SASL OAUTHBEARER or XOAUTH2 on IMAP and POP3. */
export interface OAuth2Credentials {
  readonly kind: 'oauth2';
  readonly user: string;
  /** The access token as resolved (the first connection uses it). */
  readonly token: string;
  /** Forced with --oauth2-mechanism; else chosen from the server's capabilities (OAUTHBEARER first). */
  readonly mechanism?: OAuth2Mechanism;
  /**
   * Where the token came from, read again for each later connection (a token file or command: the token may
   * have expired or been renewed since). Absent: the token is fixed (the environment, the library API).
   */
  readonly reread?: () => Promise<string>;
  /**
   * After a server refused the token: refresh it with the token file's refresh token (written back), so that
   * `reread` gives the new one. Throws why not (no refresh token, the refresh refused). Absent: nothing to renew.
   */
  readonly renew?: () => Promise<string>;
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

export type Credentials = PasswordCredentials | OAuth2Credentials | AdminCredentials;

export function passwordCredentials(user: string, password: string): PasswordCredentials {
  return { kind: 'password', user, password };
}

export function oauth2Credentials(user: string, token: string, mechanism?: OAuth2Mechanism): OAuth2Credentials {
  return { kind: 'oauth2', user, token, ...(mechanism ? { mechanism } : {}) };
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
 * the SASL PLAIN response a password login sends: a server that echoes it would otherwise pass on the password,
 * encoded.
 */
export function secretsOf(c: Credentials): string[] {
  if (c.kind === 'oauth2') return tokenSecrets(c);
  return c.password ? [c.password, saslPlainResponse(c)] : [];
}

/**
 * The token, the SASL payloads around it, and the base64 of the token at each of the three offsets it can have
 * inside a longer base64 text (a SASL line we did not build ourselves, such as imapflow's OAUTHBEARER with host
 * and port): the inner part of each shifted encoding, which does not depend on the bytes around the token.
 */
function tokenSecrets(c: OAuth2Credentials): string[] {
  if (!c.token) return [];
  const out = [c.token, ...OAUTH2_MECHANISMS.map((m) => oauth2Payload(m, c.user, c.token))];
  for (const shift of [1, 2]) {
    const b64 = Buffer.from(`${'\0'.repeat(shift)}${c.token}`, 'utf8').toString('base64');
    // The first 4 characters mix the filler with the token, the last 4 whatever follows it.
    const inner = b64.slice(4, -4);
    if (inner.length >= 16) out.push(inner);
  }
  const own = Buffer.from(c.token, 'utf8').toString('base64').slice(0, -4);
  if (own.length >= 16) out.push(own);
  return out;
}

/** A word for the secret these credentials carry, for messages ("not sending the access token without TLS"). */
export function secretNoun(c: Credentials): string {
  return c.kind === 'oauth2' ? 'access token' : 'password';
}

/** RFC 5801 §4 saslname: "," and "=" are written =2C and =3D ("=" first). */
function saslName(value: string): string {
  return value.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The SASL initial response of an OAuth2 mechanism, before base64: OAUTHBEARER (RFC 7628 §3.1) is a GS2 header
 * naming the user, then "auth=Bearer TOKEN", each field ended by ^A and the message by a second ^A; XOAUTH2 (Google,
 * Microsoft) is "user=USER^Aauth=Bearer TOKEN^A^A".
 */
export function oauth2Payload(mechanism: OAuth2Mechanism, user: string, token: string): string {
  return mechanism === 'OAUTHBEARER' ? `n,a=${saslName(user)},\x01auth=Bearer ${token}\x01\x01` : `user=${user}\x01auth=Bearer ${token}\x01\x01`;
}

/** The same, base64 as it goes on the wire. */
export function oauth2Response(mechanism: OAuth2Mechanism, user: string, token: string): string {
  return Buffer.from(oauth2Payload(mechanism, user, token), 'utf8').toString('base64');
}

/**
 * What answers the server's error challenge to end the exchange: RFC 7628 §3.2.3 wants a single ^A for
 * OAUTHBEARER (base64 "AQ=="); XOAUTH2 as Google and Microsoft document it takes an empty response.
 */
export function oauth2ErrorAnswer(mechanism: OAuth2Mechanism): string {
  return mechanism === 'OAUTHBEARER' ? 'AQ==' : '';
}

/** A user name or token that cannot be framed as one SASL field (a control character ends the field early). */
export function oauth2Unframeable(user: string, token: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1f\x7f]/.test(user) || /[\x00-\x20\x7f]/.test(token);
}

/**
 * The mechanism these credentials use with a server that offers `offered` (upper-case SASL names): the forced
 * one when offered, else OAUTHBEARER, else XOAUTH2. null when none fits.
 */
export function chooseOAuth2Mechanism(c: OAuth2Credentials, offered: (mechanism: OAuth2Mechanism) => boolean): OAuth2Mechanism | null {
  if (c.mechanism) return offered(c.mechanism) ? c.mechanism : null;
  return OAUTH2_MECHANISMS.find((m) => offered(m)) ?? null;
}

/** Why no OAuth2 mechanism fits, in words ("offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2"). */
export function noOAuth2Mechanism(c: OAuth2Credentials, prefix: string): string {
  return c.mechanism ? `does not offer ${prefix}${c.mechanism} (forced with --oauth2-mechanism)` : `offers neither ${prefix}OAUTHBEARER nor ${prefix}XOAUTH2`;
}

/** What a server's OAuth2 error challenge said (RFC 7628 §3.2.2: a base64 JSON object), each field one short line. */
export interface OAuth2Refusal {
  mechanism: OAuth2Mechanism;
  status?: string;
  scope?: string;
  schemes?: string;
}

/** The fields of a base64 JSON error challenge, or {} when it is not one. Values are cut to one short line. */
export function decodeOAuth2Challenge(challenge: string): Omit<OAuth2Refusal, 'mechanism'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(challenge.trim(), 'base64').toString('utf8'));
  } catch {
    return {};
  }
  return oauth2ErrorFields(parsed);
}

/** The status, scope and schemes of an already decoded error object (imapflow hands it so). */
export function oauth2ErrorFields(parsed: unknown): Omit<OAuth2Refusal, 'mechanism'> {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const o = parsed as Record<string, unknown>;
  const out: Omit<OAuth2Refusal, 'mechanism'> = {};
  for (const key of ['status', 'scope', 'schemes'] as const) {
    const v = o[key];
    if (typeof v === 'string' || typeof v === 'number') {
      // eslint-disable-next-line no-control-regex
      const line = String(v).replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 300);
      if (line) out[key] = line;
    }
  }
  return out;
}

/** The refusal in words: "status invalid_token, scope https://mail.google.com/, schemes bearer". */
export function describeOAuth2Refusal(r: Omit<OAuth2Refusal, 'mechanism'>): string {
  return (['status', 'scope', 'schemes'] as const)
    .filter((k) => r[k] !== undefined)
    .map((k) => `${k} ${r[k]}`)
    .join(', ');
}

/**
 * The credentials for a new connection: a token with a source is read again (the first connection gets the token
 * as resolved). Should reading fail, the token read before is used, and the server decides.
 */
export async function forConnection(c: Credentials): Promise<Credentials> {
  if (c.kind !== 'oauth2' || !c.reread) return c;
  try {
    const token = await c.reread();
    return token && token !== c.token ? { ...c, token } : c;
  } catch {
    return c;
  }
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
