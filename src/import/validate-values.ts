/**
 * Rules for single values, shared by every collection the validator reads. Each reader reports
 * its problem and answers undefined (or a default), so that validation carries on with the rest.
 */
import { parseControlId, parseStepId, parseTaskId } from '../domain/ids.js';
import type { IdResult, StepTypeRegistry } from '../domain/ids.js';
import { parseLocalDateTime } from './local-date-time.js';
import type { InputValue } from './plan-input.js';
import type { ProblemList } from './problems.js';
import { sanitizeRichTextWithReport } from './sanitize-html.js';

// A workbook cannot hold control characters other than tab and line breaks (exceljs drops them),
// and it stores line breaks as \n: text is kept in that form, so both formats give the same plan.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g; // eslint-disable-line no-control-regex

/** The value as text: numbers as written; text trimmed, line breaks as \n, control characters dropped. */
export function textOf(input: InputValue): string {
  if (typeof input.value === 'number') return String(input.value);
  return input.value.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '').trim();
}

/** Optional text: '' when blank or absent. */
export function readText(input: InputValue | undefined): string {
  return input === undefined ? '' : textOf(input);
}

/**
 * Required text. Undefined when blank (reported) or absent (the reader reported the missing
 * column or JSON field already).
 */
export function readRequiredText(problems: ProblemList, input: InputValue | undefined): string | undefined {
  if (input === undefined) return undefined;
  const text = textOf(input);
  if (text === '') {
    problems.error(input.where, '', 'required, but blank');
    return undefined;
  }
  return text;
}

function readNumber(input: InputValue): number | undefined {
  if (typeof input.value === 'number') return input.value;
  const text = input.value.trim();
  // Number('') is 0 and Number('0x10') is 16; only plain decimals are numbers here.
  return /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

/** A required whole number, such as the order of a phase or chapter. */
export function readOrder(problems: ProblemList, input: InputValue | undefined): number | undefined {
  const text = readRequiredText(problems, input);
  if (text === undefined || input === undefined) return undefined;
  const number = readNumber(input);
  if (number === undefined || !Number.isSafeInteger(number)) {
    problems.error(input.where, text, 'not a whole number');
    return undefined;
  }
  return number;
}

/** An indicative duration: whole minutes, 0 or more; null when blank. */
export function readDuration(problems: ProblemList, input: InputValue | undefined): number | null {
  const text = readText(input);
  if (input === undefined || text === '') return null;
  const number = readNumber(input);
  if (number === undefined || !Number.isSafeInteger(number) || number < 0) {
    problems.error(input.where, text, 'not a duration in minutes (a whole number, 0 or more)');
    return null;
  }
  return number;
}

/**
 * One of a fixed set of words, matched case-insensitively and answered in the set's spelling;
 * the default when blank or absent.
 */
export function readChoice<T extends string>(
  problems: ProblemList,
  input: InputValue | undefined,
  choices: readonly T[],
  what: string,
  defaultChoice?: T,
): T | undefined {
  const text = readText(input);
  if (input === undefined || text === '') {
    if (defaultChoice === undefined && input !== undefined)
      problems.error(input.where, '', 'required, but blank');
    return defaultChoice;
  }
  const choice = choices.find((candidate) => candidate.toLowerCase() === text.toLowerCase());
  if (choice === undefined) problems.error(input.where, text, `not ${what} (${choices.join(', ')})`);
  return choice;
}

/**
 * An IANA time zone, checked against the runtime's time zone database and answered as the
 * runtime spells it (`europe/zurich` reads as `Europe/Zurich`).
 */
export function readTimeZone(
  problems: ProblemList,
  input: InputValue | undefined,
  defaultZone: string,
): string | undefined {
  const text = readText(input);
  if (input === undefined || text === '') return defaultZone;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    problems.error(input.where, text, `not an IANA time zone (e.g. ${defaultZone})`);
    return undefined;
  }
}

/** An optional http(s) link, such as a step's instructions; '' when blank. */
export function readHttpLink(problems: ProblemList, input: InputValue | undefined): string {
  const text = readText(input);
  if (input === undefined || text === '') return '';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.error(input.where, text, 'not an http or https link');
    return '';
  }
  return text;
}

/** A required local date-time, answered canonically (`2026-12-05T18:00`). */
export function readDateTime(problems: ProblemList, input: InputValue | undefined): string | undefined {
  const text = readRequiredText(problems, input);
  if (text === undefined || input === undefined) return undefined;
  const dateTime = parseLocalDateTime(text);
  if (dateTime === undefined) {
    problems.error(input.where, text, 'not a date and time (e.g. 2026-12-05 18:00 or 05.12.2026 18:00)');
  }
  return dateTime;
}

/**
 * A rich description, sanitised. When sanitising removed anything the planner wrote, a warning
 * names the cell, so that nothing is lost silently.
 */
export function readRichText(problems: ProblemList, input: InputValue | undefined): string {
  const text = readText(input);
  if (input === undefined || text === '') return '';
  const report = sanitizeRichTextWithReport(text);
  if (report.changed) {
    const what = report.removed.length > 0 ? `: ${report.removed.join(', ')}` : '';
    problems.warning(input.where, text, `unsafe HTML removed${what}`);
  }
  return report.html;
}

// ids.ts problems start with the quoted input (`"trt-x" is not a step id ...`). The formatted
// problem quotes the value already, so the repeat goes: `"trt-x" — not a step id (...)`.
function idProblem(input: string, problem: string): string {
  const quoted = `"${input}"`;
  if (!problem.startsWith(quoted)) return problem;
  return problem.slice(quoted.length).replace(/^:?\s*(is )?/, '');
}

function readId<T extends { canonical: string }>(
  problems: ProblemList,
  input: InputValue,
  parse: (text: string) => IdResult<T>,
): T | undefined {
  const text = textOf(input);
  const result = parse(text);
  if (!result.ok) {
    problems.error(input.where, text, idProblem(text, result.problem));
    return undefined;
  }
  return result.id;
}

/** A step id, read forgivingly (`trt 0012A` is `TRT-12a`); its type must be registered. */
export function readStepId(problems: ProblemList, input: InputValue, registry: StepTypeRegistry) {
  return readId(problems, input, (text) => parseStepId(text, registry));
}

/** A task id (`TRT-12a-3`), its number 1 to 1000. */
export function readTaskId(problems: ProblemList, input: InputValue, registry: StepTypeRegistry) {
  return readId(problems, input, (text) => parseTaskId(text, registry));
}

/** A control id (`C0042-b`). */
export function readControlId(problems: ProblemList, input: InputValue) {
  return readId(problems, input, parseControlId);
}

/** Entries of a list (predecessors, controls, scope names), blank ones (a JSON "") skipped. */
export function nonBlankItems(items: readonly InputValue[] | undefined): InputValue[] {
  return (items ?? []).filter((item) => textOf(item) !== '');
}
