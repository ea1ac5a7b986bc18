// The local test mailbox: a real Dovecot that maildoctor's tests and `npm run demo` start on loopback, and a
// Cyrus IMAP beside it for cross-server tests. Implemented in ./dovecot.ts (start/stop/users), ./seed.ts
// (Maildir writing, LMTP delivery) and ./cyrus.ts.

export interface TestbedPorts {
  imap: number; // IMAP with STARTTLS
  imaps: number; // implicit TLS
  pop3: number; // POP3 with STLS
  pop3s: number; // implicit TLS
  lmtp: number; // LMTP (TCP, loopback) for real delivery
}

/** How a client reaches any testbed server (Dovecot, Cyrus): loopback listeners and the CA to trust. */
export interface TestbedEndpoints {
  host: '127.0.0.1';
  ports: TestbedPorts;
  /** PEM of the self-signed server certificate (SAN IP:127.0.0.1, IP:127.0.0.2, DNS:localhost). */
  caPem: string;
  caFile: string;
}

/** What a test process needs to reach a running testbed (JSON-serialisable, passed from globalSetup). */
export interface TestbedInfo extends TestbedEndpoints {
  /**
   * The same listeners reached on another loopback address. Dovecot treats a connection whose remote and local
   * IPs are equal (127.0.0.1 → 127.0.0.1) as secured and allows plaintext logins there; connecting to
   * 127.0.0.2 comes from 127.0.0.1, so Dovecot applies disable_plaintext_auth: IMAP announces LOGINDISABLED
   * and POP3 refuses USER/PASS before STARTTLS/STLS. The certificate covers this address too.
   */
  untrustedHost: '127.0.0.2';
  /** Root directory of this instance (config, users, mail homes, logs). */
  root: string;
  /** Dovecot's main log file (formats our log connector reads). */
  logFile: string;
  /** Directory holding one passwd-file per user. */
  usersDir: string;
  /** Directory under which each user's home lives: `${homesDir}/${user}`. */
  homesDir: string;
  /** Directory holding one passwd-file per master user (admins who log in on behalf of a user). */
  mastersDir: string;
}

export interface AddUserOptions {
  /** Defaults to a unique name. */
  user?: string;
  /** Defaults to a random password. */
  password?: string;
  /** Storage quota in bytes (Dovecot rule *:storage=…B); default 100 MiB. */
  quotaStorageBytes?: number;
  /** Message-count quota; default none. */
  quotaMessages?: number;
  /** Per-user override: pop3_lock_session = yes. */
  popLockSession?: boolean;
  /** Per-user overrides of other Dovecot settings (userdb extra fields), e.g. { pop3_uidl_format: '%g' }. */
  settings?: Record<string, string>;
}

/** A login on any testbed server. */
export interface TestAccount {
  user: string;
  password: string;
}

export interface TestUser extends TestAccount {
  home: string;
  /** `${home}/Maildir` */
  maildir: string;
}

export interface SeedMessage {
  /** INTERNALDATE (file mtime); default now. */
  date?: Date;
  /** IMAP system flags to set: \Seen \Answered \Flagged \Deleted \Draft. */
  flags?: string[];
  /** Keywords such as $Forwarded, $Junk (written to dovecot-keywords). */
  keywords?: string[];
  subject?: string;
  messageId?: string;
  from?: string;
  to?: string;
  /** Body size in bytes (approximate); default ~200. */
  bodyBytes?: number;
}
