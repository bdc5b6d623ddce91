/**
 * What the transition process (bench/transition-process.ts) measures and reports to the
 * benchmark (bench/run.ts), which reads it from the process's output.
 */
import type { GcPauses } from './observe.js';
import type { LatencySummary } from './stats.js';

export const WARM_UP_COMMANDS = 20;
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
