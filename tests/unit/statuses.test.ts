import { describe, expect, it } from 'vitest';
import {
  assertNever,
  isControlAction,
  isControlResult,
  isFinished,
  isWorkAction,
  isWorkStatus,
  WORK_STATUSES,
} from '../../src/domain/statuses.js';

describe('statuses', () => {
  it('counts DONE and CANCELLED as finished, nothing else', () => {
    expect(WORK_STATUSES.filter(isFinished)).toEqual(['DONE', 'CANCELLED']);
  });

  it('recognises the exact spellings only', () => {
    expect(isWorkStatus('ON_HOLD')).toBe(true);
    expect(isWorkStatus('on_hold')).toBe(false);
    expect(isWorkStatus('PASSED')).toBe(false);
    expect(isControlResult('PASSED')).toBe(true);
    expect(isControlResult('DONE')).toBe(false);
    expect(isWorkAction('resume')).toBe(true);
    expect(isWorkAction('pass')).toBe(false);
    expect(isControlAction('pass')).toBe(true);
    expect(isControlAction('start')).toBe(false);
    expect(isWorkAction('toString')).toBe(false);
  });

  it('throws when an exhaustive switch is escaped at run time', () => {
    expect(() => assertNever('SURPRISE' as never)).toThrow('Unexpected value: SURPRISE');
  });
});
