import { describe, expect, it } from 'vitest';
import { buildPlanGraph } from '../../src/domain/plan-graph.js';
import { IterationScope, isStepReady, newlyReadyAfter, readySteps } from '../../src/domain/readiness.js';
import type { WorkStatus } from '../../src/domain/statuses.js';

// A -> B, B not before t=100.
const graph = buildPlanGraph([
  { key: 'A', predecessors: [] },
  { key: 'B', predecessors: ['A'] },
]);
const scope = new IterationScope(
  graph,
  () => true,
  (index) => (index === 1 ? 100 : null),
);
const done = (statuses: WorkStatus[]) => (index: number) => statuses[index]!;

describe('readiness with a fixed start', () => {
  it('keeps a step with finished predecessors waiting until its fixed start', () => {
    const statusOf = done(['DONE', 'OPEN']);
    expect(isStepReady(scope, 1, statusOf, 99)).toBe(false);
    expect(isStepReady(scope, 1, statusOf, 100)).toBe(true);
    expect(readySteps(scope, statusOf, 50)).toEqual([]);
    expect(newlyReadyAfter(scope, 0, statusOf, 50)).toEqual([]);
    expect(newlyReadyAfter(scope, 0, statusOf, 150)).toEqual([1]);
  });

  it('never makes a step ready whose predecessors are not finished, whatever the time', () => {
    expect(isStepReady(scope, 1, done(['IN_PROGRESS', 'OPEN']), 1_000)).toBe(false);
  });

  it('is ignored by callers that give no time, and reported by notBeforeOf', () => {
    expect(isStepReady(scope, 1, done(['DONE', 'OPEN']))).toBe(true);
    expect(scope.notBeforeOf(1)).toBe(100);
    expect(scope.notBeforeOf(0)).toBeNull();
  });
});
