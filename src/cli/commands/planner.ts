/**
 * `runsheet planner export`, `runsheet planner set` and `runsheet board export`: the macro-plan as
 * a standalone HTML file, a pilot's change of a chapter's plan, and the board as a workbook.
 */
import fs from 'node:fs';
import { changeChapterPlan } from '../../engine/chapter-plan-edit.js';
import { loadBoardRows } from '../../engine/board-rows.js';
import { loadPlannerView } from '../../engine/planner-read-model.js';
import { writeBoardWorkbook } from '../../export/board-xlsx.js';
import { renderPlannerHtml } from '../../export/planner-html.js';
import { CliError, positionals, requireActor, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

function requireIteration(options: CliOptions): string {
  if (!options.iteration) throw new CliError('give the iteration with --iteration NAME', 2);
  return options.iteration;
}

export async function runPlanner(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'export') {
    const [file] = positionals(rest, ['FILE.html']);
    if (!/\.html?$/i.test(file!)) throw new CliError(`${file}: the file name must end in .html`, 2);
    const iteration = requireIteration(options);
    return withCliContext(env, async ({ database }) => {
      const view = await loadPlannerView(database.db, iteration, new Date());
      fs.writeFileSync(file!, renderPlannerHtml(view), 'utf8');
      const summary = {
        file: file!,
        iteration: view.iteration.name,
        chapters: view.totals.chapters,
        late: view.totals.late,
        days: view.days.length,
      };
      output.out(
        options.json
          ? JSON.stringify(summary)
          : `Exported the macro-plan of ${summary.iteration} (${summary.chapters} chapters, ${summary.late} late, ${summary.days} days) to ${file}.`,
      );
      return 0;
    });
  }
  if (verb === 'set') {
    const [chapter] = positionals(rest, ['CHAPTER']);
    const iteration = requireIteration(options);
    if (!options.start || !options.end)
      throw new CliError('give the new plan with --start TIME --end TIME', 2);
    return withCliContext(env, async (context) => {
      const email = requireActor(context, options.as);
      const result = await changeChapterPlan(context.engine, {
        chapter: chapter!,
        iteration,
        start: options.start!,
        end: options.end!,
        actor: { email },
        source: 'cli',
      });
      if (options.json) output.out(JSON.stringify(result));
      if (result.outcome === 'applied') {
        if (!options.json) output.out(result.message);
        return 0;
      }
      const label = result.outcome === 'refused' ? `refused (${result.code})` : 'no change';
      output.err(`runsheet: ${label}: ${result.message}`);
      return result.outcome === 'duplicate' ? 0 : 1;
    });
  }
  throw new CliError(`planner: expected export or set, not "${verb ?? ''}"`, 2);
}

export async function runBoard(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'export') throw new CliError(`board: expected export, not "${verb ?? ''}"`, 2);
  const [file] = positionals(rest, ['FILE.xlsx']);
  if (!/\.xlsx$/i.test(file!)) throw new CliError(`${file}: the file name must end in .xlsx`, 2);
  return withCliContext(env, async ({ engine }) => {
    const board = await loadBoardRows(engine, options.iteration ?? null);
    fs.writeFileSync(file!, await writeBoardWorkbook(board, new Date()));
    output.out(
      options.json
        ? JSON.stringify({ file, iteration: board.iteration.name, steps: board.rows.length })
        : `Exported the board of ${board.iteration.name} (${board.rows.length} steps) to ${file}.`,
    );
    return 0;
  });
}
