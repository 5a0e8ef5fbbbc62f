import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMetricsDoc } from '../src/conventions-doc.js';

const DOC = new URL('../docs/metrics.md', import.meta.url);

describe('docs/metrics.md', () => {
  it('is what the conventions module renders (run `npm run docs` after changing it)', () => {
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, renderMetricsDoc());
    expect(readFileSync(DOC, 'utf8')).toBe(renderMetricsDoc());
  });
});
