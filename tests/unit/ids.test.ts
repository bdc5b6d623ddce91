import { describe, expect, it } from 'vitest';
import {
  parseAnyId,
  parseControlId,
  parseStepId,
  parseTaskId,
  splitIdList,
  type IdResult,
} from '../../src/domain/ids.js';

const REGISTERED_TYPES = new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']);
const isRegistered = (type: string): boolean => REGISTERED_TYPES.has(type);

function canonical<T extends { canonical: string }>(result: IdResult<T>): string {
  if (!result.ok) throw new Error(`expected an id, got problem: ${result.problem}`);
  return result.id.canonical;
}

function problem(result: IdResult<unknown>): string {
  if (result.ok) throw new Error('expected a problem, got an id');
  return result.problem;
}

describe('parseStepId', () => {
  it.each([
    ['trt-0123A', 'TRT-123a'],
    ['TRT 123a', 'TRT-123a'],
    ['trt123a', 'TRT-123a'],
    ['TRT-12345a', 'TRT-12345a'],
    ['CHK-7', 'CHK-7'],
    ['  chk-007  ', 'CHK-7'],
    ['Trt-100', 'TRT-100'],
    ['GON-1234567', 'GON-1234567'],
  ])('reads %j as %s', (input, expected) => {
    expect(canonical(parseStepId(input, isRegistered))).toBe(expected);
  });

  it('splits the parts of the id', () => {
    const result = parseStepId('trt-0123A', isRegistered);
    expect(result).toEqual({
      ok: true,
      id: { kind: 'step', type: 'TRT', number: 123, suffix: 'a', canonical: 'TRT-123a' },
    });
  });

  it('refuses an unregistered type, naming the input and the type', () => {
    expect(problem(parseStepId('xyz-12', isRegistered))).toBe(
      '"xyz-12" has step type XYZ, which is not registered',
    );
  });

  it.each(['TRT-0', 'TRT-000', 'trt0'])('refuses step number 0 in %j', (input) => {
    expect(problem(parseStepId(input, isRegistered))).toMatch(new RegExp(`^"${input}" has step number 0;`));
  });

  it('refuses a step number too large to keep exactly', () => {
    expect(problem(parseStepId('TRT-99999999999999999999', isRegistered))).toBe(
      '"TRT-99999999999999999999" has step number 99999999999999999999, which is too large',
    );
  });

  it.each([
    '',
    'TRT',
    'TRT-',
    'TR-12',
    'TRTX-12',
    'TRT-12ab',
    'TRT--12',
    'TRT-1.5',
    '12-TRT',
    'TRT-12-3',
    'TRT_12',
  ])('refuses malformed %j, naming it', (input) => {
    expect(problem(parseStepId(input, isRegistered))).toBe(
      `"${input}" is not a step id (expected TYPE-number[letter], e.g. TRT-12345a)`,
    );
  });
});

describe('parseTaskId', () => {
  it.each([
    ['TRT-12345a-3', 'TRT-12345a-3'],
    ['trt 0123A-07', 'TRT-123a-7'],
    ['trt123a 3', 'TRT-123a-3'],
    ['CHK-7-1', 'CHK-7-1'],
    ['CHK-7-1000', 'CHK-7-1000'],
  ])('reads %j as %s', (input, expected) => {
    expect(canonical(parseTaskId(input, isRegistered))).toBe(expected);
  });

  it('keeps the parsed step', () => {
    const result = parseTaskId('trt-1a-2', isRegistered);
    expect(result).toEqual({
      ok: true,
      id: {
        kind: 'task',
        step: { kind: 'step', type: 'TRT', number: 1, suffix: 'a', canonical: 'TRT-1a' },
        number: 2,
        canonical: 'TRT-1a-2',
      },
    });
  });

  it.each([
    ['TRT-12-0', '0'],
    ['TRT-12-1001', '1001'],
  ])('refuses task number out of 1..1000 in %j', (input, number) => {
    expect(problem(parseTaskId(input, isRegistered))).toBe(
      `"${input}" has task number ${number}; it must be 1 to 1000`,
    );
  });

  it('refuses an unregistered step type, naming the input', () => {
    expect(problem(parseTaskId('XYZ-12-3', isRegistered))).toBe(
      '"XYZ-12-3": "XYZ-12" has step type XYZ, which is not registered',
    );
  });

  it.each(['TRT-12', 'TRT-12-', 'TRT-12-a', '-3', 'TRT-12-3-4'])(
    'refuses malformed %j, naming it',
    (input) => {
      expect(problem(parseTaskId(input, isRegistered))).toBe(
        `"${input}" is not a task id (expected STEP-n, e.g. TRT-12345a-3)`,
      );
    },
  );
});

describe('parseControlId', () => {
  it.each([
    ['C0042-b', 'C0042-b'],
    ['c0042B', 'C0042-b'],
    ['C0042 bc', 'C0042-bc'],
  ])('reads %j as %s', (input, expected) => {
    expect(canonical(parseControlId(input))).toBe(expected);
  });

  it.each(['C42-b', 'C00042-b', 'C0042-', 'C0042-1', 'D0042-b', ''])(
    'refuses malformed %j, naming it',
    (input) => {
      expect(problem(parseControlId(input))).toBe(
        `"${input}" is not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)`,
      );
    },
  );
});

describe('parseAnyId', () => {
  it.each([
    ['c0042B', 'control', 'C0042-b'],
    ['trt-0123A', 'step', 'TRT-123a'],
    ['trt-0123A-4', 'task', 'TRT-123a-4'],
    ['CHK 7', 'step', 'CHK-7'],
  ])('reads %j as a %s', (input, kind, expected) => {
    const result = parseAnyId(input, isRegistered);
    expect(result.ok && result.id.kind).toBe(kind);
    expect(canonical(result)).toBe(expected);
  });

  it('reports the task problem for a task-shaped input', () => {
    expect(problem(parseAnyId('TRT-12-1001', isRegistered))).toBe(
      '"TRT-12-1001" has task number 1001; it must be 1 to 1000',
    );
  });

  it('reports the step problem for anything else', () => {
    expect(problem(parseAnyId('hello', isRegistered))).toBe(
      '"hello" is not a step id (expected TYPE-number[letter], e.g. TRT-12345a)',
    );
  });
});

describe('splitIdList', () => {
  it('splits on commas, semicolons, spaces and newlines, dropping empties', () => {
    expect(splitIdList('TRT-1, TRT-2;TRT-3\nCHK-4\r\n\tC0042-b ,, ')).toEqual([
      'TRT-1',
      'TRT-2',
      'TRT-3',
      'CHK-4',
      'C0042-b',
    ]);
  });

  it('keeps a spaced id together', () => {
    expect(splitIdList('TRT 123a, trt 7 CHK-8')).toEqual(['TRT-123a', 'trt-7', 'CHK-8']);
  });

  it('does not join a three-letter token to a following id that starts with a letter', () => {
    expect(splitIdList('TRT CHK-8')).toEqual(['TRT', 'CHK-8']);
    // Only a space joins a type to its number: a comma between them separates two (bad) entries.
    expect(splitIdList('TRT, 123')).toEqual(['TRT', '123']);
    expect(splitIdList('TRT\n123')).toEqual(['TRT', '123']);
  });

  it('returns nothing for a blank cell', () => {
    expect(splitIdList('  \n ')).toEqual([]);
  });

  it('splits a list whose items then parse to canonical ids', () => {
    const ids = splitIdList('trt-0123A; TRT 124 , chk9').map((id) =>
      canonical(parseStepId(id, isRegistered)),
    );
    expect(ids).toEqual(['TRT-123a', 'TRT-124', 'CHK-9']);
  });
});
