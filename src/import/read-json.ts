/**
 * Reads the JSON twin of the workbook: the same model, one array per sheet, camelCase fields
 * (shared spec `runsheet-workbook.md`). Its shape is checked first (`json-shape.ts`, problems at
 * JSON paths such as `steps[10].predecessors[0]`); the rules of the plan are the validator's, as
 * for a workbook, reading the document row by row (`json-rows.ts`).
 */
import { splitPlanJson, type SplitDocument } from './json-elements.js';
import {
  arrayElements,
  COLLECTIONS,
  isObject,
  OPTIONAL_COLLECTIONS,
  reportElementShapes,
  reportShapeProblems,
  type MisshapenElements,
} from './json-shape.js';
import { jsonPlanInput } from './json-rows.js';
import type { CollectionKey } from './plan-layout.js';
import { ProblemList } from './problems.js';
import type { ReadPlanOptions, ReadPlanResult } from './read-plan.js';
import { validatePlan } from './validate-plan.js';

/**
 * Reads and validates a plan in JSON. Every problem is reported at once, each at its JSON path;
 * the plan is null when any of them is an error.
 */
export function readPlanJson(text: string, options: ReadPlanOptions): ReadPlanResult {
  // A byte order mark is what Windows editors put first; JSON.parse refuses it.
  const json = text.replace(/^\uFEFF/, '');
  const split = splitPlanJson(json, COLLECTIONS);
  return (split && readSplitPlan(split, options)) ?? readWholePlan(json, options);
}

/**
 * Reads and validates a plan split into its elements (`json-elements.ts`); undefined when it has
 * a problem of the document as a whole, which `readPlanJson` words from the whole text.
 */
export function readSplitPlan(split: SplitDocument, options: ReadPlanOptions): ReadPlanResult | undefined {
  const problems = new ProblemList();
  const misshapen = reportSplitShapes(split, problems);
  if (misshapen === undefined) return undefined;
  return validatePlan(
    jsonPlanInput((collection) => split.get(collection), misshapen),
    options,
    problems,
  );
}

/** Parses the whole text, then validates it: for any plan that is not in the plain layout. */
function readWholePlan(json: string, options: ReadPlanOptions): ReadPlanResult {
  const problems = new ProblemList();
  const document = parseJson(json, problems);
  if (document === undefined) return { plan: null, problems: problems.problems };
  const misshapen = reportShapeProblems(document, problems);
  if (!isObject(document)) return { plan: null, problems: problems.problems };
  const elementsOf = (collection: CollectionKey) => {
    const items = document[collection];
    return Array.isArray(items) ? arrayElements(items) : undefined;
  };
  return validatePlan(jsonPlanInput(elementsOf, misshapen), options, problems);
}

/** The parsed document, or undefined with the problem reported. */
function parseJson(text: string, problems: ProblemList): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    problems.error('$', '', `not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

/**
 * Reports the shape problems of a split document as `reportShapeProblems` reports them for the
 * whole document (a split document has no problem of its own: its keys are collections, each an
 * array); undefined when a collection is missing or an element is not valid JSON, problems the
 * whole document then reports.
 */
function reportSplitShapes(split: SplitDocument, problems: ProblemList): MisshapenElements | undefined {
  if (COLLECTIONS.some((collection) => !OPTIONAL_COLLECTIONS.has(collection) && !split.has(collection)))
    return undefined;
  const misshapen: MisshapenElements = new Map();
  try {
    for (const collection of COLLECTIONS) {
      const elements = split.get(collection);
      if (elements) misshapen.set(collection, reportElementShapes(collection, elements, problems));
    }
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  return misshapen;
}
