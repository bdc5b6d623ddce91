/**
 * Business identifiers of the plan: steps (`TRT-12345a`), tasks (`TRT-12345a-3`) and controls
 * (`C0042-b`). Input is forgiving (`trt-0123A`, `TRT 123a`, `trt123a`), output is canonical:
 * type upper case, leading zeros dropped, suffix lower case. See shared spec `domain.md`.
 */

export type IdKind = 'step' | 'task' | 'control';

export interface StepId {
  kind: 'step';
  type: string;
  number: number;
  suffix: string;
  canonical: string;
}

export interface TaskId {
  kind: 'task';
  step: StepId;
  number: number;
  canonical: string;
}

export interface ControlId {
  kind: 'control';
  canonical: string;
}

export type ParsedId = StepId | TaskId | ControlId;

export type IdResult<T> = { ok: true; id: T } | { ok: false; problem: string };

/** The task number range the domain allows (`STEP-n`, n = 1..1000). */
export const TASK_NUMBER_MAX = 1000;

/** Answers whether a step type (already upper-cased) is registered in the plan. */
export type StepTypeRegistry = (type: string) => boolean;

// Type, optional separator (dash, space or nothing), digits, optional one-letter suffix.
const STEP_PATTERN = /^([A-Za-z]{3})[-\s]?0*(\d+)([A-Za-z]?)$/;
// A step id, then a separator, then the task number.
const TASK_PATTERN = /^([A-Za-z]{3}[-\s]?\d+[A-Za-z]?)[-\s](\d+)$/;
const CONTROL_PATTERN = /^[Cc](\d{4})[-\s]?([A-Za-z]+)$/;

function clean(input: string): string {
  return input.trim();
}

/** Parses a step id forgivingly; the problem names the input when it is not one. */
export function parseStepId(input: string, isRegistered: StepTypeRegistry): IdResult<StepId> {
  const text = clean(input);
  const match = STEP_PATTERN.exec(text);
  if (!match) {
    return {
      ok: false,
      problem: `"${input}" is not a step id (expected TYPE-number[letter], e.g. TRT-12345a)`,
    };
  }
  const type = match[1]!.toUpperCase();
  const number = Number(match[2]);
  const suffix = match[3]!.toLowerCase();
  if (number < 1) {
    return { ok: false, problem: `"${input}" has step number ${match[2]}; it must be 1 or more` };
  }
  // Beyond 2^53 the number would be rounded and the canonical id would name another step.
  if (!Number.isSafeInteger(number)) {
    return { ok: false, problem: `"${input}" has step number ${match[2]}, which is too large` };
  }
  if (!isRegistered(type)) {
    return { ok: false, problem: `"${input}" has step type ${type}, which is not registered` };
  }
  return { ok: true, id: { kind: 'step', type, number, suffix, canonical: `${type}-${number}${suffix}` } };
}

/** Parses a task id (`STEP-n`, n = 1..1000) forgivingly. */
export function parseTaskId(input: string, isRegistered: StepTypeRegistry): IdResult<TaskId> {
  const text = clean(input);
  const match = TASK_PATTERN.exec(text);
  if (!match) {
    return { ok: false, problem: `"${input}" is not a task id (expected STEP-n, e.g. TRT-12345a-3)` };
  }
  const step = parseStepId(match[1]!, isRegistered);
  if (!step.ok) return { ok: false, problem: `"${input}": ${step.problem}` };
  const number = Number(match[2]);
  if (!Number.isSafeInteger(number) || number < 1 || number > TASK_NUMBER_MAX) {
    return {
      ok: false,
      problem: `"${input}" has task number ${match[2]}; it must be 1 to ${TASK_NUMBER_MAX}`,
    };
  }
  return {
    ok: true,
    id: { kind: 'task', step: step.id, number, canonical: `${step.id.canonical}-${number}` },
  };
}

/** Parses a control id (`Cnnnn-x`) forgivingly: `c0042B` reads as `C0042-b`. */
export function parseControlId(input: string): IdResult<ControlId> {
  const match = CONTROL_PATTERN.exec(clean(input));
  if (!match) {
    return {
      ok: false,
      problem: `"${input}" is not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)`,
    };
  }
  return { ok: true, id: { kind: 'control', canonical: `C${match[1]}-${match[2]!.toLowerCase()}` } };
}

/**
 * Reads any business id, deciding its kind from its shape: a control starts with C and 4 digits,
 * a task ends with a separated number after a step id, anything else is tried as a step.
 */
export function parseAnyId(input: string, isRegistered: StepTypeRegistry): IdResult<ParsedId> {
  const text = clean(input);
  if (CONTROL_PATTERN.test(text)) return parseControlId(text);
  if (TASK_PATTERN.test(text)) {
    const task = parseTaskId(text, isRegistered);
    // `TRT 123` matches the task shape loosely only when the type is 4+ chars; keep the task verdict.
    if (task.ok) return task;
    const step = parseStepId(text, isRegistered);
    return step.ok ? step : task;
  }
  return parseStepId(text, isRegistered);
}

/**
 * Splits a cell or argument list on commas, semicolons, spaces and newlines. A lone type followed
 * by a number (`TRT 123a`, the spaced form of one id) is kept together rather than read as two.
 */
export function splitIdList(text: string): string[] {
  const ids: string[] = [];
  // Commas, semicolons and line breaks always separate; spaces separate too, except between a lone
  // type and its number (`TRT 123a`), which is one id written with a space.
  for (const chunk of text.split(/[,;\r\n]+/)) {
    const words = chunk.split(/[ \t]+/).filter((word) => word.length > 0);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const next = words[i + 1];
      if (/^[A-Za-z]{3}$/.test(word) && next !== undefined && /^\d/.test(next)) {
        ids.push(`${word}-${next}`);
        i++;
      } else {
        ids.push(word);
      }
    }
  }
  return ids;
}
