/**
 * Writes a plan as a runsheet workbook, in the layout the reader reads (`plan-layout.ts`), so that
 * reading the written workbook gives the same plan.
 */
import type ExcelJS from 'exceljs';
import { loadExcelJs } from './load-exceljs.js';
import type { PlanModel } from '../domain/plan-model.js';
import { toExcelDate } from './local-date-time.js';
import { ITERATION_COLUMN_WIDTH, PLAN_SHEETS, writtenItems } from './plan-layout.js';
import type { ColumnLayout } from './plan-layout.js';

const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm';
const IN_SCOPE_MARKER = 'x';

/** A model value as a cell: lists joined, times as Excel dates, blanks as empty cells. */
function cellValue(value: unknown, column: ColumnLayout): ExcelJS.CellValue {
  if (value === null || value === undefined || value === '') return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(', ');
  // Real dates, so that planners can sort, filter and compute with them in Excel.
  if (column.kind === 'dateTime' && typeof value === 'string') return toExcelDate(value);
  return value as string | number;
}

/**
 * The plan as an `.xlsx` workbook: one sheet per collection, bold frozen header row, the Steps
 * sheet with one column per iteration marked `x` where the step is in scope.
 */
export async function writePlanWorkbook(plan: PlanModel): Promise<Buffer> {
  const workbook = new (await loadExcelJs()).Workbook();
  for (const layout of PLAN_SHEETS) {
    const items = writtenItems(plan, layout);
    if (items === null) continue;
    const sheet = workbook.addWorksheet(layout.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
    const iterations =
      layout.collection === 'steps' ? plan.iterations.map((iteration) => iteration.name) : [];
    sheet.columns = [
      ...layout.columns.map((column) => ({ header: column.header, width: column.width })),
      ...iterations.map((name) => ({
        header: name,
        width: Math.max(ITERATION_COLUMN_WIDTH, name.length + 2),
      })),
    ];
    sheet.getRow(1).font = { bold: true };
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.columns.length } };

    for (const item of items) {
      const values = layout.columns.map((column) => cellValue(item[column.field], column));
      const scope = (item.scope as readonly string[] | undefined) ?? [];
      values.push(...iterations.map((name) => (scope.includes(name) ? IN_SCOPE_MARKER : null)));
      const row = sheet.addRow(values);
      layout.columns.forEach((column, index) => {
        if (column.kind === 'dateTime') row.getCell(index + 1).numFmt = DATE_TIME_FORMAT;
      });
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
