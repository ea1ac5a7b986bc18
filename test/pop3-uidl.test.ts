import { describe, expect, it } from 'vitest';
import { mapUidls, serverFamily } from '../src/connectors/pop3/uidl.js';

const V = 0x6b082d2e; // 1795697966
const h8 = (x: number) => x.toString(16).padStart(8, '0');
const dovecot = (uid: number, v = V) => `${h8(uid)}${h8(v)}`;
const uw = (uid: number, v = V) => `${h8(v)}${h8(uid)}`;

describe('mapUidls', () => {
  it('no UIDL at all is "none"', () => {
    expect(mapUidls(null)).toEqual({ uidlFormat: 'none', uidlMap: null });
  });

  it('reads Dovecot %08Xu%08Xv (the facts example: UID 100000)', () => {
    expect(mapUidls(['000186a06b082d2e'])).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids: [100000] } });
  });

  it('tells Dovecot from UW by consistency with two or more messages, whatever the hints say', () => {
    const uids = [3, 4, 10, 11, 4000];
    expect(mapUidls(uids.map((u) => dovecot(u)))).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids } });
    expect(mapUidls(uids.map((u) => uw(u)))).toEqual({ uidlFormat: 'uw', uidlMap: { uidValidity: String(V), uids } });
    // Dovecot configured UW-compatible (and Dovecot 1.x by default) writes the UW layout.
    expect(mapUidls(uids.map((u) => uw(u)), { greeting: 'Dovecot ready.' }).uidlFormat).toBe('uw');
    expect(mapUidls(['000000016B082D2E', '000000026B082D2E']).uidlMap!.uids).toEqual([1, 2]);
  });

  it('decides a single 16-hex UIDL by the server name, else by the smaller UID', () => {
    const one = [dovecot(7)];
    expect(mapUidls(one, { greeting: 'Dovecot ready.' })).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids: [7] } });
    expect(mapUidls(one, { implementation: 'Dovecot' }).uidlFormat).toBe('dovecot');
    expect(mapUidls(one, { greeting: 'POP3 [127.0.0.1] v2007f.104 server ready' })).toEqual({
      uidlFormat: 'uw',
      uidlMap: { uidValidity: '7', uids: [V] },
    });
    expect(mapUidls(one).uidlFormat).toBe('dovecot');
    expect(mapUidls([uw(7)])).toEqual({ uidlFormat: 'uw', uidlMap: { uidValidity: String(V), uids: [7] } });
  });

  it('maps the messages of the majority UIDVALIDITY and leaves foreign UIDLs unmapped', () => {
    const uidls = [dovecot(1, 12345), dovecot(5), dovecot(6), dovecot(9)];
    expect(mapUidls(uidls)).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids: [null, 5, 6, 9] } });
    const mixed = ['legacy-uidl-1', 'legacy-uidl-2', dovecot(3), dovecot(4), dovecot(5)];
    expect(mapUidls(mixed)).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids: [null, null, 3, 4, 5] } });
  });

  it('gives up when no reading fits most messages', () => {
    // Every message with its own UIDVALIDITY, read either way.
    expect(mapUidls([dovecot(1, 1), dovecot(2, 2), dovecot(3, 3)])).toEqual({ uidlFormat: 'unknown', uidlMap: null });
    expect(mapUidls(['00000001000000010', 'abc', 'def']).uidlFormat).toBe('unknown');
    expect(mapUidls(['0000000000000000', '0000000000000000']).uidlFormat).toBe('unknown'); // UID 0 / UIDVALIDITY 0
  });

  it('reads Cyrus %v.%u', () => {
    expect(mapUidls(['1700000000.1', '1700000000.2', '1700000000.17'])).toEqual({
      uidlFormat: 'cyrus',
      uidlMap: { uidValidity: '1700000000', uids: [1, 2, 17] },
    });
  });

  it('reads Courier %v-%u', () => {
    expect(mapUidls(['1234-1', '1234-3'])).toEqual({ uidlFormat: 'courier', uidlMap: { uidValidity: '1234', uids: [1, 3] } });
  });

  it('recognises Gmail and maps nothing', () => {
    expect(mapUidls(['GmailId18c2f5e3a4b1c0d2', 'GmailId18c2f5e3a4b1c0d3'])).toEqual({ uidlFormat: 'gmail', uidlMap: null });
  });

  it('anything else is unknown', () => {
    expect(mapUidls(['1700000000.M1P2.host', '1700000001.M3P4.host'])).toEqual({ uidlFormat: 'unknown', uidlMap: null });
    expect(mapUidls(['a', 'b'])).toEqual({ uidlFormat: 'unknown', uidlMap: null });
  });

  it('an empty mailbox has a format only when the server names itself', () => {
    expect(mapUidls([])).toEqual({ uidlFormat: 'unknown', uidlMap: null });
    expect(mapUidls([], { greeting: 'Dovecot ready.' })).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: null, uids: [] } });
    expect(mapUidls([], { implementation: 'Cyrus POP3 3.6.1' })).toEqual({ uidlFormat: 'cyrus', uidlMap: { uidValidity: null, uids: [] } });
    expect(mapUidls([], { greeting: 'Gpop ready for requests from 192.0.2.1' })).toEqual({ uidlFormat: 'gmail', uidlMap: null });
  });

  it('a message without a UIDL gets a null UID', () => {
    expect(mapUidls([dovecot(1), null, dovecot(3)])).toEqual({ uidlFormat: 'dovecot', uidlMap: { uidValidity: String(V), uids: [1, null, 3] } });
  });

  it('maps 100k Dovecot UIDLs', () => {
    const uidls = Array.from({ length: 100_000 }, (_, i) => dovecot(i + 1));
    const t0 = performance.now();
    const r = mapUidls(uidls);
    const t = performance.now() - t0;
    expect(r.uidlFormat).toBe('dovecot');
    expect(r.uidlMap!.uids.every((u, i) => u === i + 1)).toBe(true);
    console.log(`[measure] mapUidls: 100k Dovecot UIDLs in ${t.toFixed(1)} ms`);
  });
});

describe('serverFamily', () => {
  it.each([
    [{ greeting: 'Dovecot ready.' }, 'dovecot'],
    [{ greeting: 'Dovecot (Ubuntu) ready.' }, 'dovecot'],
    [{ implementation: 'Cyrus POP3 v3.6.1' }, 'cyrus'],
    [{ greeting: 'Hello there.' , implementation: 'Courier-IMAP' }, 'courier'],
    [{ greeting: 'Gpop ready for requests from 192.0.2.1 abc' }, 'gmail'],
    [{ greeting: 'POP3 localhost v2007f.104 server ready' }, 'uw'],
    [{ hint: 'dovecot' }, 'dovecot'],
    [{ greeting: 'POP3 server ready <1896.697170952@example>' }, null],
  ] as const)('%j → %s', (hints, family) => {
    expect(serverFamily(hints)).toBe(family);
  });
});
