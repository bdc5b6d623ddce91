import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanWorkbook } from '../../src/import/read-plan.js';
import type { ReadPlanResult } from '../../src/import/read-plan.js';
import { writePlanWorkbook } from '../../src/import/write-plan.js';
import {
  NO_REGISTERED_TYPES,
  buildWorkbook,
  validPlan,
  validWorkbookRows,
} from '../fixtures/import/plan-builders.js';
import type { WorkbookRows } from '../fixtures/import/plan-builders.js';

async function read(sheets: WorkbookRows): Promise<ReadPlanResult> {
  return readPlanWorkbook(await buildWorkbook(sheets), NO_REGISTERED_TYPES);
}

function formatted(result: ReadPlanResult): string[] {
  return result.problems.map(formatProblem);
}

describe('workbook sheets and headers', () => {
  it('matches sheet names and headers loosely and quotes headers as written', async () => {
    const sheets = validWorkbookRows();
    const steps = sheets.Steps!;
    steps[0] = [
      'step',
      ' TITLE ',
      'chapter',
      'Team',
      'environment',
      'DURATION (MINUTES)',
      'pre-decessors',
      'Description (HTML)',
      'instructions_link',
      'run1',
      'CUT OVER',
    ];
    const renamed: WorkbookRows = {};
    for (const [name, rows] of Object.entries(sheets)) renamed[name === 'Steps' ? 'STEPS' : name] = rows;
    renamed['step_types'] = renamed['Step types']!;
    delete renamed['Step types'];

    const result = await read(renamed);

    expect(formatted(result)).toEqual([]);
    expect(result.plan).toEqual(validPlan());
    expect(result.plan!.steps[0]!.instructionsUrl).toBe('https://wiki.example/1');
    expect(result.plan!.steps[1]!.durationMinutes).toBe(20);

    steps[1]![5] = 'ten';
    const wrong = await read(renamed);
    expect(formatted(wrong)).toEqual([
      'STEPS!2:DURATION (MINUTES) "ten" — not a duration in minutes (a whole number, 0 or more)',
    ]);
  });

  it('reads the sample header `Duration (min)` as the duration', async () => {
    const sheets = validWorkbookRows();
    sheets.Tasks![0]![3] = 'Duration (min)';
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan!.tasks.map((task) => task.durationMinutes)).toEqual([5, 15]);
  });

  it('warns about unknown columns and sheets and ignores them', async () => {
    const sheets = validWorkbookRows();
    sheets.Steps![0]!.push('Notes');
    sheets.Steps![1]!.push('call Bob first');
    sheets.Readme = [['Read me'], ['This workbook is the plan.']];

    const result = await read(sheets);

    expect(formatted(result)).toEqual([
      'Readme — unknown sheet, ignored',
      'Steps!1 "Notes" — unknown column, ignored',
    ]);
    expect(result.problems.map((problem) => problem.severity)).toEqual(['warning', 'warning']);
    expect(result.plan).toEqual(validPlan());
  });

  it('reports missing sheets and required columns once, not at every row', async () => {
    const sheets = validWorkbookRows();
    delete sheets.Schedule;
    delete sheets['Step types'];
    for (const row of sheets.Steps!) row.splice(3, 1); // the Team column

    const result = await readPlanWorkbook(await buildWorkbook(sheets), {
      registeredStepTypes: new Set(['TRT', 'CHK']),
    });

    expect(result.plan).toBeNull();
    expect(formatted(result)).toEqual(['Steps!1 — missing required column Team', 'Schedule — missing sheet']);
  });

  it('reports a column headed twice', async () => {
    const sheets = validWorkbookRows();
    sheets.Controls![0]!.push('name');
    const result = await read(sheets);
    expect(formatted(result)).toEqual(['Controls!1 "name" — column F has the same header as column B']);
  });

  it('skips empty rows, blank-looking ones included', async () => {
    const sheets = validWorkbookRows();
    sheets.Steps!.splice(2, 0, [], ['', '  ', null]);
    sheets.Tasks!.push([], [null, '']);
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan).toEqual(validPlan());
  });

  it('warns when an iteration has no column in the Steps sheet', async () => {
    const sheets = validWorkbookRows();
    for (const row of sheets.Steps!) row.splice(10, 1); // the Cutover column
    const result = await read(sheets);
    expect(formatted(result)).toEqual([
      'Steps!1 "Cutover" — no column for this iteration: no step is in its scope',
    ]);
    expect(result.plan!.steps.map((step) => step.scope)).toEqual([['Run1'], ['Run1'], []]);
  });
});

describe('workbook cells', () => {
  it('reads Excel dates as local date-times, and text dates in three forms', async () => {
    const sheets = validWorkbookRows();
    sheets.Schedule = [
      ['Iteration', 'Chapter', 'Start', 'End'],
      // exceljs gives and takes dates whose UTC fields are the wall-clock value in Excel.
      [
        'Run1',
        'Freeze',
        new Date(Date.UTC(2026, 8, 4, 18, 0)),
        new Date(Date.UTC(2026, 8, 5, 1, 59, 59, 995)),
      ],
      ['Run1', 'Load', '05.09.2026 02:00', '2026-09-05T06:30'],
      ['Cutover', 'Load', '2026-12-05 18:00', '2026-12-06 06:00:00'],
    ];
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan!.schedule).toEqual([
      { iteration: 'Run1', chapter: 'Freeze', start: '2026-09-04T18:00', end: '2026-09-05T02:00' },
      { iteration: 'Run1', chapter: 'Load', start: '2026-09-05T02:00', end: '2026-09-05T06:30' },
      { iteration: 'Cutover', chapter: 'Load', start: '2026-12-05T18:00', end: '2026-12-06T06:00' },
    ]);
  });

  it('refuses dates that are not dates', async () => {
    const sheets = validWorkbookRows();
    sheets.Schedule![1] = ['Run1', 'Freeze', '2026-02-30 18:00', 'tomorrow'];
    sheets.Schedule![2] = ['Cutover', 'Load', '2026-12-05 24:00', 46000];
    const result = await read(sheets);
    const hint = 'not a date and time (e.g. 2026-12-05 18:00 or 05.12.2026 18:00)';
    expect(formatted(result)).toEqual([
      `Schedule!2:Start "2026-02-30 18:00" — ${hint}`,
      `Schedule!2:End "tomorrow" — ${hint}`,
      `Schedule!3:Start "2026-12-05 24:00" — ${hint}`,
      `Schedule!3:End "46000" — ${hint}`,
    ]);
  });

  it('reads rich text, hyperlinks and formula results', async () => {
    const sheets = validWorkbookRows();
    const first = sheets.Steps![1]!;
    first[1] = { richText: [{ text: 'Stop ', font: { bold: true } }, { text: 'source' }] };
    first[5] = { formula: '2*5', result: 10 };
    first[8] = { text: 'runbook', hyperlink: 'https://wiki.example/1' };
    sheets.Teams![1]![0] = { text: 'Operations', hyperlink: 'https://teams.example/elsewhere' };
    sheets.Teams![1]![2] = { text: 'ops channel', hyperlink: 'https://teams.example/ops' };
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan).toEqual(validPlan());
  });

  it('reports Excel errors and uncalculated formulas at their cell', async () => {
    const sheets = validWorkbookRows();
    sheets.Steps![1]![5] = { formula: '1/0', result: { error: '#DIV/0!' } };
    sheets.Steps![2]![1] = { error: '#N/A' };
    sheets.Tasks![1]![3] = { formula: 'B2*2' };
    const result = await read(sheets);
    expect(result.plan).toBeNull();
    expect(formatted(result)).toEqual([
      'Steps!2:Duration (minutes) "#DIV/0!" — the cell holds an Excel error',
      'Steps!3:Title "#N/A" — the cell holds an Excel error',
      'Tasks!2:Duration (minutes) "=B2*2" — the formula has no calculated value (open and save in Excel)',
    ]);
  });

  it('splits lists on commas, semicolons, spaces and newlines, reading ids forgivingly', async () => {
    const sheets = validWorkbookRows();
    sheets.Steps![3]![6] = 'trt-0001;TRT 2\nTRT-1,  trt2';
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan!.steps[2]!.predecessors).toEqual(['TRT-1', 'TRT-2']);
  });

  it('reads scope markers x, y, yes, 1 and ✓ as in scope, blank and no as out', async () => {
    const sheets = validWorkbookRows();
    const markers: [unknown, unknown][] = [
      ['YES', '✓'],
      [1, 'y'],
      ['no', 'X'],
    ];
    markers.forEach(([run1, cutover], index) => {
      sheets.Steps![index + 1]![9] = run1 as string;
      sheets.Steps![index + 1]![10] = cutover as string;
    });
    const result = await read(sheets);
    expect(formatted(result)).toEqual([]);
    expect(result.plan!.steps.map((step) => step.scope)).toEqual([
      ['Run1', 'Cutover'],
      ['Run1', 'Cutover'],
      ['Cutover'],
    ]);

    sheets.Steps![1]![9] = 'maybe';
    sheets.Steps![2]![10] = 'n';
    expect(formatted(await read(sheets))).toEqual([
      'Steps!2:Run1 "maybe" — not a scope marker (x, y, yes, 1 or ✓ for in scope; blank or no for out of scope)',
      'Steps!3:Cutover "n" — not a scope marker (x, y, yes, 1 or ✓ for in scope; blank or no for out of scope)',
    ]);
  });
});

describe('the written workbook', () => {
  it('has the spec layout, a bold frozen header row and real dates', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await writePlanWorkbook(validPlan())) as unknown as ArrayBuffer);

    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([
      'Step types',
      'Phases',
      'Chapters',
      'Teams',
      'Iterations',
      'Steps',
      'Tasks',
      'Controls',
      'Schedule',
    ]);
    const headers = (name: string) => (workbook.getWorksheet(name)!.getRow(1).values as unknown[]).slice(1);
    expect(headers('Teams')).toEqual(['Team', 'AD group', 'Channel', 'Mailbox']);
    expect(headers('Iterations')).toEqual(['Iteration', 'Kind', 'Time zone', 'Comms']);
    expect(headers('Steps')).toEqual([
      'Step',
      'Title',
      'Chapter',
      'Team',
      'Environment',
      'Duration (minutes)',
      'Predecessors',
      'Description',
      'Instructions link',
      'Run1',
      'Cutover',
    ]);
    expect(headers('Tasks')).toEqual(['Task', 'Description', 'Team', 'Duration (minutes)', 'Controls']);

    const steps = workbook.getWorksheet('Steps')!;
    expect(steps.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(steps.views).toEqual([expect.objectContaining({ state: 'frozen', ySplit: 1 })]);
    expect(steps.getColumn(2).width).toBe(40);
    expect((steps.getRow(4).values as unknown[]).slice(1)).toEqual([
      'CHK-3',
      'Check load',
      'Load',
      'Engine',
      undefined,
      undefined,
      'TRT-2',
      undefined,
      undefined,
      undefined,
      'x',
    ]);
    const start = workbook.getWorksheet('Schedule')!.getCell('C2');
    expect(start.value).toEqual(new Date(Date.UTC(2026, 8, 4, 18, 0)));
    expect(start.numFmt).toBe('yyyy-mm-dd hh:mm');
  });
});
