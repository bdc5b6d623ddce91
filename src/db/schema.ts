/**
 * The database schema (drizzle). Migrations in `migrations/` are generated from this file with
 * `npm run db:generate`; the audit log's append-only triggers live in a hand-written migration.
 *
 * Terminology:
 * - plan tables (step_types … task_controls) hold the plan as imported; a row that disappears from
 *   the workbook is archived, never deleted, because the audit log refers to it by key;
 * - execution tables (step_states, task_states, control_results, chapter_schedules) hold what
 *   happens in one iteration: DR1's Done is not DR2's;
 * - outbound tables (jobs, conversation_refs, posted_cards) hold what leaves the service.
 */
import { sql } from './orm.js';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from './orm.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const instant = (name: string) => timestamp(name, { withTimezone: true });

/** One row: the revision of the plan, bumped by every import so caches of the graph can tell. */
export const planMeta = pgTable('plan_meta', {
  id: integer('id').primaryKey().default(1),
  revision: integer('revision').notNull().default(0),
  importedAt: instant('imported_at'),
  importedBy: text('imported_by'),
});

export const stepTypes = pgTable('step_types', {
  type: text('type').primaryKey(),
  name: text('name').notNull(),
  /** Registration order, which export keeps. */
  sortOrder: integer('sort_order').notNull().default(0),
});

export const phases = pgTable('phases', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  sortOrder: integer('sort_order').notNull(),
  archived: boolean('archived').notNull().default(false),
});

export const chapters = pgTable('chapters', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  phaseId: integer('phase_id')
    .notNull()
    .references(() => phases.id),
  sortOrder: integer('sort_order').notNull(),
  archived: boolean('archived').notNull().default(false),
});

export const teams = pgTable('teams', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** Entra ID group object id whose transitive members are the team. */
  adGroup: text('ad_group').notNull().default(''),
  /** A Teams channel link, as pasted from Teams ("Get link to channel"). */
  channelUrl: text('channel_url').notNull().default(''),
  mailbox: text('mailbox').notNull().default(''),
  archived: boolean('archived').notNull().default(false),
});

export const environments = pgTable('environments', {
  name: text('name').primaryKey(),
});

export const iterations = pgTable(
  'iterations',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull().unique(),
    kind: text('kind', { enum: ['RUN', 'DR', 'CUTOVER'] }).notNull(),
    timeZone: text('time_zone').notNull().default('Europe/Zurich'),
    comms: text('comms', { enum: ['off', 'test', 'live'] })
      .notNull()
      .default('test'),
    status: text('status', { enum: ['PLANNED', 'ACTIVE', 'CLOSED'] })
      .notNull()
      .default('PLANNED'),
    sortOrder: integer('sort_order').notNull(),
    activatedAt: instant('activated_at'),
    activatedBy: text('activated_by'),
    closedAt: instant('closed_at'),
    closedBy: text('closed_by'),
    archived: boolean('archived').notNull().default(false),
    /**
     * The durations its forecast uses: the steps' indicative durations, or the learned ones (the
     * median of each step's actuals in earlier iterations). Set by a pilot (docs/time.md).
     */
    durationBasis: text('duration_basis', { enum: ['indicative', 'learned'] })
      .notNull()
      .default('indicative'),
  },
  (t) => [
    // One active iteration at a time, enforced by the database rather than by a read-then-write.
    uniqueIndex('iterations_one_active')
      .on(t.status)
      .where(sql`status = 'ACTIVE'`),
  ],
);

export const steps = pgTable(
  'steps',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull().unique(),
    type: text('type')
      .notNull()
      .references(() => stepTypes.type),
    number: integer('number').notNull(),
    suffix: text('suffix').notNull().default(''),
    title: text('title').notNull(),
    chapterId: integer('chapter_id')
      .notNull()
      .references(() => chapters.id),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id),
    environment: text('environment').notNull().default(''),
    durationMinutes: integer('duration_minutes'),
    descriptionHtml: text('description_html').notNull().default(''),
    instructionsUrl: text('instructions_url').notNull().default(''),
    /** Position in the workbook, so export and lists keep the plan's order. */
    sortOrder: integer('sort_order').notNull(),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [index('steps_chapter').on(t.chapterId), index('steps_team').on(t.teamId)],
);

export const stepPredecessors = pgTable(
  'step_predecessors',
  {
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    predecessorId: integer('predecessor_id')
      .notNull()
      .references(() => steps.id),
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.stepId, t.predecessorId] }),
    index('step_predecessors_pred').on(t.predecessorId),
  ],
);

export const stepScope = pgTable(
  'step_scope',
  {
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
  },
  (t) => [primaryKey({ columns: [t.iterationId, t.stepId] })],
);

export const tasks = pgTable(
  'tasks',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull().unique(),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    number: integer('number').notNull(),
    descriptionHtml: text('description_html').notNull().default(''),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id),
    durationMinutes: integer('duration_minutes'),
    sortOrder: integer('sort_order').notNull(),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [index('tasks_step').on(t.stepId), check('tasks_number_range', sql`${t.number} between 1 and 1000`)],
);

export const controls = pgTable('controls', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  name: text('name').notNull(),
  producerTeamId: integer('producer_team_id')
    .notNull()
    .references(() => teams.id),
  validatorTeamId: integer('validator_team_id')
    .notNull()
    .references(() => teams.id),
  descriptionHtml: text('description_html').notNull().default(''),
  sortOrder: integer('sort_order').notNull(),
  archived: boolean('archived').notNull().default(false),
});

export const taskControls = pgTable(
  'task_controls',
  {
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id),
    controlId: integer('control_id')
      .notNull()
      .references(() => controls.id),
    sortOrder: integer('sort_order').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.controlId] }), index('task_controls_control').on(t.controlId)],
);

const workStatus = (name: string) =>
  text(name, { enum: ['OPEN', 'IN_PROGRESS', 'ON_HOLD', 'FAILED', 'DONE', 'CANCELLED'] });

/** Columns shared by the execution state of steps and tasks in one iteration. */
const executionColumns = () => ({
  status: workStatus('status').notNull().default('OPEN'),
  /** The status an ON_HOLD subject left, restored by resume. */
  heldFrom: workStatus('held_from'),
  startedAt: instant('started_at'),
  startedBy: text('started_by'),
  endedAt: instant('ended_at'),
  endedBy: text('ended_by'),
  reason: text('reason'),
  /** The last accepted action, who took it and when: what a stale or repeated command is told. */
  lastAction: text('last_action'),
  changedAt: instant('changed_at'),
  changedBy: text('changed_by'),
  changedByName: text('changed_by_name'),
  /** Bumped by every transition; card refreshes compare it to skip stale renders. */
  version: integer('version').notNull().default(0),
});

export const stepStates = pgTable(
  'step_states',
  {
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    ...executionColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.iterationId, t.stepId] }),
    index('step_states_status').on(t.iterationId, t.status),
  ],
);

export const taskStates = pgTable(
  'task_states',
  {
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id),
    ...executionColumns(),
  },
  (t) => [primaryKey({ columns: [t.iterationId, t.taskId] })],
);

export const controlResults = pgTable(
  'control_results',
  {
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    controlId: integer('control_id')
      .notNull()
      .references(() => controls.id),
    result: text('result', { enum: ['OPEN', 'PASSED', 'FAILED', 'CANCELLED'] })
      .notNull()
      .default('OPEN'),
    note: text('note'),
    lastAction: text('last_action'),
    changedAt: instant('changed_at'),
    changedBy: text('changed_by'),
    changedByName: text('changed_by_name'),
    /**
     * The validator team's confirmation of the current PASSED or FAILED result (action `confirm`):
     * who, when and their note. Cleared by every later change of the result.
     */
    confirmedAt: instant('confirmed_at'),
    confirmedBy: text('confirmed_by'),
    confirmedByName: text('confirmed_by_name'),
    confirmNote: text('confirm_note'),
    version: integer('version').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.iterationId, t.controlId] })],
);

export const chapterSchedules = pgTable(
  'chapter_schedules',
  {
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    chapterId: integer('chapter_id')
      .notNull()
      .references(() => chapters.id),
    plannedStart: instant('planned_start').notNull(),
    plannedEnd: instant('planned_end').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.iterationId, t.chapterId] }),
    check('chapter_schedules_end_after_start', sql`${t.plannedEnd} > ${t.plannedStart}`),
  ],
);

/**
 * A step's fixed start ("not before") in one iteration: the step is not ready before that instant
 * even when its predecessors are done. Imported from the `Fixed starts` sheet, replaced as a whole
 * at each import like `chapter_schedules`.
 */
export const stepFixedStarts = pgTable(
  'step_fixed_starts',
  {
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    notBefore: instant('not_before').notNull(),
  },
  (t) => [primaryKey({ columns: [t.iterationId, t.stepId] })],
);

/**
 * Email templates (activation, status change): HTML with `{{placeholders}}`, seeded from
 * templates/mail/*.html when missing and edited by pilots afterwards. `updated_by` is null while a
 * template is the seeded one, so a seed never overwrites a pilot's edit.
 */
export const emailTemplates = pgTable('email_templates', {
  id: serial('id').primaryKey(),
  name: text('name').notNull().unique(),
  subject: text('subject').notNull(),
  bodyHtml: text('body_html').notNull(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
  updatedBy: text('updated_by'),
});

/**
 * Secrets the service makes for itself and every instance must share, such as the key that signs
 * the activation dialog's tokens when none is configured.
 */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

/**
 * Status changes waiting to be mailed to one recipient: a `mail.status-change` job adds one row
 * per recipient, and that recipient's `mail.status-digest` job (one pending per recipient, due a
 * short window later) sends every unsent row in one mail.
 */
export const mailDigestEntries = pgTable(
  'mail_digest_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The recipient's address, lower case. */
    recipient: text('recipient').notNull(),
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    /** The audit event of the change, so a repeated job adds the row once. */
    auditSeq: bigint('audit_seq', { mode: 'number' }).notNull(),
    /** The engine's status change (outgoing-jobs.ts `StatusChange`). */
    change: jsonb('change').notNull(),
    /** Comms mode when the change happened: `test` marks the mail TEST. */
    comms: text('comms', { enum: ['test', 'live'] }).notNull(),
    createdAt: createdAt(),
    sentAt: instant('sent_at'),
  },
  (t) => [
    uniqueIndex('mail_digest_entries_once').on(t.recipient, t.auditSeq),
    index('mail_digest_entries_unsent')
      .on(t.recipient, t.id)
      .where(sql`sent_at is null`),
  ],
);

/** Where the bot can post: a Teams conversation (channel, chat) and the plan team it serves. */
export const conversationRefs = pgTable('conversation_refs', {
  id: serial('id').primaryKey(),
  conversationId: text('conversation_id').notNull().unique(),
  /** `team` for a plan team's channel, `pilots` for the pilots' channel, `unlinked` otherwise. */
  purpose: text('purpose', { enum: ['team', 'pilots', 'unlinked'] })
    .notNull()
    .default('unlinked'),
  teamId: integer('team_id').references(() => teams.id),
  serviceUrl: text('service_url').notNull(),
  tenantId: text('tenant_id'),
  /** The botbuilder ConversationReference, as received. */
  reference: jsonb('reference').notNull(),
  createdAt: createdAt(),
  updatedAt: instant('updated_at').notNull().defaultNow(),
});

/**
 * The Teams user id (`29:…`) of each person the bot has heard from, by Entra object id. A card's
 * `refresh.userIds` must list Teams user ids, not object ids, for Teams to refresh it automatically
 * into each listed user's own view (their buttons).
 */
export const teamsUsers = pgTable('teams_users', {
  aadObjectId: text('aad_object_id').primaryKey(),
  teamsUserId: text('teams_user_id').notNull(),
  name: text('name').notNull().default(''),
  seenAt: instant('seen_at').notNull().defaultNow(),
});

/** A card the bot posted, so later changes update it in place (PUT .../activities/{activityId}). */
export const postedCards = pgTable(
  'posted_cards',
  {
    id: serial('id').primaryKey(),
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    stepId: integer('step_id')
      .notNull()
      .references(() => steps.id),
    conversationId: text('conversation_id').notNull(),
    activityId: text('activity_id').notNull(),
    /** The step state version the card last showed. */
    shownVersion: integer('shown_version').notNull().default(0),
    postedAt: createdAt(),
    updatedAt: instant('updated_at'),
  },
  (t) => [uniqueIndex('posted_cards_unique').on(t.iterationId, t.stepId, t.conversationId)],
);

/**
 * The audit log: append-only (triggers refuse UPDATE, DELETE and TRUNCATE), each event chained to
 * the previous one by `hash = sha256(prev_hash + canonical event)`, so `runsheet audit verify`
 * finds an edited, deleted or inserted row.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: instant('at').notNull(),
    /** The acting user's email, or `system` / `cli` for the service itself. */
    actor: text('actor').notNull(),
    actorName: text('actor_name').notNull().default(''),
    iteration: text('iteration'),
    /** What the event is about: a step, task or control key, an iteration name, `plan`, … */
    subject: text('subject').notNull(),
    /** A dotted event type: `step.start`, `step.refused`, `iteration.activate`, `plan.import`. */
    type: text('type').notNull(),
    details: jsonb('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_events_subject').on(t.subject, t.seq),
    index('audit_events_iteration').on(t.iteration, t.seq),
  ],
);

/** The chain's head: the last sequence number and hash. Locked by every append. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey().default(1),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  hash: text('hash').notNull(),
});

/**
 * Outgoing work (card posts and updates, mail, pilot notices), enqueued in the same transaction
 * as the change that causes it: a rollback enqueues nothing, a crash after commit loses nothing.
 * A pending job with a `dedupe_key` absorbs later ones with the same key, which coalesces card
 * updates: the worker renders the latest state when it runs.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    dedupeKey: text('dedupe_key'),
    state: text('state', { enum: ['pending', 'running', 'done', 'failed'] })
      .notNull()
      .default('pending'),
    runAt: instant('run_at').notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(10),
    lastError: text('last_error'),
    lockedBy: text('locked_by'),
    lockedUntil: instant('locked_until'),
    createdAt: createdAt(),
    finishedAt: instant('finished_at'),
  },
  (t) => [
    uniqueIndex('jobs_pending_dedupe')
      .on(t.dedupeKey)
      .where(sql`state = 'pending' and dedupe_key is not null`),
    index('jobs_due')
      .on(t.runAt)
      .where(sql`state = 'pending'`),
    // The alert scan looks for deliveries that gave up (src/engine/alert-scan.ts).
    index('jobs_failed')
      .on(t.finishedAt)
      .where(sql`state = 'failed'`),
  ],
);

/**
 * Alerts to the pilots (src/engine/alert-scan.ts): one row per cause and iteration. The unique
 * `cause_key` makes raising idempotent however many scans run at once; a cause that goes away sets
 * `resolved_at`, and one that comes back clears it again.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: serial('id').primaryKey(),
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iterations.id),
    kind: text('kind', {
      enum: ['step-overrun', 'ready-idle', 'chapter-late', 'step-failed', 'delivery-failed'],
    }).notNull(),
    /** `<kind>:<subject>:<occurrence>`, unique per iteration: what makes an alert "once per cause". */
    causeKey: text('cause_key').notNull(),
    /** A step key, a chapter name, or a job id. */
    subject: text('subject').notNull(),
    stepId: integer('step_id').references(() => steps.id),
    /** What the alert says, as first raised (the card re-renders from `details`). */
    message: text('message').notNull(),
    details: jsonb('details').notNull(),
    raisedAt: instant('raised_at').notNull(),
    resolvedAt: instant('resolved_at'),
  },
  (t) => [
    uniqueIndex('alerts_cause').on(t.iterationId, t.causeKey),
    index('alerts_open')
      .on(t.iterationId)
      .where(sql`resolved_at is null`),
  ],
);

/** The alert card posted in each pilots' conversation, updated in place when the alert resolves. */
export const alertPosts = pgTable(
  'alert_posts',
  {
    alertId: integer('alert_id')
      .notNull()
      .references(() => alerts.id),
    conversationId: text('conversation_id').notNull(),
    activityId: text('activity_id').notNull(),
    postedAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.alertId, t.conversationId] })],
);
