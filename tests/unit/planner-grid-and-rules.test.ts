/** The hour grid across clock changes, and the chapter plan rules that need no database. */
import { describe, expect, it } from 'vitest';
import { decideChapterPlan, type ChapterPlanFacts } from '../../src/domain/chapter-plan-rules.js';
import { daysTouched, positionOf, segmentsOf } from '../../src/domain/hour-grid.js';

const ZONE = 'Europe/Zurich';
const ms = (iso: string) => new Date(iso).getTime();

describe('the hour grid', () => {
  it('gives the autumn night of the clock change 25 hours, with 02 twice, and keeps bars true to length', () => {
    // Sat 24 Oct 2026 22:00 CEST to Sun 25 Oct 04:00 CET: 7 real hours.
    const span = { start: ms('2026-10-24T20:00:00Z'), end: ms('2026-10-25T03:00:00Z') };
    const days = daysTouched([span], [], ZONE);
    expect(days.map((d) => [d.date, d.hours.length, d.note])).toEqual([
      ['2026-10-24', 24, null],
      ['2026-10-25', 25, '25 hours: clocks go back'],
    ]);
    expect(days[1]!.hours.map((h) => h.label).slice(0, 5)).toEqual(['00', '01', '02', '02', '03']);
    const segments = segmentsOf(span, days);
    expect(segments.map((s) => s.width * (s.day === 1 ? 25 : 24))).toEqual([2, 5]);
  });

  it('gives the spring night 23 hours and leaves out days nothing touches', () => {
    const days = daysTouched(
      [
        { start: ms('2027-03-27T22:00:00Z'), end: ms('2027-03-28T05:00:00Z') },
        { start: ms('2027-03-31T08:00:00Z'), end: ms('2027-03-31T09:00:00Z') },
      ],
      [],
      ZONE,
    );
    expect(days.map((d) => [d.date, d.hours.length])).toEqual([
      ['2027-03-27', 24],
      ['2027-03-28', 23],
      ['2027-03-31', 24],
    ]);
    expect(positionOf(ms('2027-03-29T10:00:00Z'), days)).toBeNull();
  });

  it('does not count a span ending at midnight as touching the next day', () => {
    const days = daysTouched(
      [{ start: ms('2026-12-05T17:00:00Z'), end: ms('2026-12-05T23:00:00Z') }],
      [],
      ZONE,
    );
    expect(days.map((d) => d.date)).toEqual(['2026-12-05']);
  });
});

describe('the chapter plan rules', () => {
  const facts = (over: Partial<ChapterPlanFacts>): ChapterPlanFacts => ({
    chapter: 'Trading halt',
    iteration: { name: 'Cutover', status: 'PLANNED', timeZone: ZONE },
    start: '2027-03-27T20:00',
    end: '2027-03-28T04:00',
    previous: null,
    next: null,
    otherChapters: [],
    ...over,
  });

  it('accepts a plan across the spring clock change, which lasts 7 real hours', () => {
    const decision = decideChapterPlan(facts({}));
    expect(decision.ok && (decision.end.getTime() - decision.start.getTime()) / 3_600_000).toBe(7);
  });

  it('refuses a time the clocks skip, and a closed iteration', () => {
    expect(decideChapterPlan(facts({ end: '2027-03-28T02:30' }))).toEqual({
      ok: false,
      code: 'INVALID_TIME',
      message: 'End 2027-03-28 02:30 does not exist in Europe/Zurich: the clocks go forward that night.',
    });
    expect(
      decideChapterPlan(facts({ iteration: { name: 'DR1', status: 'CLOSED', timeZone: ZONE } })),
    ).toEqual({
      ok: false,
      code: 'ITERATION_CLOSED',
      message: 'DR1 is closed: its plan is frozen.',
    });
  });

  it('refuses a start before the end of the iteration before', () => {
    expect(
      decideChapterPlan(facts({ previous: { name: 'DR2', end: new Date('2027-03-27T20:00:00Z') } })),
    ).toMatchObject({
      ok: false,
      code: 'OUTSIDE_ITERATION',
      message:
        'The start 2027-03-27 20:00 is before the end of DR2 (2027-03-27 21:00), the iteration before Cutover: the plan of Trading halt must lie inside Cutover.',
    });
  });
});
