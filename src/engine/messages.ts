/** Wording shared by every door: how actions, times and last changes read to a person. */
import { DateTime } from 'luxon';
import type { LastChange } from './command.js';

const PAST_TENSE: Record<string, string> = {
  start: 'started',
  done: 'marked done',
  fail: 'marked failed',
  retry: 'retried',
  hold: 'put on hold',
  resume: 'resumed',
  cancel: 'cancelled',
  reopen: 'reopened',
  pass: 'passed',
  confirm: 'confirmed',
  activate: 'activated',
  close: 'closed',
};

/** `start` → `started`, for sentences such as "TRT-1 started by Luca Engine". */
export function pastTense(action: string): string {
  return PAST_TENSE[action] ?? action;
}

/**
 * A time as pilots read it: in the iteration's time zone, with the zone's abbreviation. The
 * British locale names European zones (CET, CEST) where the default one would say GMT+1.
 */
export function formatLocalTime(at: Date, timeZone: string): string {
  // What luxon's `yyyy-MM-dd HH:mm ZZZZ` gives, but luxon builds new Intl formatters on every call
  // (~90 µs), and cards format several times per press: one formatter per zone is kept here, and
  // its parts give the date, the time and the zone's name at once (the tab's public/format.js
  // formats the same way in the browser).
  const format = localTimeFormat(timeZone);
  if (!format) return DateTime.fromJSDate(at, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of format.formatToParts(at)) part[type] = value;
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

const LOCAL_TIME_FORMATS = new Map<string, Intl.DateTimeFormat | null>();

/** The formatter of `formatLocalTime` for a zone; null for a zone Intl does not know. */
function localTimeFormat(timeZone: string): Intl.DateTimeFormat | null {
  let format = LOCAL_TIME_FORMATS.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      format = null;
    }
    LOCAL_TIME_FORMATS.set(timeZone, format);
  }
  return format;
}

/** "started by Luca Engine at 2026-12-05 19:44 CET". */
export function describeLastChange(last: LastChange, timeZone: string): string {
  return `${pastTense(last.action)} by ${last.byName || last.by} at ${formatLocalTime(last.at, timeZone)}`;
}
