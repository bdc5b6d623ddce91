/**
 * `runsheet report --iteration NAME FILE.html|FILE.csv`: the rehearsal report of an iteration;
 * `runsheet report --compare FILE.html|FILE.csv`: the comparison across iterations.
 */
import { writeFile } from 'node:fs/promises';
import { loadRehearsalComparison } from '../../engine/rehearsal-comparison.js';
import { loadRehearsalReport } from '../../engine/rehearsal-report.js';
import { renderComparisonCsv, renderComparisonHtml } from '../../report/comparison-files.js';
import { renderReportCsv } from '../../report/report-csv.js';
import { renderReportHtml } from '../../report/report-html.js';
import { CliError, positionals, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

export async function runReport(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [file] = positionals(args, ['FILE.html|FILE.csv']);
  if (!options.iteration && !options.compare)
    throw new CliError('report needs --iteration NAME or --compare', 2);
  const format = /\.html?$/i.test(file!) ? 'html' : /\.csv$/i.test(file!) ? 'csv' : null;
  if (format === null) throw new CliError(`${file}: the file name must end in .html or .csv`, 2);
  if (options.compare) {
    return withCliContext(env, async ({ engine }) => {
      const comparison = await loadRehearsalComparison(engine);
      await writeFile(
        file!,
        format === 'html' ? renderComparisonHtml(comparison) : renderComparisonCsv(comparison),
        'utf8',
      );
      const summary = { file, iterations: comparison.iterations, steps: comparison.steps.length };
      output.out(
        options.json
          ? JSON.stringify(summary)
          : `Wrote the comparison of ${summary.iterations.join(', ') || 'no iteration'} to ${file}: ${summary.steps} steps.`,
      );
      return 0;
    });
  }
  return withCliContext(env, async ({ engine }) => {
    const report = await loadRehearsalReport(engine, options.iteration!, new Date());
    await writeFile(file!, format === 'html' ? renderReportHtml(report) : renderReportCsv(report), 'utf8');
    const summary = {
      file,
      iteration: report.iteration.name,
      steps: report.steps.length,
      delays: report.delays.length,
    };
    output.out(
      options.json
        ? JSON.stringify(summary)
        : `Wrote the report of ${summary.iteration} to ${file}: ${summary.steps} steps, ${summary.delays} delay cause(s).`,
    );
    return 0;
  });
}
