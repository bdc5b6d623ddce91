/** The pilots' channel line for a step status change (shared spec: `TRT-123 Done by Luca Engine — 42 min, planned 30`). */
import { describe, expect, it } from 'vitest';
import { formatStatusNotice } from '../../src/teams/card-jobs.js';

const notice = (from: string, to: string, reason: string | null = null) => ({
  iterationId: 1,
  stepId: 1,
  step: 'TRT-123',
  from,
  to,
  actorName: 'Luca Engine',
  at: '2026-12-05T19:42:00Z',
  reason,
});
const none = { startedAt: null, durationMinutes: null };

describe('pilots status notice', () => {
  it('says Done with the time taken against the plan', () => {
    expect(
      formatStatusNotice(notice('IN_PROGRESS', 'DONE'), {
        startedAt: new Date('2026-12-05T19:00:00Z'),
        durationMinutes: 30,
      }),
    ).toBe('TRT-123 Done by Luca Engine — 42 min, planned 30');
  });

  it('names each transition as the people did it', () => {
    expect(formatStatusNotice(notice('OPEN', 'IN_PROGRESS'), none)).toBe('TRT-123 started by Luca Engine');
    expect(formatStatusNotice(notice('FAILED', 'IN_PROGRESS'), none)).toBe('TRT-123 retried by Luca Engine');
    expect(formatStatusNotice(notice('DONE', 'IN_PROGRESS'), none)).toBe('TRT-123 reopened by Luca Engine');
    expect(formatStatusNotice(notice('ON_HOLD', 'OPEN'), none)).toBe('TRT-123 resumed by Luca Engine');
    expect(formatStatusNotice(notice('IN_PROGRESS', 'FAILED', 'ORA-00600 on load'), none)).toBe(
      'TRT-123 Failed by Luca Engine: ORA-00600 on load',
    );
    expect(formatStatusNotice(notice('OPEN', 'ON_HOLD', 'waiting for DBA'), none)).toBe(
      'TRT-123 on hold by Luca Engine: waiting for DBA',
    );
  });
});
