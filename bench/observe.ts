/**
 * What else was going on while the benchmark measured: the process's own garbage-collection
 * pauses, and the machine's load (other processes competing for the CPUs skew latencies).
 */
import os from 'node:os';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';

export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Pauses of the major (mark-compact) kind. */
  major: number;
}

/** Starts recording GC pauses; `stop()` returns what was recorded in between. */
export function watchGc(): { stop(): Promise<GcPauses> } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Entries are delivered asynchronously: let the last ones arrive before disconnecting.
      await new Promise((resolve) => setImmediate(resolve));
      observer.disconnect();
      const kindOf = (e: PerformanceEntry) =>
        (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      const major = entries.filter((e) => kindOf(e) === constants.NODE_PERFORMANCE_GC_MAJOR).length;
      return {
        count: entries.length,
        totalMs: entries.reduce((sum, e) => sum + e.duration, 0),
        maxMs: entries.reduce((max, e) => Math.max(max, e.duration), 0),
        major,
      };
    },
  };
}

/** The 1-minute load average, and whether it exceeds the number of CPUs (the machine was busy). */
export function machineLoad(): { loadAverage1m: number; busy: boolean } {
  const [oneMinute = 0] = os.loadavg();
  return { loadAverage1m: oneMinute, busy: oneMinute > os.cpus().length };
}

/**
 * The live V8 heap after a full collection, in MiB: what the process really holds, as opposed to
 * its resident set, which keeps pages of garbage V8 has not given back. Forces a collection, so
 * it is only called once nothing is measured any more.
 */
export function liveHeapMB(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
