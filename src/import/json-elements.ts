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
import { readSync } from 'node:fs';
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
const [QUOTE, BACKSLASH, COMMA, COLON] = [0x22, 0x5c, 0x2c, 0x3a];
const [OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [0x7b, 0x7d, 0x5b, 0x5d];

/**
 * What is scanned: a text, or a file's bytes. JSON's structure is ASCII, and no byte of a
 * multi-byte UTF-8 character is, so both are scanned alike by character or byte code.
 */
interface Scanned {
  readonly length: number;
  codeAt(at: number): number;
  /** The text from `start` to `end` (exclusive). */
  decode(start: number, end: number): string;
}

class Scanner {
  constructor(
    readonly source: Scanned,
    public at: number,
  ) {}

  private code(): number {
    return this.at < this.source.length ? this.source.codeAt(this.at) : -1;
  }

  skipWhitespace(): void {
    while (isWhitespace(this.code())) this.at++;
  }

  /** Consumes `code` after whitespace; false when the next character is another one. */
  take(code: number): boolean {
    this.skipWhitespace();
    if (this.code() !== code) return false;
    this.at++;
    return true;
  }

  /** Skips a string starting at the current `"`; false when it does not end. */
  skipString(): boolean {
    for (this.at++; this.at < this.source.length; this.at++) {
      const code = this.source.codeAt(this.at);
      if (code === BACKSLASH) this.at++;
      else if (code === QUOTE) {
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
    const first = this.code();
    if (first === QUOTE) return this.skipString();
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      while (this.at < this.source.length) {
        const code = this.source.codeAt(this.at);
        if (code === QUOTE) {
          if (!this.skipString()) return false;
          continue;
        }
        if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
        else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
        this.at++;
        if (depth === 0) return true;
      }
      return false;
    }
    for (let code = this.code(); code !== -1; code = this.code()) {
      if (code === COMMA || code === CLOSE_BRACKET || code === CLOSE_BRACE || isWhitespace(code)) break;
      this.at++;
    }
    return true;
  }
}

/** Where each element of the array at the scanner's position starts and ends. */
function scanArray(scanner: Scanner): { starts: Int32Array; ends: Int32Array } | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  if (!scanner.take(OPEN_BRACKET)) return undefined;
  if (!scanner.take(CLOSE_BRACKET)) {
    do {
      scanner.skipWhitespace();
      const start = scanner.at;
      if (!scanner.skipValue() || scanner.at === start) return undefined;
      starts.push(start);
      ends.push(scanner.at);
    } while (scanner.take(COMMA));
    if (!scanner.take(CLOSE_BRACKET)) return undefined;
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** Where the elements of each collection are, from `at` on; undefined when not the plain layout. */
function scan(
  source: Scanned,
  at: number,
  collections: readonly CollectionKey[],
): Map<CollectionKey, { starts: Int32Array; ends: Int32Array }> | undefined {
  const scanner = new Scanner(source, at);
  const found = new Map<CollectionKey, { starts: Int32Array; ends: Int32Array }>();
  if (!scanner.take(OPEN_BRACE)) return undefined;
  if (!scanner.take(CLOSE_BRACE)) {
    do {
      scanner.skipWhitespace();
      const keyStart = scanner.at;
      if (scanner.at >= source.length || source.codeAt(keyStart) !== QUOTE || !scanner.skipString()) {
        return undefined;
      }
      let key: unknown;
      try {
        key = JSON.parse(source.decode(keyStart, scanner.at));
      } catch {
        return undefined;
      }
      const collection = collections.find((candidate) => candidate === key);
      if (collection === undefined || found.has(collection) || !scanner.take(COLON)) return undefined;
      const elements = scanArray(scanner);
      if (elements === undefined) return undefined;
      found.set(collection, elements);
    } while (scanner.take(COMMA));
    if (!scanner.take(CLOSE_BRACE)) return undefined;
  }
  scanner.skipWhitespace();
  return scanner.at === source.length ? found : undefined;
}

function splitWith(
  found: Map<CollectionKey, { starts: Int32Array; ends: Int32Array }> | undefined,
  parse: (start: number, end: number) => unknown,
): SplitDocument | undefined {
  if (found === undefined) return undefined;
  const split = new Map<CollectionKey, ElementSource>();
  for (const [collection, { starts, ends }] of found) {
    split.set(collection, { length: starts.length, at: (index) => parse(starts[index]!, ends[index]!) });
  }
  return split;
}

/** Splits the text of a plan in the plain layout into its collections' elements (see above). */
export function splitPlanJson(
  text: string,
  collections: readonly CollectionKey[],
): SplitDocument | undefined {
  const source: Scanned = {
    length: text.length,
    codeAt: (at) => text.charCodeAt(at),
    decode: (start, end) => text.slice(start, end),
  };
  return splitWith(scan(source, 0, collections), (start, end) => JSON.parse(text.slice(start, end)));
}

const UTF8_BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf];
const WINDOW_BYTES = 1024 * 1024;

/**
 * Splits a plan file the same way, reading it through a window of 1 MB, and each element again
 * from the open file (`fd`) when the validator asks for it: the file's bytes and text are never
 * in memory whole (23 MB as `runsheet export` writes it at 20,000 steps). The caller keeps the
 * file open, and checks that it has not changed, while the elements are read.
 */
export function splitPlanJsonFile(
  fd: number,
  size: number,
  collections: readonly CollectionKey[],
): SplitDocument | undefined {
  let window = Buffer.alloc(Math.min(WINDOW_BYTES, size));
  let windowStart = 0;
  let windowLength = 0;
  const read = (start: number, end: number): Buffer => {
    const buffer = Buffer.alloc(end - start);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, start));
  };
  const source: Scanned = {
    length: size,
    codeAt: (at) => {
      if (at < windowStart || at >= windowStart + windowLength) {
        windowStart = at;
        windowLength = readSync(fd, window, 0, window.length, at);
      }
      return at - windowStart < windowLength ? window[at - windowStart]! : -1;
    },
    decode: (start, end) => read(start, end).toString('utf8'),
  };
  const head = read(0, UTF8_BYTE_ORDER_MARK.length);
  const bom = UTF8_BYTE_ORDER_MARK.every((code, index) => head[index] === code) ? head.length : 0;
  const found = scan(source, bom, collections);
  window = Buffer.alloc(0);
  return splitWith(found, (start, end) => JSON.parse(read(start, end).toString('utf8')));
}
