/**
 * The single write path. Every door hands a Command to `Engine.execute`, which in ONE database
 * transaction: resolves the actor and the subject, locks the subject's state row, checks role and
 * rule, applies the transition, appends the audit event, works out which steps became ready, and
 * enqueues the outgoing jobs. Nothing is sent to Teams or Graph inside the transaction: a rollback
 * sends nothing, and a crash after commit loses nothing because the jobs are already stored.
 */
import type { Placeholder, SQL } from 'drizzle-orm';
import { sql } from '../db/orm.js';
import {
  appendAuditEvent,
  appendedEvent,
  AUDIT_APPEND_CTES,
  auditAppendValues,
  type AppendedRow,
  type AuditAppendValues,
  type AuditEventInput,
} from '../audit/audit-log.js';
import { queryRows, type Database, type Queryable, type Tx } from '../db/client.js';
import type { Directory } from '../directory/directory.js';
import { parseAnyId } from '../domain/ids.js';
import { PreparedStatement } from '../db/prepared.js';
import { insertJobsSql, jobRowsJson, type JobRequest } from '../jobs/queue.js';
import { observeTransition } from '../observability/metrics.js';
import { describeActorRef, describeActorRole, resolveActor, type Actor } from './actor.js';
import { ITERATION_ACTIONS, type Command, type CommandResult, type EngineRefusalCode } from './command.js';
import { executeControlCommand } from './control-commands.js';
import { ForecastService } from './forecast-service.js';
import { executeIterationCommand } from './iteration-commands.js';
import { PlanSnapshotCache, type PlanSnapshot } from './plan-snapshot.js';
import { findIterationByName, iterationByNameSql } from './read-models.js';
import { executeTaskCommand, executeStepCommand } from './work-commands.js';
import {
  frameLockColumn,
  frameLockOf,
  frameLockValues,
  transitionUpdateSql,
  type FrameLock,
  type LockGuess,
  type WorkStateChange,
  type WorkStateTable,
} from './work-state-sql.js';

export interface EngineOptions {
  database: Database;
  directory: Directory;
  /** The clock; tests pass a fixed one. */
  clock?: () => Date;
  /** How long a hold is assumed to last in the forecast (RUNSHEET_FORECAST_HOLD_MINUTES); default 30. */
  holdForecastMinutes?: number;
}

export interface IterationRow {
  id: number;
  name: string;
  status: 'PLANNED' | 'ACTIVE' | 'CLOSED';
  timeZone: string;
  comms: 'off' | 'test' | 'live';
}

/** What a handler needs to decide and record one command, inside its transaction. */
export interface CommandContext {
  tx: Tx;
  command: Command;
  actor: Actor;
  now: Date;
  snapshot: PlanSnapshot;
  iteration: IterationRow;
  /** The state row the frame's statement locked for the command's subject, when it guessed it. */
  frameLock?: FrameLock;
  /** Refuses: records the refusal in the audit log and builds the result. */
  refuse(
    code: EngineRefusalCode,
    message: string,
    subject?: { kind: CommandResult['kind']; id: string },
  ): Promise<CommandResult>;
  /**
   * Records the audit event of an accepted or unchanged command and enqueues its jobs. `change`:
   * the command's own write (the transition of the state row it locked), run in the same statement.
   */
  record(
    event: { type: string; subject: string; details: Record<string, unknown> },
    jobs?: readonly JobRequest[],
    change?: WorkStateChange,
  ): Promise<number>;
}

export class Engine {
  readonly plans: PlanSnapshotCache;
  /** The live forecast of each iteration (docs/time.md). */
  readonly forecasts: ForecastService;
  private readonly clock: () => Date;

  constructor(private readonly options: EngineOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.plans = new PlanSnapshotCache({ shareLoads: options.database.kind !== 'pglite' });
    this.forecasts = new ForecastService({ holdAllowanceMinutes: options.holdForecastMinutes ?? 30 });
  }

  get database(): Database {
    return this.options.database;
  }

  get directory(): Directory {
    return this.options.directory;
  }

  /** The engine's clock: engine functions outside `execute` (templates, mail) time their events by it. */
  now(): Date {
    return this.clock();
  }

  /** The plan snapshot of the current revision, read through `db` (a transaction, or the database). */
  async snapshot(db: Queryable = this.options.database.db): Promise<PlanSnapshot> {
    const [meta] = await queryRows<{ revision: number }>(
      db,
      sql`select revision from plan_meta where id = 1`,
    );
    return this.plans.get(db, meta?.revision ?? 0);
  }

  /** Executes one command in one transaction; see the file comment. Never throws for a refusal. */
  async execute(command: Command): Promise<CommandResult> {
    return observeTransition(command.action, () => this.executeOnce(command));
  }

  private async executeOnce(command: Command): Promise<CommandResult> {
    const now = this.clock();
    return this.options.database.db.transaction(async (tx) => {
      const base = { tx, command, now };
      const actor = resolveActor(this.options.directory, command.actor);
      if (!actor) {
        const who = describeActorRef(command.actor);
        return refuseOutside(
          base,
          who,
          'UNKNOWN_USER',
          `${who} is not in the directory (${this.options.directory.source}), so cannot act.`,
        );
      }
      const frame = await readCommandFrame(tx, command.iteration ?? null, this.guessLock(command));
      const snapshot = await this.plans.get(tx, frame.revision);

      if ((ITERATION_ACTIONS as readonly string[]).includes(command.action)) {
        return executeIterationCommand({ tx, command, actor, now, snapshot });
      }

      const iteration = await findIteration(tx, command.iteration ?? null, frame.iteration);
      if (!iteration.ok)
        return refuseOutside(base, actor.email, iteration.code, iteration.message, actor.name);
      const { row } = iteration;
      if (row.status !== 'ACTIVE') {
        const state = row.status === 'CLOSED' ? 'closed: its state is frozen' : 'not active yet';
        return refuseOutside(
          base,
          actor.email,
          'ITERATION_NOT_ACTIVE',
          `${row.name} is ${state}.`,
          actor.name,
          row.name,
        );
      }

      const context: CommandContext = {
        tx,
        command,
        actor,
        now,
        snapshot,
        iteration: row,
        frameLock: frame.lock,
        refuse: async (code, rawMessage, subject) => {
          // A role refusal says who the actor is, so they know whom to ask.
          const message = code === 'ROLE' ? `${rawMessage} ${describeActorRole(actor)}.` : rawMessage;
          const seq = await this.recordEvent(tx, now, actor, row.name, {
            type: `${subject?.kind ?? 'command'}.refused`,
            subject: subject?.id ?? command.subject,
            details: { ...commandDetails(command), code, message },
          });
          return {
            outcome: 'refused',
            code,
            message,
            kind: subject?.kind,
            subject: subject?.id,
            iteration: row.name,
            auditSeq: seq,
          };
        },
        record: (event, jobs = [], change) =>
          appendEventWithJobs(
            tx,
            { actor: actor.email, actorName: actor.name, iteration: row.name, at: now, ...event },
            jobs,
            change,
          ),
      };

      const parsed = parseAnyId(command.subject, (type) => snapshot.stepTypes.has(type));
      if (!parsed.ok)
        return context.refuse('UNKNOWN_SUBJECT', `Unknown step, task or control: ${parsed.problem}.`);
      switch (parsed.id.kind) {
        case 'step':
          return executeStepCommand(context, parsed.id.canonical);
        case 'task':
          return executeTaskCommand(context, parsed.id.canonical, parsed.id.step.canonical);
        case 'control':
          return executeControlCommand(context, parsed.id.canonical);
      }
    });
  }

  /**
   * The step or task whose state row the command will lock, from the plan snapshot held in memory,
   * so the statement that reads the frame locks it too. A guess: the handler uses the lock only when
   * it is the row it needs in the plan of the frame's revision (step ids survive a re-import).
   */
  private guessLock(command: Command): LockGuess | undefined {
    const snapshot = this.plans.latest();
    if (!snapshot || (ITERATION_ACTIONS as readonly string[]).includes(command.action)) return undefined;
    const parsed = parseAnyId(command.subject, (type) => snapshot.stepTypes.has(type));
    if (!parsed.ok) return undefined;
    if (parsed.id.kind === 'task') return { kind: 'task', key: parsed.id.canonical };
    if (parsed.id.kind !== 'step') return undefined;
    const index = snapshot.indexOfKey(parsed.id.canonical);
    return index === undefined ? undefined : { kind: 'step', stepId: snapshot.steps[index]!.dbId };
  }

  private async recordEvent(
    tx: Tx,
    now: Date,
    actor: Actor,
    iteration: string | null,
    event: { type: string; subject: string; details: Record<string, unknown> },
  ): Promise<number> {
    const appended = await appendAuditEvent(tx, {
      actor: actor.email,
      actorName: actor.name,
      iteration,
      at: now,
      ...event,
    });
    return appended.seq;
  }
}

/**
 * The statement that appends an audit event and enqueues the jobs it causes, each payload carrying
 * the event's sequence number (`auditSeq`), together with the change itself when given: one
 * statement, one round trip, instead of one per write. Prepared (src/db/prepared.ts): one text for
 * an event with its jobs, one more for each state table a change writes.
 */
function appendStatement(name: string, change?: () => SQL) {
  return new PreparedStatement<AuditAppendValues & { jobs: string }, AppendedRow>(name, () => {
    const jobs = insertJobsSql(sql`jsonb_build_object('auditSeq', (select seq from audit_event))`);
    const changed = change ? sql`, changed as (${change()})` : sql``;
    return sql`with ${AUDIT_APPEND_CTES}, enqueued as (${jobs})${changed} select seq, prev_hash, hash from audit_event`;
  });
}

const APPEND_WITH_JOBS = appendStatement('engine.append');
const APPEND_WITH_CHANGE: Record<WorkStateTable, ReturnType<typeof appendStatement>> = {
  step_states: appendStatement('engine.append-step-change', () => transitionUpdateSql('step_states')),
  task_states: appendStatement('engine.append-task-change', () => transitionUpdateSql('task_states')),
};

async function appendEventWithJobs(
  tx: Tx,
  input: AuditEventInput,
  jobs: readonly JobRequest[],
  change?: WorkStateChange,
): Promise<number> {
  if (jobs.length === 0 && !change) return (await appendAuditEvent(tx, input)).seq;
  const { values, content } = auditAppendValues(input);
  const [appended] = change
    ? await APPEND_WITH_CHANGE[change.table].rows(tx, {
        ...change,
        ...values,
        jobs: jobRowsJson(jobs, input.at),
      })
    : await APPEND_WITH_JOBS.rows(tx, { ...values, jobs: jobRowsJson(jobs, input.at) });
  return appendedEvent(content, appended).seq;
}

/** The fields of a command worth keeping in the audit log. */
export function commandDetails(command: Command): Record<string, unknown> {
  return {
    action: command.action,
    input: command.subject,
    source: command.source,
    seen: command.seen ?? null,
    reason: command.reason ?? null,
    force: command.force ?? false,
    ...(command.forecastSeen ? { forecastSeen: command.forecastSeen } : {}),
    ...(command.durationBasis ? { durationBasis: command.durationBasis } : {}),
    ...(command.acknowledgeControls ? { acknowledgeControls: true } : {}),
  };
}

/** Records a refusal that happened before an iteration was known (unknown user or iteration). */
async function refuseOutside(
  base: { tx: Tx; command: Command; now: Date },
  actorEmail: string,
  code: EngineRefusalCode,
  message: string,
  actorName = '',
  iteration: string | null = null,
): Promise<CommandResult> {
  const event = await appendAuditEvent(base.tx, {
    actor: actorEmail,
    actorName,
    iteration,
    at: base.now,
    subject: base.command.subject,
    type: 'command.refused',
    details: { ...commandDetails(base.command), code, message },
  });
  return { outcome: 'refused', code, message, iteration: iteration ?? undefined, auditSeq: event.seq };
}

type IterationLookup =
  { ok: true; row: IterationRow } | { ok: false; code: EngineRefusalCode; message: string };

/**
 * The plan revision and the iteration a command names (the active one when null), read in one
 * round trip at the start of every command.
 */
async function readCommandFrame(
  tx: Tx,
  name: string | null,
  guess: LockGuess | undefined,
): Promise<{ revision: number; iteration: IterationRow | undefined; lock?: FrameLock }> {
  const statement = FRAME_STATEMENTS[name === null ? 'active' : 'named'][guess?.kind ?? 'none'];
  const [row] = await statement.rows(tx, {
    ...(name === null ? {} : { name: name.trim() }),
    ...(guess ? frameLockValues(guess) : {}),
  });
  const { revision, id, name: found, status, timeZone, comms, locked } = row!;
  return {
    revision: Number(revision),
    iteration:
      id === null ? undefined : { id, name: found!, status: status!, timeZone: timeZone!, comms: comms! },
    lock: guess && id !== null ? frameLockOf(guess, locked) : undefined,
  };
}

type FrameRow = { revision: number; locked?: unknown } & {
  [K in keyof IterationRow]: IterationRow[K] | null;
};

/** The frame of a command: the plan revision and its iteration, and the lock of a guessed row. */
function frameStatement(statementName: string, name: Placeholder | null, lock: LockGuess['kind'] | null) {
  return new PreparedStatement<Record<string, unknown>, FrameRow>(statementName, () => {
    const locked = lock ? sql`, ${frameLockColumn(lock, sql`i.id`)}` : sql``;
    return sql`select coalesce((select revision from plan_meta where id = 1), 0) as revision,
          i.id, i.name, i.status, i."timeZone", i.comms${locked}
        from (select 1) one
        left join lateral (${iterationByNameSql(name)} limit 1) i on true`;
  });
}

/** One statement per iteration lookup (the active one, or by name) and per guessed lock. */
const FRAME_STATEMENTS = Object.fromEntries(
  (['active', 'named'] as const).map((lookup) => {
    const name = lookup === 'active' ? null : sql.placeholder('name');
    return [
      lookup,
      {
        none: frameStatement(`engine.frame-${lookup}`, name, null),
        step: frameStatement(`engine.frame-${lookup}-lock-step`, name, 'step'),
        task: frameStatement(`engine.frame-${lookup}-lock-task`, name, 'task'),
      },
    ];
  }),
) as Record<'active' | 'named', Record<LockGuess['kind'] | 'none', ReturnType<typeof frameStatement>>>;

/**
 * The named iteration (case-insensitive), or the active one when no name is given. `found`: the
 * row `readCommandFrame` found for the same name, when the caller has it.
 */
export async function findIteration(
  tx: Tx,
  name: string | null,
  found?: IterationRow,
): Promise<IterationLookup> {
  const row = found ?? (await findIterationByName(tx, name === null ? null : name.trim()));
  if (row) return { ok: true, row };
  if (name === null) {
    return {
      ok: false,
      code: 'NO_ACTIVE_ITERATION',
      message: 'No iteration is active; a pilot activates one first.',
    };
  }
  const known = await queryRows<{ name: string }>(
    tx,
    sql`select name from iterations where not archived order by sort_order`,
  );
  return {
    ok: false,
    code: 'UNKNOWN_ITERATION',
    message: `There is no iteration "${name}" (known: ${known.map((k) => k.name).join(', ') || 'none, import a plan first'}).`,
  };
}
