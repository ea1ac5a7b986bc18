import { describe, expect, it } from 'vitest';
import { classifyNetworkError, oneLine } from '../src/connectors/common.js';
import { scrub } from '../src/snapshot/scrub.js';

describe('scrub', () => {
  it('hides the password and its base64 form', () => {
    const pw = 'hunter22';
    const text = `server said: bad ${pw} and ${Buffer.from(pw).toString('base64')}`;
    expect(scrub(text, pw)).toBe('server said: bad *** and ***');
  });

  it('does not mangle the host name when a short password occurs inside it', () => {
    const msg = 'cannot resolve host name of nonexistent.invalid:993; server echoed x';
    expect(scrub(msg, 'x', ['nonexistent.invalid:993', 'nonexistent.invalid'])).toBe(
      'cannot resolve host name of nonexistent.invalid:993; server echoed ***',
    );
  });

  it('still hides a password that contains a protected word', () => {
    const pw = 'mail.example.com!';
    expect(scrub(`login mail.example.com!`, pw, ['mail.example.com'])).toBe('login ***');
  });

  it('treats regular-expression characters in protected words literally', () => {
    expect(scrub('a+b (x) a+b', 'x', ['a+b (x)'])).toBe('a+b (x) a+b');
    expect(scrub('axb x', 'x', ['a.b'])).toBe('a***b ***');
  });
});

describe('classifyNetworkError', () => {
  it.each([
    ['ENOTFOUND', 'dns'],
    ['ECONNREFUSED', 'refused'],
    ['ETIMEDOUT', 'timeout'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ECONNRESET', 'unreachable'],
    ['EHOSTUNREACH', 'unreachable'],
  ])('%s is %s', (code, kind) => {
    const err = Object.assign(new Error(`boom ${code}`), { code });
    const e = classifyNetworkError(err, 'connect', 'h:1');
    expect(e.kind).toBe(kind);
    expect(e.code).toBe(code);
    expect(e.message).not.toContain('\n');
  });
});

describe('oneLine', () => {
  it('flattens control characters and bounds the length', () => {
    expect(oneLine('a\r\nb\u0007c')).toBe('a b?c');
    expect(oneLine('x'.repeat(300))).toHaveLength(200);
  });
});
