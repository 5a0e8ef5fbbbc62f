// Types of scripts/stack.mjs for the TypeScript tests that use it.
import type { ChildProcess } from 'node:child_process';

export interface ReceivedAlert {
  receivedAt: number;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface StackProcess {
  name: string;
  child: ChildProcess;
  logPath: string;
  log(): string;
  stop(): Promise<void>;
}

export interface Stack {
  dir: string;
  promUrl: string;
  amUrl: string;
  demoUrls: Record<string, string>;
  alerts: ReceivedAlert[];
  procs: StackProcess[];
  stop(): Promise<void>;
}

export function findBinary(name: string): string | undefined;
export type Engine = 'prometheus' | 'victoria-metrics';
/** The binaries of each engine, as [binary, Debian package]. */
export const ENGINE_BINARIES: Record<Engine, Array<[string, string]>>;
export function startStack(options?: {
  demos?: Array<{ job: string; scenarios: string; args?: string[] }>;
  engine?: Engine;
  onAlert?: (alert: ReceivedAlert) => void;
  log?: (line: string) => void;
}): Promise<Stack>;
export function promQuery(
  promUrl: string,
  expr: string,
): Promise<{
  resultType: string;
  result: Array<{ metric: Record<string, string>; value: [number, string] }>;
}>;
export function freePort(): Promise<number>;
export function waitReady(url: string, timeoutMs: number, what: string): Promise<void>;
export function startProcess(name: string, cmd: string, args: string[], logDir: string): StackProcess;
