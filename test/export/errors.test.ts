import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportOncePerMessage } from '../../src/export/errors.js';

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
});
