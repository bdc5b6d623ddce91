/**
 * Problems found while reading a plan. An import is all or nothing, so readers never stop at the
 * first problem: they collect every one, each with where it is, the value found and what is wrong.
 */

export interface ImportProblem {
  /** Errors block the import; warnings are reported and never block. */
  severity: 'error' | 'warning';
  /**
   * Where the value is: `Steps!12:Predecessors` (sheet!row:header as written in the workbook),
   * `steps[10].predecessors[0]` (JSON path), or a sheet / header row (`Steps`, `Steps!1`).
   */
  where: string;
  /** The value as found in the file ('' when blank or when the problem is about a whole sheet). */
  value: string;
  /** What is wrong, in words a planner understands. */
  problem: string;
}

/**
 * One line per problem: `Steps!12:Predecessors "TRT-9" — unknown predecessor step TRT-9`.
 * The quoted value is left out when there is none, so blank cells read `Steps!5:Title — ...`.
 */
export function formatProblem(p: ImportProblem): string {
  const value = p.value === '' ? '' : ` "${p.value}"`;
  return `${p.where}${value} — ${p.problem}`;
}

// Descriptions can be pages of HTML; a problem quotes enough of the value to find it.
const MAX_QUOTED_LENGTH = 100;

function quotable(value: string): string {
  return value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH - 1)}…` : value;
}

/** Collects problems in the order they are found. */
export class ProblemList {
  readonly problems: ImportProblem[] = [];

  error(where: string, value: string, problem: string): void {
    this.problems.push({ severity: 'error', where, value: quotable(value), problem });
  }

  warning(where: string, value: string, problem: string): void {
    this.problems.push({ severity: 'warning', where, value: quotable(value), problem });
  }

  get hasErrors(): boolean {
    return this.problems.some((p) => p.severity === 'error');
  }
}
