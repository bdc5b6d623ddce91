/** Latency statistics and memory readings for the benchmark report. */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100): the smallest value ≥ p% of them. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Count, mean, p50, p95, p99 and max of latencies in milliseconds. */
export function summarize(latencies: readonly number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

const MIB = 1024 * 1024;

/** The process's memory now: resident set and V8 heap, in MiB. */
export function memoryNow(): { rssMB: number; heapUsedMB: number } {
  const usage = process.memoryUsage();
  return { rssMB: usage.rss / MIB, heapUsedMB: usage.heapUsed / MIB };
}

/** The highest resident set size the process has reached so far, in MiB (maxRSS is in KiB). */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs `body` and returns its result with the wall time it took, in milliseconds. */
export async function timed<T>(body: () => Promise<T> | T): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await body();
  return { result, ms: performance.now() - started };
}

/** Rounds to `digits` decimals, for figures printed and written to results.json. */
export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A latency summary rounded to 0.01 ms, as results.json records it. */
export function roundAll(summary: LatencySummary): LatencySummary {
  return {
    count: summary.count,
    mean: round(summary.mean, 2),
    p50: round(summary.p50, 2),
    p95: round(summary.p95, 2),
    p99: round(summary.p99, 2),
    max: round(summary.max, 2),
  };
}
