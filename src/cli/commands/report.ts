/**
 * `runsheet report --iteration NAME FILE.html|FILE.csv`: the rehearsal report of an iteration;
 * `runsheet report --compare FILE.html|FILE.csv`: the comparison across iterations.
 */
import { writeFile } from 'node:fs/promises';
import { comparisonFile, iterationReportFile, reportFormatOf } from '../../report/report-files.js';
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
  const format = reportFormatOf(file!);
  if (format === null) throw new CliError(`${file}: the file name must end in .html or .csv`, 2);
  if (options.compare) {
    return withCliContext(env, async ({ engine }) => {
      const { text, ...summary } = await comparisonFile(engine, format);
      await writeFile(file!, text, 'utf8');
      output.out(
        options.json
          ? JSON.stringify({ file, ...summary })
          : `Wrote the comparison of ${summary.iterations.join(', ') || 'no iteration'} to ${file}: ${summary.steps} steps.`,
      );
      return 0;
    });
  }
  return withCliContext(env, async ({ engine }) => {
    const { text, ...summary } = await iterationReportFile(engine, options.iteration!, format, new Date());
    await writeFile(file!, text, 'utf8');
    output.out(
      options.json
        ? JSON.stringify({ file, ...summary })
        : `Wrote the report of ${summary.iteration} to ${file}: ${summary.steps} steps, ${summary.delays} delay cause(s).`,
    );
    return 0;
  });
}
