/**
 * The rules of a pilot's change to a chapter's plan (its planned start and end in one iteration).
 * Pure: the engine looks the facts up and passes them in.
 *
 * Iterations have no stored window (the workbook's Iterations sheet has none), so "inside the
 * iteration" is defined from the plan itself:
 * - an iteration is one run of the plan, and iterations run one after another in plan order
 *   (Run1 before Run2 before DR1 …): a chapter of Run1 may not begin before the last planned end of
 *   the iteration before it, nor end after the first planned start of the iteration after it;
 * - an iteration is a weekend or a few days, never months: with the change, the iteration's whole
 *   schedule must fit in {@link MAX_ITERATION_SPAN_DAYS} days. This catches a mistyped month or year
 *   where no neighbouring iteration would (the first and the last iteration);
 * - a closed iteration is frozen: its plan is history.
 */
import { DateTime } from 'luxon';

/** The longest an iteration's schedule may span; a cutover weekend with its interim week fits. */
export const MAX_ITERATION_SPAN_DAYS = 31;

export type ChapterPlanRefusalCode =
  'INVALID_TIME' | 'END_NOT_AFTER_START' | 'OUTSIDE_ITERATION' | 'ITERATION_CLOSED';

export interface ChapterPlanFacts {
  chapter: string;
  iteration: { name: string; status: 'PLANNED' | 'ACTIVE' | 'CLOSED'; timeZone: string };
  /** Local date-times in the iteration's time zone, canonical (`2026-09-18T18:00`). */
  start: string;
  end: string;
  /** The last planned end of the iteration before this one in plan order, if it has a schedule. */
  previous: { name: string; end: Date } | null;
  /** The first planned start of the iteration after this one in plan order, if it has a schedule. */
  next: { name: string; start: Date } | null;
  /** The planned spans of the iteration's other chapters. */
  otherChapters: readonly { start: Date; end: Date }[];
}

export type ChapterPlanDecision =
  { ok: true; start: Date; end: Date } | { ok: false; code: ChapterPlanRefusalCode; message: string };

/** `2026-09-18T18:00` → `2026-09-18 18:00`, as messages show it. */
const readable = (local: string) => local.replace('T', ' ');

/** The instant of a local date-time, or why it is not one (the hour skipped when clocks go forward). */
function instantOf(local: string, timeZone: string, what: string): { at: Date } | { problem: string } {
  const parsed = DateTime.fromISO(local, { zone: timeZone });
  if (!parsed.isValid) return { problem: `${what} "${local}" is not a date and time` };
  // Luxon moves a time that does not exist (02:30 on the night clocks go forward) an hour later.
  if (parsed.toFormat("yyyy-MM-dd'T'HH:mm") !== local) {
    return {
      problem: `${what} ${readable(local)} does not exist in ${timeZone}: the clocks go forward that night`,
    };
  }
  return { at: parsed.toJSDate() };
}

/** Decides a change of a chapter's plan; see the file comment for what "inside the iteration" means. */
export function decideChapterPlan(facts: ChapterPlanFacts): ChapterPlanDecision {
  const { iteration, chapter } = facts;
  if (iteration.status === 'CLOSED') {
    return {
      ok: false,
      code: 'ITERATION_CLOSED',
      message: `${iteration.name} is closed: its plan is frozen.`,
    };
  }
  const start = instantOf(facts.start, iteration.timeZone, 'Start');
  if ('problem' in start) return { ok: false, code: 'INVALID_TIME', message: `${start.problem}.` };
  const end = instantOf(facts.end, iteration.timeZone, 'End');
  if ('problem' in end) return { ok: false, code: 'INVALID_TIME', message: `${end.problem}.` };
  if (end.at <= start.at) {
    return {
      ok: false,
      code: 'END_NOT_AFTER_START',
      message: `The end ${readable(facts.end)} is not after the start ${readable(facts.start)} of ${chapter}.`,
    };
  }
  const local = (at: Date) =>
    readable(DateTime.fromJSDate(at, { zone: iteration.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm"));
  if (facts.previous && start.at < facts.previous.end) {
    return {
      ok: false,
      code: 'OUTSIDE_ITERATION',
      message:
        `The start ${readable(facts.start)} is before the end of ${facts.previous.name} (${local(facts.previous.end)}), ` +
        `the iteration before ${iteration.name}: the plan of ${chapter} must lie inside ${iteration.name}.`,
    };
  }
  if (facts.next && end.at > facts.next.start) {
    return {
      ok: false,
      code: 'OUTSIDE_ITERATION',
      message:
        `The end ${readable(facts.end)} is after the start of ${facts.next.name} (${local(facts.next.start)}), ` +
        `the iteration after ${iteration.name}: the plan of ${chapter} must lie inside ${iteration.name}.`,
    };
  }
  const spanStart = Math.min(start.at.getTime(), ...facts.otherChapters.map((c) => c.start.getTime()));
  const spanEnd = Math.max(end.at.getTime(), ...facts.otherChapters.map((c) => c.end.getTime()));
  const spanDays = (spanEnd - spanStart) / 86_400_000;
  if (spanDays > MAX_ITERATION_SPAN_DAYS) {
    return {
      ok: false,
      code: 'OUTSIDE_ITERATION',
      message:
        `With ${readable(facts.start)} – ${readable(facts.end)} for ${chapter}, ${iteration.name} would span ` +
        `${Math.ceil(spanDays)} days (${local(new Date(spanStart))} to ${local(new Date(spanEnd))}); ` +
        `an iteration's plan spans at most ${MAX_ITERATION_SPAN_DAYS} days. Check the date.`,
    };
  }
  return { ok: true, start: start.at, end: end.at };
}
