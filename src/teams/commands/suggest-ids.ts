/**
 * "Did you mean": the known ids nearest to an id the plan does not have (`TRX-123` → `TRT-123`,
 * `TRT-12354` → `TRT-12345`, `TRT-123` → `TRT-123a`, `TRT-123a-9` → `TRT-123a-5`).
 */
import { editDistance, isOneEditApart } from './edit-distance.js';

/** The parts of an id that the ranking compares, read loosely (any case, any separators). */
interface IdFeatures {
  kind: 'step' | 'task' | 'control' | 'other';
  /** The type's letters, upper case, packed into a number (base 27, A = 1); 0 none, -1 too long. */
  typeCode: number;
  /** The step number, or the control's four digits read as a number. */
  number: number;
  /** The task number; 0 for anything but a task. */
  task: number;
}

/** Inputs longer than this are not ids; they get no suggestion (and bound the work per call). */
const MAX_INPUT_LENGTH = 40;
/** Sorts an unreadable known id after every readable one, whatever the input. */
const UNREADABLE_TYPE_DISTANCE = 99;
/** Sorts controls after every step type for a step or task, and the other way round. */
const OTHER_FAMILY_TYPE_DISTANCE = 10;
/** Types of up to this many letters are packed into a number; longer ones are not types. */
const MAX_PACKED_TYPE_LENGTH = 5;
const CONTROL_TYPE_CODE = 3; // `C` packed: letters count from 1 so that `A` differs from no type.

const isLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isSeparator = (code: number): boolean => code === 45 || code === 95 || code === 32; // - _ space

/**
 * Reads letters (a step type, `C`, or none), a number, a suffix and a task number into `into`.
 * Loose on purpose: it also reads what parseAnyId refuses (an unregistered type, a two-letter type,
 * a bare number). A hand-written scanner that allocates nothing, because it runs for each of
 * 20,000 known ids on every call (a regular expression and a string per id cost milliseconds).
 */
function readFeatures(id: string, into: IdFeatures): IdFeatures {
  into.kind = 'other';
  into.number = 0;
  into.task = 0;
  let at = 0;
  let typeCode = 0;
  while (at < id.length && isLetter(id.charCodeAt(at))) {
    // Upper case, then A..Z as 1..26, base 27.
    typeCode = at < MAX_PACKED_TYPE_LENGTH ? typeCode * 27 + ((id.charCodeAt(at) & ~32) - 64) : -1;
    at++;
  }
  into.typeCode = typeCode;
  const isControl = typeCode === CONTROL_TYPE_CODE;
  while (at < id.length && isSeparator(id.charCodeAt(at))) at++;
  let number = 0;
  const digitsFrom = at;
  while (at < id.length && isDigit(id.charCodeAt(at))) number = number * 10 + id.charCodeAt(at++) - 48;
  if (at === digitsFrom) return into;
  into.number = number;
  if (isControl && at < id.length && isSeparator(id.charCodeAt(at))) at++; // C0042-b
  while (at < id.length && isLetter(id.charCodeAt(at))) at++; // the suffix: left to the edit distance
  if (at === id.length) {
    into.kind = isControl ? 'control' : 'step';
    return into;
  }
  if (isControl || !isSeparator(id.charCodeAt(at))) return into;
  while (at < id.length && isSeparator(id.charCodeAt(at))) at++;
  let task = 0;
  const taskFrom = at;
  while (at < id.length && isDigit(id.charCodeAt(at))) task = task * 10 + id.charCodeAt(at++) - 48;
  if (at === taskFrom || at !== id.length) return into;
  into.task = task;
  into.kind = 'task';
  return into;
}

/** The letters of a packed type, for the edit distance between two types. */
function unpackType(typeCode: number): string {
  let letters = '';
  for (let code = typeCode; code > 0; code = Math.floor(code / 27)) {
    letters = String.fromCharCode(64 + (code % 27)) + letters;
  }
  return letters;
}

/** The input written like a canonical id (`trt 0123A` → `TRT-123a`), for the edit distance. */
function canonicalLooking(input: string, features: IdFeatures): string {
  if (features.kind === 'other') return input;
  const match = /^([A-Za-z]*)[-_ ]*(\d+)[-_ ]?([A-Za-z]*)/.exec(input);
  const type = (match?.[1] ?? '').toUpperCase();
  const digits = match?.[2] ?? '';
  const suffix = (match?.[3] ?? '').toLowerCase();
  if (features.kind === 'control') return `C${digits.padStart(4, '0')}-${suffix}`;
  const step = `${type}${type ? '-' : ''}${features.number}${suffix}`;
  return features.kind === 'task' ? `${step}-${features.task}` : step;
}

/** A candidate's distance to the input, compared field by field, most important first. */
interface Ranked {
  id: string;
  typeDistance: number;
  /** 0 same number; 1 near (1–9 away, or one slip away); then 2 for 10–99 away, 3 for 100–999, ... */
  closeness: number;
  /** 0 for the kind typed (a task for a task), 1 for another. */
  otherKind: number;
  numberDistance: number;
  taskDistance: number;
}

function compareRanked(a: Ranked, b: Ranked): number {
  return (
    a.typeDistance - b.typeDistance ||
    a.closeness - b.closeness ||
    a.otherKind - b.otherKind ||
    a.numberDistance - b.numberDistance ||
    a.taskDistance - b.taskDistance ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The known ids nearest to `input`, nearest first, at most `max`. Ranked by, in order:
 * 1. the type: the same type first, then types by edit distance (`TRX` is near `TRT`), controls
 *    last for a step or task and steps and tasks last for a control;
 * 2. closeness: the same number (`TRT-123` for `TRT-123a`); then near: 1 to 9 away, or one slip
 *    away in the canonical form however far the number (a digit mistyped, swapped, doubled or
 *    dropped: `TRT-12354`, `TRT-123455`, `TRT-1245` for `TRT-12345`); then by how far the number is,
 *    in orders of magnitude;
 * 3. the kind: a task for a task, a step for a step (so `TRT-123a-9`, when that step has no tasks,
 *    suggests the step `TRT-123a` before the tasks of other steps);
 * 4. the exact numeric distance, the task number, and the id itself, so the order is stable.
 *
 * Built for plans of 20,000 ids: each known id costs a scan of its characters and at most one
 * linear one-slip test, about 1 ms of CPU a call in all (measured; the tests hold it under 5 ms). A
 * bounded edit distance against every id was tried first: 2.5–3 ms of CPU a call when thousands of
 * ids tie on the number's magnitude (an extra digit makes every id "far"), over 5 ms of wall time
 * on a loaded machine; hence the one-slip test.
 *
 * Words that are not ids at all (`hello`) only get ids one slip away, usually none. Empty when the
 * input is empty or too long to be an id.
 */
export function suggestNearestIds(input: string, knownIds: readonly string[], max = 3): string[] {
  const typed = input.trim();
  if (max <= 0 || typed.length === 0 || typed.length > MAX_INPUT_LENGTH) return [];
  const wanted = readFeatures(typed, { kind: 'other', typeCode: 0, number: 0, task: 0 });
  const wantedText = canonicalLooking(typed, wanted);
  const wantedType = unpackType(wanted.typeCode);
  // A plan has a handful of types: each distance is computed once per call.
  const typeDistances = new Map<number, number>();
  const typeDistance = (typeCode: number): number => {
    let distance = typeDistances.get(typeCode);
    if (distance === undefined) {
      distance = typeCode < 0 ? UNREADABLE_TYPE_DISTANCE : editDistance(wantedType, unpackType(typeCode));
      // `C` is one letter from `CHK`, but nobody confuses a control with a step.
      if ((typeCode === CONTROL_TYPE_CODE) !== (wanted.typeCode === CONTROL_TYPE_CODE)) {
        distance += OTHER_FAMILY_TYPE_DISTANCE;
      }
      typeDistances.set(typeCode, distance);
    }
    return distance;
  };

  // Kept sorted, nearest first; at most `max` long. `candidate` is reused: most ids are rejected.
  const best: Ranked[] = [];
  const known: IdFeatures = { kind: 'other', typeCode: 0, number: 0, task: 0 };
  const candidate: Ranked = {
    id: '',
    typeDistance: 0,
    otherKind: 0,
    closeness: 0,
    numberDistance: 0,
    taskDistance: 0,
  };
  for (const id of knownIds) {
    readFeatures(id, known);
    candidate.id = id;
    if (wanted.kind === 'other') {
      // Not an id: only the same text or a slip of the pen away counts, and those tie.
      if (wantedText !== id && !isOneEditApart(wantedText, id)) continue;
      candidate.typeDistance = 0;
      candidate.otherKind = 0;
      candidate.closeness = 0;
      candidate.numberDistance = 0;
      candidate.taskDistance = 0;
    } else {
      candidate.typeDistance =
        known.kind === 'other'
          ? UNREADABLE_TYPE_DISTANCE
          : wanted.typeCode === 0
            ? 0
            : typeDistance(known.typeCode);
      candidate.otherKind = known.kind === wanted.kind ? 0 : 1;
      candidate.numberDistance = Math.abs(wanted.number - known.number);
      candidate.taskDistance = Math.abs(wanted.task - known.task);
      // The closeness is only worth working out for a candidate that can still make the list.
      const worst = best.length === max ? best[max - 1] : undefined;
      if (worst && candidate.typeDistance > worst.typeDistance) continue;
      const distance = candidate.numberDistance;
      candidate.closeness =
        distance === 0
          ? 0
          : distance < 10 || isOneEditApart(wantedText, id)
            ? 1
            : 1 + Math.floor(Math.log10(distance));
    }

    const worst = best.length === max ? best[max - 1] : undefined;
    if (worst && compareRanked(candidate, worst) >= 0) continue;
    if (best.some((kept) => kept.id === id)) continue;
    let at = best.length;
    while (at > 0 && compareRanked(candidate, best[at - 1]!) < 0) at--;
    best.splice(at, 0, { ...candidate });
    if (best.length > max) best.pop();
  }
  return best.map((ranked) => ranked.id);
}
