/**
 * The planner's hour grid: the days of an iteration in its time zone, each cut into its local
 * hours, and where a span of time falls on a day. Pure: no database, no clock.
 *
 * Terminology:
 * - a **day** runs from local midnight to the next local midnight in the iteration's time zone. It
 *   has 24 hours, or 23 and 25 on the days the clocks change; hours are real elapsed hours, so a
 *   bar keeps its true length across a change (the repeated 02:00 of an autumn night is shown twice).
 * - a **segment** is the part of a span (a chapter's plan, its actual run) that lies in one day,
 *   as fractions of that day: what both the tab and the printed export draw.
 */
import { DateTime } from 'luxon';

export interface GridHour {
  /** Epoch milliseconds of the hour's start. */
  start: number;
  /** The local hour as people read it: `00` … `23`. */
  label: string;
}

export interface GridDay {
  /** The local date, `2026-09-18`. */
  date: string;
  /** `Fri 18 Sep 2026`. */
  label: string;
  /** Epoch milliseconds of local midnight and of the next one. */
  start: number;
  end: number;
  hours: GridHour[];
  /** Said when the clocks change that day: `25 hours: clocks go back`. */
  note: string | null;
}

export interface TimeSpan {
  start: number;
  end: number;
}

export interface DaySegment {
  /** Index of the day in the grid's days. */
  day: number;
  /** Fractions of the day, 0 … 1. */
  left: number;
  width: number;
  /** The span goes on before this day / after it: drawn without a rounded edge on that side. */
  continuesBefore: boolean;
  continuesAfter: boolean;
}

const HOUR_MS = 3_600_000;
/** A plan in the hundreds of days is a typo the edit rules refuse; the grid still stays bounded. */
const MAX_GRID_DAYS = 120;

/** One local day of `timeZone` starting at `midnight`. */
function dayAt(midnight: DateTime): GridDay {
  const next = midnight.plus({ days: 1 }).startOf('day');
  const start = midnight.toMillis();
  const end = next.toMillis();
  const hours: GridHour[] = [];
  for (let at = start; at < end; at += HOUR_MS) {
    hours.push({ start: at, label: DateTime.fromMillis(at, { zone: midnight.zone }).toFormat('HH') });
  }
  const note =
    hours.length === 24
      ? null
      : hours.length > 24
        ? `${hours.length} hours: clocks go back`
        : `${hours.length} hours: clocks go forward`;
  return {
    date: midnight.toFormat('yyyy-MM-dd'),
    label: midnight.setLocale('en-GB').toFormat('ccc d LLL yyyy'),
    start,
    end,
    hours,
    note,
  };
}

/**
 * The days that any of `spans` (or `moments`, such as now) touches, in `timeZone`, in order and
 * without the empty days between them: a rehearsal that pauses over an interim week does not print
 * blank pages. A span ending exactly at midnight does not touch the next day.
 */
export function daysTouched(
  spans: readonly TimeSpan[],
  moments: readonly number[],
  timeZone: string,
): GridDay[] {
  const dates = new Map<string, DateTime>();
  const touch = (at: number) => {
    const midnight = DateTime.fromMillis(at, { zone: timeZone }).startOf('day');
    if (dates.size < MAX_GRID_DAYS || dates.has(midnight.toISODate()!))
      dates.set(midnight.toISODate()!, midnight);
  };
  for (const span of spans) {
    let midnight = DateTime.fromMillis(span.start, { zone: timeZone }).startOf('day');
    const last = Math.max(span.start, span.end - 1);
    for (let guard = 0; midnight.toMillis() <= last && guard < MAX_GRID_DAYS; guard++) {
      touch(Math.max(midnight.toMillis(), span.start));
      midnight = midnight.plus({ days: 1 }).startOf('day');
    }
  }
  for (const moment of moments) touch(moment);
  return [...dates.values()].sort((a, b) => a.toMillis() - b.toMillis()).map(dayAt);
}

/** The parts of `span` on each of `days` (which are in order), as fractions of the day. */
export function segmentsOf(span: TimeSpan, days: readonly GridDay[]): DaySegment[] {
  const segments: DaySegment[] = [];
  days.forEach((day, index) => {
    const from = Math.max(span.start, day.start);
    const to = Math.min(span.end, day.end);
    if (to <= from && !(span.start === span.end && span.start >= day.start && span.start < day.end)) return;
    const length = day.end - day.start;
    segments.push({
      day: index,
      left: (from - day.start) / length,
      width: Math.max(0, to - from) / length,
      continuesBefore: span.start < day.start,
      continuesAfter: span.end > day.end,
    });
  });
  return segments;
}

/** Where `at` falls on `days`: the day's index and the fraction of it, or null when on none. */
export function positionOf(at: number, days: readonly GridDay[]): { day: number; left: number } | null {
  const index = days.findIndex((day) => at >= day.start && at < day.end);
  if (index < 0) return null;
  const day = days[index]!;
  return { day: index, left: (at - day.start) / (day.end - day.start) };
}
