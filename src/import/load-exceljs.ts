/**
 * exceljs, loaded on first use. Loading it costs about 35 MB of resident memory and 170 ms,
 * which a JSON import, the service's start and every other CLI command need not pay.
 */
import type ExcelJS from 'exceljs';

export async function loadExcelJs(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}
