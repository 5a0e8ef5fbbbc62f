/**
 * `mapwatch analyze --prometheus URL`: the selector and range plumbing, and error handling against small
 * fake servers on 127.0.0.1 (analyze-prometheus-real.test.ts runs the whole path on a real Prometheus).
 * Every server listens on 127.0.0.1 with a free port and is stopped after its tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack.mjs';
import { cli, expectRefused } from '../helpers/analyze-cli.js';
import {
  DEFAULT_SELECTOR,
  MAX_POINTS_PER_REQUEST,
  buildSelector,
  familyNameMatcher,
  parseDuration,
  parseTime,
  planChunks,
} from '../../src/cli/prometheus-source.js';
import { METRICS } from '../../src/conventions.js';
import type { AnalyzeJsonRow } from '../../src/cli/analyze.js';

type JsonRow = AnalyzeJsonRow;

describe('selector, durations and chunks', () => {
  it('builds the default selector from METRICS and adds the user matchers', () => {
    const names = [
      METRICS.entries,
      METRICS.inserts,
      METRICS.deletes,
      METRICS.oldestSampledAge,
      METRICS.sampledNeverRead,
      METRICS.instances,
      METRICS.declaredMaxEntries,
      METRICS.declaredTtl,
    ].map((m) => m.name);
    const m = /^__name__=~"(.*)"$/.exec(familyNameMatcher())!;
    const re = new RegExp(`^(?:${m[1]})$`);
    for (const n of names) expect(n).toMatch(re);
    expect(METRICS.lookups.name).not.toMatch(re);
    expect(DEFAULT_SELECTOR).toBe(
      '{__name__=~"mapwatch_map_(entries|inserts_total|deletes_total|oldest_sampled_age_seconds|sampled_never_read_ratio|instances|declared_max_entries|declared_ttl_seconds)"}',
    );
    expect(buildSelector(undefined)).toBe(DEFAULT_SELECTOR);
    expect(buildSelector('{}')).toBe(DEFAULT_SELECTOR);
    expect(buildSelector(' {job="api", map_name=~"s.*",} ')).toBe(
      `{${familyNameMatcher()},job="api", map_name=~"s.*"}`,
    );
  });

  it('reads durations and times', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('60')).toBe(60_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    for (const bad of ['', 'h', '5 hours', '-1h', '1.5h', '1e3']) expect(parseDuration(bad)).toBeUndefined();
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseTime('tomorrow')).toBeUndefined();
  });

  it('cuts a range into contiguous requests of at most 11,000 points on the step grid', () => {
    const start = 1_700_000_000_000;
    const step = 5_000;
    const end = start + 30 * 3_600_000; // 21,601 points
    const chunks = planChunks(start, end, step);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]!.startMs).toBe(start);
    expect(chunks[chunks.length - 1]!.endMs).toBe(end);
    let points = 0;
    chunks.forEach((c, i) => {
      const n = (c.endMs - c.startMs) / step + 1;
      expect(n).toBeLessThanOrEqual(MAX_POINTS_PER_REQUEST);
      expect(Number.isInteger(n)).toBe(true);
      if (i > 0) expect(c.startMs).toBe(chunks[i - 1]!.endMs + step);
      points += n;
    });
    expect(points).toBe(21_601);
    expect(planChunks(start, start, step)).toEqual([{ startMs: start, endMs: start }]);
  });
});

/** A throwaway HTTP server on 127.0.0.1; `handler` sees each request with its form body parsed. */
async function fakeServer(
  handler: (req: IncomingMessage, form: URLSearchParams, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      if (body.length < 100_000) body += c.toString('utf8');
    });
    req.on('end', () => handler(req, new URLSearchParams(body), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('--prometheus against fake servers', () => {
  it('exits 2 on an HTTP error page that is not JSON', async () => {
    const s = await fakeServer((_req, _form, res) => res.writeHead(502).end('<html>Bad Gateway\n</html>'));
    try {
      expectRefused(
        await cli(['--prometheus', s.url]),
        /answered HTTP 502 with a body that is not JSON \("<html>Bad Gateway <\/html>"\); is --prometheus the Prometheus base URL\?/,
      );
    } finally {
      await s.close();
    }
  });

  it('exits 2 with the Prometheus error on HTTP 400 and on a 200 with status error', async () => {
    const body = JSON.stringify({
      status: 'error',
      errorType: 'bad_data',
      error: '1:2: parse error:\nunexpected',
    });
    for (const status of [400, 200]) {
      const s = await fakeServer((_req, _form, res) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(body),
      );
      try {
        expectRefused(
          await cli(['--prometheus', s.url]),
          new RegExp(
            `answered HTTP ${status}, status "error" \\(bad_data: 1:2: parse error: unexpected\\); check --selector`,
          ),
        );
      } finally {
        await s.close();
      }
    }
  });

  it('gives up after --timeout when the server never answers', async () => {
    const s = await fakeServer(() => {
      /* never answers */
    });
    try {
      const r = await cli(['--prometheus', s.url, '--timeout', '1s']);
      expectRefused(r, /did not answer within 1 s; check the URL, or raise --timeout/);
      expect(r.ms).toBeLessThan(5000);
    } finally {
      await s.close();
    }
  });

  it('gives up after --timeout when the body stalls half way', async () => {
    const s = await fakeServer((_req, _form, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success","data":{"resultType":"matrix","result":[');
    });
    try {
      expectRefused(await cli(['--prometheus', s.url, '--timeout', '1s']), /did not answer within 1 s/);
    } finally {
      await s.close();
    }
  });

  it('stops reading an answer over --max-input-mb', async () => {
    const s = await fakeServer((_req, _form, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(65_536);
      let sent = 0;
      const pump = (): void => {
        while (sent < 4_000_000) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    try {
      expectRefused(
        await cli(['--prometheus', s.url, '--max-input-mb', '1']),
        /sent more than 1048576 bytes; narrow --selector, shorten --range or raise --step/,
      );
    } finally {
      await s.close();
    }
  });

  it('exits 2 when nothing listens', async () => {
    const port = await freePort();
    expectRefused(
      await cli(['--prometheus', `http://127.0.0.1:${port}`]),
      /cannot reach Prometheus at http:\/\/127.0.0.1:\d+\/api\/v1\/query_range: .*ECONNREFUSED/,
    );
  });

  it('posts the combined selector and fetches a long range in chunks of at most 11,000 points', async () => {
    const requests: URLSearchParams[] = [];
    const paths: string[] = [];
    const s = await fakeServer((req, form, res) => {
      requests.push(form);
      paths.push(`${req.method} ${req.url}`);
      const start = Number(form.get('start'));
      const end = Number(form.get('end'));
      const step = Number(form.get('step'));
      const n = Math.round((end - start) / step) + 1;
      if (n > 11_000) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: 'error',
            errorType: 'bad_data',
            error: 'exceeded maximum resolution of 11,000 points per timeseries',
          }),
        );
        return;
      }
      const values = Array.from({ length: n }, (_, i) => [
        start + i * step,
        String(1000 + Math.floor((start + i * step) / 3600)),
      ]);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              { metric: { __name__: METRICS.entries.name, map_name: 'a', map_kind: 'plain' }, values },
              { metric: { __name__: METRICS.inserts.name, map_name: 'a' }, values },
            ],
          },
          warnings: ['a test warning'],
        }),
      );
    });
    try {
      const r = await cli([
        '--prometheus',
        `${s.url}/prom/`,
        '--selector',
        '{job="api"}',
        '--range',
        '30h',
        '--step',
        '5s',
        '--end',
        '1700000000',
        '--json',
      ]);
      expect(r.code, r.err).toBe(0);
      expect(requests).toHaveLength(2);
      expect(paths).toEqual(['POST /prom/api/v1/query_range', 'POST /prom/api/v1/query_range']);
      expect(requests[0]!.get('query')).toBe(`{${familyNameMatcher()},job="api"}`);
      expect(requests[0]!.get('step')).toBe('5');
      expect(requests[0]!.get('start')).toBe(String(1_700_000_000 - 30 * 3600));
      expect(requests[1]!.get('end')).toBe('1700000000');
      expect(Number(requests[1]!.get('start'))).toBe(Number(requests[0]!.get('end')) + 5);
      const rows = JSON.parse(r.out) as JsonRow[];
      expect(rows.map((x) => x.series)).toEqual([{ map_name: 'a' }]);
      expect(r.err).toMatch(/note: Prometheus warning: a test warning/);
    } finally {
      await s.close();
    }
  });
});
