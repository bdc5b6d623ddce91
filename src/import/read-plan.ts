/**
 * Reading a plan from a file: a runsheet workbook (`.xlsx`) or its JSON twin (`.json`). Both give
 * the same canonical `PlanModel`, validated by the same rules, with every problem found.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { PlanModel } from '../domain/plan-model.js';
import type { ImportProblem } from './problems.js';
import { readPlanJson } from './read-json.js';
import { readPlanWorkbook } from './read-workbook.js';

export { readPlanJson } from './read-json.js';
export { readPlanWorkbook } from './read-workbook.js';

export interface ReadPlanOptions {
  /** Step types already registered in the database; the plan's own step types add to them. */
  registeredStepTypes: ReadonlySet<string>;
}

export interface ReadPlanResult {
  /** The canonical plan; null when any problem is an error. Warnings never block. */
  plan: PlanModel | null;
  /** Every problem found, errors and warnings, in the order found. */
  problems: ImportProblem[];
}

/** Reads a plan file by its extension, `.xlsx` or `.json`; any other file is an error naming it. */
export async function readPlanFile(path: string, options: ReadPlanOptions): Promise<ReadPlanResult> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.xlsx' && extension !== '.json') {
    return failure(path, 'not a plan file (expected a .xlsx workbook or a .json file)');
  }
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    return failure(path, `cannot read the file (${(error as Error).message})`);
  }
  return extension === '.xlsx'
    ? readPlanWorkbook(data, options)
    : readPlanJson(data.toString('utf8'), options);
}

function failure(path: string, problem: string): ReadPlanResult {
  return { plan: null, problems: [{ severity: 'error', where: path, value: '', problem }] };
}
