/**
 * The rows of a parsed JSON plan as the validator reads them, built on demand: a row is a small
 * object over its element, a field becomes an InputValue when the validator reads it, and a
 * value's path (`steps[10].predecessors[0]`) is spelled only when a problem or a first
 * occurrence names it. Wrapping every value of a 20,000-step plan up front, with its path as a
 * string, allocated about 200 MB (docs/performance.md).
 */
import type { ElementSource } from './json-elements.js';
import { elementFields, isObject, type MisshapenElements } from './json-shape.js';
import { inputRows, type InputRows, type InputValue, type PlanInput, type ScopeInput } from './plan-input.js';
import type { CollectionKey } from './plan-layout.js';

/** One element of a collection, located by its index. */
class JsonRow {
  constructor(
    readonly collection: CollectionKey,
    readonly index: number,
    readonly element: Record<string, unknown>,
  ) {}

  get where(): string {
    return `${this.collection}[${this.index}]`;
  }
}

/**
 * A value of an element's field, or of an entry of a list field. It holds its location, not its
 * row: the validator keeps the value of every id it has seen (to name the first one of a
 * repeat), and through the row it would keep the whole parsed element.
 */
class JsonValue implements InputValue {
  constructor(
    readonly value: string | number,
    private readonly collection: CollectionKey,
    private readonly index: number,
    private readonly field: string,
    private readonly entry = -1,
  ) {}

  get where(): string {
    const entry = this.entry < 0 ? '' : `[${this.entry}]`;
    return `${this.collection}[${this.index}].${this.field}${entry}`;
  }
}

/**
 * A row class per collection, with a getter per field. An element whose shape is wrong gives
 * only its fields of the right shape: their shape errors are reported already, and the validator
 * then checks what it can read. A field left out or of the wrong shape reads as undefined.
 */
function rowClass(
  collection: CollectionKey,
): new (index: number, element: unknown, misshapen: boolean) => JsonRow {
  class Row extends JsonRow {
    constructor(
      index: number,
      element: unknown,
      readonly misshapen: boolean,
    ) {
      super(collection, index, isObject(element) ? element : {});
    }
  }
  for (const field of elementFields(collection)) {
    const read = function (this: Row): InputValue | InputValue[] | undefined {
      const value = this.element[field.name];
      if (value === undefined || (this.misshapen && !field.schema.safeParse(value).success)) return undefined;
      if (field.isList) {
        const entries = Array.isArray(value) ? (value as string[]) : [];
        return entries.map((entry, index) => new JsonValue(entry, collection, this.index, field.name, index));
      }
      // null is a blank optional value; the schema lets through only strings, numbers and null.
      return new JsonValue(
        value === null ? '' : (value as string | number),
        collection,
        this.index,
        field.name,
      );
    };
    // Steps state their scope as the names of iterations (the workbook, as column markers).
    const get =
      collection === 'steps' && field.name === 'scope'
        ? function (this: Row): ScopeInput {
            return { kind: 'names', names: (read.call(this) as InputValue[] | undefined) ?? [] };
          }
        : read;
    Object.defineProperty(Row.prototype, field.name, { enumerable: true, get });
  }
  return Row;
}

function jsonRows(
  collection: CollectionKey,
  elements: ElementSource | undefined,
  misshapen: MisshapenElements,
): InputRows<unknown> {
  const wrong = misshapen.get(collection);
  const Row = rowClass(collection);
  return inputRows(
    elements?.length ?? 0,
    (index) => new Row(index, elements!.at(index), wrong?.has(index) ?? false),
  );
}

/**
 * The plan input of a JSON plan whose shape problems are reported already: the elements of each
 * collection (none when the collection is missing or not an array).
 */
export function jsonPlanInput(
  elementsOf: (collection: CollectionKey) => ElementSource | undefined,
  misshapen: MisshapenElements,
): PlanInput {
  const rows = (collection: CollectionKey) => jsonRows(collection, elementsOf(collection), misshapen);
  // The rows have the fields of the element schemas, which are those of PlanInput's records.
  return {
    stepTypes: rows('stepTypes'),
    phases: rows('phases'),
    chapters: rows('chapters'),
    teams: rows('teams'),
    iterations: rows('iterations'),
    steps: rows('steps'),
    tasks: rows('tasks'),
    controls: rows('controls'),
    schedule: rows('schedule'),
    fixedStarts: rows('fixedStarts'),
  } as unknown as PlanInput;
}
