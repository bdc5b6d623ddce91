/**
 * The rules of a plan (shared specs `runsheet-workbook.md` and `domain.md`), applied alike to a
 * workbook and to JSON: both readers turn their file into a `PlanInput` and call `validatePlan`.
 * Every problem is reported, not only the first; the plan it builds is canonical: ids canonical,
 * names spelled as declared, lists in file order without repeats, scope in iteration order.
 */
import { parseControlId, parseStepId } from '../domain/ids.js';
import type { StepTypeRegistry } from '../domain/ids.js';
import { buildPlanGraph, findCycles, formatCycle } from '../domain/plan-graph.js';
import { COMMS_MODES, DEFAULT_TIME_ZONE, ITERATION_KINDS } from '../domain/plan-model.js';
import type {
  PlanChapter,
  PlanControl,
  PlanFixedStart,
  PlanIteration,
  PlanModel,
  PlanPhase,
  PlanScheduleEntry,
  PlanStep,
  PlanStepType,
  PlanTask,
  PlanTeam,
} from '../domain/plan-model.js';
import { NameIndex, UniqueIds } from './declared-keys.js';
import type { InputValue, PlanInput, ScopeInput } from './plan-input.js';
import { normalizeHeader } from './plan-layout.js';
import type { ProblemList } from './problems.js';
import type { ReadPlanOptions, ReadPlanResult } from './read-plan.js';
import {
  nonBlankItems,
  readChoice,
  readControlId,
  readDateTime,
  readDuration,
  readHttpLink,
  readOrder,
  readRequiredText,
  readRichText,
  readStepId,
  readTaskId,
  readText,
  readTimeZone,
  textOf,
} from './validate-values.js';

/** Markers of the Steps sheet's iteration columns, compared in lower case. */
const IN_SCOPE_MARKERS = ['x', 'y', 'yes', '1', '✓'];
const OUT_OF_SCOPE_MARKERS = ['', 'no'];

const STEP_TYPE_PATTERN = /^[A-Za-z]{3}$/;

/**
 * Validates a plan as read from a file, adding to the problems the reader found in its layout.
 * The canonical plan comes with them when none is an error, else null.
 */
export function validatePlan(
  input: PlanInput,
  options: ReadPlanOptions,
  problems: ProblemList,
): ReadPlanResult {
  const plan = new PlanValidator(input, options, problems).validate();
  return { plan: problems.hasErrors ? null : plan, problems: problems.problems };
}

class PlanValidator {
  private readonly phases = new NameIndex('phase');
  private readonly chapters = new NameIndex('chapter');
  private readonly teams = new NameIndex('team');
  private readonly iterations = new NameIndex('iteration', normalizeHeader);
  private iterationOrder: string[] = [];
  private readonly stepTypes: Set<string>;
  private readonly registry: StepTypeRegistry = (type) => this.stepTypes.has(type);
  /** Every step id and control id of the file, so that rows may refer to rows further down. */
  private knownStepIds = new Set<string>();
  private knownControlIds = new Set<string>();
  /** The team of each step, the default team of its tasks. */
  private readonly stepTeams = new Map<string, string>();
  /**
   * The row of each step of the plan (indexed like the plan's steps), to point a cycle at the
   * predecessor entry that closes it: the row is read again for the few steps a cycle names.
   */
  private readonly stepRowIndexes: number[] = [];

  constructor(
    private readonly input: PlanInput,
    options: ReadPlanOptions,
    private readonly problems: ProblemList,
  ) {
    this.stepTypes = new Set([...options.registeredStepTypes].map((type) => type.toUpperCase()));
  }

  validate(): PlanModel {
    const stepTypes = this.readStepTypes();
    const phases = this.readPhases();
    const chapters = this.readChapters();
    const teams = this.readTeams();
    const iterations = this.readIterations();
    this.knownStepIds = this.idsOf(this.input.steps, (text) => parseStepId(text, this.registry));
    this.knownControlIds = this.idsOf(this.input.controls, parseControlId);
    const steps = this.readSteps();
    this.reportCycles(steps);
    const tasks = this.readTasks();
    const controls = this.readControls();
    const schedule = this.readSchedule();
    const fixedStarts = this.readFixedStarts(steps);
    return {
      stepTypes,
      phases,
      chapters,
      teams,
      iterations,
      steps,
      tasks,
      controls,
      schedule,
      ...(fixedStarts.length > 0 ? { fixedStarts } : {}),
    };
  }

  /** The canonical ids of rows, read silently: their own rows report what is wrong with them. */
  private idsOf(
    rows: Iterable<{ id?: InputValue }>,
    parse: (text: string) => { ok: true; id: { canonical: string } } | { ok: false },
  ): Set<string> {
    const ids = new Set<string>();
    for (const row of rows) {
      if (row.id === undefined) continue;
      const parsed = parse(textOf(row.id));
      if (parsed.ok) ids.add(parsed.id.canonical);
    }
    return ids;
  }

  private readStepTypes(): PlanStepType[] {
    const stepTypes: PlanStepType[] = [];
    const rows = this.input.stepTypes;
    const declared = new UniqueIds('step type', (index) => rows.at(index).type!.where);
    for (let index = 0; index < rows.length; index++) {
      const row = rows.at(index);
      const text = readRequiredText(this.problems, row.type);
      const name = readText(row.name);
      if (text === undefined || row.type === undefined) continue;
      if (!STEP_TYPE_PATTERN.test(text)) {
        this.problems.error(row.type.where, text, 'not a step type (3 letters, e.g. TRT)');
        continue;
      }
      const type = text.toUpperCase();
      if (!declared.claim(this.problems, type, row.type, index)) continue;
      this.stepTypes.add(type);
      stepTypes.push({ type, name });
    }
    return stepTypes;
  }

  private readPhases(): PlanPhase[] {
    const phases: PlanPhase[] = [];
    for (const row of this.input.phases) {
      const order = readOrder(this.problems, row.order);
      const name = readRequiredText(this.problems, row.name);
      if (name === undefined || !this.phases.declare(this.problems, name, row.name!.where)) continue;
      phases.push({ order: order ?? 0, name });
    }
    return phases;
  }

  private readChapters(): PlanChapter[] {
    const chapters: PlanChapter[] = [];
    for (const row of this.input.chapters) {
      const order = readOrder(this.problems, row.order);
      const name = readRequiredText(this.problems, row.name);
      const phase = this.phases.resolve(this.problems, row.phase);
      if (name === undefined || !this.chapters.declare(this.problems, name, row.name!.where)) continue;
      chapters.push({ order: order ?? 0, name, phase: phase ?? '' });
    }
    return chapters;
  }

  private readTeams(): PlanTeam[] {
    const teams: PlanTeam[] = [];
    for (const row of this.input.teams) {
      const name = readRequiredText(this.problems, row.name);
      const details = {
        adGroup: readText(row.adGroup),
        channel: readText(row.channel),
        mailbox: readText(row.mailbox),
      };
      if (name === undefined || !this.teams.declare(this.problems, name, row.name!.where)) continue;
      teams.push({ name, ...details });
    }
    return teams;
  }

  private readIterations(): PlanIteration[] {
    const iterations: PlanIteration[] = [];
    for (const row of this.input.iterations) {
      const name = readRequiredText(this.problems, row.name);
      const kind = readChoice(this.problems, row.kind, ITERATION_KINDS, 'an iteration kind');
      const timeZone = readTimeZone(this.problems, row.timeZone, DEFAULT_TIME_ZONE);
      const comms = readChoice(this.problems, row.comms, COMMS_MODES, 'a comms mode', 'test');
      if (name === undefined || !this.iterations.declare(this.problems, name, row.name!.where)) continue;
      iterations.push({
        name,
        kind: kind ?? 'RUN',
        timeZone: timeZone ?? DEFAULT_TIME_ZONE,
        comms: comms ?? 'test',
      });
    }
    this.iterationOrder = iterations.map((iteration) => iteration.name);
    return iterations;
  }

  private readSteps(): PlanStep[] {
    const steps: PlanStep[] = [];
    const rows = this.input.steps;
    const unique = new UniqueIds('step', (index) => rows.at(index).id!.where);
    for (let index = 0; index < rows.length; index++) {
      const row = rows.at(index);
      const idText = readRequiredText(this.problems, row.id);
      const id = idText === undefined ? undefined : readStepId(this.problems, row.id!, this.registry);
      const isNew = id !== undefined && unique.claim(this.problems, id.canonical, row.id!, index);
      const team = this.teams.resolve(this.problems, row.team) ?? '';
      const step: PlanStep = {
        id: id?.canonical ?? '',
        title: readRequiredText(this.problems, row.title) ?? '',
        chapter: this.chapters.resolve(this.problems, row.chapter) ?? '',
        team,
        environment: readText(row.environment),
        durationMinutes: readDuration(this.problems, row.durationMinutes),
        predecessors: this.readPredecessors(row.predecessors),
        description: readRichText(this.problems, row.description),
        instructionsUrl: readHttpLink(this.problems, row.instructionsUrl),
        scope: this.readScope(row.scope),
      };
      if (!isNew) continue;
      this.stepTeams.set(step.id, team);
      steps.push(step);
      this.stepRowIndexes.push(index);
    }
    return steps;
  }

  private readPredecessors(items: InputValue[] | undefined): string[] {
    const predecessors = new Set<string>();
    for (const item of nonBlankItems(items)) {
      const id = readStepId(this.problems, item, this.registry);
      if (id === undefined) continue;
      if (!this.knownStepIds.has(id.canonical)) {
        this.problems.error(item.where, textOf(item), `unknown predecessor step ${id.canonical}`);
      } else {
        predecessors.add(id.canonical);
      }
    }
    return [...predecessors];
  }

  /** The first entry of the step's row that names `predecessor`, as `readPredecessors` kept it. */
  private predecessorEntry(stepIndex: number, predecessor: string): InputValue | undefined {
    const rowIndex = this.stepRowIndexes[stepIndex];
    if (rowIndex === undefined) return undefined;
    return nonBlankItems(this.input.steps.at(rowIndex).predecessors).find((item) => {
      const parsed = parseStepId(textOf(item), this.registry);
      return parsed.ok && parsed.id.canonical === predecessor;
    });
  }

  /** The iterations a step runs in, in the order of the iterations (scope is a set). */
  private readScope(scope: ScopeInput | undefined): string[] {
    const inScope = new Set<string>();
    if (scope?.kind === 'markers') {
      for (const { iteration, marker } of scope.markers) {
        const text = textOf(marker).toLowerCase();
        if (IN_SCOPE_MARKERS.includes(text)) {
          const name = this.iterations.find(iteration);
          if (name !== undefined) inScope.add(name);
        } else if (!OUT_OF_SCOPE_MARKERS.includes(text)) {
          this.problems.error(
            marker.where,
            textOf(marker),
            'not a scope marker (x, y, yes, 1 or ✓ for in scope; blank or no for out of scope)',
          );
        }
      }
    } else if (scope?.kind === 'names') {
      for (const item of nonBlankItems(scope.names)) {
        const name = this.iterations.resolve(this.problems, item);
        if (name !== undefined) inScope.add(name);
      }
    }
    return this.iterationOrder.filter((name) => inScope.has(name));
  }

  /**
   * One error per knot of predecessor links, spelled `TRT-1 -> TRT-2 -> TRT-1` and placed at the
   * predecessor entry of its first step that closes the cycle: the entry to remove to untie it.
   */
  private reportCycles(steps: readonly PlanStep[]): void {
    const graph = buildPlanGraph(steps.map((step) => ({ key: step.id, predecessors: step.predecessors })));
    for (const cycle of findCycles(graph)) {
      const first = cycle[0]!;
      const closing = cycle[cycle.length - 2]!;
      const entry = this.predecessorEntry(graph.indexOf(first) ?? -1, closing);
      this.problems.error(
        entry?.where ?? 'Steps',
        entry ? textOf(entry) : first,
        `predecessor cycle ${formatCycle(cycle)}`,
      );
    }
  }

  private readTasks(): PlanTask[] {
    const tasks: PlanTask[] = [];
    const rows = this.input.tasks;
    const unique = new UniqueIds('task', (index) => rows.at(index).id!.where);
    for (let index = 0; index < rows.length; index++) {
      const row = rows.at(index);
      const idText = readRequiredText(this.problems, row.id);
      const id = idText === undefined ? undefined : readTaskId(this.problems, row.id!, this.registry);
      const stepId = id?.step.canonical;
      const isNew = id !== undefined && unique.claim(this.problems, id.canonical, row.id!, index);
      if (isNew && !this.knownStepIds.has(stepId!)) {
        this.problems.error(row.id!.where, idText!, `its step ${stepId} is not in the plan`);
      }
      const description = readRequiredText(this.problems, row.description);
      const teamGiven = readText(row.team) !== '';
      const task: PlanTask = {
        id: id?.canonical ?? '',
        description: description === undefined ? '' : readRichText(this.problems, row.description),
        team: teamGiven
          ? (this.teams.resolve(this.problems, row.team) ?? '')
          : (this.stepTeams.get(stepId ?? '') ?? ''),
        durationMinutes: readDuration(this.problems, row.durationMinutes),
        controls: this.readControlRefs(row.controls),
      };
      if (isNew) tasks.push(task);
    }
    return tasks;
  }

  private readControlRefs(items: InputValue[] | undefined): string[] {
    const controls = new Set<string>();
    for (const item of nonBlankItems(items)) {
      const id = readControlId(this.problems, item);
      if (id === undefined) continue;
      if (!this.knownControlIds.has(id.canonical)) {
        this.problems.error(item.where, textOf(item), `unknown control ${id.canonical}`);
      } else {
        controls.add(id.canonical);
      }
    }
    return [...controls];
  }

  private readControls(): PlanControl[] {
    const controls: PlanControl[] = [];
    const rows = this.input.controls;
    const unique = new UniqueIds('control', (index) => rows.at(index).id!.where);
    for (let index = 0; index < rows.length; index++) {
      const row = rows.at(index);
      const idText = readRequiredText(this.problems, row.id);
      const id = idText === undefined ? undefined : readControlId(this.problems, row.id!);
      const isNew = id !== undefined && unique.claim(this.problems, id.canonical, row.id!, index);
      const control: PlanControl = {
        id: id?.canonical ?? '',
        name: readRequiredText(this.problems, row.name) ?? '',
        producer: this.teams.resolve(this.problems, row.producer) ?? '',
        validator: this.teams.resolve(this.problems, row.validator) ?? '',
        description: readRichText(this.problems, row.description),
      };
      if (isNew) controls.push(control);
    }
    return controls;
  }

  private readSchedule(): PlanScheduleEntry[] {
    const schedule: PlanScheduleEntry[] = [];
    const scheduledAt = new Map<string, string>();
    for (const row of this.input.schedule) {
      const iteration = this.iterations.resolve(this.problems, row.iteration);
      const chapter = this.chapters.resolve(this.problems, row.chapter);
      const start = readDateTime(this.problems, row.start);
      const end = readDateTime(this.problems, row.end);
      // Both times are wall-clock times in the same zone, so their canonical text orders them.
      if (start !== undefined && end !== undefined && end <= start) {
        this.problems.error(row.end!.where, textOf(row.end!), `end is not after start ${start}`);
      }
      if (iteration === undefined || chapter === undefined) continue;
      const key = JSON.stringify([iteration, chapter]);
      const first = scheduledAt.get(key);
      if (first !== undefined) {
        this.problems.error(
          row.chapter!.where,
          textOf(row.chapter!),
          `chapter ${chapter} is already scheduled in iteration ${iteration} (at ${first})`,
        );
        continue;
      }
      scheduledAt.set(key, row.chapter!.where);
      schedule.push({ iteration, chapter, start: start ?? '', end: end ?? '' });
    }
    return schedule;
  }

  /** One fixed start per step and iteration, of a known step in scope of that iteration. */
  private readFixedStarts(steps: readonly PlanStep[]): PlanFixedStart[] {
    const fixedStarts: PlanFixedStart[] = [];
    const scopeOf = new Map(steps.map((step) => [step.id, step.scope]));
    const seenAt = new Map<string, string>();
    for (const row of this.input.fixedStarts) {
      const iteration = this.iterations.resolve(this.problems, row.iteration);
      const id = row.step === undefined ? undefined : readStepId(this.problems, row.step, this.registry);
      const notBefore = readDateTime(this.problems, row.notBefore);
      if (iteration === undefined || id === undefined || notBefore === undefined) continue;
      const step = id.canonical;
      if (!scopeOf.has(step)) {
        this.problems.error(row.step!.where, textOf(row.step!), `unknown step ${step}`);
        continue;
      }
      if (!scopeOf.get(step)!.includes(iteration)) {
        this.problems.error(
          row.step!.where,
          textOf(row.step!),
          `step ${step} is not in scope of iteration ${iteration}`,
        );
        continue;
      }
      const key = JSON.stringify([iteration, step]);
      const first = seenAt.get(key);
      if (first !== undefined) {
        this.problems.error(
          row.step!.where,
          textOf(row.step!),
          `step ${step} already has a fixed start in iteration ${iteration} (at ${first})`,
        );
        continue;
      }
      seenAt.set(key, row.step!.where);
      fixedStarts.push({ iteration, step, notBefore });
    }
    return fixedStarts;
  }
}
