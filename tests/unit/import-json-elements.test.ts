import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { splitPlanJson } from '../../src/import/json-elements.js';
import { COLLECTIONS } from '../../src/import/json-shape.js';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanFile, readPlanJson } from '../../src/import/read-plan.js';
import { NO_REGISTERED_TYPES, validJsonDocument } from '../fixtures/import/plan-builders.js';

// Values whose text holds what the scanner must skip over: brackets, quotes, escapes, commas.
const nasty = fc.constantFrom('[', ']', '{', '}', '"', '\\', ',', ':', ' ', '\n', 'é', '\u2028', 'x');
const text = fc.array(nasty, { maxLength: 8 }).map((parts) => parts.join(''));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(null, true, false),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3 }),
  ),
}));
const document = fc
  .subarray([...COLLECTIONS], { minLength: 1 })
  .chain((collections) =>
    fc.tuple(
      ...collections.map((collection) =>
        fc.tuple(fc.constant(collection), fc.array(value, { maxLength: 4 })),
      ),
    ),
  )
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown[]>);
const spacing = fc.constantFrom(undefined, 1, 2, '\t');

describe('splitting a plan JSON into its elements', () => {
  it('gives each element as JSON.parse of the whole text does', () => {
    fc.assert(
      fc.property(document, spacing, (doc, space) => {
        const json = JSON.stringify(doc, null, space);
        const split = splitPlanJson(json, COLLECTIONS);
        expect(split).toBeDefined();
        const parsed = JSON.parse(json) as Record<string, unknown[]>;
        for (const [collection, elements] of Object.entries(parsed)) {
          const source = split!.get(collection as (typeof COLLECTIONS)[number])!;
          expect(source.length).toBe(elements.length);
          elements.forEach((element, index) => expect(source.at(index)).toEqual(element));
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('splits only text that JSON.parse reads as the same document', () => {
    let split = 0;
    fc.assert(
      fc.property(
        document,
        spacing,
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '"', ' ', 'x', '\\'),
        (doc, space, at, insert) => {
          const json = JSON.stringify(doc, null, space);
          const position = at % (json.length + 1);
          // Damage the text: drop the character at `position`, or put another one there.
          const damaged = `${json.slice(0, position)}${insert}${json.slice(position + (insert === '' ? 1 : 0))}`;
          const result = splitPlanJson(damaged, COLLECTIONS);
          if (result === undefined) return;
          let elements: [string, unknown[]][];
          try {
            elements = [...result].map(([collection, source]) => [
              collection,
              Array.from({ length: source.length }, (_, index) => source.at(index)),
            ]);
          } catch {
            return; // an element that is not JSON: the reader then parses the whole text
          }
          split++;
          expect(JSON.parse(damaged)).toEqual(Object.fromEntries(elements));
        },
      ),
      { numRuns: 1000, seed: 12 },
    );
    expect(split).toBeGreaterThan(100);
  });

  it('leaves any other layout to the whole-document reader', () => {
    for (const other of [
      '[]',
      '{"steps": {}}',
      '{"steps": [], "steps": []}',
      '{"comment": 1}',
      '{"steps": [1] x',
      '',
    ]) {
      expect(splitPlanJson(other, COLLECTIONS)).toBeUndefined();
    }
  });
});

describe('a split plan', () => {
  it('reports the same problems, in the same order, as the document read whole', () => {
    const document: Record<string, unknown> = validJsonDocument();
    const steps = document.steps as Record<string, unknown>[];
    steps[0]!.durationMinutes = 'ten';
    steps[1]!.team = 'Nope';
    steps[2]!.predecessors = ['TRT-2', 7];
    steps.push({ ...steps[1], id: 'trt-0002', colour: 'red' });
    (document.tasks as Record<string, unknown>[])[0]!.controls = ['C0001-A', 'C0009-z'];
    const split = readPlanJson(JSON.stringify(document), NO_REGISTERED_TYPES);
    // An unknown field of the document is only warned about, and is read by parsing it whole.
    const whole = readPlanJson(JSON.stringify({ ...document, comment: 'x' }), NO_REGISTERED_TYPES);
    const unknownField = 'comment — unknown field, ignored';
    expect(whole.problems.map(formatProblem)).toContain(unknownField);
    expect(split.problems.length).toBeGreaterThan(4);
    expect(split.problems.map(formatProblem)).toEqual(
      whole.problems.map(formatProblem).filter((problem) => problem !== unknownField),
    );
    expect(split.plan).toBeNull();
  });
});

describe('a plan file', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'runsheet-json-file-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = path.join(directory, name);
    writeFileSync(file, text, 'utf8');
    return file;
  };

  it('is read, element by element from the file, as its text is', async () => {
    const document: Record<string, unknown> = validJsonDocument();
    const valid = `\uFEFF${JSON.stringify(document, null, 2)}`;
    (document.steps as Record<string, unknown>[])[1]!.team = 'Nope';
    const invalid = JSON.stringify(document).replace('"Nope"', '"Nöpe ✓"');
    const broken = JSON.stringify(document).replace('"Nope"', '"Nope" x');
    for (const [name, text] of [
      ['valid.json', valid],
      ['invalid.json', invalid],
      ['broken.json', broken],
    ] as const) {
      const fromFile = await readPlanFile(write(name, text), NO_REGISTERED_TYPES);
      const { contentHash, ...result } = fromFile;
      expect(result).toEqual(readPlanJson(text, NO_REGISTERED_TYPES));
      expect(contentHash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });
});
