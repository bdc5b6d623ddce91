/**
 * A simulated rehearsal: plays an iteration of a plan through the engine (`Engine.execute`, the
 * one write path every door uses) on a virtual clock, with realistic delays, so that alerts are
 * raised and resolved, the forecast moves and the critical path changes, as on a real weekend.
 *
 * - The clock starts 15 minutes before the iteration's first planned chapter start (or at the real
 *   now) and advances one virtual minute per tick; a tick is due every `60 s / speed` of real time,
 *   its work included (no wait at speed Infinity, nor while nothing runs or is about to start).
 * - A ready step is started after 1–4 minutes; about one in eight is started late (20–35 minutes:
 *   past the ready grace, so a `ready-idle` alert is raised, then resolved by the start).
 * - A step takes its indicative duration × 0.8 … 1.3; about one in five takes × 1.5 … 2 (past the
 *   overrun grace: a `step-overrun` alert). A step without a duration takes 1–5 minutes.
 * - One step, the fifth started (`failAtStart`), fails halfway; it is retried 15 minutes later
 *   and then runs its whole duration again (`step-failed`, raised then resolved).
 * - Each tick runs the alert scan (`scanAlerts`, as the `alerts.scan` job does) and reads the live
 *   forecast; the log says when an alert is raised or resolved, when the iteration's forecast end
 *   moves by 15 minutes or more and when the head of the critical path changes.
 * - Tasks are started with their step and done just before it, by a pilot (who may act on any team's
 *   steps). Every action is audited like any other, with source `cli`.
 *
 * Deterministic for a given seed. Pure of any Teams or Graph call: it only writes the database (the
 * outgoing jobs it enqueues are left for a service's workers; comms mode `test` or `off` is advised).
 * `--serve` (bench/simulate-serve.ts) runs the service on the same clock (`SimulationClock`) and
 * hands its engine in, so the board, the cards and the alerts can be watched as it plays.
 */
import { isGoNoGoStep } from '../src/domain/go-no-go.js';
import { sql } from '../src/db/orm.js';
import { queryRows, type Database } from '../src/db/client.js';
import type { AlertSettings } from '../src/domain/alert-rules.js';
import { isStepReady } from '../src/domain/readiness.js';
import type { WorkStatus } from '../src/domain/statuses.js';
import type { Directory } from '../src/directory/directory.js';
import { scanAlerts } from '../src/engine/alert-scan.js';
import { Engine, type IterationRow } from '../src/engine/engine.js';
import { formatLocalTime } from '../src/engine/messages.js';
import { findIterationByName } from '../src/engine/read-models.js';
import { mulberry32 } from './card-fanout.js';

/** The simulation's virtual time, shared with a service that runs on it (`now` is its clock). */
export class SimulationClock {
  constructor(public at: Date = new Date()) {}
  readonly now = (): Date => this.at;
}

export interface SimulationOptions {
  database: Database;
  directory: Directory;
  /** The clock the simulation moves; default a clock of its own. */
  clock?: SimulationClock;
  /** The engine to play through; its clock must be `clock.now`. Default: one on `clock`. */
  engine?: Engine;
  /** Stops the simulation at the next tick (the result says `stopped`). */
  signal?: AbortSignal;
  /** The iteration to play; it must be PLANNED (or ACTIVE: then it continues). */
  iteration: string;
  /** Virtual minutes per real minute; Infinity plays without waiting. */
  speed: number;
  settings: AlertSettings;
  seed?: number;
  /** Where each log line goes. */
  log: (line: string) => void;
  /** Which start (1st, 2nd, …) fails once and is retried. Default 5. */
  failAtStart?: number;
  /** Stops after this many virtual minutes even if steps are left (a guard). Default 14 days. */
  maxMinutes?: number;
}

export interface SimulationResult {
  iteration: string;
  startedAt: Date;
  endedAt: Date;
  steps: number;
  alertsRaised: string[];
  alertsResolved: string[];
  /** How many times the iteration's forecast end moved by 15 minutes or more. */
  forecastMoves: number;
  /** The distinct heads of the critical path seen, in order. */
  criticalHeads: string[];
  failed: string | null;
  /** True when `signal` stopped it before every step was finished. */
  stopped: boolean;
  engine: Engine;
}

const MINUTE = 60_000;
const FAILURE_AT_START_NUMBER = 5;
const RETRY_AFTER_MINUTES = 15;
/** The log says when the iteration's forecast end moved by this much since it last said so. */
const FORECAST_LOG_STEP = 15 * MINUTE;

interface Plan {
  /** Virtual minute at which to start, once ready. */
  startAt?: number;
  readyAt?: number;
  startedAt?: number;
  /** Virtual minute at which it ends (done, or fails for the failing step). */
  endAt?: number;
  failing?: boolean;
  retryAt?: number;
}

/** Where the simulation's clock starts: 15 minutes before the iteration's first planned chapter start. */
export async function simulationStart(database: Database, iteration: string): Promise<Date> {
  const firstPlanned = await queryRows<{ start: Date | string | null }>(
    database.db,
    sql`select min(cs.planned_start) as start from chapter_schedules cs join iterations i on i.id = cs.iteration_id
        where lower(i.name) = lower(${iteration})`,
  );
  const start = firstPlanned[0]?.start ? new Date(firstPlanned[0].start) : new Date();
  return new Date(Math.floor(start.getTime() / MINUTE) * MINUTE - 15 * MINUTE);
}

/** Plays the iteration to its end; see the file comment. */
export async function simulateRehearsal(options: SimulationOptions): Promise<SimulationResult> {
  const { database, directory, log } = options;
  const random = mulberry32(options.seed ?? 20_261_219);
  const pick = (low: number, high: number) => low + random() * (high - low);
  const pilot = directory.pilots()[0];
  if (!pilot) throw new Error('the directory has no pilot: someone must activate and steer');

  const clock = options.clock ?? new SimulationClock();
  clock.at = await simulationStart(database, options.iteration);
  const engine = options.engine ?? new Engine({ database, directory, clock: clock.now });
  const actor = { email: pilot.email };

  const execute = async (
    action: string,
    subject: string,
    extra: { reason?: string; force?: boolean; acknowledgeControls?: boolean } = {},
  ) => {
    const result = await engine.execute({
      action: action as 'start',
      subject,
      iteration: options.iteration,
      actor,
      source: 'cli',
      ...extra,
    });
    if (result.outcome !== 'applied') throw new Error(`${action} ${subject}: ${result.message}`);
  };

  let iteration: IterationRow | undefined = await findIterationByName(database.db, options.iteration);
  if (!iteration) throw new Error(`there is no iteration "${options.iteration}"`);
  const zone = iteration.timeZone;
  const time = (at: Date) => formatLocalTime(at, zone).slice(11);
  const say = (line: string) => log(`${formatLocalTime(clock.at, zone)}  ${line}`);
  if (iteration.status === 'PLANNED') {
    await execute('activate', iteration.name);
    say(`${iteration.name} activated by ${pilot.name}`);
  }
  iteration = (await findIterationByName(database.db, options.iteration))!;

  const snapshot = await engine.snapshot();
  const scope = snapshot.scopeOf(iteration.id);
  const inScope = snapshot.steps.map((_, index) => index).filter((index) => scope.isInScope(index));
  const durations = new Map(
    (
      await queryRows<{ id: number; duration: number | null }>(
        database.db,
        sql`select id, duration_minutes as duration from steps`,
      )
    ).map((row) => [row.id, row.duration]),
  );
  const tasksOf = new Map<string, string[]>();
  for (const row of await queryRows<{ step: string; task: string }>(
    database.db,
    sql`select s.key as step, t.key as task from tasks t join steps s on s.id = t.step_id
        where not t.archived order by t.number`,
  ))
    tasksOf.set(row.step, [...(tasksOf.get(row.step) ?? []), row.task]);

  const status = new Map<number, WorkStatus>(inScope.map((index) => [index, 'OPEN']));
  const statusOf = (index: number) => status.get(index) ?? 'OPEN';
  const plans = new Map<number, Plan>();
  const result: SimulationResult = {
    iteration: iteration.name,
    startedAt: clock.at,
    endedAt: clock.at,
    steps: inScope.length,
    alertsRaised: [],
    alertsResolved: [],
    forecastMoves: 0,
    criticalHeads: [],
    failed: null,
    stopped: false,
    engine,
  };
  let startedCount = 0;
  let lastForecastEnd: number | null = null;
  let minute = 0;
  const maxMinutes = options.maxMinutes ?? 14 * 24 * 60;
  const tickMs = Number.isFinite(options.speed) ? MINUTE / options.speed : 0;
  let tickDue = performance.now();

  while ([...status.values()].some((s) => s !== 'DONE' && s !== 'CANCELLED')) {
    if (options.signal?.aborted) {
      result.stopped = true;
      break;
    }
    if (minute > maxMinutes) throw new Error(`the rehearsal did not finish within ${maxMinutes} minutes`);
    const nowMinute = minute;
    for (const index of inScope) {
      const key = snapshot.steps[index]!.key;
      const plan = plans.get(index) ?? {};
      plans.set(index, plan);
      const current = statusOf(index);
      if (current === 'OPEN' && isStepReady(scope, index, statusOf, clock.at.getTime())) {
        if (plan.startAt === undefined) {
          const late = random() < 0.125;
          plan.readyAt = nowMinute;
          plan.startAt = nowMinute + Math.round(late ? pick(20, 35) : pick(1, 4));
        }
        if (nowMinute >= plan.startAt) {
          await execute('start', key);
          for (const task of tasksOf.get(key) ?? []) await execute('start', task);
          status.set(index, 'IN_PROGRESS');
          startedCount++;
          const duration = durations.get(snapshot.steps[index]!.dbId) ?? null;
          const factor = random() < 0.2 ? pick(1.5, 2) : pick(0.8, 1.3);
          const minutes = duration ? Math.max(1, Math.round(duration * factor)) : Math.round(pick(1, 5));
          plan.startedAt = nowMinute;
          plan.failing =
            startedCount === (options.failAtStart ?? FAILURE_AT_START_NUMBER) && result.failed === null;
          plan.endAt = nowMinute + (plan.failing ? Math.max(1, Math.round(minutes / 2)) : minutes);
          const waited = nowMinute - (plan.readyAt ?? nowMinute);
          const lateNote = waited > 10 ? `, started ${waited} min after it was ready` : '';
          say(`start ${key} (${snapshot.steps[index]!.team}), planned ${duration ?? 0} min${lateNote}`);
        }
      } else if (current === 'IN_PROGRESS' && plan.endAt !== undefined && nowMinute >= plan.endAt) {
        if (plan.failing) {
          await execute('fail', key, {
            reason: 'Simulated failure: the load stopped on a constraint violation',
          });
          status.set(index, 'FAILED');
          result.failed = key;
          plan.failing = false;
          plan.retryAt = nowMinute + RETRY_AFTER_MINUTES;
          say(`FAIL ${key}: the load stopped on a constraint violation`);
        } else {
          for (const task of tasksOf.get(key) ?? []) await execute('done', task);
          // A go/no-go step meets the controls of its phase; the simulation records no control
          // results, so the pilot marks it done acknowledging them (audited with their list).
          await execute('done', key, isGoNoGoStep(key) ? { acknowledgeControls: true } : {});
          status.set(index, 'DONE');
          say(`done ${key} after ${nowMinute - (plan.startedAt ?? nowMinute)} min`);
        }
      } else if (current === 'FAILED' && plan.retryAt !== undefined && nowMinute >= plan.retryAt) {
        await execute('retry', key);
        status.set(index, 'IN_PROGRESS');
        const duration = durations.get(snapshot.steps[index]!.dbId) ?? 5;
        plan.startedAt = nowMinute;
        plan.endAt = nowMinute + Math.max(1, duration);
        say(`retry ${key}`);
      }
    }

    const scan = await scanAlerts(engine, options.settings, clock.at);
    for (const key of scan.raised) say(`ALERT raised: ${key}`);
    for (const key of scan.resolved) say(`alert resolved: ${key}`);
    result.alertsRaised.push(...scan.raised);
    result.alertsResolved.push(...scan.resolved);

    const live = await engine.forecasts.forecastOf(database.db, snapshot, iteration, clock.at);
    const window = live.forecast.iteration();
    if (window && window.openSteps > 0) {
      if (lastForecastEnd !== null && Math.abs(window.end - lastForecastEnd) >= FORECAST_LOG_STEP) {
        result.forecastMoves++;
        const delta = Math.round((window.end - lastForecastEnd) / MINUTE);
        say(`forecast end ${time(new Date(window.end))} (${delta > 0 ? '+' : ''}${delta} min)`);
      }
      if (lastForecastEnd === null || Math.abs(window.end - lastForecastEnd) >= FORECAST_LOG_STEP)
        lastForecastEnd = window.end;
      const path = live.forecast.criticalPath();
      const head = path.length > 0 ? snapshot.steps[path[0]!]!.key : null;
      if (head && result.criticalHeads.at(-1) !== head) {
        result.criticalHeads.push(head);
        say(
          `critical path now ${path
            .slice(0, 4)
            .map((i) => snapshot.steps[i]!.key)
            .join(' → ')}${path.length > 4 ? ` … (${path.length})` : ''}`,
        );
      }
    }

    minute++;
    clock.at = new Date(clock.at.getTime() + MINUTE);
    // Nothing running and nothing about to start (steps waiting for a fixed start, e.g. the interim
    // week): the clock runs on without real waiting, so a replay at 60x is not hours of idle screen.
    const busy = inScope.some((index) => {
      const s = statusOf(index);
      return (
        s === 'IN_PROGRESS' || s === 'FAILED' || (s === 'OPEN' && plans.get(index)?.startAt !== undefined)
      );
    });
    // Ticks are due every tickMs of real time, the tick's own work included, so that 60x is 60x on
    // a busy machine too; a tick that ran late is not made up for by a burst.
    if (tickMs > 0 && busy) {
      tickDue = Math.max(tickDue + tickMs, performance.now());
      await new Promise((resolve) => setTimeout(resolve, tickDue - performance.now()));
    } else tickDue = performance.now();
  }
  result.endedAt = clock.at;
  if (result.stopped) {
    say(`${iteration.name}: the simulation was stopped`);
    return result;
  }
  // A last scan resolves what the last steps left open.
  const last = await scanAlerts(engine, options.settings, clock.at);
  for (const key of last.resolved) say(`alert resolved: ${key}`);
  result.alertsRaised.push(...last.raised);
  result.alertsResolved.push(...last.resolved);
  say(`${iteration.name}: every step in scope is finished`);
  return result;
}
