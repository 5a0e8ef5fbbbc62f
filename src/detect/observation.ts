/**
 * What the leak detector is fed and what it answers: the contract shared by the in-process monitor
 * (`startLeakDetection`, fed from the registry) and `mapwatch analyze` (fed from recorded series), so
 * that both reach the same verdicts on the same data.
 */
import type { LeakState } from '../conventions.js';

export type { LeakState } from '../conventions.js';

/**
 * One observation of a map (or of every live map with one name). Only `entries` is required; every
 * other field is evidence the detector uses when present and names as missing when it is not.
 */
export interface Observation {
  /** Live entries now. */
  readonly entries: number;
  /** Cumulative inserts (writes that added a key); resets are detected and corrected. */
  readonly inserts?: number | undefined;
  /** Cumulative deletes of every cause (explicit, clear, evict, expire). */
  readonly deletes?: number | undefined;
  /** Age in seconds of the oldest sampled entry still in the map (entry survival sampling). */
  readonly oldestAgeSeconds?: number | undefined;
  /** Declared bound: the most entries the map may hold. */
  readonly maxEntries?: number | undefined;
  /** Declared bound: the longest time an entry may stay, in seconds. */
  readonly ttlSeconds?: number | undefined;
}

export interface LeakVerdictDetail {
  readonly state: LeakState;
  /** True in the `leak` state only. */
  readonly suspect: boolean;
  /** Growth of the entry floor over the evidence window, entries per second (0 while collecting). */
  readonly growthPerSecond: number;
  /** One line a person can act on: the evidence for the state, and what evidence is missing. */
  readonly reason: string;
}

/** One name as the monitor sees it at one instant: its map series and its live instance count. */
export interface NameObservation extends Observation {
  /** Live map objects with this name; fed as a series of its own (a growing count is a leak too). */
  readonly instances?: number | undefined;
}
