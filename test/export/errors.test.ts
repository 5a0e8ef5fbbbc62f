import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectErrorReporter, describeError, reportOncePerMessage } from '../../src/export/errors.js';

/** A Proxy that throws on every trap a description could use. */
function hostileProxy(): object {
  const thrower = () => {
    throw new Error('trap');
  };
  return new Proxy({}, { get: thrower, has: thrower, getPrototypeOf: thrower, ownKeys: thrower });
}

describe('reportOncePerMessage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports each failure once, and remembers a bounded number of them', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const report = reportOncePerMessage('scrape');
    report('m', new Error('boom'));
    report('m', new Error('boom'));
    expect(write).toHaveBeenCalledTimes(1);
    // Messages that embed values are all distinct: past the bound they are no longer reported or kept.
    for (let i = 0; i < 1000; i++) report('m', new Error(`value ${i}`));
    expect(write).toHaveBeenCalledTimes(100);
  });

  it('reports any thrown value as one printable line, and never throws itself', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const report = reportOncePerMessage('scrape');
    const values: unknown[] = [
      Object.create(null),
      hostileProxy(),
      null,
      undefined,
      Symbol('s'),
      10n,
      'two\nlines\u001b[2J',
      Object.defineProperty(new Error(), 'message', {
        get() {
          throw new Error('getter');
        },
      }),
      { toString: () => ({}) },
    ];
    values.forEach((v, i) => expect(() => report(`metric_${i}`, v)).not.toThrow());
    expect(lines).toHaveLength(values.length);
    for (const line of lines)
      expect(line).toMatch(/^mapwatch: collecting metric_\d+ failed, skipped in this scrape: [^\n]+\n$/);
    expect(lines[6]).toContain('two lines [2J');
  });

  it('keeps nothing of a huge message but its first 300 characters', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const report = reportOncePerMessage('scrape');
    // 40 distinct 10 MB messages: remembered whole (or as views of the whole), that is 400 MB.
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) report('m', new Error(`${i}`.padEnd(10_000_000, 'x')));
    (globalThis as { gc?: () => void }).gc?.();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});

describe('describeError', () => {
  it.each([
    [new Error('boom'), 'boom'],
    [new TypeError('bad'), 'TypeError: bad'],
    ['text', 'text'],
    [null, 'null'],
    [undefined, 'undefined'],
    [42, '42'],
    [Object.create(null), 'a value that cannot be described (converting it to text throws)'],
    [{ message: 'cross-realm error' }, 'cross-realm error'],
    [{ toString: () => 'custom' }, 'custom'],
  ])('%s -> %j', (value, text) => {
    expect(describeError(value)).toBe(text);
  });

  it('never throws, and returns one bounded line without lone surrogates', () => {
    expect(describeError(hostileProxy())).toBe(
      'a value that cannot be described (converting it to text throws)',
    );
    const long = describeError(new Error('😀'.repeat(1000)));
    expect(long.length).toBeLessThanOrEqual(301);
    expect(long.endsWith('…')).toBe(true);
    expect(describeError('a\uD800b\nc')).toBe('a b c');
  });
});

describe('collectErrorReporter', () => {
  it('guards the handler and refuses one that is not a function', () => {
    const report = collectErrorReporter('scrape', () => {
      throw new Error('handler broken');
    });
    expect(() => report('m', new Error('x'))).not.toThrow();
    expect(() => collectErrorReporter('scrape', 'log' as never)).toThrow(/onError must be a function/);
  });
});
