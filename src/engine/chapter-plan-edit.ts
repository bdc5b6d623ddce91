/**
 * A pilot changes a chapter's plan (planned start and end) in one iteration: the planner tab's
 * in-place edit and `runsheet planner set`. Written like `Engine.execute`: one transaction, the
 * actor resolved through the directory, the pilot role checked, the rules of
 * src/domain/chapter-plan-rules.ts applied, the change audited with its before and after (a
 * refusal, a repeat and a stale edit are audited too). Open tabs hear of it through the audit log's
 * NOTIFY trigger (migration 0004), delivered when the transaction commits: nothing to call here.
 *
 * The plan's schedule also comes from the workbook: a later import replaces it with the workbook's
 * Schedule sheet. `runsheet export` writes the edited schedule, so export → edit → import keeps it.
 */
import { sql } from '../db/orm.js';
import { appendAuditEvent } from '../audit/audit-log.js';
import { queryRows, toDate, type Tx } from '../db/client.js';
import { decideChapterPlan, type ChapterPlanRefusalCode } from '../domain/chapter-plan-rules.js';
import { parseLocalDateTime } from '../import/local-date-time.js';
import { describeActorRef, describeActorRole, resolveActor, type Actor } from './actor.js';
import type { ActorRef, CommandSource } from './command.js';
import type { Engine } from './engine.js';
import { formatLocalTime } from './messages.js';
import { instantToLocal } from './store-plan.js';

export interface ChapterPlanChange {
  chapter: string;
  iteration: string;
  /** Local date-times in the iteration's time zone: `2026-09-18T18:00`, `2026-09-18 18:00` or `18.09.2026 18:00`. */
  start: string;
  end: string;
  actor: ActorRef;
  /**
   * The plan the actor saw (local date-times, null for a chapter without a plan). When it no
   * longer holds (another pilot changed it meanwhile), nothing changes and the actor is told who
   * did. Omitted by doors that show no plan (the CLI).
   */
  seen?: { start: string; end: string } | null;
  source: CommandSource;
}

export type ChapterPlanRefusal =
  ChapterPlanRefusalCode | 'ROLE' | 'UNKNOWN_USER' | 'UNKNOWN_ITERATION' | 'UNKNOWN_CHAPTER';

interface PlanTimes {
  start: string;
  end: string;
}

interface ResultBase {
  chapter: string;
  iteration: string;
  /** A sentence fit to show the actor, in the engine's words. */
  message: string;
  auditSeq: number;
}

export type ChapterPlanResult =
  | (ResultBase & { outcome: 'applied'; before: PlanTimes | null; after: PlanTimes })
  /** The plan already is what was asked: nothing changed. */
  | (ResultBase & { outcome: 'duplicate'; current: PlanTimes })
  /** The plan the actor saw no longer holds: nothing changed. */
  | (ResultBase & { outcome: 'stale'; current: PlanTimes | null })
  | (ResultBase & { outcome: 'refused'; code: ChapterPlanRefusal });

const show = (local: string) => local.replace('T', ' ');

/** Changes a chapter's plan in one iteration; pilots only. Never throws for a refusal. */
export async function changeChapterPlan(
  engine: Engine,
  change: ChapterPlanChange,
  options: { now?: Date } = {},
): Promise<ChapterPlanResult> {
  const now = options.now ?? new Date();
  return engine.database.db.transaction(async (tx) => {
    const details = {
      input: { chapter: change.chapter, iteration: change.iteration, start: change.start, end: change.end },
      seen: change.seen ?? null,
      source: change.source,
    };
    const audit =
      (actor: string, actorName: string, iteration: string | null, subject: string) =>
      async (type: string, extra: Record<string, unknown>) =>
        (
          await appendAuditEvent(tx, {
            actor,
            actorName,
            iteration,
            subject,
            type,
            at: now,
            details: { ...details, ...extra },
          })
        ).seq;

    const resolved = resolveActor(engine.directory, change.actor);
    if (!resolved) {
      const who = describeActorRef(change.actor);
      const message = `${who} is not in the directory (${engine.directory.source}), so cannot change a plan.`;
      const auditSeq = await audit(
        who,
        '',
        null,
        change.chapter,
      )('command.refused', {
        code: 'UNKNOWN_USER',
        message,
      });
      return refusal(change.chapter, change.iteration, 'UNKNOWN_USER', message, auditSeq);
    }
    const actor: Actor = resolved;

    const [iteration] = await queryRows<{
      id: number;
      name: string;
      status: 'PLANNED' | 'ACTIVE' | 'CLOSED';
      time_zone: string;
      sort_order: number;
    }>(
      tx,
      sql`select id, name, status, time_zone, sort_order from iterations
          where lower(name) = lower(${change.iteration.trim()}) and not archived`,
    );
    const [chapter] = await queryRows<{ id: number; name: string }>(
      tx,
      // Locks the chapter: two pilots editing it at once are applied one after the other.
      sql`select id, name from chapters where lower(name) = lower(${change.chapter.trim()}) and not archived for update`,
    );
    const iterationName = iteration?.name ?? change.iteration.trim();
    const chapterName = chapter?.name ?? change.chapter.trim();
    const record = audit(actor.email, actor.name, iteration?.name ?? null, chapterName);
    const refuse = async (code: ChapterPlanRefusal, message: string) => {
      const auditSeq = await record('chapter.refused', { code, message });
      return refusal(chapterName, iterationName, code, message, auditSeq);
    };

    if (!iteration) {
      const known = await queryRows<{ name: string }>(
        tx,
        sql`select name from iterations where not archived order by sort_order`,
      );
      return refuse(
        'UNKNOWN_ITERATION',
        `There is no iteration "${change.iteration}" (known: ${known.map((k) => k.name).join(', ') || 'none, import a plan first'}).`,
      );
    }
    if (!chapter) return refuse('UNKNOWN_CHAPTER', `There is no chapter "${change.chapter}" in the plan.`);
    if (!actor.isPilot) {
      return refuse('ROLE', `Only a pilot may change the plan of a chapter. ${describeActorRole(actor)}.`);
    }

    const zone = iteration.time_zone;
    const start = parseLocalDateTime(change.start);
    const end = parseLocalDateTime(change.end);
    if (!start || !end) {
      const [what, value] = !start ? ['start', change.start] : ['end', change.end];
      return refuse(
        'INVALID_TIME',
        `The ${what} "${value}" is not a date and time; write it as 2026-09-18 18:00 (in ${zone}).`,
      );
    }

    const schedule = await queryRows<{
      iteration_id: number;
      chapter_id: number;
      name: string;
      sort_order: number;
      planned_start: Date | string;
      planned_end: Date | string;
    }>(
      tx,
      sql`select cs.iteration_id, cs.chapter_id, i.name, i.sort_order, cs.planned_start, cs.planned_end
          from chapter_schedules cs join iterations i on i.id = cs.iteration_id join chapters c on c.id = cs.chapter_id
          where not i.archived and not c.archived`,
    );
    const spans = schedule.map((row) => ({
      ...row,
      start: toDate(row.planned_start)!,
      end: toDate(row.planned_end)!,
    }));
    const current = spans.find((row) => row.iteration_id === iteration.id && row.chapter_id === chapter.id);
    const before: PlanTimes | null = current
      ? { start: instantToLocal(current.start, zone), end: instantToLocal(current.end, zone) }
      : null;

    const seen = change.seen;
    if (seen !== undefined && !samePlan(seen, before)) {
      const last = await lastPlanChange(tx, iteration.name, chapter.name);
      const auditSeq = await record('chapter.stale', { current: before });
      const what = before ? `planned ${show(before.start)} – ${show(before.end)}` : 'has no plan';
      const who = last ? ` (changed by ${last.byName || last.by} at ${formatLocalTime(last.at, zone)})` : '';
      return {
        outcome: 'stale',
        chapter: chapter.name,
        iteration: iteration.name,
        current: before,
        auditSeq,
        message: `${chapter.name} in ${iteration.name} is now ${what}${who}, not what you saw. Nothing changed.`,
      };
    }
    if (before && before.start === start && before.end === end) {
      const auditSeq = await record('chapter.duplicate', { current: before });
      return {
        outcome: 'duplicate',
        chapter: chapter.name,
        iteration: iteration.name,
        current: before,
        auditSeq,
        message: `${chapter.name} in ${iteration.name} is planned ${show(start)} – ${show(end)} already. Nothing changed.`,
      };
    }

    const ofIteration = (id: number) => spans.filter((row) => row.iteration_id === id);
    const others = spans.filter((row) => row.iteration_id !== iteration.id);
    const byIteration = new Map<number, { name: string; order: number; start: Date; end: Date }>();
    for (const row of others) {
      const known = byIteration.get(row.iteration_id);
      byIteration.set(row.iteration_id, {
        name: row.name,
        order: row.sort_order,
        start: known && known.start < row.start ? known.start : row.start,
        end: known && known.end > row.end ? known.end : row.end,
      });
    }
    const neighbours = [...byIteration.values()];
    const previous = neighbours
      .filter((n) => n.order < iteration.sort_order)
      .sort((a, b) => b.order - a.order)[0];
    const next = neighbours
      .filter((n) => n.order > iteration.sort_order)
      .sort((a, b) => a.order - b.order)[0];
    const decision = decideChapterPlan({
      chapter: chapter.name,
      iteration: { name: iteration.name, status: iteration.status, timeZone: zone },
      start,
      end,
      previous: previous ? { name: previous.name, end: previous.end } : null,
      next: next ? { name: next.name, start: next.start } : null,
      otherChapters: ofIteration(iteration.id).filter((row) => row.chapter_id !== chapter.id),
    });
    if (!decision.ok) return refuse(decision.code, decision.message);

    await tx.execute(sql`insert into chapter_schedules (iteration_id, chapter_id, planned_start, planned_end)
        values (${iteration.id}, ${chapter.id}, ${decision.start.toISOString()}::timestamptz, ${decision.end.toISOString()}::timestamptz)
        on conflict (iteration_id, chapter_id) do update set planned_start = excluded.planned_start, planned_end = excluded.planned_end`);
    const after = { start, end };
    const auditSeq = await record('chapter.plan', { before, after, timeZone: zone });
    const was = before ? ` (was ${show(before.start)} – ${show(before.end)})` : ' (it had no plan)';
    return {
      outcome: 'applied',
      chapter: chapter.name,
      iteration: iteration.name,
      before,
      after,
      auditSeq,
      message: `${chapter.name} in ${iteration.name} planned ${show(start)} – ${show(end)} ${zone} by ${actor.name}${was}.`,
    };
  });
}

function refusal(
  chapter: string,
  iteration: string,
  code: ChapterPlanRefusal,
  message: string,
  auditSeq: number,
): ChapterPlanResult {
  return { outcome: 'refused', code, message, chapter, iteration, auditSeq };
}

function samePlan(seen: { start: string; end: string } | null, current: PlanTimes | null): boolean {
  if (seen === null || current === null) return seen === current;
  return parseLocalDateTime(seen.start) === current.start && parseLocalDateTime(seen.end) === current.end;
}

/** The last applied change of a chapter's plan in an iteration, from the audit log. */
async function lastPlanChange(
  tx: Tx,
  iteration: string,
  chapter: string,
): Promise<{ by: string; byName: string; at: Date } | null> {
  const [row] = await queryRows<{ actor: string; actor_name: string; at: Date | string }>(
    tx,
    sql`select actor, actor_name, at from audit_events
        where subject = ${chapter} and iteration = ${iteration} and type = 'chapter.plan'
        order by seq desc limit 1`,
  );
  return row ? { by: row.actor, byName: row.actor_name, at: toDate(row.at)! } : null;
}
