/**
 * Stores a validated plan in the database: one transaction, rows matched by business key
 * (step, task and control ids; names of phases, chapters, teams, iterations), execution history
 * kept, and anything that disappeared from the workbook archived, never deleted, because the audit
 * log refers to it. Bulk statements read their rows from one jsonb parameter, so 20,000 steps
 * take a handful of statements.
 */
import { createHash } from 'node:crypto';
import { sql } from '../db/orm.js';
import { DateTime } from 'luxon';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, type Database, type Tx } from '../db/client.js';
import { jsonbRows } from '../db/sql-helpers.js';
import { parseStepId, parseTaskId } from '../domain/ids.js';
import { enqueueJobs, type JobRequest } from '../jobs/queue.js';
import { openExecutionState, readyStepsOf } from './iteration-state.js';
import { stepCardSyncJob } from './outgoing-jobs.js';
import { PlanSnapshotCache } from './plan-snapshot.js';
import type { PlanModel, PlanStep, PlanTask } from '../domain/plan-model.js';
import type { SQL } from 'drizzle-orm';

export interface StoredPlanSummary {
  revision: number;
  counts: Record<'steps' | 'tasks' | 'controls' | 'chapters' | 'teams' | 'iterations' | 'schedule', number>;
  created: Record<'steps' | 'tasks' | 'controls', number>;
  archived: Record<'steps' | 'tasks' | 'controls', number>;
  /** Cards queued for steps that the new plan made ready in the active iteration. */
  cardsQueued: number;
  auditSeq: number;
}

/** Converts a local date-time of the plan (`2026-12-05T18:00`) in `timeZone` to an instant. */
export function localToInstant(local: string, timeZone: string): Date {
  const parsed = DateTime.fromISO(local, { zone: timeZone });
  if (!parsed.isValid)
    throw new Error(`invalid local date-time "${local}" in ${timeZone}: ${parsed.invalidExplanation ?? ''}`);
  return parsed.toJSDate();
}

/** Converts an instant to the plan's local date-time form in `timeZone`. */
export function instantToLocal(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/** Stores `plan` (already validated by src/import) and records the import in the audit log. */
export async function storePlan(
  database: Database,
  plan: PlanModel,
  origin: { actor: string; actorName?: string; source: string; contentHash?: string },
): Promise<StoredPlanSummary> {
  return database.db.transaction(async (tx) => {
    // Imports are serialised: two pilots importing at once would interleave upserts.
    const [meta] = await queryRows<{ revision: number }>(
      tx,
      sql`select revision from plan_meta where id = 1 for update`,
    );
    const revision = (meta?.revision ?? 0) + 1;

    await storeStepTypes(tx, plan);
    await storeStructure(tx, plan);
    const created = await storeWork(tx, plan);
    const archived = await archiveMissing(tx, plan);
    await storeSchedule(tx, plan);
    await storeFixedStarts(tx, plan);

    await tx.execute(
      sql`update plan_meta set revision = ${revision}, imported_at = now(), imported_by = ${origin.actor} where id = 1`,
    );
    const counts = {
      steps: plan.steps.length,
      tasks: plan.tasks.length,
      controls: plan.controls.length,
      chapters: plan.chapters.length,
      teams: plan.teams.length,
      iterations: plan.iterations.length,
      schedule: plan.schedule.length,
    };
    const cards = await cardsNowDue(tx, revision);
    const event = await appendAuditEvent(tx, {
      actor: origin.actor,
      actorName: origin.actorName ?? '',
      subject: 'plan',
      type: 'plan.import',
      details: {
        source: origin.source,
        sha256: origin.contentHash ?? sha256OfJson(plan),
        revision,
        counts,
        created,
        archived,
        ...(cards.iteration ? { cardsQueued: cards.jobs.length, activeIteration: cards.iteration } : {}),
      },
    });
    await enqueueJobs(
      tx,
      cards.jobs.map((job) => ({ ...job, payload: { ...job.payload, auditSeq: event.seq } })),
    );
    return { revision, counts, created, archived, cardsQueued: cards.jobs.length, auditSeq: event.seq };
  });
}

/**
 * The SHA-256 of `JSON.stringify(plan)`, hashed collection by collection and row by row, so that
 * the plan's whole JSON (17 MB at 20,000 steps) is never built as one string.
 */
export function sha256OfJson(plan: PlanModel): string {
  const hash = createHash('sha256');
  hash.update('{');
  Object.entries(plan).forEach(([collection, rows]: [string, readonly unknown[]], index) => {
    hash.update(`${index === 0 ? '' : ','}${JSON.stringify(collection)}:[`);
    rows.forEach((row, rowIndex) => hash.update(`${rowIndex === 0 ? '' : ','}${JSON.stringify(row)}`));
    hash.update(']');
  });
  hash.update('}');
  return hash.digest('hex');
}

/**
 * Registers the plan's step types in its order, which export keeps. Types the plan does not list
 * stay registered (steps of earlier imports may use them) and come after, in their old order.
 */
async function storeStepTypes(tx: Tx, plan: PlanModel): Promise<void> {
  const rows = plan.stepTypes.map((t, ord) => ({ type: t.type, name: t.name, ord }));
  await tx.execute(sql`update step_types set sort_order = sort_order + 1000
      where type not in (select value from jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.type))}::jsonb))
        and sort_order < 1000`);
  if (rows.length === 0) return;
  await tx.execute(sql`insert into step_types (type, name, sort_order)
      select x.type, x.name, x.ord from jsonb_to_recordset(${jsonbRows(rows)}) as x(type text, name text, ord int)
      on conflict (type) do update set name = excluded.name, sort_order = excluded.sort_order`);
}

async function storeStructure(tx: Tx, plan: PlanModel): Promise<void> {
  await tx.execute(sql`insert into phases (name, sort_order, archived)
      select x.name, x.ord, false from jsonb_to_recordset(${jsonbRows(plan.phases.map((p) => ({ name: p.name, ord: p.order })))}) as x(name text, ord int)
      on conflict (name) do update set sort_order = excluded.sort_order, archived = false`);
  await tx.execute(sql`insert into chapters (name, phase_id, sort_order, archived)
      select x.name, p.id, x.ord, false
      from jsonb_to_recordset(${jsonbRows(plan.chapters.map((c) => ({ name: c.name, phase: c.phase, ord: c.order })))}) as x(name text, phase text, ord int)
      join phases p on p.name = x.phase
      on conflict (name) do update set phase_id = excluded.phase_id, sort_order = excluded.sort_order, archived = false`);
  await tx.execute(sql`insert into teams (name, ad_group, channel_url, mailbox, archived)
      select x.name, x.ad_group, x.channel, x.mailbox, false
      from jsonb_to_recordset(${jsonbRows(plan.teams.map((t) => ({ name: t.name, ad_group: t.adGroup, channel: t.channel, mailbox: t.mailbox })))})
        as x(name text, ad_group text, channel text, mailbox text)
      on conflict (name) do update set ad_group = excluded.ad_group, channel_url = excluded.channel_url, mailbox = excluded.mailbox, archived = false`);
  await tx.execute(sql`insert into iterations (name, kind, time_zone, comms, sort_order, archived)
      select x.name, x.kind, x.tz, x.comms, x.ord, false
      from jsonb_to_recordset(${jsonbRows(plan.iterations.map((i, ord) => ({ name: i.name, kind: i.kind, tz: i.timeZone, comms: i.comms, ord })))})
        as x(name text, kind text, tz text, comms text, ord int)
      on conflict (name) do update set kind = excluded.kind, time_zone = excluded.time_zone, comms = excluded.comms, sort_order = excluded.sort_order, archived = false`);
  const environments = [...new Set(plan.steps.map((s) => s.environment).filter((e) => e !== ''))];
  if (environments.length > 0) {
    await tx.execute(sql`insert into environments (name)
        select value from jsonb_array_elements_text(${JSON.stringify(environments)}::jsonb) on conflict do nothing`);
  }
}

// Ids were validated against the type registry by src/import; here they are only taken apart.
const acceptAnyType = () => true;

/**
 * The most JSON one bulk statement carries. One statement for all 50,000 tasks would build their
 * JSON (8 MB, and again as UTF-8 in `pg`'s buffers) on top of the plan. Below V8's large-object
 * size (128 KB) the JSON is an ordinary young object, collected with the rest of the garbage;
 * larger, each batch would sit in memory of its own until the next collection.
 */
export const STORE_BATCH_JSON_CHARS = 100_000;

/**
 * Runs `write` over consecutive slices of the rows of `items`, each slice handed over as one
 * jsonb parameter of at most STORE_BATCH_JSON_CHARS characters (or one row, if longer); sums
 * what the writes count.
 */
async function inBatches<T>(
  items: readonly T[],
  toRows: (item: T, index: number) => object[],
  write: (rows: SQL) => Promise<number>,
): Promise<number> {
  let total = 0;
  let batch: string[] = [];
  let length = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // Array.prototype.join gives one flat string; `[${...}]` would give a rope that `pg` flattens
    // into a copy when it measures it, a copy V8 may place with the long-lived objects.
    batch[0] = `[${batch[0]}`;
    batch[batch.length - 1] += ']';
    total += await write(sql`${batch.join(',')}::jsonb`);
    batch = [];
    length = 0;
  };
  for (let index = 0; index < items.length; index++) {
    for (const row of toRows(items[index]!, index)) {
      const json = JSON.stringify(row);
      if (length + json.length + 1 > STORE_BATCH_JSON_CHARS) await flush();
      batch.push(json);
      length += json.length + 1;
    }
  }
  await flush();
  return total;
}

/** Runs an upsert whose statement answers `created`, the number of rows it inserted. */
async function countCreated(tx: Tx, statement: SQL): Promise<number> {
  const [row] = await queryRows<{ created: number }>(tx, statement);
  return row?.created ?? 0;
}

function stepRow(step: PlanStep, ord: number) {
  const id = parseStepId(step.id, acceptAnyType);
  if (!id.ok) throw new Error(`storePlan: step id ${step.id} is not canonical: ${id.problem}`);
  return {
    key: id.id.canonical,
    type: id.id.type,
    number: id.id.number,
    suffix: id.id.suffix,
    title: step.title,
    chapter: step.chapter,
    team: step.team,
    environment: step.environment,
    duration: step.durationMinutes,
    description: step.description,
    url: step.instructionsUrl,
    ord,
  };
}

function taskRow(task: PlanTask, ord: number) {
  const id = parseTaskId(task.id, acceptAnyType);
  if (!id.ok) throw new Error(`storePlan: task id ${task.id} is not canonical: ${id.problem}`);
  return {
    key: id.id.canonical,
    step: id.id.step.canonical,
    number: id.id.number,
    description: task.description,
    team: task.team,
    duration: task.durationMinutes,
    ord,
  };
}

async function storeWork(tx: Tx, plan: PlanModel): Promise<StoredPlanSummary['created']> {
  const execute = async (statement: SQL) => {
    await tx.execute(statement);
    return 0;
  };
  const steps = await inBatches(
    plan.steps,
    (step, ord) => [stepRow(step, ord)],
    (rows) =>
      countCreated(
        tx,
        sql`with upserted as (
      insert into steps (key, type, number, suffix, title, chapter_id, team_id, environment, duration_minutes, description_html, instructions_url, sort_order, archived)
      select x.key, x.type, x.number, x.suffix, x.title, c.id, t.id, x.environment, x.duration, x.description, x.url, x.ord, false
      from jsonb_to_recordset(${rows}) as x(key text, type text, number int, suffix text, title text, chapter text, team text,
        environment text, duration int, description text, url text, ord int)
      join chapters c on c.name = x.chapter join teams t on t.name = x.team
      on conflict (key) do update set type = excluded.type, number = excluded.number, suffix = excluded.suffix, title = excluded.title,
        chapter_id = excluded.chapter_id, team_id = excluded.team_id, environment = excluded.environment,
        duration_minutes = excluded.duration_minutes, description_html = excluded.description_html,
        instructions_url = excluded.instructions_url, sort_order = excluded.sort_order, archived = false
      returning (xmax = 0) as inserted)
    select count(*) filter (where inserted)::int as created from upserted`,
      ),
  );

  // Links and scope are the workbook's, whole: rebuilt rather than diffed.
  await tx.execute(sql`delete from step_predecessors`);
  await inBatches(
    plan.steps,
    (step) => step.predecessors.map((predecessor, ord) => ({ step: step.id, predecessor, ord })),
    (rows) =>
      execute(sql`insert into step_predecessors (step_id, predecessor_id, sort_order)
      select s.id, p.id, x.ord from jsonb_to_recordset(${rows}) as x(step text, predecessor text, ord int)
      join steps s on s.key = x.step join steps p on p.key = x.predecessor`),
  );
  await tx.execute(sql`delete from step_scope`);
  await inBatches(
    plan.steps,
    (step) => step.scope.map((iteration) => ({ step: step.id, iteration })),
    (rows) =>
      execute(sql`insert into step_scope (step_id, iteration_id)
      select s.id, i.id from jsonb_to_recordset(${rows}) as x(step text, iteration text)
      join steps s on s.key = x.step join iterations i on i.name = x.iteration`),
  );

  const controls = await inBatches(
    plan.controls,
    (c, ord) => [
      {
        key: c.id,
        name: c.name,
        producer: c.producer,
        validator: c.validator,
        description: c.description,
        ord,
      },
    ],
    (rows) =>
      countCreated(
        tx,
        sql`with upserted as (
      insert into controls (key, name, producer_team_id, validator_team_id, description_html, sort_order, archived)
      select x.key, x.name, p.id, v.id, x.description, x.ord, false
      from jsonb_to_recordset(${rows}) as x(key text, name text, producer text, validator text, description text, ord int)
      join teams p on p.name = x.producer join teams v on v.name = x.validator
      on conflict (key) do update set name = excluded.name, producer_team_id = excluded.producer_team_id,
        validator_team_id = excluded.validator_team_id, description_html = excluded.description_html, sort_order = excluded.sort_order, archived = false
      returning (xmax = 0) as inserted)
    select count(*) filter (where inserted)::int as created from upserted`,
      ),
  );

  const tasks = await inBatches(
    plan.tasks,
    (task, ord) => [taskRow(task, ord)],
    (rows) =>
      countCreated(
        tx,
        sql`with upserted as (
      insert into tasks (key, step_id, number, description_html, team_id, duration_minutes, sort_order, archived)
      select x.key, s.id, x.number, x.description, t.id, x.duration, x.ord, false
      from jsonb_to_recordset(${rows}) as x(key text, step text, number int, description text, team text, duration int, ord int)
      join steps s on s.key = x.step join teams t on t.name = x.team
      on conflict (key) do update set step_id = excluded.step_id, number = excluded.number, description_html = excluded.description_html,
        team_id = excluded.team_id, duration_minutes = excluded.duration_minutes, sort_order = excluded.sort_order, archived = false
      returning (xmax = 0) as inserted)
    select count(*) filter (where inserted)::int as created from upserted`,
      ),
  );
  await tx.execute(sql`delete from task_controls`);
  await inBatches(
    plan.tasks,
    (task) => task.controls.map((control, ord) => ({ task: task.id, control, ord })),
    (rows) =>
      execute(sql`insert into task_controls (task_id, control_id, sort_order)
      select t.id, c.id, x.ord from jsonb_to_recordset(${rows}) as x(task text, control text, ord int)
      join tasks t on t.key = x.task join controls c on c.key = x.control`),
  );

  return { steps, tasks, controls };
}

/** Archives every plan row the new plan no longer names; returns the newly archived counts. */
async function archiveMissing(tx: Tx, plan: PlanModel): Promise<StoredPlanSummary['archived']> {
  const archive = async (table: string, column: string, keys: string[]) => {
    const rows = await queryRows<{ n: number }>(
      tx,
      sql`with archived as (
        update ${sql.identifier(table)} set archived = true
        where not archived and ${sql.identifier(column)} not in (select value from jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
        returning 1)
      select count(*)::int as n from archived`,
    );
    return rows[0]?.n ?? 0;
  };
  const steps = await archive(
    'steps',
    'key',
    plan.steps.map((s) => s.id),
  );
  const tasks = await archive(
    'tasks',
    'key',
    plan.tasks.map((t) => t.id),
  );
  const controls = await archive(
    'controls',
    'key',
    plan.controls.map((c) => c.id),
  );
  await archive(
    'chapters',
    'name',
    plan.chapters.map((c) => c.name),
  );
  await archive(
    'phases',
    'name',
    plan.phases.map((p) => p.name),
  );
  await archive(
    'teams',
    'name',
    plan.teams.map((t) => t.name),
  );
  // The active iteration keeps running even if a new workbook leaves it out.
  await tx.execute(sql`update iterations set archived = true where not archived and status <> 'ACTIVE'
      and name not in (select value from jsonb_array_elements_text(${JSON.stringify(plan.iterations.map((i) => i.name))}::jsonb))`);
  return { steps, tasks, controls };
}

async function storeSchedule(tx: Tx, plan: PlanModel): Promise<void> {
  const zoneOf = new Map(plan.iterations.map((i) => [i.name, i.timeZone]));
  const rows = plan.schedule.map((entry) => {
    const zone = zoneOf.get(entry.iteration)!;
    return {
      iteration: entry.iteration,
      chapter: entry.chapter,
      start_at: localToInstant(entry.start, zone).toISOString(),
      end_at: localToInstant(entry.end, zone).toISOString(),
    };
  });
  // The workbook's schedule is whole: an entry it no longer has is removed (a chapter plan has no
  // execution history; the audit log keeps the import that changed it).
  await tx.execute(sql`delete from chapter_schedules`);
  await tx.execute(sql`insert into chapter_schedules (iteration_id, chapter_id, planned_start, planned_end)
      select i.id, c.id, x.start_at, x.end_at
      from jsonb_to_recordset(${jsonbRows(rows)}) as x(iteration text, chapter text, start_at timestamptz, end_at timestamptz)
      join iterations i on i.name = x.iteration join chapters c on c.name = x.chapter`);
}

/** Fixed starts are whole like the schedule: the workbook's set replaces the stored one. */
async function storeFixedStarts(tx: Tx, plan: PlanModel): Promise<void> {
  const zoneOf = new Map(plan.iterations.map((i) => [i.name, i.timeZone]));
  const rows = (plan.fixedStarts ?? []).map((entry) => ({
    iteration: entry.iteration,
    step: entry.step,
    not_before: localToInstant(entry.notBefore, zoneOf.get(entry.iteration)!).toISOString(),
  }));
  await tx.execute(sql`delete from step_fixed_starts`);
  if (rows.length === 0) return;
  await tx.execute(sql`insert into step_fixed_starts (iteration_id, step_id, not_before)
      select i.id, s.id, x.not_before
      from jsonb_to_recordset(${jsonbRows(rows)}) as x(iteration text, step text, not_before timestamptz)
      join iterations i on i.name = x.iteration join steps s on s.key = x.step`);
}

/**
 * During an active iteration, the new plan may add steps to it or change their links, so that some
 * step is ready now without a card in its team's channel: those cards are queued with the import.
 * Steps added to the iteration get their execution state opened, as at activation.
 */
async function cardsNowDue(
  tx: Tx,
  revision: number,
): Promise<{ iteration: string | null; jobs: JobRequest[] }> {
  const [active] = await queryRows<{ id: number; name: string }>(
    tx,
    sql`select id, name from iterations where status = 'ACTIVE'`,
  );
  if (!active) return { iteration: null, jobs: [] };
  await openExecutionState(tx, active.id);
  const snapshot = await new PlanSnapshotCache().get(tx, revision);
  const { ready } = await readyStepsOf(tx, snapshot, active.id, new Date());
  const posted = await queryRows<{ step_id: number }>(
    tx,
    sql`select distinct step_id from posted_cards where iteration_id = ${active.id}`,
  );
  const withCard = new Set(posted.map((row) => row.step_id));
  const jobs = ready
    .map((index) => snapshot.steps[index]!.dbId)
    .filter((stepId) => !withCard.has(stepId))
    .map((stepId) => stepCardSyncJob(active.id, stepId));
  return { iteration: active.name, jobs };
}
