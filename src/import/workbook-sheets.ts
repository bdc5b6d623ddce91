/**
 * Reading sheets of a workbook the forgiving way planners fill them: sheets and headers matched
 * loosely, cells that hold text, numbers, rich text, hyperlinks, formulas or dates, empty rows
 * skipped. What comes out is text or numbers, each with its cell's location.
 */
import type ExcelJS from 'exceljs';
import { splitIdList } from '../domain/ids.js';
import { formatExcelDate } from './local-date-time.js';
import type { InputValue } from './plan-input.js';
import { headerKeys, normalizeHeader } from './plan-layout.js';
import type { ColumnLayout, SheetLayout } from './plan-layout.js';
import type { ProblemList } from './problems.js';

/** What a cell holds, as the plan reads it. */
export type CellContent =
  | { kind: 'value'; value: string | number }
  /** `#N/A`, `#REF!`...: the planner has to fix the cell, its value is unknown. */
  | { kind: 'excelError'; error: string }
  /** A formula whose result was never calculated (a file written by a tool, not by Excel). */
  | { kind: 'uncalculated'; formula: string };

/**
 * The content of a cell: a formula gives its result, rich text its plain text, a date its local
 * date-time (`2026-12-05T18:00`). A hyperlink gives its text, or its target when `preferLink`
 * (for link columns, where the text is often only `runbook`).
 */
export function cellContent(value: ExcelJS.CellValue, preferLink = false): CellContent {
  if (value === null || value === undefined) return { kind: 'value', value: '' };
  if (typeof value === 'number' || typeof value === 'string') return { kind: 'value', value };
  if (typeof value === 'boolean') return { kind: 'value', value: value ? 'TRUE' : 'FALSE' };
  if (value instanceof Date) return { kind: 'value', value: formatExcelDate(value) };
  if ('error' in value) return { kind: 'excelError', error: value.error };
  if ('richText' in value) return { kind: 'value', value: value.richText.map((run) => run.text).join('') };
  if ('hyperlink' in value) {
    if (preferLink && value.hyperlink) return { kind: 'value', value: value.hyperlink };
    // exceljs types the text as a string, but a hyperlink's text can be rich text.
    return cellContent(value.text as ExcelJS.CellValue);
  }
  if (value.result === undefined) return { kind: 'uncalculated', formula: value.formula ?? '' };
  return cellContent(value.result, preferLink);
}

/** A column found in a sheet's header row. */
export interface SheetColumn {
  /** 1-based column number. */
  index: number;
  /** The header as written in the file, which problems quote. */
  header: string;
}

export interface SheetHeader {
  /** The layout's columns found, by field. */
  fields: Map<string, SheetColumn & { layout: ColumnLayout }>;
  /** Headed columns that are none of the layout's: iteration columns of Steps, or unknown. */
  others: SheetColumn[];
}

/** The header text of a cell, trimmed; '' when the cell is blank or unreadable. */
function headerText(cell: ExcelJS.Cell): string {
  const content = cellContent(cell.value);
  return content.kind === 'value' ? String(content.value).trim() : '';
}

/**
 * Matches row 1 to the sheet's layout. A missing required column and a column headed twice are
 * errors; the caller decides about the other columns.
 */
export function readHeader(
  sheet: ExcelJS.Worksheet,
  layout: SheetLayout,
  problems: ProblemList,
): SheetHeader {
  const fields: SheetHeader['fields'] = new Map();
  const others: SheetColumn[] = [];
  const firstByKey = new Map<string, SheetColumn>();
  sheet.getRow(1).eachCell((cell, index) => {
    const header = headerText(cell);
    if (header === '') return;
    const key = normalizeHeader(header);
    const first = firstByKey.get(key);
    if (first !== undefined) {
      problems.error(
        `${sheet.name}!1`,
        header,
        `column ${sheet.getColumn(index).letter} has the same header as column ${sheet.getColumn(first.index).letter}`,
      );
      return;
    }
    firstByKey.set(key, { index, header });
    const column = layout.columns.find((candidate) => headerKeys(candidate).includes(key));
    if (column) fields.set(column.field, { index, header, layout: column });
    else others.push({ index, header });
  });
  for (const column of layout.columns) {
    if (column.required && !fields.has(column.field)) {
      problems.error(`${sheet.name}!1`, '', `missing required column ${column.header}`);
    }
  }
  return { fields, others };
}

/** One non-empty row below the header. */
export interface SheetRow {
  /** `Steps!12`. */
  where: string;
  /** The values of the layout's columns, by field; lists already split into their entries. */
  fields: Record<string, InputValue | InputValue[]>;
  /** The value of any other column (an iteration column of Steps). */
  valueOf(column: SheetColumn): InputValue | undefined;
}

/**
 * The rows of a sheet below its header, empty rows skipped. A cell holding an Excel error or an
 * uncalculated formula is reported and left out, as if its column were missing.
 */
export function readRows(sheet: ExcelJS.Worksheet, header: SheetHeader, problems: ProblemList): SheetRow[] {
  const rows: SheetRow[] = [];
  for (let number = 2; number <= sheet.rowCount; number++) {
    const row = sheet.getRow(number);
    if (isEmptyRow(row)) continue;

    const valueOf = (column: SheetColumn, preferLink = false): InputValue | undefined => {
      const where = `${sheet.name}!${number}:${column.header}`;
      const content = cellContent(row.getCell(column.index).value, preferLink);
      if (content.kind === 'excelError') {
        problems.error(where, content.error, 'the cell holds an Excel error');
        return undefined;
      }
      if (content.kind === 'uncalculated') {
        problems.error(
          where,
          `=${content.formula}`,
          'the formula has no calculated value (open and save in Excel)',
        );
        return undefined;
      }
      return { value: content.value, where };
    };

    const fields: SheetRow['fields'] = {};
    for (const [field, column] of header.fields) {
      const input = valueOf(column, column.layout.kind === 'link');
      if (input === undefined) continue;
      fields[field] = column.layout.kind === 'list' ? splitList(input) : input;
    }
    rows.push({ where: `${sheet.name}!${number}`, fields, valueOf: (column) => valueOf(column) });
  }
  return rows;
}

function splitList(input: InputValue): InputValue[] {
  return splitIdList(String(input.value)).map((entry) => ({ value: entry, where: input.where }));
}

function isEmptyRow(row: ExcelJS.Row): boolean {
  for (let index = 1; index <= row.cellCount; index++) {
    const content = cellContent(row.getCell(index).value);
    if (content.kind !== 'value' || String(content.value).trim() !== '') return false;
  }
  return true;
}
