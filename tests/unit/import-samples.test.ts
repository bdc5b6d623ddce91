import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanModel } from '../../src/domain/plan-model.js';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanFile, readPlanJson, readPlanWorkbook } from '../../src/import/read-plan.js';
import type { ReadPlanResult } from '../../src/import/read-plan.js';
import { writePlanFile, writePlanJson, writePlanWorkbook } from '../../src/import/write-plan.js';
import { NO_REGISTERED_TYPES } from '../fixtures/import/plan-builders.js';

const SAMPLES = join(import.meta.dirname, '../../samples');
const XLSX_SAMPLE = join(SAMPLES, 'demo-runsheet.xlsx');
const JSON_SAMPLE = join(SAMPLES, 'demo-runsheet.json');

function counts(plan: PlanModel | null): Record<string, number> {
  return Object.fromEntries(
    Object.entries(plan ?? {}).map(([key, items]) => [key, (items as unknown[]).length]),
  );
}

const SAMPLE_COUNTS = {
  stepTypes: 9,
  phases: 5,
  chapters: 8,
  teams: 10,
  iterations: 7,
  steps: 121,
  tasks: 303,
  controls: 46,
  schedule: 56,
};

describe('the demo samples', () => {
  let fromXlsx: ReadPlanResult;
  let fromJson: ReadPlanResult;

  beforeAll(async () => {
    fromXlsx = await readPlanFile(XLSX_SAMPLE, NO_REGISTERED_TYPES);
    fromJson = await readPlanFile(JSON_SAMPLE, NO_REGISTERED_TYPES);
  });

  it('imports the workbook without any problem, with every row', () => {
    expect(fromXlsx.problems.map(formatProblem)).toEqual([]);
    expect(counts(fromXlsx.plan)).toEqual(SAMPLE_COUNTS);
  });

  it('imports the JSON without any problem, with every element', () => {
    expect(fromJson.problems.map(formatProblem)).toEqual([]);
    expect(counts(fromJson.plan)).toEqual(SAMPLE_COUNTS);
  });

  it('gives the same plan from the workbook and from the JSON', () => {
    expect(fromXlsx.plan).toEqual(fromJson.plan);
  });

  it('keeps the JSON sample as it is, since it is canonical already', async () => {
    const document: unknown = JSON.parse(await readFile(JSON_SAMPLE, 'utf8'));
    expect(fromJson.plan).toEqual(document);
  });

  it('reads sample values exactly', () => {
    const plan = fromXlsx.plan!;
    expect(plan.steps[4]).toEqual({
      id: 'TRT-10017',
      title: 'Start client static data',
      chapter: 'Freeze source changes',
      team: 'Reporting',
      environment: 'PROD',
      durationMinutes: 16,
      predecessors: ['TRT-10016', 'TRT-10001'],
      description: '<p>Start client static data. Follow the runbook page and record the job id.</p>',
      instructionsUrl: '',
      scope: ['Run2', 'Run3', 'DR1', 'DR2', 'Cutover'],
    });
    expect(plan.schedule[0]).toEqual({
      iteration: 'Run0',
      chapter: 'Freeze source changes',
      start: '2026-09-04T18:00',
      end: '2026-09-05T01:11',
    });
  });

  it('reads back the same plan from the workbook it writes', async () => {
    const written = await writePlanWorkbook(fromJson.plan!);
    const reread = await readPlanWorkbook(written, NO_REGISTERED_TYPES);
    expect(reread.problems).toEqual([]);
    expect(reread.plan).toEqual(fromJson.plan);
  });

  it('reads back the same plan from the JSON it writes', () => {
    const reread = readPlanJson(writePlanJson(fromXlsx.plan!), NO_REGISTERED_TYPES);
    expect(reread.problems).toEqual([]);
    expect(reread.plan).toEqual(fromXlsx.plan);
  });

  it('writes JSON with the fields in the order of the spec and the sample', async () => {
    const sample = JSON.parse(await readFile(JSON_SAMPLE, 'utf8')) as unknown;
    expect(writePlanJson(fromXlsx.plan!)).toBe(`${JSON.stringify(sample, null, 2)}\n`);
  });
});

describe('plan files', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'runsheet-import-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes and reads both formats by extension', async () => {
    const plan = (await readPlanFile(JSON_SAMPLE, NO_REGISTERED_TYPES)).plan!;
    for (const name of ['plan.xlsx', 'PLAN.JSON']) {
      const path = join(directory, name);
      await writePlanFile(path, plan);
      const reread = await readPlanFile(path, NO_REGISTERED_TYPES);
      expect(reread.problems).toEqual([]);
      expect(reread.plan).toEqual(plan);
    }
  });

  it('refuses a file that is neither .xlsx nor .json, naming it', async () => {
    const path = join(directory, 'plan.csv');
    const result = await readPlanFile(path, NO_REGISTERED_TYPES);
    expect(result.plan).toBeNull();
    expect(result.problems.map(formatProblem)).toEqual([
      `${path} — not a plan file (expected a .xlsx workbook or a .json file)`,
    ]);
    await expect(
      writePlanFile(path, (await readPlanFile(JSON_SAMPLE, NO_REGISTERED_TYPES)).plan!),
    ).rejects.toThrow(`Cannot write the plan to ${path}: expected a .xlsx or .json file name`);
  });

  it('reports a file that cannot be read', async () => {
    const path = join(directory, 'missing.xlsx');
    const result = await readPlanFile(path, NO_REGISTERED_TYPES);
    expect(result.plan).toBeNull();
    expect(result.problems).toHaveLength(1);
    expect(formatProblem(result.problems[0]!)).toMatch(`${path} — cannot read the file (ENOENT`);
  });

  it('reports a workbook that is not one', async () => {
    const result = await readPlanWorkbook(Buffer.from('not a zip'), NO_REGISTERED_TYPES);
    expect(result.plan).toBeNull();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.where).toBe('workbook');
    expect(result.problems[0]!.problem).toMatch(/^not a readable \.xlsx workbook/);
  });
});
