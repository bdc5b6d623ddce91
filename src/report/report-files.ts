/**
 * The report files as every door writes them (the CLI's `runsheet report`, the tab's Report
 * downloads): the rehearsal report of one iteration, or the comparison across iterations, as a
 * standalone HTML page or a CSV.
 */
import { loadRehearsalComparison } from '../engine/rehearsal-comparison.js';
import { loadRehearsalReport } from '../engine/rehearsal-report.js';
import type { Engine } from '../engine/engine.js';
import { renderComparisonCsv, renderComparisonHtml } from './comparison-files.js';
import { renderReportCsv } from './report-csv.js';
import { renderReportHtml } from './report-html.js';

export type ReportFormat = 'html' | 'csv';

/** The format a file name asks for (`.html`, `.htm`, `.csv`), or null. */
export function reportFormatOf(fileName: string): ReportFormat | null {
  return /\.html?$/i.test(fileName) ? 'html' : /\.csv$/i.test(fileName) ? 'csv' : null;
}

/** The rehearsal report of iteration `name` as a file, with what the summary line says. */
export async function iterationReportFile(engine: Engine, name: string, format: ReportFormat, now: Date) {
  const report = await loadRehearsalReport(engine, name, now);
  return {
    text: format === 'html' ? renderReportHtml(report) : renderReportCsv(report),
    iteration: report.iteration.name,
    steps: report.steps.length,
    delays: report.delays.length,
  };
}

/** The comparison across the started iterations as a file, with what the summary line says. */
export async function comparisonFile(engine: Engine, format: ReportFormat) {
  const comparison = await loadRehearsalComparison(engine);
  return {
    text: format === 'html' ? renderComparisonHtml(comparison) : renderComparisonCsv(comparison),
    iterations: comparison.iterations,
    steps: comparison.steps.length,
  };
}
