/** Plain-text tables for the benchmark's console report, shared by every section. */
import type { LatencySummary } from './stats.js';

/** Prints `rows` under `header`: the first column left-aligned, the others right-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** A latency in ms: two decimals below 100, none above. */
export function fmtNum(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/** The cells of one latency row: label, n, mean, p50, p95, p99, max. */
export function latencyCells(label: string, s: LatencySummary): string[] {
  return [label, String(s.count), fmtNum(s.mean), fmtNum(s.p50), fmtNum(s.p95), fmtNum(s.p99), fmtNum(s.max)];
}
