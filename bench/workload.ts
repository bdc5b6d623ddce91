/**
 * The execution workload of the benchmark: people working through an active iteration the way
 * the Teams cards let them. A member of the owning team starts a ready step, the tasks' teams
 * start and finish its tasks, the step's team marks it done, and the steps that became ready are
 * picked up in turn, so every `done` exercises readiness propagation. Several steps are in flight
 * at once and their commands interleave, as when many teams work in parallel.
 */
import { sql } from '../src/db/orm.js';
import { queryRows, type Queryable } from '../src/db/client.js';
import { DirectorySnapshot, type DirectoryUser } from '../src/directory/directory.js';
import type { Command } from '../src/engine/command.js';
import type { Engine } from '../src/engine/engine.js';
import { isGoNoGoStep } from '../src/domain/go-no-go.js';

export const PILOT: DirectoryUser = {
  aadObjectId: 'bench-pilot',
  name: 'Bench Pilot',
  email: 'pilot@bench.example',
  pilot: true,
  teams: [],
};

/** The Entra object id of the benchmark's one member of `team`. */
export function memberIdOf(team: string): string {
  return `bench-member-${team.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

/** One member per team, plus a pilot. */
export function benchDirectory(teams: readonly string[]): DirectorySnapshot {
  const members = teams.map((team): DirectoryUser => ({
    aadObjectId: memberIdOf(team),
    name: `${team} Member`,
    email: `${memberIdOf(team)}@bench.example`,
    pilot: false,
    teams: [team],
  }));
  return new DirectorySnapshot('benchmark directory (one member per team and a pilot)', [...members, PILOT]);
}

export interface WorkStep {
  key: string;
  team: string;
  tasks: { key: string; team: string }[];
}

/** The steps and tasks as stored, with their owning teams, keyed by step id. */
export async function loadWorkSteps(db: Queryable): Promise<Map<string, WorkStep>> {
  const steps = await queryRows<{ key: string; team: string }>(
    db,
    sql`select s.key, t.name as team from steps s join teams t on t.id = s.team_id where not s.archived`,
  );
  const tasks = await queryRows<{ key: string; step: string; team: string }>(
    db,
    sql`select tk.key, s.key as step, tm.name as team
        from tasks tk join steps s on s.id = tk.step_id join teams tm on tm.id = tk.team_id
        where not tk.archived order by tk.step_id, tk.number`,
  );
  const byKey = new Map(steps.map((step) => [step.key, { ...step, tasks: [] } as WorkStep]));
  for (const task of tasks) byKey.get(task.step)?.tasks.push({ key: task.key, team: task.team });
  return byKey;
}

type CommandKind = 'step.start' | 'task.start' | 'task.done' | 'step.done';

interface PlannedCommand {
  kind: CommandKind;
  action: 'start' | 'done';
  subject: string;
  team: string;
  /** What the card showed when the button was pressed. */
  seen: 'OPEN' | 'IN_PROGRESS';
}

/** The commands that carry one step from OPEN to DONE. */
function commandsOf(step: WorkStep): PlannedCommand[] {
  const commands: PlannedCommand[] = [
    { kind: 'step.start', action: 'start', subject: step.key, team: step.team, seen: 'OPEN' },
  ];
  for (const task of step.tasks) {
    commands.push({ kind: 'task.start', action: 'start', subject: task.key, team: task.team, seen: 'OPEN' });
    commands.push({
      kind: 'task.done',
      action: 'done',
      subject: task.key,
      team: task.team,
      seen: 'IN_PROGRESS',
    });
  }
  commands.push({
    kind: 'step.done',
    action: 'done',
    subject: step.key,
    team: step.team,
    seen: 'IN_PROGRESS',
  });
  return commands;
}

export interface WorkloadOptions {
  engine: Engine;
  iteration: string;
  steps: ReadonlyMap<string, WorkStep>;
  /** The steps ready when the iteration was activated. */
  initiallyReady: readonly string[];
  warmUp: number;
  measured: number;
  /** How many steps are worked on at once. */
  inFlight: number;
  seed: number;
}

export interface WorkloadResult {
  /** Latency of each measured execute() call, in milliseconds, in execution order. */
  latencies: number[];
  /** Latencies of the measured commands by kind. */
  byKind: Record<CommandKind, number[]>;
  warmUpLatencies: number[];
  stepsCompleted: number;
  /** Steps that became ready through a measured or warm-up `done`. */
  stepsMadeReady: number;
  /** Commands that made at least one step ready. */
  propagatingCommands: number;
  wallMs: number;
}

/**
 * Runs `warmUp + measured` commands through `engine.execute`, one at a time, timing each call.
 * Every command must be applied: anything else means the workload is not what it claims to be,
 * so it throws.
 */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const random = mulberry32(options.seed);
  const ready = [...options.initiallyReady];
  const queued = new Set(ready);
  const running: { commands: PlannedCommand[]; next: number }[] = [];
  const result: WorkloadResult = {
    latencies: [],
    byKind: { 'step.start': [], 'task.start': [], 'task.done': [], 'step.done': [] },
    warmUpLatencies: [],
    stepsCompleted: 0,
    stepsMadeReady: 0,
    propagatingCommands: 0,
    wallMs: 0,
  };
  const total = options.warmUp + options.measured;
  const started = performance.now();

  for (let done = 0; done < total; done++) {
    while (running.length < options.inFlight && ready.length > 0) {
      const key = takeRandom(ready, random);
      const step = options.steps.get(key);
      if (!step) throw new Error(`workload: ready step ${key} is not in the stored plan`);
      running.push({ commands: commandsOf(step), next: 0 });
    }
    if (running.length === 0) throw new Error(`workload: no step is ready or running after ${done} commands`);

    const runIndex = Math.floor(random() * running.length);
    const run = running[runIndex]!;
    const planned = run.commands[run.next++]!;
    // A go/no-go step's Done meets the controls of its phase, which nobody checks in this workload:
    // a pilot marks it done acknowledging them, as the card's Done anyway does.
    const goNoGoDone = planned.kind === 'step.done' && isGoNoGoStep(planned.subject);
    const command: Command = {
      action: planned.action,
      subject: planned.subject,
      iteration: options.iteration,
      actor: { aadObjectId: goNoGoDone ? PILOT.aadObjectId : memberIdOf(planned.team) },
      seen: planned.seen,
      source: 'teams',
      ...(goNoGoDone ? { acknowledgeControls: true } : {}),
    };

    const before = performance.now();
    const outcome = await options.engine.execute(command);
    const latency = performance.now() - before;

    if (outcome.outcome !== 'applied') {
      throw new Error(
        `workload: ${planned.kind} ${planned.subject} by ${planned.team} was ${outcome.outcome}: ${outcome.message}`,
      );
    }
    if (done < options.warmUp) {
      result.warmUpLatencies.push(latency);
    } else {
      result.latencies.push(latency);
      result.byKind[planned.kind].push(latency);
    }
    if (planned.kind === 'step.done') {
      result.stepsCompleted++;
      const fresh = outcome.becameReady.filter((key) => !queued.has(key));
      if (fresh.length > 0) result.propagatingCommands++;
      result.stepsMadeReady += fresh.length;
      for (const key of fresh) {
        queued.add(key);
        ready.push(key);
      }
    }
    if (run.next === run.commands.length) running.splice(runIndex, 1);
  }
  result.wallMs = performance.now() - started;
  return result;
}

/** Removes and returns a random element (swapping the last one into its place). */
function takeRandom<T>(items: T[], random: () => number): T {
  const index = Math.floor(random() * items.length);
  const item = items[index]!;
  items[index] = items[items.length - 1]!;
  items.pop();
  return item;
}

/** A small seeded PRNG, so runs pick the same steps in the same order. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
