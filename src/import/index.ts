/** Import and export of plans: the runsheet workbook and its JSON twin. */
export { formatProblem } from './problems.js';
export type { ImportProblem } from './problems.js';
export { readPlanFile, readPlanJson, readPlanWorkbook } from './read-plan.js';
export type { ReadPlanOptions, ReadPlanResult } from './read-plan.js';
export { sanitizeRichText } from './sanitize-html.js';
export { writePlanFile, writePlanJson, writePlanWorkbook } from './write-plan.js';
