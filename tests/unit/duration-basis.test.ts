import { describe, expect, it } from 'vitest';
import {
  describeDurationBasis,
  forecastDuration,
  isDurationBasis,
  learnedDurations,
} from '../../src/domain/duration-basis.js';
import { comparisonRow } from '../../src/domain/report-figures.js';

describe('learned durations', () => {
  it('are the median of the past actuals in whole minutes, null without any', () => {
    expect(
      learnedDurations([[50, 70], [null, 20, null], [40, null, 61], [10, 30, 20], [null, null], []]),
    ).toEqual([60, 20, 51, 20, null, null]);
  });

  it('are the comparison across iterations’ learned duration', () => {
    const actuals = [12, null, 17, 40];
    expect(learnedDurations([actuals])[0]).toBe(
      comparisonRow({ name: 'TRT-1', title: '', chapter: '', plannedMinutes: 30 }, actuals).learnedMinutes,
    );
  });
});

describe('the duration the forecast uses', () => {
  it('is the indicative one with the indicative basis, whatever was learned', () => {
    expect(forecastDuration('indicative', 30, 60)).toBe(30);
    expect(forecastDuration('indicative', null, 60)).toBeNull();
  });

  it('is the learned one with the learned basis, falling back to the indicative one', () => {
    expect(forecastDuration('learned', 30, 60)).toBe(60);
    expect(forecastDuration('learned', 30, 0)).toBe(0);
    expect(forecastDuration('learned', 30, null)).toBe(30);
    expect(forecastDuration('learned', null, null)).toBeNull();
  });

  it('is said as the pilots read it', () => {
    expect(describeDurationBasis('indicative', ['Run0'])).toBe('indicative durations');
    expect(describeDurationBasis('learned', ['Run0', 'Run1', 'DR1'])).toBe('learned durations from Run0–DR1');
    expect(describeDurationBasis('learned', ['Run1'])).toBe('learned durations from Run1');
    expect(describeDurationBasis('learned', [])).toBe(
      'learned durations (no earlier actuals yet: indicative durations)',
    );
  });

  it('accepts only the two bases', () => {
    expect(isDurationBasis('learned')).toBe(true);
    expect(isDurationBasis('indicative')).toBe(true);
    expect(isDurationBasis('Learned')).toBe(false);
    expect(isDurationBasis(null)).toBe(false);
  });
});
