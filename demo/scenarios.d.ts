// Types of demo/scenarios.js for the TypeScript test that starts the demo.
export const SCENARIOS: Record<string, string>;
export const TICK_MS: number;
export function createWorkloads(registry: unknown): { tick(active: Iterable<string>): void; keep: unknown[] };
