/** `runsheet import` and `runsheet export`: the plan in and out, as workbook or JSON. */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from '../../db/orm.js';
import { queryRows } from '../../db/client.js';
import { loadPlanModel } from '../../engine/load-plan.js';
import { storePlan } from '../../engine/store-plan.js';
import { formatProblem } from '../../import/problems.js';
import { readPlanFile } from '../../import/read-plan.js';
import { writePlanFile } from '../../import/write-plan.js';
import {
  CliError,
  operatingSystemActor,
  positionals,
  withCliContext,
  type CliOutput,
} from '../cli-context.js';
import type { CliOptions } from '../main.js';

export async function runImport(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [file] = positionals(args, ['FILE']);
  if (!fs.existsSync(file!)) throw new CliError(`${file}: no such file`);
  return withCliContext(env, async ({ database }) => {
    const types = await queryRows<{ type: string }>(database.db, sql`select type from step_types`);
    const result = await readPlanFile(file!, { registeredStepTypes: new Set(types.map((t) => t.type)) });
    const errors = result.problems.filter((p) => p.severity === 'error');
    const warnings = result.problems.filter((p) => p.severity === 'warning');
    for (const warning of warnings) output.err(`warning: ${formatProblem(warning)}`);
    if (!result.plan || errors.length > 0) {
      for (const error of errors) output.err(`error: ${formatProblem(error)}`);
      output.err(
        `runsheet: ${path.basename(file!)} was not imported: ${errors.length} error(s); the database is unchanged.`,
      );
      if (options.json) output.out(JSON.stringify({ imported: false, problems: result.problems }));
      return 1;
    }
    const summary = await storePlan(database, result.plan, {
      actor: options.as ?? operatingSystemActor(),
      source: path.basename(file!),
      contentHash: result.contentHash,
    });
    if (options.json) {
      output.out(JSON.stringify({ imported: true, ...summary, warnings: warnings.map(formatProblem) }));
    } else {
      const c = summary.counts;
      output.out(
        `Imported ${path.basename(file!)} as plan revision ${summary.revision}: ${c.steps} steps, ${c.tasks} tasks, ${c.controls} controls, ` +
          `${c.chapters} chapters, ${c.teams} teams, ${c.iterations} iterations, ${c.schedule} schedule entries ` +
          `(new: ${summary.created.steps} steps, ${summary.created.tasks} tasks, ${summary.created.controls} controls; ` +
          `archived: ${summary.archived.steps} steps, ${summary.archived.tasks} tasks, ${summary.archived.controls} controls).` +
          (summary.cardsQueued > 0
            ? ` ${summary.cardsQueued} newly ready step card(s) queued for the active iteration.`
            : ''),
      );
    }
    return 0;
  });
}

export async function runExport(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [file] = positionals(args, ['FILE']);
  if (!/\.(xlsx|json)$/i.test(file!))
    throw new CliError(`${file}: the file name must end in .xlsx or .json`, 2);
  return withCliContext(env, async ({ database }) => {
    const plan = await loadPlanModel(database.db);
    await writePlanFile(file!, plan);
    const summary = {
      file: file!,
      steps: plan.steps.length,
      tasks: plan.tasks.length,
      controls: plan.controls.length,
    };
    output.out(
      options.json
        ? JSON.stringify(summary)
        : `Exported ${summary.steps} steps, ${summary.tasks} tasks, ${summary.controls} controls to ${file}.`,
    );
    return 0;
  });
}
