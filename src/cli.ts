#!/usr/bin/env node
/**
 * `mapwatch <command>` (and `mapwatch --help`, `mapwatch --version`): each command lives in its own
 * module under ./cli/ and is loaded only when asked for, so `mapwatch rules` never pulls in the detector
 * and vice versa. Everything a command imports ships as a runtime dependency
 * (test/package/runtime-deps.test.ts checks the graph).
 * Exit codes: 0 success, 1 failure while running, 2 bad usage or bad input.
 */
import { runCli } from './cli/main.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`mapwatch: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
