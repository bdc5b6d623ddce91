/**
 * Deterministic generator of large, realistic cutover plans for the benchmarks.
 *
 * The plans follow the JSON model of the workbook (shared spec `runsheet-workbook.md`) and the id
 * forms of `domain.md`, and they look like the real thing rather than like noise: chapters run in
 * phase order, steps inside a chapter run in parallel workstreams that converge, each phase ends on
 * an IT and a business go/no-go, predecessors only ever point to earlier steps (so the plan is
 * acyclic by construction), and every chapter has a window in every iteration's weekend.
 *
 * The same options (seed included) always give the same plan, so benchmark runs are comparable.
 *
 * CLI: `node dist/bench/generate-plan.js --steps 20000 --out plan.json [--tasks-per-step 2.5]
 * [--controls 8000] [--seed 1] [--pretty]`; without `--out` the JSON goes to stdout.
 */

import { realpathSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { TASK_NUMBER_MAX } from '../src/domain/ids.js';
import { DEFAULT_TIME_ZONE } from '../src/domain/plan-model.js';
import type {
  CommsMode,
  IterationKind,
  PlanChapter,
  PlanControl,
  PlanIteration,
  PlanModel,
  PlanPhase,
  PlanScheduleEntry,
  PlanStep,
  PlanStepType,
  PlanTask,
  PlanTeam,
} from '../src/domain/plan-model.js';

export interface GeneratePlanOptions {
  /** Number of steps to generate (an integer, 1 or more). */
  steps: number;
  /** Average number of tasks per step; default {@link DEFAULT_TASKS_PER_STEP}. */
  tasksPerStep?: number;
  /** Exact number of controls; default `round(steps * DEFAULT_CONTROLS_PER_STEP)`. */
  controls?: number;
  /** Seed of the pseudo-random generator; default 1. The same seed gives the same plan. */
  seed?: number;
}

export const DEFAULT_TASKS_PER_STEP = 2.5;
export const DEFAULT_CONTROLS_PER_STEP = 0.4;
export const DEFAULT_SEED = 1;

/**
 * The most controls the id form can hold with one suffix letter: `C0001-a` … `C9999-z`. The domain
 * allows longer suffixes, but real plans never use them, so the generator refuses rather than
 * inventing an unusual shape.
 */
export const MAX_CONTROLS = 9999 * 26;

// ---------------------------------------------------------------------------------------------
// Seeded randomness
// ---------------------------------------------------------------------------------------------

/** A small, fast, seedable PRNG (mulberry32) with the helpers the generator needs. */
class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A Poisson-distributed count with the given mean (Knuth for small means, normal beyond). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) {
      // Knuth's loop grows with the mean and underflows e^-mean; the normal approximation is
      // plenty for a task count.
      const gaussian = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
    }
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /** Hexadecimal digits, for GUIDs and channel thread ids. */
  hex(length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += Math.floor(this.next() * 16).toString(16);
    return text;
  }

  /** A version-4-shaped GUID, as Entra ID object ids look. */
  guid(): string {
    const variant = (8 + Math.floor(this.next() * 4)).toString(16);
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}

/** Picks values with fixed relative weights; the cumulative table is built once. */
class WeightedChoice<T> {
  private readonly values: T[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    let running = 0;
    for (const [value, weight] of entries) {
      running += weight;
      this.values.push(value);
      this.cumulative.push(running);
    }
    if (running <= 0) throw new Error('weighted choice needs a positive total weight');
    this.total = running;
  }

  pick(random: SeededRandom): T {
    const target = random.next() * this.total;
    // Tables are short (at most a few dozen entries), so a linear scan beats a binary search.
    for (let i = 0; i < this.cumulative.length; i++) {
      if (target < this.cumulative[i]!) return this.values[i]!;
    }
    return this.values[this.values.length - 1]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Reference data: what a bank's migration plan is made of
// ---------------------------------------------------------------------------------------------

/** The registered step types with their share of ordinary steps: treatments dominate. */
const STEP_TYPES: readonly { type: string; name: string; weight: number }[] = [
  { type: 'TRT', name: 'Treatment', weight: 56 },
  { type: 'PRE', name: 'Preparation', weight: 8 },
  { type: 'BUS', name: 'Business action', weight: 7 },
  { type: 'IGO', name: 'IT go/no-go', weight: 1 },
  { type: 'BGO', name: 'Business go/no-go', weight: 1 },
  { type: 'DUM', name: 'Data dump or restore', weight: 7 },
  { type: 'SYS', name: 'System action', weight: 10 },
  { type: 'CHK', name: 'Technical check', weight: 9 },
  { type: 'GON', name: 'Go action', weight: 1 },
];

/**
 * First number of each type. Like real plans (and the demo), each type counts in its own block,
 * so numbers are 5 digits and hint at the type; numbers only need to be unique within a type.
 */
const FIRST_STEP_NUMBER: Readonly<Record<string, number>> = {
  TRT: 10001,
  PRE: 20001,
  BUS: 30001,
  IGO: 40001,
  BGO: 45001,
  DUM: 50001,
  SYS: 60001,
  CHK: 70001,
  GON: 80001,
};

/** Share of steps inserted after the fact between two numbers, hence a letter (`TRT-12345a`). */
const SUFFIXED_STEP_RATE = 0.03;

interface PhaseBlueprint {
  name: string;
  /** Share of the chapters that fall in this phase. */
  chapterShare: number;
  /** Chapter names are `<action> <subject>`, drawn without repetition. */
  chapterActions: readonly string[];
  chapterSubjects: readonly string[];
}

const CLIENT_STATIC_DATA = [
  'client static data',
  'account master',
  'CRM contacts',
  'postal addresses',
  'user entitlements',
  'document archive',
  'card limits',
  'payment mandates',
  'KYC files',
  'e-banking profiles',
  'power of attorney records',
];
const POSITIONS_AND_CONTRACTS = [
  'portfolio positions',
  'cash balances',
  'contracts',
  'securities master',
  'tax lots',
  'collateral',
  'credit facilities',
  'standing orders',
  'payment queues',
  'corporate actions',
  'FX forwards',
  'fee schedules',
];
const INFRASTRUCTURE = [
  'source systems',
  'interface gateway',
  'batch scheduler',
  'SWIFT connectivity',
  'e-banking channels',
  'reporting warehouse',
  'GL postings',
  'FX rates',
  'custody statements',
  'monitoring',
];

/** The five default phases (`domain.md`), in order. */
const PHASES: readonly PhaseBlueprint[] = [
  {
    name: 'Pre-migration',
    chapterShare: 0.12,
    chapterActions: ['Freeze', 'Back up', 'Snapshot', 'Quiesce', 'Prepare target for', 'Verify readiness of'],
    chapterSubjects: INFRASTRUCTURE,
  },
  {
    name: 'CSD migration',
    chapterShare: 0.28,
    chapterActions: ['Extract', 'Transform', 'Load', 'Reconcile', 'Enrich', 'Activate'],
    chapterSubjects: CLIENT_STATIC_DATA,
  },
  {
    name: 'Interim week',
    chapterShare: 0.12,
    chapterActions: [
      'Capture deltas of',
      'Replay deltas of',
      'Monitor',
      'Run parallel checks of',
      'Hypercare for',
    ],
    chapterSubjects: [...CLIENT_STATIC_DATA, ...INFRASTRUCTURE],
  },
  {
    name: 'P&C migration',
    chapterShare: 0.33,
    chapterActions: ['Halt', 'Extract', 'Transform', 'Load', 'Reconcile', 'Revalue'],
    chapterSubjects: POSITIONS_AND_CONTRACTS,
  },
  {
    name: 'Post-migration',
    chapterShare: 0.15,
    chapterActions: ['Reopen', 'Validate', 'Hand over', 'Decommission', 'Archive', 'Report on'],
    chapterSubjects: [...INFRASTRUCTURE, ...POSITIONS_AND_CONTRACTS],
  },
];

/** Average number of steps in a chapter: 20,000 steps make 53 to 77 chapters. */
const STEPS_PER_CHAPTER_RANGE: readonly [number, number] = [260, 380];
const MAX_CHAPTERS = 80;

/**
 * Teams in rough order of workload (earlier teams own more steps). Cutover Management owns the
 * go/no-go gates and little else.
 */
const TEAM_NAMES: readonly string[] = [
  'Engine',
  'Operations',
  'DBA',
  'Core Banking',
  'Securities',
  'Payments',
  'CRM',
  'Business Ops',
  'Middleware',
  'Mainframe',
  'Reporting',
  'Testing',
  'Network',
  'Custody',
  'Treasury',
  'Scheduling',
  'Data Quality',
  'Storage',
  'Cloud Platform',
  'Finance',
  'IT Security',
  'Risk',
  'Compliance',
  'Service Desk',
  'Cutover Management',
];
const GATE_TEAM_IT = 'Cutover Management';
const GATE_TEAM_BUSINESS = 'Business Ops';

const ENVIRONMENTS = new WeightedChoice<string>([
  ['PROD', 75],
  ['EV1', 8],
  ['EV2', 6],
  ['EV3', 5],
  ['TEST', 6],
]);

interface IterationBlueprint {
  name: string;
  kind: IterationKind;
  comms: CommsMode;
  /** The Friday the iteration's weekend starts on (local date). */
  weekendFriday: string;
  /** Scales the weekend's chapter windows: rehearsals are planned tight, the cutover keeps buffers. */
  pace: number;
}

/**
 * The seven default iterations, each on its own weekend, two weeks apart, with three weeks before
 * the cutover. The weekends avoid the nights the clocks change (Europe/Zurich), where some local
 * times are missing or repeated.
 */
const ITERATIONS: readonly IterationBlueprint[] = [
  { name: 'Run0', kind: 'RUN', comms: 'test', weekendFriday: '2026-09-04', pace: 0.9 },
  { name: 'Run1', kind: 'RUN', comms: 'test', weekendFriday: '2026-09-18', pace: 0.9 },
  { name: 'Run2', kind: 'RUN', comms: 'test', weekendFriday: '2026-10-02', pace: 0.92 },
  { name: 'Run3', kind: 'RUN', comms: 'test', weekendFriday: '2026-10-16', pace: 0.92 },
  { name: 'DR1', kind: 'DR', comms: 'test', weekendFriday: '2026-10-30', pace: 0.97 },
  { name: 'DR2', kind: 'DR', comms: 'test', weekendFriday: '2026-11-13', pace: 0.97 },
  { name: 'Cutover', kind: 'CUTOVER', comms: 'live', weekendFriday: '2026-12-04', pace: 1 },
];
const ITERATION_NAMES = ITERATIONS.map((iteration) => iteration.name);

/** Every chapter window starts from Friday 18:00, after business hours. */
const WEEKEND_START_HOUR = 18;
/** Friday 18:00 to Monday 06:00 is 60 hours; the plan fills most of it and leaves a reserve. */
const WEEKEND_PLANNED_MINUTES = 54 * 60;
const MIN_CHAPTER_WINDOW_MINUTES = 15;

/**
 * Which iterations a step runs in. Most run everywhere; some are not ready for the first dry run,
 * some only make sense on production-like infrastructure (DR and cutover), some only on the live
 * night (client communication, DNS switch), and a few reset test data in rehearsals only.
 */
const SCOPE_PROFILES = new WeightedChoice<readonly string[]>([
  [ITERATION_NAMES, 80],
  [ITERATION_NAMES.filter((name) => name !== 'Run0'), 6],
  [ITERATION_NAMES.filter((name) => name !== 'Run0' && name !== 'Run1'), 3],
  [['DR1', 'DR2', 'Cutover'], 6],
  [['Cutover'], 3],
  [ITERATION_NAMES.filter((name) => name !== 'Cutover'), 2],
]);

const STEP_VERBS: Readonly<Record<string, readonly string[]>> = {
  TRT: ['Extract', 'Transform', 'Load', 'Reconcile', 'Enrich', 'Map', 'Convert', 'Migrate', 'Cleanse'],
  PRE: ['Prepare', 'Stage', 'Provision', 'Pre-load', 'Verify readiness of', 'Clear staging area of'],
  BUS: ['Approve', 'Sign off', 'Review a sample of', 'Confirm', 'Spot-check'],
  IGO: ['IT go/no-go on'],
  BGO: ['Business go/no-go on'],
  DUM: ['Dump', 'Restore', 'Back up', 'Export', 'Import'],
  SYS: ['Stop', 'Start', 'Switch', 'Restart', 'Disable', 'Enable', 'Redirect'],
  CHK: ['Check', 'Verify', 'Compare counts of', 'Monitor', 'Validate'],
  GON: ['Release', 'Open', 'Go live with'],
};
const STEP_OBJECTS = [...CLIENT_STATIC_DATA, ...POSITIONS_AND_CONTRACTS, ...INFRASTRUCTURE];
const TITLE_QUALIFIERS = [
  ' in the target core banking system',
  ' from the legacy platform',
  ' (delta since the freeze)',
  ' for Swiss booking centres',
  ' for EU branches',
  ' for private banking clients',
  ', second pass',
  ' after the overnight batch',
];
/** What a task asks for: the small, checkable actions a runbook step is made of. */
const TASK_ACTIONS = [
  'Run the job and note its id',
  'Check the row counts against the extract log',
  'Record the control totals',
  'Upload the output files to the evidence share',
  'Compare the reconciliation report with the source',
  'Check the application log for errors',
  'Confirm in the scheduler that the job ended',
  'Notify the pilots in the cutover channel',
  'Attach screenshots of the result',
  'Archive the run report',
];
const CONTROL_KINDS = ['Count', 'Amount', 'Checksum', 'Sample', 'Balance', 'Completeness', 'Reconciliation'];

/** Share of tasks linked to controls: technical checks carry most of them. */
const CONTROLLED_TASK_RATE_CHECK_STEP = 0.6;
const CONTROLLED_TASK_RATE_OTHER_STEP = 0.27;
const TWO_CONTROLS_RATE = 0.3;
/** Expected share of tasks with controls, and controls per such task, to pace new controls. */
const EXPECTED_CONTROL_LINKS_PER_TASK = 0.3 * (1 + TWO_CONTROLS_RATE);
/** A task reuses one of the most recently introduced controls, as neighbouring steps share checks. */
const CONTROL_REUSE_WINDOW = 200;

// Predecessor shape inside a chapter.
const STEPS_PER_WORKSTREAM = 10;
const MAX_WORKSTREAMS = 30;
const CROSS_STREAM_LINK_RATE = 0.2;
const PREVIOUS_CHAPTER_LINK_RATE = 0.03;
const LONG_RANGE_LINK_RATE = 0.015;
const SECOND_ENTRY_LINK_RATE = 0.15;
/** How far back in the chapter a cross-stream link reaches. */
const CROSS_STREAM_WINDOW = 20;

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/**
 * Generates a plan with exactly `options.steps` steps and `options.controls` controls, about
 * `steps * tasksPerStep` tasks, and the default phases, iterations and step types. Deterministic:
 * the same options give a deep-equal plan.
 */
export function generatePlan(options: GeneratePlanOptions): PlanModel {
  const settings = validateOptions(options);
  const random = new SeededRandom(settings.seed);

  const stepTypes: PlanStepType[] = STEP_TYPES.map(({ type, name }) => ({ type, name }));
  const phases: PlanPhase[] = PHASES.map((phase, index) => ({ order: index + 1, name: phase.name }));
  const teams = generateTeams(random);
  const iterations: PlanIteration[] = ITERATIONS.map(({ name, kind, comms }) => ({
    name,
    kind,
    timeZone: DEFAULT_TIME_ZONE,
    comms,
  }));
  const chapters = generateChapters(random, settings.steps);
  const chapterSizes = apportion(
    settings.steps,
    chapters.map(() => random.between(0.4, 1.6)),
  );
  const controls = generateControls(random, settings.controls, teams);
  const builder = new StepBuilder(
    random,
    settings,
    teams,
    controls.map((control) => control.id),
  );
  for (let index = 0; index < chapters.length; index++) {
    builder.addChapter(chapters[index]!, chapterSizes[index]!, chapters[index - 1], chapters[index + 1]);
  }
  builder.linkUnusedControls();
  const schedule = generateSchedule(random, chapters, chapterSizes);

  return {
    stepTypes,
    phases,
    chapters,
    teams,
    iterations,
    steps: builder.steps,
    tasks: builder.tasks,
    controls,
    schedule,
  };
}

interface GenerationSettings {
  steps: number;
  tasksPerStep: number;
  controls: number;
  seed: number;
}

function validateOptions(options: GeneratePlanOptions): GenerationSettings {
  const { steps } = options;
  const tasksPerStep = options.tasksPerStep ?? DEFAULT_TASKS_PER_STEP;
  const controls = options.controls ?? Math.round(steps * DEFAULT_CONTROLS_PER_STEP);
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be an integer of 1 or more, got ${steps}`);
  }
  if (!Number.isFinite(tasksPerStep) || tasksPerStep < 0 || tasksPerStep > TASK_NUMBER_MAX) {
    throw new RangeError(`tasksPerStep must be between 0 and ${TASK_NUMBER_MAX}, got ${tasksPerStep}`);
  }
  if (!Number.isSafeInteger(controls) || controls < 0 || controls > MAX_CONTROLS) {
    throw new RangeError(`controls must be an integer between 0 and ${MAX_CONTROLS}, got ${controls}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be an integer, got ${seed}`);
  }
  return { steps, tasksPerStep, controls, seed };
}

/**
 * Splits `total` into as many integer parts as there are weights, proportionally, each part at
 * least 1 when the total allows it (largest remainder method, so the parts add up exactly).
 */
function apportion(total: number, weights: readonly number[]): number[] {
  const floor = total >= weights.length ? 1 : 0;
  const spare = total - floor * weights.length;
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const exact = weights.map((weight) => (spare * weight) / weightSum);
  const parts = exact.map((share) => floor + Math.floor(share));
  let missing = total - parts.reduce((sum, part) => sum + part, 0);
  const byRemainder = exact
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing <= 0) break;
    parts[index]!++;
    missing--;
  }
  return parts;
}

function generateTeams(random: SeededRandom): PlanTeam[] {
  // One Microsoft Teams team (groupId) for the cutover, one channel per runsheet team in it.
  const tenantId = random.guid();
  const cutoverTeamId = random.guid();
  return TEAM_NAMES.map((name) => {
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const thread = `19%3A${random.hex(32)}%40thread.tacv2`;
    return {
      name,
      adGroup: random.guid(),
      channel: `https://teams.microsoft.com/l/channel/${thread}/${encodeURIComponent(name)}?groupId=${cutoverTeamId}&tenantId=${tenantId}`,
      mailbox: `${slug}@bank.example`,
    };
  });
}

/** Chapters in plan order, spread over the phases in phase order, with unique names. */
function generateChapters(random: SeededRandom, steps: number): PlanChapter[] {
  const averageChapterSize = random.between(...STEPS_PER_CHAPTER_RANGE);
  const chapterCount = Math.min(
    MAX_CHAPTERS,
    steps,
    Math.max(PHASES.length, Math.round(steps / averageChapterSize)),
  );
  const perPhase =
    chapterCount >= PHASES.length
      ? apportion(
          chapterCount,
          PHASES.map((phase) => phase.chapterShare),
        )
      : // Too few chapters for every phase: spread them evenly instead of bunching them up front.
        PHASES.map(
          (_, phaseIndex) =>
            Array.from({ length: chapterCount }, (_unused, chapter) =>
              Math.floor((chapter * PHASES.length) / chapterCount),
            ).filter((phase) => phase === phaseIndex).length,
        );

  const usedNames = new Set<string>();
  const chapters: PlanChapter[] = [];
  PHASES.forEach((phase, phaseIndex) => {
    const names = drawDistinct(
      random,
      phase.chapterActions.flatMap((action) =>
        phase.chapterSubjects.map((subject) => `${action} ${subject}`),
      ),
      perPhase[phaseIndex]!,
    );
    for (const name of names) {
      chapters.push({ order: chapters.length + 1, name: uniqueName(usedNames, name), phase: phase.name });
    }
  });
  return chapters;
}

/**
 * Draws `count` items without repetition (a partial Fisher-Yates shuffle); once the pool is spent
 * it starts over, and {@link uniqueName} tells the repeats apart.
 */
function drawDistinct<T>(random: SeededRandom, pool: readonly T[], count: number): T[] {
  const drawn: T[] = [];
  let remaining = [...pool];
  let next = 0;
  while (drawn.length < count) {
    if (next === remaining.length) {
      remaining = [...pool];
      next = 0;
    }
    const swap = random.int(next, remaining.length - 1);
    [remaining[next], remaining[swap]] = [remaining[swap]!, remaining[next]!];
    drawn.push(remaining[next]!);
    next++;
  }
  return drawn;
}

/**
 * Returns `name`, or `name (part n)` when it is taken (the same subject in two phases), and records
 * it as taken.
 */
function uniqueName(used: Set<string>, name: string): string {
  let candidate = name;
  for (let part = 2; used.has(candidate); part++) candidate = `${name} (part ${part})`;
  used.add(candidate);
  return candidate;
}

/**
 * Controls in id order. Each control number has one to three lettered variants (`C0042-a`,
 * `C0042-b`), as related checks of one data object share a number, with occasional gaps left by
 * retired controls; when the 4-digit numbers run short, more variants per number are used.
 */
function generateControls(random: SeededRandom, count: number, teams: readonly PlanTeam[]): PlanControl[] {
  const controls: PlanControl[] = [];
  let number = 0;
  while (controls.length < count) {
    const remaining = count - controls.length;
    const numbersLeft = 9999 - number;
    // Skip a number (a retired control) only while the remaining numbers leave plenty of room.
    if (numbersLeft > 1 && remaining * 2 < (numbersLeft - 1) * 3 && random.chance(0.1)) number++;
    number++;
    const neededVariants = Math.ceil(remaining / (9999 - number + 1));
    const variants = Math.min(remaining, 26, Math.max(neededVariants, random.int(1, 3)));
    const subject = random.pick(STEP_OBJECTS);
    for (let variant = 0; variant < variants; variant++) {
      const producer = random.pick(teams).name;
      // Four eyes: the validator is usually another team than the producer.
      const validator = random.chance(0.8) ? random.pick(teams).name : producer;
      const kind = random.pick(CONTROL_KINDS);
      controls.push({
        id: `C${String(number).padStart(4, '0')}-${String.fromCharCode(97 + variant)}`,
        name: `${kind} check of ${subject}`,
        producer,
        validator,
        description: `<p>${kind} comparison of ${subject} between source and target.</p><p>The producer attaches the evidence; the validator signs it off.</p>`,
      });
    }
  }
  return controls;
}

/** Gives each step type its next id: numbers rise with gaps, a few carry a letter suffix. */
class StepNumbering {
  private readonly last = new Map<string, { number: number; suffix: string }>();

  constructor(private readonly random: SeededRandom) {}

  next(type: string): string {
    const previous = this.last.get(type);
    let number: number;
    let suffix = '';
    if (previous === undefined) {
      number = FIRST_STEP_NUMBER[type] ?? 10001;
    } else if (previous.suffix !== 'z' && this.random.chance(SUFFIXED_STEP_RATE)) {
      // A step inserted after its neighbour once the numbering was settled.
      number = previous.number;
      suffix = previous.suffix === '' ? 'a' : String.fromCharCode(previous.suffix.charCodeAt(0) + 1);
    } else {
      // Gaps are steps deleted or renumbered during the plan's life.
      number = previous.number + (this.random.chance(0.7) ? 1 : this.random.int(2, 10));
    }
    this.last.set(type, { number, suffix });
    return `${type}-${number}${suffix}`;
  }
}

/** What a new step needs besides what the builder decides itself. */
interface StepDraft {
  type: string;
  chapter: PlanChapter;
  team: string;
  predecessors: readonly number[];
  title?: string;
  scope?: readonly string[];
}

/**
 * Builds steps and their tasks chapter by chapter, in plan order. Steps are kept with their
 * position so predecessors are chosen by position, which makes "points earlier" hold by
 * construction.
 */
class StepBuilder {
  readonly steps: PlanStep[] = [];
  readonly tasks: PlanTask[] = [];

  private readonly numbering: StepNumbering;
  private readonly stepTypeChoice = new WeightedChoice(STEP_TYPES.map(({ type, weight }) => [type, weight]));
  private readonly teamChoice: WeightedChoice<string>;
  private readonly newControlRate: number;
  private nextUnusedControl = 0;
  /** Steps (positions) the previous chapter ends on: its workstreams' last steps, or its gate. */
  private previousExits: number[] = [];
  /** Position of the previous chapter's first step, for short links back into it. */
  private previousChapterStart = 0;

  constructor(
    private readonly random: SeededRandom,
    private readonly settings: GenerationSettings,
    teams: readonly PlanTeam[],
    /** Control ids in the order new controls are introduced. */
    private readonly controlIds: readonly string[],
  ) {
    this.numbering = new StepNumbering(random);
    // Workload falls off with the team's rank; the gate owner gets a small share of its own.
    this.teamChoice = new WeightedChoice(
      teams.map((team, rank) => [team.name, team.name === GATE_TEAM_IT ? 0.2 : 1 / Math.pow(rank + 1, 0.6)]),
    );
    const expectedLinks = settings.steps * settings.tasksPerStep * EXPECTED_CONTROL_LINKS_PER_TASK;
    this.newControlRate = expectedLinks > 0 ? Math.min(1, controlIds.length / expectedLinks) : 1;
  }

  /**
   * Adds one chapter of `size` steps. Its body is a set of parallel workstreams: each stream is a
   * chain (one predecessor: the stream's previous step), with occasional links across streams,
   * into the previous chapter or far back. The streams' first steps take the previous chapter's
   * exits, so chapters follow each other. A phase's first chapter opens with a go (GON) step and
   * its last chapter closes with an IT then a business go/no-go, where all streams converge.
   */
  addChapter(
    chapter: PlanChapter,
    size: number,
    previous: PlanChapter | undefined,
    next: PlanChapter | undefined,
  ): void {
    const chapterStart = this.steps.length;
    const opensPhase = previous !== undefined && previous.phase !== chapter.phase;
    const closesPhase = next === undefined || next.phase !== chapter.phase;
    const gateSteps = closesPhase && size >= 4 ? 2 : 0;
    const goStep = opensPhase && size - gateSteps >= 2 ? 1 : 0;
    const bodySize = size - gateSteps - goStep;

    let entries = this.previousExits;
    if (goStep === 1) {
      const go = this.addStep({
        type: 'GON',
        chapter,
        team: GATE_TEAM_IT,
        predecessors: entries,
        title: `Go: start ${chapter.phase}`,
        scope: ITERATION_NAMES,
      });
      entries = [go];
    }

    const streamCount = Math.max(
      1,
      Math.min(MAX_WORKSTREAMS, bodySize, Math.round(bodySize / STEPS_PER_WORKSTREAM)),
    );
    const streamTails: number[] = [];
    const streamTeams: string[] = [];
    const bodyStart = this.steps.length;
    for (let stream = 0; stream < streamCount; stream++) {
      streamTeams.push(this.teamChoice.pick(this.random));
      const predecessors = this.entryPredecessors(entries, stream, streamCount);
      streamTails.push(this.addStep(this.bodyStepDraft(chapter, streamTeams[stream]!, predecessors)));
    }
    for (let i = streamCount; i < bodySize; i++) {
      const stream = this.random.int(0, streamCount - 1);
      const predecessors = [streamTails[stream]!];
      if (streamCount > 1 && this.random.chance(CROSS_STREAM_LINK_RATE)) {
        // A sync point with a recent step of another stream (or of this one: harmless duplicate
        // of the chain, removed below).
        predecessors.push(
          this.random.int(
            Math.max(bodyStart, this.steps.length - CROSS_STREAM_WINDOW),
            this.steps.length - 1,
          ),
        );
      }
      if (chapterStart > 0 && this.random.chance(PREVIOUS_CHAPTER_LINK_RATE)) {
        predecessors.push(this.random.int(this.previousChapterStart, chapterStart - 1));
      }
      if (chapterStart > 0 && this.random.chance(LONG_RANGE_LINK_RATE)) {
        predecessors.push(this.random.int(0, chapterStart - 1));
      }
      streamTails[stream] = this.addStep(this.bodyStepDraft(chapter, streamTeams[stream]!, predecessors));
    }

    let exits = bodySize > 0 ? streamTails : entries;
    if (gateSteps === 2) {
      const itGate = this.addStep({
        type: 'IGO',
        chapter,
        team: GATE_TEAM_IT,
        predecessors: exits,
        title: `IT go/no-go at the end of ${chapter.phase}`,
        scope: ITERATION_NAMES,
      });
      const businessGate = this.addStep({
        type: 'BGO',
        chapter,
        team: GATE_TEAM_BUSINESS,
        predecessors: [itGate],
        title: `Business go/no-go at the end of ${chapter.phase}`,
        scope: ITERATION_NAMES,
      });
      exits = [businessGate];
    }
    this.previousExits = exits;
    this.previousChapterStart = chapterStart;
  }

  /**
   * Predecessors of a stream's first step. Every exit of the previous chapter is taken by some
   * stream (round robin), so no exit is left dangling; when there are more streams than exits,
   * streams share exits, and some take a second one.
   */
  private entryPredecessors(entries: readonly number[], stream: number, streamCount: number): number[] {
    if (entries.length === 0) return [];
    const predecessors: number[] = [];
    for (let exit = stream % entries.length; exit < entries.length; exit += streamCount) {
      predecessors.push(entries[exit]!);
    }
    if (entries.length > 1 && this.random.chance(SECOND_ENTRY_LINK_RATE)) {
      predecessors.push(this.random.pick(entries));
    }
    return predecessors;
  }

  private bodyStepDraft(chapter: PlanChapter, streamTeam: string, predecessors: number[]): StepDraft {
    return {
      type: this.stepTypeChoice.pick(this.random),
      chapter,
      // A stream is mostly one team's work, with hand-overs to others.
      team: this.random.chance(0.75) ? streamTeam : this.teamChoice.pick(this.random),
      predecessors,
    };
  }

  /** Adds the step and its tasks; returns the step's position. */
  private addStep(draft: StepDraft): number {
    const random = this.random;
    const id = this.numbering.next(draft.type);
    const environment = ENVIRONMENTS.pick(random);
    const title = draft.title ?? this.stepTitle(draft.type, environment);
    // Indicative durations are skewed: most steps take minutes, a few take hours; a few have none.
    const durationMinutes = random.chance(0.01)
      ? null
      : Math.max(1, Math.round(Math.exp(random.between(1, 5.2))));
    const predecessors = [...new Set(draft.predecessors)].map((position) => this.steps[position]!.id);
    this.steps.push({
      id,
      title,
      chapter: draft.chapter.name,
      team: draft.team,
      environment,
      durationMinutes,
      predecessors,
      description: random.chance(0.3)
        ? `<p>${title}.</p><ul><li>Follow the runbook page.</li><li>Record the job id and the row counts.</li></ul>`
        : `<p>${title}. Follow the runbook page and record the job id.</p>`,
      instructionsUrl: random.chance(0.6) ? `https://wiki.bank.example/cutover/${id}` : '',
      scope: [...(draft.scope ?? SCOPE_PROFILES.pick(random))],
    });
    this.addTasks(id, draft, durationMinutes);
    return this.steps.length - 1;
  }

  private stepTitle(type: string, environment: string): string {
    const random = this.random;
    let title = `${random.pick(STEP_VERBS[type] ?? STEP_VERBS['TRT']!)} ${random.pick(STEP_OBJECTS)}`;
    if (random.chance(0.4)) title += random.pick(TITLE_QUALIFIERS);
    if (environment !== 'PROD') title += ` on ${environment}`;
    return title;
  }

  private addTasks(stepId: string, draft: StepDraft, stepDuration: number | null): void {
    const random = this.random;
    const count = Math.min(TASK_NUMBER_MAX, random.poisson(this.settings.tasksPerStep));
    const controlledRate =
      draft.type === 'CHK' ? CONTROLLED_TASK_RATE_CHECK_STEP : CONTROLLED_TASK_RATE_OTHER_STEP;
    for (let n = 1; n <= count; n++) {
      const controls: string[] = [];
      if (this.controlIds.length > 0 && random.chance(controlledRate)) {
        controls.push(this.pickControl());
        if (random.chance(TWO_CONTROLS_RATE)) {
          const second = this.pickControl();
          if (second !== controls[0]) controls.push(second);
        }
      }
      this.tasks.push({
        id: `${stepId}-${n}`,
        description: `<p>${random.pick(TASK_ACTIONS)}.</p>`,
        // Most tasks belong to the step's team; some are done by a neighbouring team.
        team: random.chance(0.85) ? draft.team : this.teamChoice.pick(random),
        durationMinutes:
          stepDuration === null
            ? null
            : Math.max(1, Math.round((stepDuration / count) * random.between(0.6, 1.4))),
        controls,
      });
    }
  }

  /**
   * Introduces new controls at the pace that uses them all by the end of the plan, otherwise reuses
   * a recently introduced one.
   */
  private pickControl(): string {
    const introduced = this.nextUnusedControl;
    if (
      introduced < this.controlIds.length &&
      (introduced === 0 || this.random.chance(this.newControlRate))
    ) {
      this.nextUnusedControl++;
      return this.controlIds[introduced]!;
    }
    return this.controlIds[this.random.int(Math.max(0, introduced - CONTROL_REUSE_WINDOW), introduced - 1)]!;
  }

  /**
   * Links the controls the pacing left unused (a handful, from randomness) to tasks that have
   * exactly one control, so the share of tasks with controls does not move. Only when far more
   * controls are asked for than tasks can reasonably carry do random tasks take more.
   */
  linkUnusedControls(): void {
    if (this.tasks.length === 0) return;
    const singles = this.tasks.filter((task) => task.controls.length === 1);
    while (this.nextUnusedControl < this.controlIds.length) {
      const id = this.controlIds[this.nextUnusedControl++]!;
      if (singles.length === 0) {
        this.random.pick(this.tasks).controls.push(id);
        continue;
      }
      // Take a random single out of the list by swapping the last one into its place.
      const index = this.random.int(0, singles.length - 1);
      singles[index]!.controls.push(id);
      singles[index] = singles[singles.length - 1]!;
      singles.pop();
    }
  }
}

/**
 * One window per iteration and chapter, back to back from Friday 18:00 of the iteration's weekend.
 * A window's length follows the chapter's step count, varied per iteration, rounded to 5 minutes.
 */
function generateSchedule(
  random: SeededRandom,
  chapters: readonly PlanChapter[],
  chapterSizes: readonly number[],
): PlanScheduleEntry[] {
  const schedule: PlanScheduleEntry[] = [];
  for (const iteration of ITERATIONS) {
    const weights = chapterSizes.map((size) => size * random.between(0.85, 1.15));
    const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
    const budget = WEEKEND_PLANNED_MINUTES * iteration.pace;
    let minute = localMinutes(iteration.weekendFriday, WEEKEND_START_HOUR);
    chapters.forEach((chapter, index) => {
      const length = Math.max(
        MIN_CHAPTER_WINDOW_MINUTES,
        Math.round((budget * weights[index]!) / weightSum / 5) * 5,
      );
      schedule.push({
        iteration: iteration.name,
        chapter: chapter.name,
        start: formatLocal(minute),
        end: formatLocal(minute + length),
      });
      minute += length;
    });
  }
  return schedule;
}

/**
 * Wall-clock arithmetic: local date-times are counted as if they were UTC. That is exact for local
 * times as long as no window spans a clock change, which the chosen weekends ensure.
 */
function localMinutes(date: string, hour: number): number {
  return Date.parse(`${date}T00:00Z`) / 60_000 + hour * 60;
}

/** `YYYY-MM-DDTHH:mm`, the workbook's local date-time form. */
function formatLocal(minutes: number): string {
  return new Date(minutes * 60_000).toISOString().slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

interface CliArguments {
  options: GeneratePlanOptions;
  out: string | undefined;
  pretty: boolean;
}

const USAGE =
  'usage: generate-plan --steps N [--tasks-per-step X] [--controls N] [--seed N] [--out FILE.json] [--pretty]';

function parseCliArguments(argv: readonly string[]): CliArguments {
  const numbers = new Map<string, number>();
  let out: string | undefined;
  let pretty = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--pretty') {
      pretty = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    i++;
    if (flag === '--out') {
      out = value;
    } else if (['--steps', '--tasks-per-step', '--controls', '--seed'].includes(flag)) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number))
        throw new Error(`${flag}: "${value}" is not a number`);
      numbers.set(flag, number);
    } else {
      throw new Error(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  const steps = numbers.get('--steps');
  if (steps === undefined) throw new Error(`--steps is required\n${USAGE}`);
  const options: GeneratePlanOptions = { steps };
  const tasksPerStep = numbers.get('--tasks-per-step');
  const controls = numbers.get('--controls');
  const seed = numbers.get('--seed');
  if (tasksPerStep !== undefined) options.tasksPerStep = tasksPerStep;
  if (controls !== undefined) options.controls = controls;
  if (seed !== undefined) options.seed = seed;
  return { options, out, pretty };
}

function runCli(argv: readonly string[]): void {
  const { options, out, pretty } = parseCliArguments(argv);
  const started = performance.now();
  const plan = generatePlan(options);
  const elapsed = performance.now() - started;
  const json = JSON.stringify(plan, null, pretty ? 2 : undefined);
  if (out === undefined) {
    process.stdout.write(`${json}\n`);
  } else {
    writeFileSync(out, `${json}\n`);
  }
  // The summary goes to stderr so that stdout stays pure JSON when no file is given.
  console.error(
    `generated ${plan.steps.length} steps, ${plan.tasks.length} tasks, ${plan.controls.length} controls, ` +
      `${plan.chapters.length} chapters, ${plan.teams.length} teams, ${plan.schedule.length} schedule windows ` +
      `in ${elapsed.toFixed(0)} ms${out === undefined ? '' : ` -> ${out}`}`,
  );
}

/** True when this module is the program node was started with, not an import (tests, bench). */
function isRunDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  if (import.meta.url === pathToFileURL(script).href) return true;
  try {
    // Through a symlinked path, node resolves the module to its real path.
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isRunDirectly()) {
  try {
    runCli(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
