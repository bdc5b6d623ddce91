/**
 * A plan as a file gave it, before validation: every value still as written, with where it came
 * from. Both readers (workbook and JSON) produce this, so that one validator (`validate-plan.ts`)
 * applies every rule to both formats and reports problems at the workbook cell or JSON path.
 *
 * Rows are handed out one at a time (`InputRows.at`) rather than as arrays: a reader builds a
 * row's values, with their locations, when the validator asks for it, and nothing keeps them.
 * Wrapping every value of a 20,000-step plan at once took hundreds of MB (docs/performance.md).
 */

/** One value from the file: text, or a number when the file stored a number. */
export interface InputValue {
  value: string | number;
  /** `Steps!12:Predecessors` or `steps[10].predecessors[0]`. */
  where: string;
}

/**
 * The fields of one row (workbook) or object (JSON). A field left undefined was not in the file:
 * its column or JSON property is missing, which the reader has already reported when required,
 * so the validator only applies defaults to it. A blank cell is an InputValue holding ''.
 */
type InputRecord<Scalar extends string, List extends string = never> = {
  /** The row or object as a whole: `Steps!12`, `steps[10]`. */
  where: string;
} & { [Field in Scalar]?: InputValue } & { [Field in List]?: InputValue[] };

/** The iterations a step runs in, as each format states them. */
export type ScopeInput =
  /** Workbook: one column per iteration, each cell a marker (`x`, `yes`, blank, `no`...). */
  | { kind: 'markers'; markers: { iteration: string; marker: InputValue }[] }
  /** JSON: the names of the iterations. */
  | { kind: 'names'; names: InputValue[] };

export type StepTypeInput = InputRecord<'type' | 'name'>;
export type PhaseInput = InputRecord<'order' | 'name'>;
export type ChapterInput = InputRecord<'order' | 'name' | 'phase'>;
export type TeamInput = InputRecord<'name' | 'adGroup' | 'channel' | 'mailbox'>;
export type IterationInput = InputRecord<'name' | 'kind' | 'timeZone' | 'comms'>;
export type StepInput = InputRecord<
  'id' | 'title' | 'chapter' | 'team' | 'environment' | 'durationMinutes' | 'description' | 'instructionsUrl',
  'predecessors'
> & { scope?: ScopeInput };
export type TaskInput = InputRecord<'id' | 'description' | 'team' | 'durationMinutes', 'controls'>;
export type ControlInput = InputRecord<'id' | 'name' | 'producer' | 'validator' | 'description'>;
export type ScheduleInput = InputRecord<'iteration' | 'chapter' | 'start' | 'end'>;
export type FixedStartInput = InputRecord<'iteration' | 'step' | 'notBefore'>;

/**
 * The rows of one sheet or JSON array, in file order. `at(index)` builds the row afresh on each
 * call (0 ≤ index < length), so a caller that needs a row twice reads it twice.
 */
export interface InputRows<Row> extends Iterable<Row> {
  readonly length: number;
  at(index: number): Row;
}

/** Rows built by `rowAt` on demand. */
export function inputRows<Row>(length: number, rowAt: (index: number) => Row): InputRows<Row> {
  return {
    length,
    at: rowAt,
    *[Symbol.iterator]() {
      for (let index = 0; index < length; index++) yield rowAt(index);
    },
  };
}

/** Rows already built, such as a workbook's. */
export function inputRowsOf<Row>(rows: readonly Row[]): InputRows<Row> {
  return inputRows(rows.length, (index) => rows[index]!);
}

export interface PlanInput {
  stepTypes: InputRows<StepTypeInput>;
  phases: InputRows<PhaseInput>;
  chapters: InputRows<ChapterInput>;
  teams: InputRows<TeamInput>;
  iterations: InputRows<IterationInput>;
  steps: InputRows<StepInput>;
  tasks: InputRows<TaskInput>;
  controls: InputRows<ControlInput>;
  schedule: InputRows<ScheduleInput>;
  fixedStarts: InputRows<FixedStartInput>;
}
