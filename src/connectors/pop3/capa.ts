// CAPA (RFC 2449) lines as facts: one capability per line, a tag then space-separated arguments.

export interface Pop3Capabilities {
  /** Capability tags, upper-cased: TOP, UIDL, STLS, USER, SASL, RESP-CODES, ... */
  tags: Set<string>;
  /** SASL mechanisms, upper-cased (empty when none are offered). */
  sasl: string[];
  implementation: string | null;
  /** 'NEVER' or a number of days as a string; null when not announced. */
  expire: string | null;
  /** EXPIRE / LOGIN-DELAY carried the USER argument (pre-login: the value varies per user). */
  expirePerUser: boolean;
  loginDelaySeconds: number | null;
}

export function parseCapa(lines: readonly string[] | null): Pop3Capabilities {
  const caps: Pop3Capabilities = {
    tags: new Set(),
    sasl: [],
    implementation: null,
    expire: null,
    expirePerUser: false,
    loginDelaySeconds: null,
  };
  for (const raw of lines ?? []) {
    const line = raw.trim();
    if (!line) continue;
    const [tagRaw, ...args] = line.split(/\s+/);
    const tag = tagRaw!.toUpperCase();
    caps.tags.add(tag);
    switch (tag) {
      case 'SASL':
        caps.sasl.push(...args.map((a) => a.toUpperCase()));
        break;
      case 'IMPLEMENTATION':
        caps.implementation = line.slice(tagRaw!.length).trim() || null;
        break;
      case 'EXPIRE':
        if (args[0]) caps.expire = /^never$/i.test(args[0]) ? 'NEVER' : args[0];
        if (args[1] && /^user$/i.test(args[1])) caps.expirePerUser = true;
        break;
      case 'LOGIN-DELAY':
        if (args[0] && /^\d+$/.test(args[0])) caps.loginDelaySeconds = Number(args[0]);
        break;
    }
  }
  return caps;
}
