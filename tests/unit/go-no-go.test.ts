import { describe, expect, it } from 'vitest';
import {
  countControls,
  GO_NO_GO_STEP_TYPES,
  isGoNoGoStep,
  orderPhaseControls,
  phaseControlsHeading,
} from '../../src/domain/go-no-go.js';

describe('go/no-go steps', () => {
  it('are the steps of types IGO, BGO and GON', () => {
    expect(GO_NO_GO_STEP_TYPES).toEqual(['IGO', 'BGO', 'GON']);
    expect(['IGO-15', 'BGO-3a', 'GON-11'].map(isGoNoGoStep)).toEqual([true, true, true]);
    expect(['TRT-15', 'CHK-7', 'GOX-1', 'IGO'].map(isGoNoGoStep)).toEqual([false, false, false, false]);
  });

  it('order their controls failed, open, passed and unconfirmed, then the rest, by id', () => {
    const ordered = orderPhaseControls([
      { id: 'C0005-a', result: 'PASSED', confirmed: true },
      { id: 'C0004-a', result: 'CANCELLED', confirmed: false },
      { id: 'C0003-a', result: 'PASSED', confirmed: false },
      { id: 'C0002-b', result: 'OPEN', confirmed: false },
      { id: 'C0002-a', result: 'OPEN', confirmed: false },
      { id: 'C0009-a', result: 'FAILED', confirmed: true },
    ]);
    expect(ordered.map((c) => c.id)).toEqual([
      'C0009-a',
      'C0002-a',
      'C0002-b',
      'C0003-a',
      'C0004-a',
      'C0005-a',
    ]);
  });

  it('count them in a heading', () => {
    const results = ['PASSED', 'OPEN', 'PASSED', 'FAILED', 'OPEN', 'PASSED', 'PASSED', 'PASSED'] as const;
    expect(
      phaseControlsHeading(
        'Migration',
        results.map((result) => ({ result })),
      ),
    ).toBe('Controls of phase Migration: 5 passed, 2 open, 1 failed');
    expect(countControls([])).toBe('no controls');
  });
});
