/**
 * Reading a plan from a file: a runsheet workbook (`.xlsx`) or its JSON twin (`.json`). Both give
 * the same canonical `PlanModel`, validated by the same rules, with every problem found.
 */
import { createHash } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import type { PlanModel } from '../domain/plan-model.js';
import type { ImportProblem } from './problems.js';
import { splitPlanJsonFile, type SplitDocument } from './json-elements.js';
import { COLLECTIONS } from './json-shape.js';
import { readPlanJson, readSplitPlan } from './read-json.js';
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
  return readPlanJsonFile(path, options);
}

/**
 * A JSON plan file, split into its elements without keeping its text (`splitPlanJsonFile`); a
 * file not in the plain layout is read whole by `readPlanJson`.
 */
async function readPlanJsonFile(path: string, options: ReadPlanOptions): Promise<ReadPlanFileResult> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    return failure(path, readProblem(error));
  }
  try {
    const before = await file.stat();
    const { split, text, contentHash } = await splitFile(file);
    let result: ReadPlanResult | undefined;
    let thrown: unknown;
    try {
      result = split && readSplitPlan(split, options);
    } catch (error) {
      thrown = error;
    }
    // Elements were read from the file as validation went: it must still be the file hashed.
    const after = await file.stat();
    if (split && (after.size !== before.size || after.mtimeMs !== before.mtimeMs)) {
      return failure(path, 'the file changed while it was read; import it again');
    }
    if (thrown !== undefined) throw thrown;
    return { ...(result ?? readPlanJson(text ?? (await readAgain(file)), options)), contentHash };
  } catch (error) {
    if (isFileError(error)) return failure(path, readProblem(error));
    throw error;
  } finally {
    await file.close();
  }
}

/**
 * The file's elements and the hash of its bytes, both read in chunks (the file is 17 MB at
 * 20,000 steps); the file's text when it is not in the plain layout.
 */
async function splitFile(
  file: FileHandle,
): Promise<{ split?: SplitDocument; text?: string; contentHash: string }> {
  const { size } = await file.stat();
  const contentHash = await hashFile(file, size);
  const split = splitPlanJsonFile(file.fd, size, COLLECTIONS);
  return split ? { split, contentHash } : { text: await readAgain(file), contentHash };
}

async function hashFile(file: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(Math.min(1024 * 1024, size));
  for (let position = 0; position < size;) {
    const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    hash.update(chunk.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}

/** The whole text of the file. */
async function readAgain(file: FileHandle): Promise<string> {
  const { size } = await file.stat();
  const bytes = Buffer.alloc(size);
  await file.read(bytes, 0, size, 0);
  return bytes.toString('utf8');
}

function isFileError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function readProblem(error: unknown): string {
  return `cannot read the file (${(error as Error).message})`;
}

/** The file's bytes, or the problem reading it. */
async function readBytes(path: string): Promise<Buffer | string> {
  try {
    return await readFile(path);
  } catch (error) {
    return readProblem(error);
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function failure(path: string, problem: string): ReadPlanResult {
  return { plan: null, problems: [{ severity: 'error', where: path, value: '', problem }] };
}
