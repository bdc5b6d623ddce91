/**
 * The shape of the JSON twin of the workbook: one array per sheet, each element an object of
 * the sheet's fields (shared spec `runsheet-workbook.md`). zod checks it and words the problems,
 * at JSON paths (`steps[10].predecessors[0]`); values are the validator's business.
 */
import { z } from 'zod';
import type { ElementSource } from './json-elements.js';
import type { CollectionKey } from './plan-layout.js';
import type { ProblemList } from './problems.js';

/** What a field may hold. Optional fields may be left out or null; blank strings are blank values. */
type FieldKind = 'text' | 'optionalText' | 'number' | 'optionalNumber' | 'idList';

const FIELD_SCHEMAS: Record<FieldKind, z.ZodType> = {
  text: z.string(),
  optionalText: z.string().nullish(),
  number: z.number(),
  optionalNumber: z.number().nullish(),
  idList: z.array(z.string()).nullish(),
};

/**
 * The same rules as FIELD_SCHEMAS, as plain checks. They only decide that an element is well
 * shaped without going through zod, which copies every element it checks (60 MB at 20,000
 * steps); anything they do not accept is checked by zod, which has the last word.
 */
const FIELD_CHECKS: Record<FieldKind, (value: unknown) => boolean> = {
  text: (value) => typeof value === 'string',
  optionalText: (value) => value === undefined || value === null || typeof value === 'string',
  number: (value) => typeof value === 'number' && Number.isFinite(value),
  optionalNumber: (value) =>
    value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value)),
  idList: (value) =>
    value === undefined ||
    value === null ||
    (Array.isArray(value) && value.every((entry) => typeof entry === 'string')),
};

/** The fields of one element of each collection, in the spec's order. */
const ELEMENT_FIELDS = {
  stepTypes: { type: 'text', name: 'optionalText' },
  phases: { order: 'number', name: 'text' },
  chapters: { order: 'number', name: 'text', phase: 'text' },
  teams: { name: 'text', adGroup: 'optionalText', channel: 'optionalText', mailbox: 'optionalText' },
  iterations: { name: 'text', kind: 'text', timeZone: 'optionalText', comms: 'optionalText' },
  steps: {
    id: 'text',
    title: 'text',
    chapter: 'text',
    team: 'text',
    environment: 'optionalText',
    durationMinutes: 'optionalNumber',
    predecessors: 'idList',
    description: 'optionalText',
    instructionsUrl: 'optionalText',
    scope: 'idList',
  },
  tasks: {
    id: 'text',
    description: 'text',
    team: 'optionalText',
    durationMinutes: 'optionalNumber',
    controls: 'idList',
  },
  controls: {
    id: 'text',
    name: 'text',
    producer: 'text',
    validator: 'text',
    description: 'optionalText',
  },
  schedule: { iteration: 'text', chapter: 'text', start: 'text', end: 'text' },
  fixedStarts: { iteration: 'text', step: 'text', notBefore: 'text' },
} satisfies Record<CollectionKey, Record<string, FieldKind>>;

export const COLLECTIONS = Object.keys(ELEMENT_FIELDS) as CollectionKey[];

/**
 * Collections a document may leave out, as a workbook may leave out their sheets: step types (they
 * may all be registered already) and fixed starts (most plans have none).
 */
export const OPTIONAL_COLLECTIONS: ReadonlySet<CollectionKey> = new Set(['stepTypes', 'fixedStarts']);

/** A field of a collection's elements with its schema, in the spec's order. */
export interface ElementField {
  name: string;
  schema: z.ZodType;
  isList: boolean;
}

/** The fields of the elements of `collection`. */
export function elementFields(collection: CollectionKey): ElementField[] {
  return Object.entries(ELEMENT_FIELDS[collection] as Record<string, FieldKind>).map(([name, kind]) => ({
    name,
    schema: FIELD_SCHEMAS[kind],
    isList: kind === 'idList',
  }));
}

const ELEMENT_SCHEMAS = Object.fromEntries(
  COLLECTIONS.map((collection) => [
    collection,
    z.strictObject(Object.fromEntries(elementFields(collection).map((field) => [field.name, field.schema]))),
  ]),
) as Record<CollectionKey, z.ZodObject>;

/**
 * The document's own shape: the arrays, not yet their elements, which are checked one by one
 * (`reportShapeProblems`) rather than copied all at once.
 */
const elements = z.array(z.unknown());
const DOCUMENT_SCHEMA = z.strictObject({
  ...Object.fromEntries(
    COLLECTIONS.map((c) => [c, OPTIONAL_COLLECTIONS.has(c) ? elements.optional() : elements]),
  ),
});

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the plain checks accept the element; when not, zod decides. */
function looksWellShaped(element: unknown, fields: Record<string, FieldKind>): boolean {
  if (!isObject(element)) return false;
  for (const key of Object.keys(element)) if (!Object.hasOwn(fields, key)) return false;
  for (const [name, kind] of Object.entries(fields)) if (!FIELD_CHECKS[kind](element[name])) return false;
  return true;
}

/** The elements of each collection whose shape is wrong, by index; the others are read as they are. */
export type MisshapenElements = Map<CollectionKey, Set<number>>;

/** The elements of a parsed document's arrays. */
export function arrayElements(elements: readonly unknown[]): ElementSource {
  return { length: elements.length, at: (index) => elements[index] };
}

/**
 * Reports shape errors at their JSON path, in the order a check of the whole document lists them:
 * collection by collection, element by element, then the document's unknown fields. Unknown
 * fields are only warned about, like unknown columns.
 */
export function reportShapeProblems(document: unknown, problems: ProblemList): MisshapenElements {
  const misshapen: MisshapenElements = new Map();
  const documentIssues = DOCUMENT_SCHEMA.safeParse(document).error?.issues ?? [];
  if (!isObject(document)) {
    reportIssues(document, [], documentIssues, problems);
    return misshapen;
  }
  for (const collection of COLLECTIONS) {
    const items = document[collection];
    if (Array.isArray(items)) {
      misshapen.set(collection, reportElementShapes(collection, arrayElements(items), problems));
      continue;
    }
    const issues = documentIssues.filter((issue) => issue.path[0] === collection);
    reportIssues(document, [], issues, problems);
  }
  const ownIssues = documentIssues.filter((issue) => issue.path.length === 0);
  reportIssues(document, [], ownIssues, problems);
  return misshapen;
}

/** Reports the shape errors of a collection's elements; answers the indexes of those with any. */
export function reportElementShapes(
  collection: CollectionKey,
  elements: ElementSource,
  problems: ProblemList,
): Set<number> {
  const fields = ELEMENT_FIELDS[collection] as Record<string, FieldKind>;
  const wrong = new Set<number>();
  for (let index = 0; index < elements.length; index++) {
    const element = elements.at(index);
    if (looksWellShaped(element, fields)) continue;
    const result = ELEMENT_SCHEMAS[collection].safeParse(element);
    if (result.success) continue;
    wrong.add(index);
    reportIssues(element, [collection, index], result.error.issues, problems);
  }
  return wrong;
}

/** Reports zod's issues about `value`, which is at `at` in the document. */
function reportIssues(
  value: unknown,
  at: readonly PropertyKey[],
  issues: readonly z.core.$ZodIssue[],
  problems: ProblemList,
): void {
  for (const issue of issues) {
    const path = [...at, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.warning(formatPath([...path, key]), '', 'unknown field, ignored');
      continue;
    }
    const found = valueAt(value, issue.path);
    const problem = found === undefined ? 'missing required field' : issue.message;
    problems.error(formatPath(path), quote(found), problem);
  }
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
