import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanWorkbook } from '../../src/import/read-plan.js';
import {
  NO_REGISTERED_TYPES,
  buildWorkbook,
  validPlan,
  validWorkbookRows,
} from '../fixtures/import/plan-builders.js';

describe('a workbook with many errors at once', () => {
  it('reports every one of them, each at its cell, and gives no plan', async () => {
    const sheets = validWorkbookRows();
    const header = sheets.Steps![0]!;
    const step = (id: string, team: string, predecessors: string) => [
      id,
      `Step ${id}`,
      'Freeze',
      team,
      'PROD',
      5,
      predecessors,
      '',
      '',
      'x',
      'x',
    ];
    sheets.Steps = [
      header,
      step('TRT-1', 'Operations', 'TRT-3'), // row 2: TRT-1 waits for TRT-3 ...
      step('TRT-2', 'Operations', 'TRT-1'), // row 3
      step('TRT-3', 'Engine', 'TRT-2'), // row 4: ... which waits for TRT-1 through TRT-2: a cycle
      step('TRT-4', 'Nope', 'TRT-3 TRT-99'), // row 5: unknown team, missing predecessor
      step('TRT-2', 'Engine', ''), // row 6: duplicate id
      step('trt-0001', 'Engine', ''), // row 7: duplicate only once canonical
      step('TRT-x1', 'Engine', ''), // row 8: malformed id
    ];
    sheets.Tasks = [sheets.Tasks![0]!, ['TRT-1-1', '<p>Stop jobs.</p>', '', 5, '']];
    sheets.Schedule = [
      sheets.Schedule![0]!,
      ['Run1', 'Freeze', '2026-09-04 18:00', '2026-09-05 02:00'],
      ['Cutover', 'Freeze', '2026-12-05 18:00', '2026-12-05 17:00'], // row 3: ends before it starts
    ];

    const result = await readPlanWorkbook(await buildWorkbook(sheets), NO_REGISTERED_TYPES);

    expect(result.plan).toBeNull();
    expect(result.problems.map(formatProblem)).toEqual([
      'Steps!5:Team "Nope" — unknown team Nope',
      'Steps!5:Predecessors "TRT-99" — unknown predecessor step TRT-99',
      'Steps!6:Step "TRT-2" — duplicate step TRT-2 (first at Steps!3:Step)',
      'Steps!7:Step "trt-0001" — duplicate step TRT-1 (first at Steps!2:Step)',
      'Steps!8:Step "TRT-x1" — not a step id (expected TYPE-number[letter], e.g. TRT-12345a)',
      'Steps!2:Predecessors "TRT-3" — predecessor cycle TRT-1 -> TRT-2 -> TRT-3 -> TRT-1',
      'Schedule!3:End "2026-12-05 17:00" — end is not after start 2026-12-05T18:00',
    ]);
    expect(result.problems.every((problem) => problem.severity === 'error')).toBe(true);
  });

  it('gives the plan of the workbook without those errors', async () => {
    const result = await readPlanWorkbook(await buildWorkbook(validWorkbookRows()), NO_REGISTERED_TYPES);
    expect(result.problems).toEqual([]);
    expect(result.plan).toEqual(validPlan());
  });
});
