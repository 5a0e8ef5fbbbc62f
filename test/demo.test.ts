/**
 * The demo starts with every scenario on and serves metrics: a detector or option change that breaks
 * its start-up fails here, in seconds, not only in the end-to-end run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../demo/scenarios.js';
import { METRICS } from '../src/conventions.js';

describe('demo/server.js', () => {
  it('starts with every scenario and serves /metrics and /debug/maps', async () => {
    const child = spawn(
      process.execPath,
      ['demo/server.js', '--port', '0', '--scenario', Object.keys(SCENARIOS).join(',')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      let base: string | undefined;
      for (let i = 0; i < 100 && !base; i++) {
        if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}:\n${out}`);
        base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (!base) await new Promise((r) => setTimeout(r, 100));
      }
      expect(base, out).toBeDefined();
      await new Promise((r) => setTimeout(r, 1500));
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`${METRICS.entries.name}{map_name="leaky-cache"`);
      expect(metrics).toContain(`${METRICS.lockWaiters.name}{map_name="ledger"}`);
      const report = (await (await fetch(`${base}/debug/maps.json`)).json()) as { maps: unknown[] };
      expect(report.maps.length).toBeGreaterThanOrEqual(Object.keys(SCENARIOS).length);
      expect(out).not.toMatch(/failed a step/);
      // Names every object inherits are no scenarios.
      for (const name of ['__proto__', 'constructor', 'toString']) {
        const res = await fetch(`${base}/scenario?set=${name}`, { method: 'POST' });
        expect(res.status, name).toBe(400);
        expect(((await res.json()) as { error: string }).error).toMatch(/^unknown scenario /);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses what it cannot run with exit 2 and a message: a busy port, an unknown scenario', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as { port: number };
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['demo/server.js', ...args], { encoding: 'utf8', timeout: 20_000 });
      const inUse = run('--port', String(port));
      expect(inUse.status, inUse.stderr).toBe(2);
      expect(inUse.stderr).toContain(`demo: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
      const unknown = run('--port', '0', '--scenario', 'constructor');
      expect(unknown.status, unknown.stderr).toBe(2);
      expect(unknown.stderr).toMatch(/unknown scenario constructor; choose from /);
    } finally {
      busy.close();
    }
  });
});
