/**
 * The workbook layout (shared spec `runsheet-workbook.md`): which sheet holds which collection of
 * the plan, and which column holds which field. Readers match headers through it and writers
 * write it, so that a written workbook reads back as the same plan.
 */
import type { PlanModel } from '../domain/plan-model.js';

/**
 * How a cell is read: `link` prefers a hyperlink's target over its text; `list` splits the cell
 * into ids; the others read the cell as it is (text, number or date).
 */
export type ColumnKind = 'text' | 'number' | 'link' | 'list' | 'dateTime';

export interface ColumnLayout {
  /** The field of the plan model (and of the JSON), e.g. `instructionsUrl`. */
  field: string;
  /** The header the writer writes, e.g. `Instructions link`. */
  header: string;
  /** Other headers read as this column. The header and the field name are always accepted. */
  aliases: readonly string[];
  required: boolean;
  kind: ColumnKind;
  /** Column width in characters when written. */
  width: number;
}

export type CollectionKey = keyof PlanModel;

export interface SheetLayout {
  collection: CollectionKey;
  sheet: string;
  /** Only `Step types` and `Fixed starts` may be left out: any other missing sheet would empty part of the plan. */
  required: boolean;
  /** Written only when the plan has entries (an optional sheet most plans do not use). */
  omitWhenEmpty?: boolean;
  columns: readonly ColumnLayout[];
}

/** The entries of a collection the writers write: none for an empty `omitWhenEmpty` sheet. */
export function writtenItems(plan: PlanModel, layout: SheetLayout): Record<string, unknown>[] | null {
  // The model's element types have no index signature; the layout names their fields.
  const items = (plan[layout.collection] ?? []) as unknown as Record<string, unknown>[];
  return layout.omitWhenEmpty && items.length === 0 ? null : items;
}

function column(
  field: string,
  header: string,
  kind: ColumnKind,
  width: number,
  { required = false, aliases = [] }: { required?: boolean; aliases?: readonly string[] } = {},
): ColumnLayout {
  return { field, header, aliases, required, kind, width };
}

const required = { required: true };
const DURATION_ALIASES = ['Duration (min)', 'Duration', 'Minutes'];
const DESCRIPTION_ALIASES = ['Description (HTML)'];

/** Every sheet of the workbook, in the order the writer writes them. */
export const PLAN_SHEETS: readonly SheetLayout[] = [
  {
    collection: 'stepTypes',
    sheet: 'Step types',
    required: false,
    columns: [column('type', 'Type', 'text', 8, required), column('name', 'Name', 'text', 30)],
  },
  {
    collection: 'phases',
    sheet: 'Phases',
    required: true,
    columns: [column('order', 'Order', 'number', 8, required), column('name', 'Phase', 'text', 30, required)],
  },
  {
    collection: 'chapters',
    sheet: 'Chapters',
    required: true,
    columns: [
      column('order', 'Order', 'number', 8, required),
      column('name', 'Chapter', 'text', 30, required),
      column('phase', 'Phase', 'text', 30, required),
    ],
  },
  {
    collection: 'teams',
    sheet: 'Teams',
    required: true,
    columns: [
      column('name', 'Team', 'text', 20, required),
      column('adGroup', 'AD group', 'text', 38, { aliases: ['AD group (object id)', 'AD group id'] }),
      column('channel', 'Channel', 'link', 40, { aliases: ['Channel link', 'Teams channel'] }),
      column('mailbox', 'Mailbox', 'text', 30),
    ],
  },
  {
    collection: 'iterations',
    sheet: 'Iterations',
    required: true,
    columns: [
      column('name', 'Iteration', 'text', 14, required),
      column('kind', 'Kind', 'text', 10, required),
      column('timeZone', 'Time zone', 'text', 20),
      column('comms', 'Comms', 'text', 8),
    ],
  },
  {
    collection: 'steps',
    sheet: 'Steps',
    required: true,
    columns: [
      column('id', 'Step', 'text', 12, required),
      column('title', 'Title', 'text', 40, required),
      column('chapter', 'Chapter', 'text', 24, required),
      column('team', 'Team', 'text', 16, required),
      column('environment', 'Environment', 'text', 12),
      column('durationMinutes', 'Duration (minutes)', 'number', 10, { aliases: DURATION_ALIASES }),
      column('predecessors', 'Predecessors', 'list', 24),
      column('description', 'Description', 'text', 60, { aliases: DESCRIPTION_ALIASES }),
      column('instructionsUrl', 'Instructions link', 'link', 40, { aliases: ['Instructions'] }),
    ],
  },
  {
    collection: 'tasks',
    sheet: 'Tasks',
    required: true,
    columns: [
      column('id', 'Task', 'text', 14, required),
      column('description', 'Description', 'text', 60, { ...required, aliases: DESCRIPTION_ALIASES }),
      column('team', 'Team', 'text', 16),
      column('durationMinutes', 'Duration (minutes)', 'number', 10, { aliases: DURATION_ALIASES }),
      column('controls', 'Controls', 'list', 24),
    ],
  },
  {
    collection: 'controls',
    sheet: 'Controls',
    required: true,
    columns: [
      column('id', 'Control', 'text', 12, required),
      column('name', 'Name', 'text', 40, required),
      column('producer', 'Producer', 'text', 16, required),
      column('validator', 'Validator', 'text', 16, required),
      column('description', 'Description', 'text', 60, { aliases: DESCRIPTION_ALIASES }),
    ],
  },
  {
    collection: 'schedule',
    sheet: 'Schedule',
    required: true,
    columns: [
      column('iteration', 'Iteration', 'text', 14, required),
      column('chapter', 'Chapter', 'text', 30, required),
      column('start', 'Start', 'dateTime', 18, required),
      column('end', 'End', 'dateTime', 18, required),
    ],
  },
  {
    // Not in the shared spec yet: proposed in docs/time.md ("Fixed starts").
    collection: 'fixedStarts',
    sheet: 'Fixed starts',
    required: false,
    omitWhenEmpty: true,
    columns: [
      column('iteration', 'Iteration', 'text', 14, required),
      column('step', 'Step', 'text', 12, required),
      column('notBefore', 'Not before', 'dateTime', 18, {
        ...required,
        aliases: ['Fixed start', 'Opens at'],
      }),
    ],
  },
];

/** The Steps sheet has one more column per iteration, headed with its name, marked `x` in scope. */
export const ITERATION_COLUMN_WIDTH = 9;

/**
 * Headers and sheet names match case-insensitively, ignoring spaces, `_`, `-`, `(` and `)`:
 * `instructions_link`, `Instructions link` and `INSTRUCTIONS-LINK` are one header.
 */
export function normalizeHeader(header: string): string {
  return header.toLowerCase().replace(/[\s_\-()]+/g, '');
}

/** Every normalised header a column answers to. */
export function headerKeys(column: ColumnLayout): string[] {
  return [column.header, ...column.aliases, column.field].map(normalizeHeader);
}

/**
 * The fields of a collection's elements in the model and in JSON, in the spec's order: the
 * columns' fields, and for steps their scope (which the workbook spreads over iteration columns).
 */
export function modelFields(layout: SheetLayout): string[] {
  const fields = layout.columns.map((column) => column.field);
  return layout.collection === 'steps' ? [...fields, 'scope'] : fields;
}
