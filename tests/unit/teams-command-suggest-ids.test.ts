/**
 * "Did you mean": nearest known ids to an unknown one, and the edit distances behind it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance, isOneEditApart } from '../../src/teams/commands/edit-distance.js';
import { suggestNearestIds } from '../../src/teams/commands/suggest-ids.js';

const SMALL_PLAN = [
  'TRT-120',
  'TRT-123a',
  'TRT-123b',
  'TRT-123a-1',
  'TRT-123a-2',
  'TRT-123a-3',
  'TRT-123a-4',
  'TRT-123a-5',
  'TRT-130',
  'TRT-12340',
  'TRT-12345',
  'TRT-12350',
  'PRE-123',
  'CHK-7',
  'C0042-a',
  'C0042-b',
  'C0043-a',
];

describe('suggestNearestIds', () => {
  it.each([
    [
      'a mistyped type: the same number with the nearest type',
      'TRX-120',
      ['TRT-120', 'TRT-123a', 'TRT-123b'],
    ],
    ['a missing suffix: the same number first', 'TRT-123', ['TRT-123a', 'TRT-123b', 'TRT-123a-1']],
    ['a wrong suffix', 'TRT-123c', ['TRT-123a', 'TRT-123b', 'TRT-123a-1']],
    ['swapped digits', 'TRT-12354', ['TRT-12350', 'TRT-12345', 'TRT-12340']],
    ['a doubled digit, however far the number', 'TRT-123455', ['TRT-12345', 'TRT-12350', 'TRT-12340']],
    ['a dropped digit', 'TRT-1245', ['TRT-12345', 'TRT-130', 'TRT-123a']],
    [
      'a task number out of range: the last tasks of the step',
      'TRT-123a-9',
      ['TRT-123a-5', 'TRT-123a-4', 'TRT-123a-3'],
    ],
    ['a task of a step without tasks: the step first', 'TRT-120-2', ['TRT-120', 'TRT-123a-2', 'TRT-123a-1']],
    ['a control with a wrong letter', 'C0042-x', ['C0042-a', 'C0042-b', 'C0043-a']],
    ['a control without its letters', 'C0043', ['C0043-a', 'C0042-a', 'C0042-b']],
    ['forgiving input', 'trt 0123A', ['TRT-123a', 'TRT-123b', 'TRT-123a-1']],
    ['a bare number: that number in any type', '123', ['PRE-123', 'TRT-123a', 'TRT-123b']],
    ['an id of the plan itself, then steps (not controls)', 'CHK-7', ['CHK-7', 'TRT-120', 'PRE-123']],
  ])('%s: %j', (_why, input, expected) => {
    expect(suggestNearestIds(input, SMALL_PLAN)).toEqual(expected);
  });

  it('honours max', () => {
    expect(suggestNearestIds('TRT-123', SMALL_PLAN, 1)).toEqual(['TRT-123a']);
    // The same number first, steps for a step before tasks; then the next numbers.
    expect(suggestNearestIds('TRT-123', SMALL_PLAN, 9)).toEqual([
      'TRT-123a',
      'TRT-123b',
      'TRT-123a-1',
      'TRT-123a-2',
      'TRT-123a-3',
      'TRT-123a-4',
      'TRT-123a-5',
      'TRT-120',
      'TRT-130',
    ]);
    expect(suggestNearestIds('TRT-123', SMALL_PLAN, 0)).toEqual([]);
  });

  it('suggests nothing for words that are not ids, nor for empty or overlong input', () => {
    expect(suggestNearestIds('hello', SMALL_PLAN)).toEqual([]);
    expect(suggestNearestIds('', SMALL_PLAN)).toEqual([]);
    expect(suggestNearestIds('   ', SMALL_PLAN)).toEqual([]);
    expect(suggestNearestIds(`TRT-${'1'.repeat(60)}`, SMALL_PLAN)).toEqual([]);
    expect(suggestNearestIds('TRT-1', [])).toEqual([]);
  });

  it('suggests ids a slip away from a word that is not an id', () => {
    expect(suggestNearestIds('CHK-?', SMALL_PLAN)).toEqual(['CHK-7']);
  });

  it('lists each id once, whatever the duplicates in the plan, and skips unreadable ones last', () => {
    expect(suggestNearestIds('TRT-123', ['TRT-123a', 'TRT-123a', '???', 'TRT-123a', 'TRT-124'])).toEqual([
      'TRT-123a',
      'TRT-124',
      '???',
    ]);
  });

  it('ranks in the same order whatever the order of the plan', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(SMALL_PLAN, { minLength: SMALL_PLAN.length }), (shuffled) => {
        expect(suggestNearestIds('TRT-123', shuffled)).toEqual(['TRT-123a', 'TRT-123b', 'TRT-123a-1']);
      }),
      { numRuns: 200 },
    );
  });
});

describe('suggestNearestIds over a plan of 20,000 ids', () => {
  // Shaped like a large plan: nine types, step numbers in tens, some suffixed steps, tasks.
  const TYPES = ['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON'];
  const plan: string[] = [];
  for (let index = 0; plan.length < 20_000; index++) {
    const step = `${TYPES[index % TYPES.length]}-${10_000 + Math.floor(index / TYPES.length) * 10}${index % 7 === 0 ? 'a' : ''}`;
    plan.push(step);
    if (index % 5 === 0) for (let task = 1; task <= 3; task++) plan.push(`${step}-${task}`);
  }
  for (let control = 1; control <= 200; control++) plan.push(`C${String(control).padStart(4, '0')}-b`);

  const inputs = [
    'TRX-10500',
    'TRT-10050',
    'TRT-100500',
    'TRT-10505',
    'PRE-15000a-9',
    'C0099-x',
    '10500',
    'hello',
  ];

  it('has the size it claims', () => {
    expect(plan.length).toBeGreaterThanOrEqual(20_000);
  });

  it('finds the ids one slip away', () => {
    expect(suggestNearestIds('TRX-10500', plan)[0]).toBe('TRT-10500');
    expect(suggestNearestIds('TRT-100500', plan)[0]).toBe('TRT-10500');
    expect(suggestNearestIds('C0099-x', plan)[0]).toBe('C0099-b');
    // PRE-15000a has no tasks: the step itself comes first.
    expect(suggestNearestIds('PRE-15000a-9', plan)[0]).toBe('PRE-15000a');
  });

  it('answers in under 5 ms of CPU a call', () => {
    for (const input of inputs) suggestNearestIds(input, plan); // let the JIT warm up
    const rounds = 10;
    const started = process.cpuUsage();
    for (let round = 0; round < rounds; round++) for (const input of inputs) suggestNearestIds(input, plan);
    const used = process.cpuUsage(started);
    // CPU time, not wall time: the test runs beside other test files on a shared machine.
    const millisecondsPerCall = (used.user + used.system) / 1000 / (rounds * inputs.length);
    expect(millisecondsPerCall).toBeLessThan(5);
  });
});

/** The optimal string alignment distance, written plainly (full table), to check the fast ones. */
function referenceDistance(a: string, b: string): number {
  const table = Array.from({ length: a.length + 1 }, (_, row) =>
    Array.from({ length: b.length + 1 }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  for (let row = 1; row <= a.length; row++) {
    for (let column = 1; column <= b.length; column++) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let best = Math.min(
        table[row - 1]![column]! + 1,
        table[row]![column - 1]! + 1,
        table[row - 1]![column - 1]! + cost,
      );
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1]) {
        best = Math.min(best, table[row - 2]![column - 2]! + 1);
      }
      table[row]![column] = best;
    }
  }
  return table[a.length]![b.length]!;
}

describe('editDistance and isOneEditApart', () => {
  it.each([
    ['start', 'strat', 1],
    ['kitten', 'sitting', 3],
    ['12345', '12354', 1],
    ['ca', 'abc', 3],
    ['', 'abc', 3],
    ['same', 'same', 0],
  ])('%j → %j is %d', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });

  const shortText = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '-'), maxLength: 8 });

  it('agrees with the plain table, and stops past a limit', () => {
    fc.assert(
      fc.property(shortText, shortText, fc.nat({ max: 4 }), (a, b, limit) => {
        const exact = referenceDistance(a, b);
        expect(editDistance(a, b)).toBe(exact);
        expect(editDistance(a, b, limit)).toBe(Math.min(exact, limit + 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('tells one slip apart exactly when the distance is 1', () => {
    fc.assert(
      fc.property(shortText, shortText, (a, b) => {
        expect(isOneEditApart(a, b)).toBe(referenceDistance(a, b) === 1);
      }),
      { numRuns: 2000 },
    );
  });
});
