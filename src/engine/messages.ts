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
  // What luxon's `ZZZZ` gives, but luxon builds a new Intl.DateTimeFormat for it on every call
  // (~90 µs), and cards format several times per click; the formatter is kept per zone here (~10 µs).
  const local = DateTime.fromJSDate(at, { zone: timeZone }).setLocale('en-GB');
  if (!local.isValid) return local.toFormat('yyyy-MM-dd HH:mm ZZZZ');
  return `${local.toFormat('yyyy-MM-dd HH:mm')} ${zoneAbbreviation(at, timeZone)}`;
}

const ZONE_NAME_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at that moment in British English (`CET`, `CEST`, `GMT+1`), as luxon's `ZZZZ`. */
function zoneAbbreviation(at: Date, timeZone: string): string {
  let format = ZONE_NAME_FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { hour12: false, timeZone, timeZoneName: 'short' });
    ZONE_NAME_FORMATS.set(timeZone, format);
  }
  return format.formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? '';
}

/** "started by Luca Engine at 2026-12-05 19:44 CET". */
export function describeLastChange(last: LastChange, timeZone: string): string {
  return `${pastTense(last.action)} by ${last.byName || last.by} at ${formatLocalTime(last.at, timeZone)}`;
}
