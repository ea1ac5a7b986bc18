import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analyzer/index.js';
import { measuredFrom, recommend, renderRecommendation } from '../../src/report/index.js';
import { scenario } from '../support/snapshot-builder.js';

const calm = { quotaRatio: 0.2, quotaWarnRatio: 0.8, imapClientSeen: false, popClientSeen: false };

describe('recommend', () => {
  it('several devices → IMAP', () => {
    const r = recommend({ devices: 3 });
    expect(r.protocol).toBe('imap');
    expect(r.reasons[0]).toContain('3 devices');
  });

  it('one device that must work offline → POP3, with the one-device and backup caveats', () => {
    const r = recommend({ devices: 1, offline: true });
    expect(r.protocol).toBe('pop3');
    expect(r.reasons).toHaveLength(2);
    expect(r.caveats.join(' ')).toMatch(/this one device only/);
    expect(r.caveats.join(' ')).toMatch(/back it up/);
  });

  it('one device with a quota worry → POP3', () => {
    expect(recommend({ devices: 1, quotaConcern: true }).protocol).toBe('pop3');
  });

  it('one device alone is no reason to leave IMAP', () => {
    expect(recommend({ devices: 1 }).protocol).toBe('imap');
  });

  it('offline on one device, but no reliable backups or little storage → IMAP with an offline-mode caveat', () => {
    for (const answers of [{ devices: 1, offline: true, backupsReliable: false }, { devices: 1, offline: true, localStorageProblem: true }]) {
      const r = recommend(answers);
      expect(r.protocol).toBe('imap');
      expect(r.caveats.join(' ')).toMatch(/offline or cached mode/);
    }
  });

  it('several devices beat a quota worry; the caveat names what to clean', () => {
    const r = recommend({ devices: 2, quotaConcern: true });
    expect(r.protocol).toBe('imap');
    expect(r.caveats.join(' ')).toMatch(/Trash and Junk/);
  });

  it('no answers → IMAP as the safe default, saying what would sharpen it', () => {
    const r = recommend({});
    expect(r.protocol).toBe('imap');
    expect(r.caveats.join(' ')).toMatch(/how many devices/);
  });

  it('measured mixed use overrides "one device"', () => {
    const r = recommend({ devices: 1, offline: true }, { ...calm, imapClientSeen: true, popClientSeen: true });
    expect(r.protocol).toBe('imap');
    expect(r.reasons[0]).toMatch(/One device was named/);
  });

  it('measured quota pressure counts as a quota concern, with the number', () => {
    const r = recommend({ devices: 1 }, { ...calm, quotaRatio: 0.92 });
    expect(r.protocol).toBe('pop3');
    expect(r.reasons.join(' ')).toContain('92%');
  });

  it('reads the measurements from a snapshot and its analysis', () => {
    const mixed = scenario('mixed');
    expect(measuredFrom(mixed, analyze(mixed))).toEqual({ quotaRatio: (12 * 1024 * 1024) / 1024 ** 3, quotaWarnRatio: 0.8, imapClientSeen: true, popClientSeen: true });
    const pop = scenario('healthy-pop-only');
    expect(measuredFrom(pop)).toMatchObject({ imapClientSeen: false, popClientSeen: true });
    const a = analyze(pop, { options: { 'quota-near-limit': { warnRatio: 0.1 } } });
    expect(measuredFrom(pop, a).quotaWarnRatio).toBe(0.1);
  });

  it('renders as text and JSON', () => {
    const r = recommend({ devices: 1, offline: true });
    const text = renderRecommendation(r);
    expect(text.split('\n')[0]).toBe('Recommended protocol: POP3');
    expect(text).toContain('Why:');
    expect(text).toContain('Keep in mind:');
    const json = JSON.parse(renderRecommendation(r, 'json')) as { schema: string; protocol: string };
    expect(json).toMatchObject({ schema: 'maildoctor/recommendation@1', protocol: 'pop3' });
  });
});
