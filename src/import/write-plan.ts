/**
 * Writing a plan to a file: a runsheet workbook (`.xlsx`) or its JSON twin (`.json`), each in the
 * layout its reader reads, so that reading what was written gives the same plan.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { PlanModel } from '../domain/plan-model.js';
import { PLAN_SHEETS, modelFields, writtenItems } from './plan-layout.js';
import { writePlanWorkbook } from './write-workbook.js';

export { writePlanWorkbook } from './write-workbook.js';

/**
 * The plan as JSON: one array per sheet, fields in the spec's order, two-space indent. Only the
 * model's fields are written, whatever else the objects carry.
 */
export function writePlanJson(plan: PlanModel): string {
  const document = Object.fromEntries(
    PLAN_SHEETS.flatMap((layout) => {
      const fields = modelFields(layout);
      const items = writtenItems(plan, layout);
      if (items === null) return [];
      return [
        [
          layout.collection,
          items.map((item) => Object.fromEntries(fields.map((field) => [field, item[field]]))),
        ],
      ];
    }),
  );
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Writes the plan by the file's extension, `.xlsx` or `.json`; any other extension throws. */
export async function writePlanFile(path: string, plan: PlanModel): Promise<void> {
  const extension = extname(path).toLowerCase();
  if (extension === '.xlsx') await writeFile(path, await writePlanWorkbook(plan));
  else if (extension === '.json') await writeFile(path, writePlanJson(plan), 'utf8');
  else throw new Error(`Cannot write the plan to ${path}: expected a .xlsx or .json file name`);
}
