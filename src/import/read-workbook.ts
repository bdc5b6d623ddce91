/**
 * Reads a runsheet workbook (`.xlsx`) into the plan input, then validates it.
 */
import type ExcelJS from 'exceljs';
import { loadExcelJs } from './load-exceljs.js';
import { inputRowsOf } from './plan-input.js';
import type { InputRows, InputValue, PlanInput, ScopeInput, StepInput } from './plan-input.js';
import { PLAN_SHEETS, normalizeHeader } from './plan-layout.js';
import type { SheetLayout } from './plan-layout.js';
import { ProblemList } from './problems.js';
import type { ReadPlanOptions, ReadPlanResult } from './read-plan.js';
import { validatePlan } from './validate-plan.js';
import { textOf } from './validate-values.js';
import { readHeader, readRows } from './workbook-sheets.js';
import type { SheetColumn, SheetHeader, SheetRow } from './workbook-sheets.js';

/**
 * Reads and validates a workbook. Every problem is reported at once, each at its cell
 * (`Steps!12:Predecessors`); the plan is null when any of them is an error.
 */
export async function readPlanWorkbook(
  data: Buffer | ArrayBuffer,
  options: ReadPlanOptions,
): Promise<ReadPlanResult> {
  const problems = new ProblemList();
  const workbook = new (await loadExcelJs()).Workbook();
  try {
    // exceljs declares its own Buffer type (an ArrayBuffer); it reads a Node Buffer as well.
    await workbook.xlsx.load(data as ArrayBuffer);
  } catch (error) {
    problems.error('workbook', '', `not a readable .xlsx workbook (${(error as Error).message})`);
    return { plan: null, problems: problems.problems };
  }
  return validatePlan(readWorkbookInput(workbook, problems), options, problems);
}

/** The plan input of a workbook, with the problems of its layout (sheets, headers, cells). */
function readWorkbookInput(workbook: ExcelJS.Workbook, problems: ProblemList): PlanInput {
  const sheets = findSheets(workbook, problems);
  const none = inputRowsOf([]);
  const input: PlanInput = {
    stepTypes: none,
    phases: none,
    chapters: none,
    teams: none,
    iterations: none,
    steps: none,
    tasks: none,
    controls: none,
    schedule: none,
    fixedStarts: none,
  };
  for (const layout of PLAN_SHEETS) {
    const sheet = sheets.get(layout.sheet);
    if (sheet === undefined) {
      if (layout.required) problems.error(layout.sheet, '', 'missing sheet');
      continue;
    }
    const header = readHeader(sheet, layout, problems);
    if (layout.collection === 'steps') {
      input.steps = inputRowsOf(readStepRows(sheet, header, input, problems));
      continue;
    }
    reportUnknownColumns(sheet, header.others, problems);
    // Each record is a row's fields under the layout's field names, which PlanInput's records use.
    (input[layout.collection] as InputRows<unknown>) = inputRowsOf(
      readRows(sheet, header, problems).map(toRecord),
    );
  }
  return input;
}

/** The workbook's sheets by layout sheet name; unknown sheets are warned about and ignored. */
function findSheets(workbook: ExcelJS.Workbook, problems: ProblemList): Map<string, ExcelJS.Worksheet> {
  const found = new Map<string, ExcelJS.Worksheet>();
  for (const sheet of workbook.worksheets) {
    const layout = PLAN_SHEETS.find(
      (candidate: SheetLayout) => normalizeHeader(candidate.sheet) === normalizeHeader(sheet.name),
    );
    if (layout === undefined) {
      problems.warning(sheet.name, '', 'unknown sheet, ignored');
    } else if (found.has(layout.sheet)) {
      problems.error(
        sheet.name,
        '',
        `a second ${layout.sheet} sheet (the first is ${found.get(layout.sheet)!.name})`,
      );
    } else {
      found.set(layout.sheet, sheet);
    }
  }
  return found;
}

function toRecord(row: SheetRow): { where: string } {
  return { where: row.where, ...row.fields };
}

function reportUnknownColumns(
  sheet: ExcelJS.Worksheet,
  columns: readonly SheetColumn[],
  problems: ProblemList,
): void {
  for (const column of columns) problems.warning(`${sheet.name}!1`, column.header, 'unknown column, ignored');
}

/**
 * Steps have one column per iteration after their own, headed with the iteration's name (matched
 * like any header). An iteration without a column has none of its steps in scope, which is
 * probably not meant, hence the warning.
 */
function readStepRows(
  sheet: ExcelJS.Worksheet,
  header: SheetHeader,
  input: PlanInput,
  problems: ProblemList,
): StepInput[] {
  const iterationNames = [...input.iterations]
    .map((iteration) => (iteration.name === undefined ? '' : textOf(iteration.name)))
    .filter((name) => name !== '');
  const iterationColumns: { iteration: string; column: SheetColumn }[] = [];
  const unknown: SheetColumn[] = [];
  for (const column of header.others) {
    const iteration = iterationNames.find((name) => normalizeHeader(name) === normalizeHeader(column.header));
    if (iteration === undefined) unknown.push(column);
    else iterationColumns.push({ iteration, column });
  }
  reportUnknownColumns(sheet, unknown, problems);
  for (const name of iterationNames) {
    if (!iterationColumns.some((scope) => scope.iteration === name)) {
      problems.warning(`${sheet.name}!1`, name, 'no column for this iteration: no step is in its scope');
    }
  }

  return readRows(sheet, header, problems).map((row) => {
    const markers: { iteration: string; marker: InputValue }[] = [];
    for (const { iteration, column } of iterationColumns) {
      const marker = row.valueOf(column);
      if (marker !== undefined) markers.push({ iteration, marker });
    }
    const scope: ScopeInput = { kind: 'markers', markers };
    return { ...toRecord(row), scope };
  });
}
