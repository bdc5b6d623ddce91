/**
 * Keys declared once in a plan: names that rows refer to (phases, chapters, teams, iterations)
 * and business ids (steps, tasks, controls). A repeat is an error that says where the key was
 * declared first.
 */
import type { InputValue } from './plan-input.js';
import type { ProblemList } from './problems.js';
import { readRequiredText, textOf } from './validate-values.js';

/** Names match case-insensitively with runs of spaces as one: `business  ops` is `Business Ops`. */
export function nameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Names rows refer to: declared once, referred to forgivingly, stored in the declared spelling.
 */
export class NameIndex {
  private readonly declared = new Map<string, { name: string; where: string }>();
  /** Names found, as written: every row names its team and chapter, mostly in a few spellings. */
  private readonly found = new Map<string, string>();

  /**
   * @param what the kind of name, as problems spell it (`team`).
   * @param keyOf when two names are the same one. Iterations use the header normalisation,
   *   since their names head the scope columns of the Steps sheet.
   */
  constructor(
    private readonly what: string,
    private readonly keyOf: (name: string) => string = nameKey,
  ) {}

  /** Declares a name; false, with an error, when it repeats a name declared before. */
  declare(problems: ProblemList, name: string, where: string): boolean {
    const key = this.keyOf(name);
    const first = this.declared.get(key);
    if (first !== undefined) {
      problems.error(where, name, `duplicate ${this.what} ${first.name} (first at ${first.where})`);
      return false;
    }
    this.declared.set(key, { name, where });
    return true;
  }

  /** The declared spelling of a name, or undefined when none matches. */
  find(name: string): string | undefined {
    const known = this.found.get(name);
    if (known !== undefined) return known;
    const declared = this.declared.get(this.keyOf(name))?.name;
    // A declared name stays declared, so what was found once is found again.
    if (declared !== undefined) this.found.set(name, declared);
    return declared;
  }

  /** A required reference: the declared name, or undefined with an error (blank or unknown). */
  resolve(problems: ProblemList, input: InputValue | undefined): string | undefined {
    const text = readRequiredText(problems, input);
    if (text === undefined || input === undefined) return undefined;
    const name = this.find(text);
    if (name === undefined) problems.error(input.where, text, `unknown ${this.what} ${text}`);
    return name;
  }
}

/**
 * Business ids seen so far, to report a repeat with where the id was first. Only the row of each
 * id is kept; the location of the first is spelled when a repeat names it (`whereFirst`).
 */
export class UniqueIds {
  private readonly firstRow = new Map<string, number>();

  /** @param whereFirst where the id of row `index` is, e.g. `Steps!12:Step` or `steps[10].id`. */
  constructor(
    private readonly what: string,
    private readonly whereFirst: (index: number) => string,
  ) {}

  /** False, with an error, when `canonical` was seen before (`trt-0001` repeats `TRT-1`). */
  claim(problems: ProblemList, canonical: string, input: InputValue, rowIndex: number): boolean {
    const first = this.firstRow.get(canonical);
    if (first !== undefined) {
      problems.error(
        input.where,
        textOf(input),
        `duplicate ${this.what} ${canonical} (first at ${this.whereFirst(first)})`,
      );
      return false;
    }
    this.firstRow.set(canonical, rowIndex);
    return true;
  }
}
