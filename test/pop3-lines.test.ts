import { describe, expect, it } from 'vitest';
import { Pop3Error } from '../src/connectors/pop3/errors.js';
import { LineSplitter, parseStatusLine, ReplyReader, type Reply } from '../src/connectors/pop3/lines.js';

function split(chunks: Buffer[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), max);
  for (const c of chunks) s.push(c);
  return out;
}

/** All ways to cut `text` into two chunks, plus byte by byte. */
function cuttings(text: string): Buffer[][] {
  const b = Buffer.from(text, 'utf8');
  const ways: Buffer[][] = [[b]];
  for (let i = 1; i < b.length; i++) ways.push([b.subarray(0, i), b.subarray(i)]);
  ways.push([...b].map((x) => Buffer.from([x])));
  return ways;
}

describe('LineSplitter', () => {
  it('gives the same lines however the bytes are cut (CRLF, lone LF, UTF-8, empty lines)', () => {
    const text = '+OK Dovecot ready.\r\n+OK\r\nSASL PLAIN\r\n\r\nlone-lf\nIMPLEMENTATION Grüße ✓\r\n.\r\n';
    const want = ['+OK Dovecot ready.', '+OK', 'SASL PLAIN', '', 'lone-lf', 'IMPLEMENTATION Grüße ✓', '.'];
    for (const chunks of cuttings(text)) expect(split(chunks)).toEqual(want);
  });

  it('keeps an unfinished line until its end arrives', () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.push(Buffer.from('+OK 2 3'));
    expect(out).toEqual([]);
    expect(s.partialBytes).toBe(7);
    s.push(Buffer.from('0\r'));
    expect(out).toEqual([]);
    s.push(Buffer.from('\n1 a\r\n2'));
    expect(out).toEqual(['+OK 2 30', '1 a']);
    expect(s.partialBytes).toBe(1);
  });

  it('rejects a line longer than the bound, also before its end arrives', () => {
    expect(() => split([Buffer.from(`${'x'.repeat(11)}\r\n`)], 10)).toThrow(Pop3Error);
    expect(split([Buffer.from(`${'x'.repeat(10)}\r\n`)], 10)).toEqual(['x'.repeat(10)]);
    const s = new LineSplitter(() => undefined, 10);
    expect(() => {
      for (let i = 0; i < 20; i++) s.push(Buffer.from('y'));
    }).toThrow(/longer than 10 bytes/);
  });
});

describe('parseStatusLine', () => {
  it.each([
    ['+OK', { status: 'ok', text: '', code: null }],
    ['+OK Dovecot ready.', { status: 'ok', text: 'Dovecot ready.', code: null }],
    ['+ok lower case', { status: 'ok', text: 'lower case', code: null }],
    ['-ERR [IN-USE] Mailbox is locked by another POP3 session.', { status: 'err', text: 'Mailbox is locked by another POP3 session.', code: 'IN-USE' }],
    ['-ERR [sys/temp] try later', { status: 'err', text: 'try later', code: 'SYS/TEMP' }],
    ['-ERR [LOGIN-DELAY] wait', { status: 'err', text: 'wait', code: 'LOGIN-DELAY' }],
    ['-ERR', { status: 'err', text: '', code: null }],
    ['+ ', { status: 'continue', text: '', code: null }],
    ['+', { status: 'continue', text: '', code: null }],
    // Unicode line and paragraph separators are text like any other (a property test found "+OK \u2028" refused).
    ['+OK \u2028', { status: 'ok', text: '\u2028', code: null }],
    ['-ERR [IN-USE] locked\u2029 by x', { status: 'err', text: 'locked\u2029 by x', code: 'IN-USE' }],
  ] as const)('%s', (line, want) => {
    expect(parseStatusLine(line)).toEqual({ line, ...want });
  });

  it.each(['HTTP/1.1 400 Bad Request', '* OK IMAP4rev1', '+OKAY', '-ERROR x', ''])('rejects %j', (line) => {
    expect(parseStatusLine(line)).toBeNull();
  });
});

describe('ReplyReader', () => {
  const reply = (body: string[] | null, line = '+OK'): Reply => ({ ...parseStatusLine(line)!, body });

  it('reads multi-line replies with dot-unstuffing, cut anywhere', async () => {
    const text = '+OK\r\n1 aaa\r\n..hidden\r\n...\r\n.x\r\n\r\n.\r\n+OK after\r\n';
    for (const chunks of cuttings(text)) {
      const r = new ReplyReader();
      const first = r.read(true);
      for (const c of chunks) r.push(c);
      expect(await first).toEqual(reply(['1 aaa', '.hidden', '..', 'x', '']));
      expect(await r.read(false)).toEqual(reply(null, '+OK after'));
    }
  });

  it('queues lines that arrive before the read and reads -ERR as one line even when a body was expected', async () => {
    const r = new ReplyReader();
    r.push(Buffer.from('-ERR [SYS/TEMP] no\r\n+OK\r\n.\r\n'));
    expect(await r.read(true)).toEqual(reply(null, '-ERR [SYS/TEMP] no'));
    expect(await r.read(true)).toEqual(reply([]));
    expect(r.bufferedBytes).toBe(0);
  });

  it('fails a pending read when the stream ends, but still serves what was complete', async () => {
    const r = new ReplyReader();
    r.push(Buffer.from('+OK done\r\n+OK\r\n1 a\r\n'));
    r.end(new Error('closed'));
    expect(await r.read(false)).toEqual(reply(null, '+OK done'));
    await expect(r.read(true)).rejects.toThrow('closed');
  });

  it('fails on a garbage status line and on an overlong line', async () => {
    const r = new ReplyReader();
    const p = r.read(false);
    r.push(Buffer.from('HELLO\r\n'));
    await expect(p).rejects.toMatchObject({ kind: 'protocol' });
    const r2 = new ReplyReader(100);
    const p2 = r2.read(true);
    r2.push(Buffer.from(`+OK\r\n${'z'.repeat(200)}`));
    await expect(p2).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/longer than 100 bytes/) as unknown });
  });

  it('fails a multi-line reply beyond the size bound', async () => {
    const r = new ReplyReader(1000, 50);
    const p = r.read(true);
    r.push(Buffer.from('+OK\r\n'));
    for (let i = 0; i < 10; i++) r.push(Buffer.from(`${i} 0123456789\r\n`));
    await expect(p).rejects.toMatchObject({ kind: 'protocol', message: expect.stringMatching(/longer than 50 bytes/) as unknown });
  });

  it('reads a 100k-line reply delivered in 1 KiB chunks', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `${i + 1} ${(i + 1).toString(16).padStart(8, '0')}6b082d2e`);
    const wire = Buffer.from(`+OK\r\n${lines.join('\r\n')}\r\n.\r\n`);
    const r = new ReplyReader();
    const p = r.read(true);
    const t0 = performance.now();
    for (let i = 0; i < wire.length; i += 1024) r.push(wire.subarray(i, i + 1024));
    const got = await p;
    const t = performance.now() - t0;
    expect(got.body).toHaveLength(100_000);
    expect(got.body![99_999]).toBe(lines[99_999]);
    console.log(`[measure] ReplyReader: 100k UIDL lines (${(wire.length / 1e6).toFixed(1)} MB, 1 KiB chunks) in ${t.toFixed(1)} ms`);
  });
});
