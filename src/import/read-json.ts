/**
 * Reads the JSON twin of the workbook: the same model, one array per sheet, camelCase fields
 * (shared spec `runsheet-workbook.md`). zod checks the shape and reports at JSON paths
 * (`steps[10].predecessors[0]`); the rules of the plan are the validator's, as for a workbook.
 */
import { z } from 'zod';
import type { InputValue, PlanInput } from './plan-input.js';
import type { CollectionKey } from './plan-layout.js';
import { ProblemList } from './problems.js';
import type { ReadPlanOptions, ReadPlanResult } from './read-plan.js';
import { validatePlan } from './validate-plan.js';

// Optional fields may be left out or null; blank strings are blank values, as in a workbook.
const optionalText = z.string().nullish();
const optionalNumber = z.number().nullish();
const idList = z.array(z.string()).nullish();

/** The shape of one element of each array. Values are checked by the validator, not here. */
const ELEMENT_SCHEMAS = {
  stepTypes: z.strictObject({ type: z.string(), name: optionalText }),
  phases: z.strictObject({ order: z.number(), name: z.string() }),
  chapters: z.strictObject({ order: z.number(), name: z.string(), phase: z.string() }),
  teams: z.strictObject({
    name: z.string(),
    adGroup: optionalText,
    channel: optionalText,
    mailbox: optionalText,
  }),
  iterations: z.strictObject({
    name: z.string(),
    kind: z.string(),
    timeZone: optionalText,
    comms: optionalText,
  }),
  steps: z.strictObject({
    id: z.string(),
    title: z.string(),
    chapter: z.string(),
    team: z.string(),
    environment: optionalText,
    durationMinutes: optionalNumber,
    predecessors: idList,
    description: optionalText,
    instructionsUrl: optionalText,
    scope: idList,
  }),
  tasks: z.strictObject({
    id: z.string(),
    description: z.string(),
    team: optionalText,
    durationMinutes: optionalNumber,
    controls: idList,
  }),
  controls: z.strictObject({
    id: z.string(),
    name: z.string(),
    producer: z.string(),
    validator: z.string(),
    description: optionalText,
  }),
  schedule: z.strictObject({
    iteration: z.string(),
    chapter: z.string(),
    start: z.string(),
    end: z.string(),
  }),
  fixedStarts: z.strictObject({
    iteration: z.string(),
    step: z.string(),
    notBefore: z.string(),
  }),
} satisfies Record<CollectionKey, z.ZodObject>;

const PLAN_SCHEMA = z.strictObject({
  // Step types are optional, as the workbook's sheet is: they may all be registered already.
  stepTypes: z.array(ELEMENT_SCHEMAS.stepTypes).optional(),
  phases: z.array(ELEMENT_SCHEMAS.phases),
  chapters: z.array(ELEMENT_SCHEMAS.chapters),
  teams: z.array(ELEMENT_SCHEMAS.teams),
  iterations: z.array(ELEMENT_SCHEMAS.iterations),
  steps: z.array(ELEMENT_SCHEMAS.steps),
  tasks: z.array(ELEMENT_SCHEMAS.tasks),
  controls: z.array(ELEMENT_SCHEMAS.controls),
  schedule: z.array(ELEMENT_SCHEMAS.schedule),
  // Optional like its sheet: most plans have no fixed start.
  fixedStarts: z.array(ELEMENT_SCHEMAS.fixedStarts).optional(),
});

/**
 * Reads and validates a plan in JSON. Every problem is reported at once, each at its JSON path;
 * the plan is null when any of them is an error.
 */
export function readPlanJson(text: string, options: ReadPlanOptions): ReadPlanResult {
  const problems = new ProblemList();
  let document: unknown;
  try {
    // A byte order mark is what Windows editors put first; JSON.parse refuses it.
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    problems.error('$', '', `not valid JSON (${(error as Error).message})`);
    return { plan: null, problems: problems.problems };
  }
  reportShapeProblems(document, problems);
  if (!isObject(document)) return { plan: null, problems: problems.problems };
  return validatePlan(toPlanInput(document), options, problems);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `steps[10].predecessors[0]`; `$` for the document itself. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : `${text === '' ? '' : '.'}${String(segment)}`;
  }
  return text === '' ? '$' : text;
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let value = document;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function quote(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Shape errors at their JSON path; unknown fields are only warned about, like unknown columns. */
function reportShapeProblems(document: unknown, problems: ProblemList): void {
  const result = PLAN_SCHEMA.safeParse(document);
  if (result.success) return;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.warning(formatPath([...issue.path, key]), '', 'unknown field, ignored');
      continue;
    }
    const value = valueAt(document, issue.path);
    const problem = value === undefined ? 'missing required field' : issue.message;
    problems.error(formatPath(issue.path), quote(value), problem);
  }
}

const LIST_FIELDS = new Set(['predecessors', 'controls', 'scope']);

/**
 * The document's values, each with its path. Values of the wrong shape are left out: their shape
 * error is reported already, and the validator then only checks what it can read.
 */
function toPlanInput(document: Record<string, unknown>): PlanInput {
  const records = (collection: CollectionKey): Record<string, unknown>[] => {
    const elements = document[collection];
    if (!Array.isArray(elements)) return [];
    const schema = ELEMENT_SCHEMAS[collection];
    return elements.map((element: unknown, index) => {
      const where = `${collection}[${index}]`;
      const record: Record<string, unknown> = { where };
      if (!isObject(element)) return record;
      for (const [field, fieldSchema] of Object.entries(schema.shape)) {
        const value = element[field];
        if (value === undefined || !fieldSchema.safeParse(value).success) continue;
        record[field] = toInput(value, `${where}.${field}`, LIST_FIELDS.has(field));
      }
      return record;
    });
  };
  const steps = records('steps').map(({ scope, ...step }) => ({
    ...step,
    scope: { kind: 'names', names: (scope as InputValue[] | undefined) ?? [] },
  }));
  // The records are built from the schemas above, whose fields are those of PlanInput's records.
  return {
    stepTypes: records('stepTypes'),
    phases: records('phases'),
    chapters: records('chapters'),
    teams: records('teams'),
    iterations: records('iterations'),
    steps,
    tasks: records('tasks'),
    controls: records('controls'),
    schedule: records('schedule'),
    fixedStarts: records('fixedStarts'),
  } as unknown as PlanInput;
}

function toInput(value: unknown, where: string, isList: boolean): InputValue | InputValue[] {
  if (isList) {
    const entries = Array.isArray(value) ? (value as string[]) : [];
    return entries.map((entry, index) => ({ value: entry, where: `${where}[${index}]` }));
  }
  // null is a blank optional value; the schema let through only strings, numbers and null.
  return { value: value === null ? '' : (value as string | number), where };
}
