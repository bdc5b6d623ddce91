/**
 * What the transition process (bench/transition-process.ts) measures and reports to the
 * benchmark (bench/run.ts), which reads it from the process's output.
 */
import type { GcPauses } from './observe.js';
import type { LatencySummary } from './stats.js';

/**
 * Commands run before measuring. The process is fresh, so its code is cold (compiled on first
 * use, then optimised as it runs hot): 20 warm-up commands left p95 and p99 about twice what a
 * warm process gives (the old single-process benchmark had warmed the same code through its
 * imports). A running service is warm.
 */
export const WARM_UP_COMMANDS = 300;
export const MEASURED_COMMANDS = 1_000;
export const STEPS_IN_FLIGHT = 8;
export const WORKLOAD_SEED = 42;

export interface TransitionFigures {
  snapshotSteps: number;
  snapshotLoadMs: number;
  activationMs: number;
  activationMessage: string;
  initiallyReady: number;
  transitions: LatencySummary;
  byKind: Record<string, LatencySummary>;
  warmUpMaxMs: number;
  wallMs: number;
  gcPauses: GcPauses;
  stepsCompleted: number;
  stepsMadeReady: number;
  propagatingCommands: number;
  loadAverage1m: { beforeTransitions: number; afterTransitions: number; busy: boolean };
  /** Resident set (MiB) at each point, and the process's own peak (`maxRSS`). */
  memoryMB: {
    rssAtStart: number;
    rssAfterSnapshot: number;
    rssAfterActivation: number;
    rssAfterTransitions: number;
    peakRss: number;
    liveHeapAtEnd: number;
  };
}
