/**
 * Edit distances for "did you mean" answers. Both count the swap of two adjacent characters as one
 * edit (the optimal string alignment distance), because swapping two keys is the most common slip
 * when typing an id or a command (`12354` for `12345`, `strat` for `start`), and plain Levenshtein
 * would count it as two.
 */

/**
 * The number of insertions, deletions, substitutions and adjacent swaps that turn `a` into `b`. With
 * a `limit`, stops as soon as the distance is sure to exceed it and returns `limit + 1` (read it as
 * "more than limit"). Meant for short strings (command words, step types): it builds a table of
 * `a.length × b.length` cells; to compare against thousands of ids, use `isOneEditApart`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (a.length === 0 || b.length === 0) return Math.min(a.length + b.length, limit + 1);

  // Three rolling rows: the swap looks two rows back.
  let twoRowsBack = new Array<number>(b.length + 1).fill(0);
  let previousRow = Array.from({ length: b.length + 1 }, (_, column) => column);
  let currentRow = new Array<number>(b.length + 1).fill(0);
  for (let row = 1; row <= a.length; row++) {
    const charA = a.charCodeAt(row - 1);
    currentRow[0] = row;
    let rowMinimum = row;
    for (let column = 1; column <= b.length; column++) {
      const charB = b.charCodeAt(column - 1);
      let distance = Math.min(
        previousRow[column - 1]! + (charA === charB ? 0 : 1),
        previousRow[column]! + 1,
        currentRow[column - 1]! + 1,
      );
      const swapped = row > 1 && column > 1 && charA === b.charCodeAt(column - 2);
      if (swapped && a.charCodeAt(row - 2) === charB)
        distance = Math.min(distance, twoRowsBack[column - 2]! + 1);
      currentRow[column] = distance;
      rowMinimum = Math.min(rowMinimum, distance);
    }
    // Every cell comes from the row above (at most one more than its minimum) or, by a swap, from
    // two rows above plus one; so once a whole row is past the limit, every later row is too.
    if (rowMinimum > limit) return limit + 1;
    [twoRowsBack, previousRow, currentRow] = [previousRow, currentRow, twoRowsBack];
  }
  return Math.min(previousRow[b.length]!, limit + 1);
}

/**
 * Whether two different strings are exactly one insertion, deletion, substitution or adjacent swap
 * apart. Linear and allocation-free, so it can run against every id of a 20,000-id plan per call.
 */
export function isOneEditApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a.charCodeAt(a.length - 1 - suffix) === b.charCodeAt(b.length - 1 - suffix)
  ) {
    suffix++;
  }
  // What is left once the common start and end are set aside is the difference itself.
  const restA = a.length - prefix - suffix;
  const restB = b.length - prefix - suffix;
  if (restA <= 1 && restB <= 1) return true;
  return (
    restA === 2 &&
    restB === 2 &&
    a.charCodeAt(prefix) === b.charCodeAt(prefix + 1) &&
    a.charCodeAt(prefix + 1) === b.charCodeAt(prefix)
  );
}
