/**
 * The controls grid: every control of the plan against every iteration, with its result there
 * (OPEN, PASSED, FAILED, CANCELLED) and who set it when, filtered by the phase its tasks belong
 * to, its producer or validator team, a result, and text. PostgreSQL filters and pages (the page,
 * then a count), so 8,000 controls × 7 iterations stay one page of rows.
 */
import type { SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { CONTROL_RESULTS, type ControlResult } from '../domain/statuses.js';
import { formatLocalTime } from './messages.js';
import { NotFoundError } from './read-models.js';

export interface ControlsGridFilter {
  /** Controls linked to a task of a step in this phase. */
  phase?: string | null;
  producer?: string | null;
  validator?: string | null;
  /** Controls with this result in `resultIn` (or in any iteration when it is not given). */
  result?: ControlResult | null;
  resultIn?: string | null;
  /** Part of the control's id or name, case-insensitive. */
  text?: string | null;
  offset?: number;
  /** Page size, 1 … 1000; 200 by default. */
  limit?: number;
}

export interface ControlCell {
  result: ControlResult;
  /** Who set the result and when (in the iteration's time zone); null while never changed. */
  by: string | null;
  byName: string | null;
  at: string | null;
  atLabel: string | null;
  /** The validator team's confirmation of this result (action `confirm`); null while unconfirmed. */
  confirmedByName: string | null;
  confirmedAtLabel: string | null;
}

export interface ControlsGridRow {
  id: string;
  name: string;
  producer: string;
  validator: string;
  phases: string[];
  /** By iteration name; an iteration not yet activated has every control OPEN. */
  results: Record<string, ControlCell>;
}

export interface ControlsGrid {
  iterations: { name: string; status: string; timeZone: string }[];
  /** Choices for the filters. */
  phases: string[];
  teams: string[];
  rows: ControlsGridRow[];
  /** Controls matching the filter (all pages), and in the plan. */
  matched: number;
  total: number;
  offset: number;
  limit: number;
}

const DEFAULT_LIMIT = 200;

/** Reads one page of the controls grid; an unknown iteration in `resultIn` is a NotFoundError. */
export async function loadControlsGrid(
  db: Queryable,
  filter: ControlsGridFilter = {},
): Promise<ControlsGrid> {
  const iterations = await queryRows<{ id: number; name: string; status: string; time_zone: string }>(
    db,
    sql`select id, name, status, time_zone from iterations where not archived order by sort_order, id`,
  );
  const phases = await queryRows<{ name: string }>(
    db,
    sql`select name from phases where not archived order by sort_order, id`,
  );
  const teams = await queryRows<{ name: string }>(
    db,
    sql`select name from teams where not archived order by name`,
  );

  const conditions: SQL[] = [sql`not c.archived`];
  const text = filter.text?.trim();
  if (text) {
    const pattern = `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conditions.push(sql`(c.key ilike ${pattern} or c.name ilike ${pattern})`);
  }
  if (filter.producer?.trim()) conditions.push(sql`lower(p.name) = lower(${filter.producer.trim()})`);
  if (filter.validator?.trim()) conditions.push(sql`lower(v.name) = lower(${filter.validator.trim()})`);
  if (filter.phase?.trim()) {
    // Sets, not per-control lookups: PostgreSQL answers each with one pass (a hashed semi-join).
    conditions.push(sql`c.id in (select tc.control_id from task_controls tc join tasks t on t.id = tc.task_id and not t.archived
        join steps s on s.id = t.step_id join chapters ch on ch.id = s.chapter_id join phases ph on ph.id = ch.phase_id
        where lower(ph.name) = lower(${filter.phase.trim()}))`);
  }
  if (filter.result) {
    if (!CONTROL_RESULTS.includes(filter.result))
      throw new NotFoundError(`There is no result "${filter.result}".`);
    let iterationIds = iterations.map((i) => i.id);
    if (filter.resultIn?.trim()) {
      const chosen = iterations.find((i) => i.name.toLowerCase() === filter.resultIn!.trim().toLowerCase());
      if (!chosen) throw new NotFoundError(`There is no iteration "${filter.resultIn}".`);
      iterationIds = [chosen.id];
    }
    const ids = `{${iterationIds.join(',')}}`;
    // No result row yet means OPEN (the iteration has not been activated), so a control is OPEN in
    // one of the iterations unless every one of them has a result other than OPEN.
    conditions.push(
      filter.result === 'OPEN'
        ? sql`c.id not in (select cr.control_id from control_results cr
              where cr.iteration_id = any(${ids}::int[]) and cr.result <> 'OPEN'
              group by cr.control_id having count(*) = ${iterationIds.length})`
        : sql`c.id in (select cr.control_id from control_results cr
              where cr.iteration_id = any(${ids}::int[]) and cr.result = ${filter.result})`,
    );
  }
  const limit = Math.min(1000, Math.max(1, Math.floor(filter.limit ?? DEFAULT_LIMIT)));
  const offset = Math.max(0, Math.floor(filter.offset ?? 0));

  const where = sql.join(conditions, sql` and `);
  // The page first, then the phases and results of its controls, each gathered in one pass
  // (control_results is keyed by iteration first: a lookup per control would scan it each time).
  const rows = await queryRows<{
    id: string;
    name: string;
    producer: string;
    validator: string;
    phases: string[] | null;
    results:
      | {
          iteration: number;
          result: ControlResult;
          by: string | null;
          name: string | null;
          at: string | null;
          confirmed_by: string | null;
          confirmed_at: string | null;
        }[]
      | null;
  }>(
    db,
    sql`with page as (
          select c.id, c.key, c.name, p.name as producer, v.name as validator, c.sort_order
          from controls c join teams p on p.id = c.producer_team_id join teams v on v.id = c.validator_team_id
          where ${where}
          order by c.sort_order, c.id
          limit ${limit} offset ${offset}),
        page_phases as (
          select x.control_id, json_agg(x.name order by x.sort_order) as phases from (
            select distinct tc.control_id, ph.name, ph.sort_order from task_controls tc
            join page on page.id = tc.control_id join tasks t on t.id = tc.task_id and not t.archived
            join steps s on s.id = t.step_id join chapters ch on ch.id = s.chapter_id join phases ph on ph.id = ch.phase_id) x
          group by x.control_id),
        page_results as (
          select cr.control_id, json_agg(json_build_object('iteration', cr.iteration_id, 'result', cr.result,
            'by', cr.changed_by, 'name', cr.changed_by_name, 'at', cr.changed_at,
            'confirmed_by', coalesce(cr.confirmed_by_name, cr.confirmed_by), 'confirmed_at', cr.confirmed_at)) as results
          from control_results cr join page on page.id = cr.control_id group by cr.control_id)
        select page.key as id, page.name, page.producer, page.validator, pp.phases, pr.results
        from page left join page_phases pp on pp.control_id = page.id left join page_results pr on pr.control_id = page.id
        order by page.sort_order, page.id`,
  );
  const [counts] = await queryRows<{ matched: number; total: number }>(
    db,
    sql`select (select count(*)::int from controls c join teams p on p.id = c.producer_team_id
                 join teams v on v.id = c.validator_team_id where ${where}) as matched,
               (select count(*)::int from controls where not archived) as total`,
  );
  const iterationById = new Map(iterations.map((i) => [i.id, i]));
  return {
    iterations: iterations.map((i) => ({ name: i.name, status: i.status, timeZone: i.time_zone })),
    phases: phases.map((p) => p.name),
    teams: teams.map((t) => t.name),
    rows: rows.map((row) => {
      const results: Record<string, ControlCell> = {};
      for (const iteration of iterations) {
        results[iteration.name] = {
          result: 'OPEN',
          by: null,
          byName: null,
          at: null,
          atLabel: null,
          confirmedByName: null,
          confirmedAtLabel: null,
        };
      }
      for (const cell of row.results ?? []) {
        const iteration = iterationById.get(cell.iteration);
        if (!iteration) continue;
        const at = toDate(cell.at);
        const confirmedAt = toDate(cell.confirmed_at);
        results[iteration.name] = {
          result: cell.result,
          by: cell.by,
          byName: cell.name,
          at: at?.toISOString() ?? null,
          atLabel: at ? formatLocalTime(at, iteration.time_zone) : null,
          confirmedByName: confirmedAt ? cell.confirmed_by : null,
          confirmedAtLabel: confirmedAt ? formatLocalTime(confirmedAt, iteration.time_zone) : null,
        };
      }
      return {
        id: row.id,
        name: row.name,
        producer: row.producer,
        validator: row.validator,
        phases: row.phases ?? [],
        results,
      };
    }),
    matched: counts?.matched ?? 0,
    total: counts?.total ?? 0,
    offset,
    limit,
  };
}
