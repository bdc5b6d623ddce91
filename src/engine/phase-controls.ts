/**
 * The controls a go/no-go step shows and checks (src/domain/go-no-go.ts): the controls linked to
 * tasks of the in-scope steps of its phase, with this iteration's result and confirmation. One
 * query, by the steps' ids taken from the plan snapshot; read by the engine (Done on such a step),
 * the step card and the tab's step detail.
 */
import { sql } from '../db/orm.js';
import { queryRows, type Queryable } from '../db/client.js';
import {
  isGoNoGoStep,
  orderPhaseControls,
  phaseControlsHeading,
  type PhaseControl,
} from '../domain/go-no-go.js';
import type { ControlResult } from '../domain/statuses.js';
import type { PlanSnapshot } from './plan-snapshot.js';

export interface PhaseControls {
  phase: string;
  /** `Controls of phase Migration: 5 passed, 2 open, 1 failed`. */
  heading: string;
  /** Failed first, then open, then passed and not confirmed, then the rest (`orderPhaseControls`). */
  controls: PhaseControl[];
}

/** The db ids of the steps of `phase` in scope of the iteration. */
function phaseStepDbIds(snapshot: PlanSnapshot, iterationId: number, phase: string): number[] {
  const scope = snapshot.scopeOf(iterationId);
  const ids: number[] = [];
  snapshot.steps.forEach((step, index) => {
    if (step.phase === phase && scope.isInScope(index)) ids.push(step.dbId);
  });
  return ids;
}

/**
 * The phase controls of step `index` when it is a go/no-go step, else null. Read through `db`:
 * the command's transaction, so Done checks the results as of its own moment.
 */
export async function loadPhaseControls(
  db: Queryable,
  snapshot: PlanSnapshot,
  iterationId: number,
  index: number,
): Promise<PhaseControls | null> {
  const step = snapshot.steps[index];
  if (!step || !isGoNoGoStep(step.key)) return null;
  const stepIds = `{${phaseStepDbIds(snapshot, iterationId, step.phase).join(',')}}`;
  const rows = await queryRows<{
    id: string;
    name: string;
    producer: string;
    validator: string;
    result: ControlResult | null;
    confirmed: boolean | null;
  }>(
    db,
    sql`select c.key as id, c.name, p.name as producer, v.name as validator, cr.result,
          cr.confirmed_at is not null as confirmed
        from controls c
        join teams p on p.id = c.producer_team_id join teams v on v.id = c.validator_team_id
        left join control_results cr on cr.iteration_id = ${iterationId} and cr.control_id = c.id
        where not c.archived and c.id in (
          select tc.control_id from task_controls tc join tasks t on t.id = tc.task_id
          where not t.archived and t.step_id = any(${stepIds}::int[]))`,
  );
  const controls = orderPhaseControls(
    rows.map((row) => ({
      id: row.id,
      name: row.name,
      producer: row.producer,
      validator: row.validator,
      result: row.result ?? 'OPEN',
      confirmed: row.confirmed === true,
    })),
  );
  return { phase: step.phase, heading: phaseControlsHeading(step.phase, controls), controls };
}

/**
 * The go/no-go steps in scope of the iteration whose phase holds one of `stepDbIds` (the steps
 * whose tasks link a control): their cards show the control too, so they are refreshed with it.
 */
export function goNoGoStepsShowing(
  snapshot: PlanSnapshot,
  iterationId: number,
  stepDbIds: readonly number[],
): number[] {
  const scope = snapshot.scopeOf(iterationId);
  const phases = new Set<string>();
  for (const dbId of stepDbIds) {
    const index = snapshot.indexOfDbId(dbId);
    if (index !== undefined && scope.isInScope(index)) phases.add(snapshot.steps[index]!.phase);
  }
  if (phases.size === 0) return [];
  const ids: number[] = [];
  snapshot.steps.forEach((step, index) => {
    if (phases.has(step.phase) && isGoNoGoStep(step.key) && scope.isInScope(index)) ids.push(step.dbId);
  });
  return ids;
}
