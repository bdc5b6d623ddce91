/** Reads the current (non-archived) plan back into the exchange model, for export. */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import type { CommsMode, IterationKind, PlanModel } from '../domain/plan-model.js';
import { instantToLocal } from './store-plan.js';

/** The plan as stored, in the workbook's order; import(export(plan)) gives the same plan. */
export async function loadPlanModel(db: Queryable): Promise<PlanModel> {
  const stepTypes = await queryRows<{ type: string; name: string }>(
    db,
    sql`select type, name from step_types order by sort_order, type`,
  );
  const phases = await queryRows<{ order: number; name: string }>(
    db,
    sql`select sort_order as "order", name from phases where not archived order by sort_order, name`,
  );
  const chapters = await queryRows<{ order: number; name: string; phase: string }>(
    db,
    sql`select c.sort_order as "order", c.name, p.name as phase from chapters c join phases p on p.id = c.phase_id where not c.archived order by c.sort_order, c.name`,
  );
  const teams = await queryRows<{ name: string; adGroup: string; channel: string; mailbox: string }>(
    db,
    sql`select name, ad_group as "adGroup", channel_url as channel, mailbox from teams where not archived order by id`,
  );
  const iterations = await queryRows<{
    id: number;
    name: string;
    kind: IterationKind;
    timeZone: string;
    comms: CommsMode;
  }>(
    db,
    sql`select id, name, kind, time_zone as "timeZone", comms from iterations where not archived order by sort_order, id`,
  );
  const steps = await queryRows<{
    id: number;
    key: string;
    title: string;
    chapter: string;
    team: string;
    environment: string;
    duration: number | null;
    description: string;
    url: string;
  }>(
    db,
    sql`select s.id, s.key, s.title, c.name as chapter, t.name as team, s.environment, s.duration_minutes as duration,
          s.description_html as description, s.instructions_url as url
        from steps s join chapters c on c.id = s.chapter_id join teams t on t.id = s.team_id
        where not s.archived order by s.sort_order, s.id`,
  );
  const links = await queryRows<{ step_id: number; key: string }>(
    db,
    sql`select sp.step_id, p.key from step_predecessors sp join steps p on p.id = sp.predecessor_id where not p.archived order by sp.step_id, sp.sort_order`,
  );
  const scope = await queryRows<{ step_id: number; iteration_id: number }>(
    db,
    sql`select step_id, iteration_id from step_scope`,
  );
  const tasks = await queryRows<{
    id: number;
    key: string;
    description: string;
    team: string;
    duration: number | null;
  }>(
    db,
    sql`select t.id, t.key, t.description_html as description, tm.name as team, t.duration_minutes as duration
        from tasks t join teams tm on tm.id = t.team_id join steps s on s.id = t.step_id
        where not t.archived and not s.archived order by t.sort_order, t.id`,
  );
  const taskControls = await queryRows<{ task_id: number; key: string }>(
    db,
    sql`select tc.task_id, c.key from task_controls tc join controls c on c.id = tc.control_id where not c.archived order by tc.task_id, tc.sort_order`,
  );
  const controls = await queryRows<{
    key: string;
    name: string;
    producer: string;
    validator: string;
    description: string;
  }>(
    db,
    sql`select c.key, c.name, p.name as producer, v.name as validator, c.description_html as description
        from controls c join teams p on p.id = c.producer_team_id join teams v on v.id = c.validator_team_id
        where not c.archived order by c.sort_order, c.id`,
  );
  const schedule = await queryRows<{
    iteration_id: number;
    chapter: string;
    start: Date | string;
    end: Date | string;
  }>(
    db,
    sql`select cs.iteration_id, c.name as chapter, cs.planned_start as start, cs.planned_end as end
        from chapter_schedules cs join chapters c on c.id = cs.chapter_id join iterations i on i.id = cs.iteration_id
        where not i.archived and not c.archived order by i.sort_order, c.sort_order`,
  );

  const fixedStarts = await queryRows<{ iteration_id: number; step: string; not_before: Date | string }>(
    db,
    sql`select fs.iteration_id, s.key as step, fs.not_before
        from step_fixed_starts fs join steps s on s.id = fs.step_id join iterations i on i.id = fs.iteration_id
        where not i.archived and not s.archived order by i.sort_order, s.sort_order`,
  );

  const group = <T>(rows: T[], keyOf: (row: T) => number, valueOf: (row: T) => string) => {
    const map = new Map<number, string[]>();
    for (const row of rows) map.set(keyOf(row), [...(map.get(keyOf(row)) ?? []), valueOf(row)]);
    return map;
  };
  const iterationById = new Map(iterations.map((i) => [i.id, i]));
  const predecessorsOf = group(
    links,
    (l) => l.step_id,
    (l) => l.key,
  );
  const scopeOf = group(
    scope,
    (s) => s.step_id,
    (s) => String(s.iteration_id),
  );
  const controlsOf = group(
    taskControls,
    (t) => t.task_id,
    (t) => t.key,
  );
  const iterationOrder = new Map(iterations.map((i, index) => [String(i.id), index]));

  return {
    stepTypes,
    phases,
    chapters,
    teams,
    iterations: iterations.map(({ name, kind, timeZone, comms }) => ({ name, kind, timeZone, comms })),
    steps: steps.map((s) => ({
      id: s.key,
      title: s.title,
      chapter: s.chapter,
      team: s.team,
      environment: s.environment,
      durationMinutes: s.duration,
      predecessors: predecessorsOf.get(s.id) ?? [],
      description: s.description,
      instructionsUrl: s.url,
      scope: (scopeOf.get(s.id) ?? [])
        .filter((id) => iterationOrder.has(id))
        .sort((a, b) => iterationOrder.get(a)! - iterationOrder.get(b)!)
        .map((id) => iterationById.get(Number(id))!.name),
    })),
    tasks: tasks.map((t) => ({
      id: t.key,
      description: t.description,
      team: t.team,
      durationMinutes: t.duration,
      controls: controlsOf.get(t.id) ?? [],
    })),
    controls: controls.map((c) => ({
      id: c.key,
      name: c.name,
      producer: c.producer,
      validator: c.validator,
      description: c.description,
    })),
    schedule: schedule.map((entry) => {
      const zone = iterationById.get(entry.iteration_id)!.timeZone;
      return {
        iteration: iterationById.get(entry.iteration_id)!.name,
        chapter: entry.chapter,
        start: instantToLocal(toDate(entry.start)!, zone),
        end: instantToLocal(toDate(entry.end)!, zone),
      };
    }),
    ...(fixedStarts.length > 0
      ? {
          fixedStarts: fixedStarts.map((entry) => {
            const iteration = iterationById.get(entry.iteration_id)!;
            return {
              iteration: iteration.name,
              step: entry.step,
              notBefore: instantToLocal(toDate(entry.not_before)!, iteration.timeZone),
            };
          }),
        }
      : {}),
  };
}
