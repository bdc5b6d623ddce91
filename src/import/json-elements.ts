/**
 * The elements of a plan's JSON text, parsed one at a time. A plan document is one object of
 * arrays; parsing it whole builds every element at once (24 MB of objects for a 17 MB file at
 * 20,000 steps, all of them surviving V8's young generation, which then grows to its largest).
 * Here the text is only scanned for where each element of each array starts and ends, and an
 * element is parsed when the validator reads it, then dropped.
 *
 * Only the plain layout is split: one object whose keys are the plan's collections, each once,
 * each an array. Anything else (another key, a collection that is not an array, a repeated key,
 * text that is not JSON) answers undefined, and the caller parses the document whole, which
 * words every problem as before.
 */
import type { CollectionKey } from './plan-layout.js';

/** The elements of one collection: `at(index)` parses the element afresh on each call. */
export interface ElementSource {
  readonly length: number;
  at(index: number): unknown;
}

/** Each collection of the document (absent collections have none), or undefined when not split. */
export type SplitDocument = ReadonlyMap<CollectionKey, ElementSource>;

// JSON's own whitespace; anything else between tokens makes the text invalid.
const isWhitespace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

class Scanner {
  at = 0;
  constructor(readonly text: string) {}

  skipWhitespace(): void {
    while (this.at < this.text.length && isWhitespace(this.text.charCodeAt(this.at))) this.at++;
  }

  /** Consumes `char` after whitespace; false when the next character is another one. */
  take(char: string): boolean {
    this.skipWhitespace();
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }

  /** Skips a string starting at the current `"`; false when it does not end. */
  skipString(): boolean {
    for (this.at++; this.at < this.text.length; this.at++) {
      const char = this.text[this.at];
      if (char === '\\') this.at++;
      else if (char === '"') {
        this.at++;
        return true;
      }
    }
    return false;
  }

  /**
   * Skips one value: a string, an array or object (to its closing bracket, skipping strings), or
   * a number or literal (to the next delimiter). Whether it is valid JSON is left to JSON.parse
   * of the element.
   */
  skipValue(): boolean {
    const first = this.text[this.at];
    if (first === '"') return this.skipString();
    if (first === '{' || first === '[') {
      let depth = 0;
      while (this.at < this.text.length) {
        const char = this.text[this.at];
        if (char === '"') {
          if (!this.skipString()) return false;
          continue;
        }
        if (char === '{' || char === '[') depth++;
        else if (char === '}' || char === ']') depth--;
        this.at++;
        if (depth === 0) return true;
      }
      return false;
    }
    while (this.at < this.text.length) {
      const char = this.text[this.at];
      if (char === ',' || char === ']' || char === '}' || isWhitespace(this.text.charCodeAt(this.at))) break;
      this.at++;
    }
    return true;
  }
}

/** Where each element of the array at the scanner's position starts and ends. */
function scanArray(scanner: Scanner): { starts: number[]; ends: number[] } | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  if (!scanner.take('[')) return undefined;
  if (scanner.take(']')) return { starts, ends };
  do {
    scanner.skipWhitespace();
    const start = scanner.at;
    if (!scanner.skipValue() || scanner.at === start) return undefined;
    starts.push(start);
    ends.push(scanner.at);
  } while (scanner.take(','));
  return scanner.take(']') ? { starts, ends } : undefined;
}

/** Splits the text of a plan in the plain layout into its collections' elements (see above). */
export function splitPlanJson(
  text: string,
  collections: readonly CollectionKey[],
): SplitDocument | undefined {
  const scanner = new Scanner(text);
  const split = new Map<CollectionKey, ElementSource>();
  if (!scanner.take('{')) return undefined;
  if (!scanner.take('}')) {
    do {
      scanner.skipWhitespace();
      const keyStart = scanner.at;
      if (text[keyStart] !== '"' || !scanner.skipString()) return undefined;
      let key: unknown;
      try {
        key = JSON.parse(text.slice(keyStart, scanner.at));
      } catch {
        return undefined;
      }
      const collection = collections.find((candidate) => candidate === key);
      if (collection === undefined || split.has(collection) || !scanner.take(':')) return undefined;
      const elements = scanArray(scanner);
      if (elements === undefined) return undefined;
      split.set(
        collection,
        elementSource(text, Int32Array.from(elements.starts), Int32Array.from(elements.ends)),
      );
    } while (scanner.take(','));
    if (!scanner.take('}')) return undefined;
  }
  scanner.skipWhitespace();
  return scanner.at === text.length ? split : undefined;
}

function elementSource(text: string, starts: Int32Array, ends: Int32Array): ElementSource {
  return {
    length: starts.length,
    at: (index) => JSON.parse(text.slice(starts[index], ends[index])) as unknown,
  };
}
