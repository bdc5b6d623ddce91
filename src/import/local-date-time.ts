/**
 * Schedule times are local date-times (`2026-12-05T18:00`) read in the iteration's time zone:
 * wall-clock values without an offset, compared and stored as that text.
 */

const ISO_FORM = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const SWISS_FORM = /^(\d{1,2})\.(\d{1,2})\.(\d{4}) +(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

function pad(value: number, length = 2): string {
  return String(value).padStart(length, '0');
}

function canonical(year: number, month: number, day: number, hour: number, minute: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`;
}

/**
 * Reads `2026-12-05T18:00`, `2026-12-05 18:00` or `05.12.2026 18:00` (seconds allowed when zero)
 * as `2026-12-05T18:00`; undefined when the text is not a real date and time.
 */
export function parseLocalDateTime(text: string): string | undefined {
  const trimmed = text.trim();
  const iso = ISO_FORM.exec(trimmed);
  const swiss = iso ? undefined : SWISS_FORM.exec(trimmed);
  let parts: number[];
  if (iso) parts = iso.slice(1).map((part) => Number(part ?? 0));
  else if (swiss) {
    const [day, month, year, hour, minute, second] = swiss.slice(1).map((part) => Number(part ?? 0));
    parts = [year!, month!, day!, hour!, minute!, second!];
  } else return undefined;

  const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
  // Seconds would be dropped from the canonical form, so only :00 is accepted.
  if (second !== 0 || hour > 23 || minute > 59) return undefined;
  // Date.UTC rolls 31 April over to 1 May; a date that does not round-trip does not exist.
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return canonical(year, month, day, hour, minute);
}

/**
 * An Excel date cell as a local date-time. exceljs gives a Date whose UTC fields are the
 * wall-clock value typed in Excel; Excel stores it as a fraction of a day, so it is rounded to the
 * nearest minute (18:00 can come back as 17:59:59.999).
 */
export function formatExcelDate(date: Date): string {
  const rounded = new Date(Math.round(date.getTime() / 60_000) * 60_000);
  return canonical(
    rounded.getUTCFullYear(),
    rounded.getUTCMonth() + 1,
    rounded.getUTCDate(),
    rounded.getUTCHours(),
    rounded.getUTCMinutes(),
  );
}

/** The Date an Excel cell needs to show a local date-time (`2026-12-05T18:00`) as written. */
export function toExcelDate(localDateTime: string): Date {
  const match = ISO_FORM.exec(localDateTime);
  if (!match) throw new Error(`Not a local date-time: ${localDateTime}`);
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(year, month - 1, day, hour, minute));
}
