/**
 * The board of an iteration as an `.xlsx` workbook: one sheet, a frozen header with filters, one
 * row per step in scope. Times are real Excel dates showing the wall clock of the iteration's time
 * zone (Excel has no time zones; the header names it), so planners can sort and compute with them.
 */
import ExcelJS from 'exceljs';
import type { BoardRows } from '../engine/board-rows.js';
import { instantToLocal } from '../engine/store-plan.js';
import { toExcelDate } from '../import/local-date-time.js';

const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm';

/** Renders the board rows; the file name a browser should save it under is `boardFileName`. */
export async function writeBoardWorkbook(board: BoardRows, generatedAt: Date): Promise<Buffer> {
  const zone = board.iteration.timeZone;
  const local = (at: Date | null) => (at ? toExcelDate(instantToLocal(at, zone)) : null);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Runsheet';
  workbook.created = generatedAt;
  const sheet = workbook.addWorksheet(`Board ${board.iteration.name}`.slice(0, 31), {
    views: [{ state: 'frozen', ySplit: 1 }],
  });
  sheet.columns = [
    { header: 'Step', width: 13 },
    { header: 'Title', width: 48 },
    { header: 'Phase', width: 18 },
    { header: 'Chapter', width: 24 },
    { header: 'Team', width: 16 },
    { header: 'Environment', width: 12 },
    { header: 'Status', width: 13 },
    { header: 'Ready', width: 7 },
    { header: 'Duration (min)', width: 9 },
    { header: `Started (${zone})`, width: 18, style: { numFmt: DATE_TIME_FORMAT } },
    { header: 'Started by', width: 26 },
    { header: `Ended (${zone})`, width: 18, style: { numFmt: DATE_TIME_FORMAT } },
    { header: 'Ended by', width: 26 },
    { header: 'Actual (min)', width: 9 },
    { header: 'Last change by', width: 20 },
    { header: 'Reason', width: 30 },
  ];
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.columns.length } };
  for (const row of board.rows) {
    const actualMinutes =
      row.startedAt && row.endedAt
        ? Math.round((row.endedAt.getTime() - row.startedAt.getTime()) / 60_000)
        : null;
    sheet.addRow([
      row.step,
      row.title,
      row.phase,
      row.chapter,
      row.team,
      row.environment || null,
      row.status,
      row.ready ? 'yes' : null,
      row.durationMinutes,
      local(row.startedAt),
      row.startedBy,
      local(row.endedAt),
      row.endedBy,
      actualMinutes,
      row.lastChangeBy,
      row.reason,
    ]);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** `board-Run1-2026-09-19-0312.xlsx`: the iteration and the local time of the export. */
export function boardFileName(iteration: string, timeZone: string, at: Date): string {
  return `board-${safeFilePart(iteration)}-${instantToLocal(at, timeZone).replace('T', '-').replace(':', '')}.xlsx`;
}

/** Keeps a name usable in a file name and a Content-Disposition header. */
export function safeFilePart(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}
