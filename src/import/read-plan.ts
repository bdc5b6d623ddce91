/**
 * Reading a plan from a file: a runsheet workbook (`.xlsx`) or its JSON twin (`.json`). Both give
 * the same canonical `PlanModel`, validated by the same rules, with every problem found.
 */
import { createHash } from 'node:crypto';
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

export interface ReadPlanFileResult extends ReadPlanResult {
  /** The SHA-256 of the file's bytes, which the import records; absent when it was not read. */
  contentHash?: string;
}

/** Reads a plan file by its extension, `.xlsx` or `.json`; any other file is an error naming it. */
export async function readPlanFile(path: string, options: ReadPlanOptions): Promise<ReadPlanFileResult> {
  const extension = extname(path).toLowerCase();
  if (extension !== '.xlsx' && extension !== '.json') {
    return failure(path, 'not a plan file (expected a .xlsx workbook or a .json file)');
  }
  if (extension === '.xlsx') {
    const data = await readBytes(path);
    if (typeof data === 'string') return failure(path, data);
    return { ...(await readPlanWorkbook(data, options)), contentHash: sha256(data) };
  }
  const json = await readText(path);
  if (json.problem !== undefined) return failure(path, json.problem);
  return { ...readPlanJson(json.text, options), contentHash: json.contentHash };
}

/**
 * The file's text and the hash of its bytes. The bytes are not kept: they are only read, hashed
 * and decoded here (17 MB at 20,000 steps, outside V8's heap until a collection frees them).
 */
async function readText(
  path: string,
): Promise<{ text: string; contentHash: string; problem?: undefined } | { problem: string }> {
  const data = await readBytes(path);
  if (typeof data === 'string') return { problem: data };
  return { text: data.toString('utf8'), contentHash: sha256(data) };
}

/** The file's bytes, or the problem reading it. */
async function readBytes(path: string): Promise<Buffer | string> {
  try {
    return await readFile(path);
  } catch (error) {
    return `cannot read the file (${(error as Error).message})`;
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function failure(path: string, problem: string): ReadPlanResult {
  return { plan: null, problems: [{ severity: 'error', where: path, value: '', problem }] };
}
