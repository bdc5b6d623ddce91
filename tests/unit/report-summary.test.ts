import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/report/report-summary.js';

describe('formatDuration (the report summary)', () => {
  it('reads minutes, hours and days as a person writes them', () => {
    expect(
      [0, 45, 60, 125, -40, 1440, 1455, 1932, 2880 + 180].map((minutes) => formatDuration(minutes)),
    ).toEqual([
      '0 min',
      '45 min',
      '1 h 00 min',
      '2 h 05 min',
      '40 min',
      '1 d',
      '1 d 15 min',
      '1 d 8 h 12 min',
      '2 d 3 h',
    ]);
  });
});
