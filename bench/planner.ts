/**
 * The planner's benchmark section (issue 5, item 7): on the benchmark's database (20,000 steps,
 * Run1 active with the transitions of the core benchmark done), the time of what the tab's API
 * answers and of the standalone export:
 *
 * - the planner API: `loadPlannerView` + the JSON the route sends (target: each answer ≤ 200 ms);
 * - the HTML export: `loadPlannerView` + `renderPlannerHtml` (target ≤ 1 s);
 * - the controls grid API, first page and a text search (≤ 200 ms);
 * - the board as XLSX, for information (no target: a download, not an interactive answer).
 *
 * Measured in-process, without HTTP: restify and the identity check add about a millisecond.
 */
import type { Database } from '../src/db/client.js';
import { loadBoardRows } from '../src/engine/board-rows.js';
import { loadControlsGrid } from '../src/engine/controls-grid.js';
import type { Engine } from '../src/engine/engine.js';
import { loadPlannerView } from '../src/engine/planner-read-model.js';
import { writeBoardWorkbook } from '../src/export/board-xlsx.js';
import { renderPlannerHtml } from '../src/export/planner-html.js';
import type { BenchSectionResult, BenchTarget } from './card-fanout.js';
import { round, roundAll, summarize, timed } from './stats.js';

const WARM_UP = 3;
const MEASURED = 30;
const EXPORTS = 10;
export const PLANNER_TARGETS = { apiMs: 200, exportMs: 1000 };

async function repeat(count: number, body: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) latencies.push((await timed(body)).ms);
  return latencies;
}

export async function runPlannerBench(options: {
  engine: Engine;
  database: Database;
  iteration: string;
}): Promise<BenchSectionResult> {
  const { engine, database, iteration } = options;
  const db = database.db;
  console.log(`\n== Planner tab: planner API, HTML export, controls grid, board XLSX (${iteration}) ==`);
  const plannerAnswer = async () => JSON.stringify(await loadPlannerView(db, iteration, new Date()));
  const controlsPage = async () => JSON.stringify(await loadControlsGrid(db, {}));
  const controlsSearch = async () =>
    JSON.stringify(await loadControlsGrid(db, { text: 'reconcil', result: 'OPEN', resultIn: iteration }));
  let htmlBytes = 0;
  const exportHtml = async () => {
    htmlBytes = renderPlannerHtml(await loadPlannerView(db, iteration, new Date())).length;
  };

  await repeat(WARM_UP, plannerAnswer);
  const planner = summarize(await repeat(MEASURED, plannerAnswer));
  await repeat(WARM_UP, exportHtml);
  const exports = summarize(await repeat(EXPORTS, exportHtml));
  await repeat(WARM_UP, controlsPage);
  const controls = summarize(await repeat(MEASURED, controlsPage));
  const search = summarize(await repeat(MEASURED, controlsSearch));
  const board = await timed(async () =>
    writeBoardWorkbook(await loadBoardRows(engine, iteration), new Date()),
  );
  const view = await loadPlannerView(db, iteration, new Date());

  const row = (label: string, s: ReturnType<typeof summarize>) =>
    `${label.padEnd(34)} n=${String(s.count).padStart(3)}  p50 ${s.p50.toFixed(1).padStart(7)} ms  p95 ${s.p95.toFixed(1).padStart(7)} ms  max ${s.max.toFixed(1).padStart(7)} ms`;
  console.log(row('planner API (view + JSON)', planner));
  console.log(row(`HTML export (${(htmlBytes / 1024).toFixed(0)} KB)`, exports));
  console.log(row('controls grid, first page', controls));
  console.log(row('controls grid, text + result', search));
  console.log(`board XLSX of ${iteration}: ${board.result.length} bytes in ${board.ms.toFixed(0)} ms`);
  console.log(
    `(${view.totals.chapters} chapters, ${view.totals.steps} steps in scope, ${view.days.length} days on the grid)`,
  );

  const target = (name: string, value: number, limit: number): BenchTarget => ({
    name,
    value,
    unit: 'ms',
    target: limit,
    pass: value <= limit,
  });
  return {
    figures: {
      plannerApiMs: roundAll(planner),
      htmlExportMs: roundAll(exports),
      htmlExportKB: round(htmlBytes / 1024),
      controlsFirstPageMs: roundAll(controls),
      controlsSearchMs: roundAll(search),
      boardXlsxMs: round(board.ms),
      boardXlsxBytes: board.result.length,
      chapters: view.totals.chapters,
      stepsInScope: view.totals.steps,
      gridDays: view.days.length,
    },
    targets: [
      target('planner API answer, max', planner.max, PLANNER_TARGETS.apiMs),
      target('planner HTML export, max', exports.max, PLANNER_TARGETS.exportMs),
      target('controls grid API answer, max', Math.max(controls.max, search.max), PLANNER_TARGETS.apiMs),
    ],
    notes: [],
  };
}
