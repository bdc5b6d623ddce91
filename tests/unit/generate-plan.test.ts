import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePlan } from '../../bench/generate-plan.js';
import { parseControlId, parseStepId, parseTaskId } from '../../src/domain/ids.js';
import type { PlanModel } from '../../src/domain/plan-model.js';

const STEP_TYPES = ['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON'];
const PHASES = ['Pre-migration', 'CSD migration', 'Interim week', 'P&C migration', 'Post-migration'];
const ITERATIONS = ['Run0', 'Run1', 'Run2', 'Run3', 'DR1', 'DR2', 'Cutover'];
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** Share of `items` for which `test` holds. */
function share<T>(items: readonly T[], test: (item: T) => boolean): number {
  return items.filter(test).length / items.length;
}

/**
 * Lists every broken structural promise of the generator on one plan: canonical, unique ids of the
 * registered forms; references that resolve; predecessors that point earlier (hence no cycle);
 * a complete, consecutive schedule. Collecting problems (rather than one `expect` per fact) keeps
 * a 20,000-step check fast and reports all problems at once.
 */
function planProblems(plan: PlanModel): string[] {
  const problems: string[] = [];
  const check = (condition: boolean, problem: () => string): void => {
    if (!condition) problems.push(problem());
  };
  const registered = new Set(plan.stepTypes.map((stepType) => stepType.type));
  const isRegistered = (type: string): boolean => registered.has(type);
  const teams = new Set(plan.teams.map((team) => team.name));
  const phases = new Set(plan.phases.map((phase) => phase.name));
  const chapters = new Set(plan.chapters.map((chapter) => chapter.name));
  const iterations = new Set(plan.iterations.map((iteration) => iteration.name));
  const controls = new Set(plan.controls.map((control) => control.id));

  check(teams.size === plan.teams.length, () => 'team names repeat');
  check(chapters.size === plan.chapters.length, () => 'chapter names repeat');
  check(controls.size === plan.controls.length, () => 'control ids repeat');

  // Chapters are numbered 1..n in plan order and their phases never go backwards.
  const phaseOrder = new Map(plan.phases.map((phase) => [phase.name, phase.order]));
  plan.chapters.forEach((chapter, index) => {
    check(chapter.order === index + 1, () => `chapter ${chapter.name} has order ${chapter.order}`);
    check(phases.has(chapter.phase), () => `chapter ${chapter.name}: unknown phase ${chapter.phase}`);
    const previous = plan.chapters[index - 1];
    check(
      previous === undefined || phaseOrder.get(chapter.phase)! >= phaseOrder.get(previous.phase)!,
      () => `chapter ${chapter.name} goes back to phase ${chapter.phase}`,
    );
  });

  // Steps: canonical unique ids, resolvable references, predecessors strictly earlier, chapters in
  // order (so each chapter's steps are contiguous).
  const chapterOrder = new Map(plan.chapters.map((chapter) => [chapter.name, chapter.order]));
  const position = new Map<string, number>();
  let previousChapterOrder = 0;
  plan.steps.forEach((step, index) => {
    const parsed = parseStepId(step.id, isRegistered);
    if (!parsed.ok) problems.push(parsed.problem);
    else check(parsed.id.canonical === step.id, () => `${step.id} is not canonical`);
    check(!position.has(step.id), () => `step ${step.id} repeats`);
    position.set(step.id, index);

    const order = chapterOrder.get(step.chapter);
    check(order !== undefined, () => `${step.id}: unknown chapter ${step.chapter}`);
    check((order ?? 0) >= previousChapterOrder, () => `${step.id} goes back to chapter ${step.chapter}`);
    previousChapterOrder = order ?? previousChapterOrder;
    check(teams.has(step.team), () => `${step.id}: unknown team ${step.team}`);

    // Scope lists existing iterations, at least one, once each, in the iterations' order.
    const scopeOrder = step.scope.map((name) => ITERATIONS.indexOf(name));
    check(
      step.scope.length > 0 && step.scope.every((name) => iterations.has(name)),
      () => `${step.id}: scope ${step.scope.join()} is empty or unknown`,
    );
    check(
      scopeOrder.every((order, i) => i === 0 || order > scopeOrder[i - 1]!),
      () => `${step.id}: scope ${step.scope.join()} is out of order or repeats`,
    );

    check(
      new Set(step.predecessors).size === step.predecessors.length,
      () => `${step.id}: predecessor repeats`,
    );
    for (const predecessor of step.predecessors) {
      // Found among the steps before this one: it exists and points earlier, so there is no cycle.
      const predecessorPosition = position.get(predecessor);
      check(
        predecessorPosition !== undefined && predecessorPosition < index,
        () => `${step.id} -> ${predecessor}, which is not an earlier step`,
      );
    }
  });

  // Tasks: `STEP-n`, numbered 1, 2, 3 ... within their step, resolvable team and controls.
  const taskIds = new Set<string>();
  const lastTaskNumber = new Map<string, number>();
  for (const task of plan.tasks) {
    const parsed = parseTaskId(task.id, isRegistered);
    if (!parsed.ok) {
      problems.push(parsed.problem);
      continue;
    }
    check(parsed.id.canonical === task.id, () => `${task.id} is not canonical`);
    check(!taskIds.has(task.id), () => `task ${task.id} repeats`);
    taskIds.add(task.id);
    const stepId = parsed.id.step.canonical;
    check(position.has(stepId), () => `${task.id}: no step ${stepId}`);
    const expectedNumber = (lastTaskNumber.get(stepId) ?? 0) + 1;
    check(parsed.id.number === expectedNumber, () => `${task.id} should be number ${expectedNumber}`);
    lastTaskNumber.set(stepId, parsed.id.number);

    check(teams.has(task.team), () => `${task.id}: unknown team ${task.team}`);
    check(new Set(task.controls).size === task.controls.length, () => `${task.id}: control repeats`);
    for (const control of task.controls) {
      check(controls.has(control), () => `${task.id}: unknown control ${control}`);
    }
  }

  for (const control of plan.controls) {
    const parsed = parseControlId(control.id);
    if (!parsed.ok) problems.push(parsed.problem);
    else check(parsed.id.canonical === control.id, () => `${control.id} is not canonical`);
    check(teams.has(control.producer), () => `${control.id}: unknown producer ${control.producer}`);
    check(teams.has(control.validator), () => `${control.id}: unknown validator ${control.validator}`);
  }

  // Schedule: one window per iteration and chapter, back to back in chapter order.
  check(
    plan.schedule.length === plan.iterations.length * plan.chapters.length,
    () => `${plan.schedule.length} schedule windows for ${plan.iterations.length} x ${plan.chapters.length}`,
  );
  for (const iteration of plan.iterations) {
    const windows = plan.schedule.filter((entry) => entry.iteration === iteration.name);
    check(
      windows.map((entry) => entry.chapter).join('|') ===
        plan.chapters.map((chapter) => chapter.name).join('|'),
      () => `${iteration.name}: schedule does not list the chapters in order`,
    );
    windows.forEach((entry, index) => {
      const where = `${iteration.name} ${entry.chapter}`;
      check(
        LOCAL_DATE_TIME.test(entry.start) && LOCAL_DATE_TIME.test(entry.end),
        () => `${where}: bad date-time`,
      );
      // Same-length ISO local date-times compare correctly as text.
      check(entry.end > entry.start, () => `${where}: ends ${entry.end}, not after ${entry.start}`);
      const previous = windows[index - 1];
      check(previous === undefined || entry.start === previous.end, () => `${where}: gap or overlap`);
    });
  }
  return problems;
}

describe('generatePlan', () => {
  describe('with 20,000 steps', () => {
    let plan: PlanModel;
    let elapsedMs: number;

    beforeAll(() => {
      const started = performance.now();
      plan = generatePlan({ steps: 20_000 });
      elapsedMs = performance.now() - started;
    });

    it('is generated quickly', () => {
      // Typically around 150 ms; the bound leaves room for a busy CI machine.
      expect(elapsedMs).toBeLessThan(2_000);
    });

    it('has the requested sizes', () => {
      expect(plan.steps).toHaveLength(20_000);
      expect(plan.tasks.length).toBeGreaterThan(47_500);
      expect(plan.tasks.length).toBeLessThan(52_500);
      expect(plan.controls).toHaveLength(8_000);
      expect(plan.chapters.length).toBeGreaterThanOrEqual(40);
      expect(plan.chapters.length).toBeLessThanOrEqual(80);
      expect(plan.teams.length).toBeGreaterThanOrEqual(20);
      expect(plan.teams.length).toBeLessThanOrEqual(30);
    });

    it('uses the default step types, phases and iterations', () => {
      expect(plan.stepTypes.map((stepType) => stepType.type)).toEqual(STEP_TYPES);
      expect(plan.phases).toEqual(PHASES.map((name, index) => ({ order: index + 1, name })));
      expect(plan.iterations.map((iteration) => iteration.name)).toEqual(ITERATIONS);
      for (const iteration of plan.iterations) {
        expect(iteration.timeZone).toBe('Europe/Zurich');
        expect(iteration.comms).toBe(iteration.name === 'Cutover' ? 'live' : 'test');
      }
      // Every phase has chapters.
      expect(new Set(plan.chapters.map((chapter) => chapter.phase))).toEqual(new Set(PHASES));
    });

    it('is structurally valid', () => {
      expect(planProblems(plan)).toEqual([]);
    });

    it('looks like a real plan', () => {
      const isRegistered = (type: string): boolean => STEP_TYPES.includes(type);
      const stepIds = plan.steps.map((step) => {
        const parsed = parseStepId(step.id, isRegistered);
        if (!parsed.ok) throw new Error(parsed.problem);
        return parsed.id;
      });
      // Mostly treatments, every type present, 5-digit numbers, a few letter suffixes.
      expect(share(stepIds, (id) => id.type === 'TRT')).toBeGreaterThan(0.4);
      expect(new Set(stepIds.map((id) => id.type))).toEqual(new Set(STEP_TYPES));
      expect(stepIds.every((id) => String(id.number).length === 5)).toBe(true);
      const suffixed = share(stepIds, (id) => id.suffix !== '');
      expect(suffixed).toBeGreaterThan(0.005);
      expect(suffixed).toBeLessThan(0.1);

      // Mostly one or two predecessors; few roots.
      expect(
        share(plan.steps, (step) => step.predecessors.length >= 1 && step.predecessors.length <= 2),
      ).toBeGreaterThan(0.9);
      expect(share(plan.steps, (step) => step.predecessors.length === 0)).toBeLessThan(0.01);

      // Mostly in every iteration; some not in Run0; some only in DR and the cutover.
      expect(share(plan.steps, (step) => step.scope.length === ITERATIONS.length)).toBeGreaterThan(0.6);
      expect(plan.steps.some((step) => !step.scope.includes('Run0') && step.scope.includes('Run1'))).toBe(
        true,
      );
      expect(plan.steps.some((step) => step.scope.join() === 'DR1,DR2,Cutover')).toBe(true);

      // About 30% of tasks carry controls, every control is used, some tasks have another team.
      expect(share(plan.tasks, (task) => task.controls.length > 0)).toBeGreaterThan(0.25);
      expect(share(plan.tasks, (task) => task.controls.length > 0)).toBeLessThan(0.35);
      expect(plan.tasks.every((task) => task.controls.length <= 2)).toBe(true);
      expect(new Set(plan.tasks.flatMap((task) => task.controls))).toEqual(
        new Set(plan.controls.map((control) => control.id)),
      );
      const stepTeam = new Map(plan.steps.map((step) => [step.id, step.team]));
      const ownTeam = share(plan.tasks, (task) => stepTeam.get(task.id.replace(/-\d+$/, '')) === task.team);
      expect(ownTeam).toBeGreaterThan(0.7);
      expect(ownTeam).toBeLessThan(1);

      // Teams look like directory-backed teams.
      for (const team of plan.teams) {
        expect(team.adGroup).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(team.mailbox).toMatch(/^[a-z0-9-]+@bank\.example$/);
        expect(team.channel).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/channel\//);
      }
    });

    it('puts each iteration on its own weekend, starting Friday evening', () => {
      const starts = plan.iterations.map(
        (iteration) => plan.schedule.find((entry) => entry.iteration === iteration.name)!.start,
      );
      expect(new Set(starts.map((start) => start.slice(0, 10))).size).toBe(ITERATIONS.length);
      for (const start of starts) {
        expect(new Date(`${start.slice(0, 10)}T00:00Z`).getUTCDay()).toBe(5);
        expect(start.slice(11)).toBe('18:00');
      }
      for (const iteration of plan.iterations) {
        const windows = plan.schedule.filter((entry) => entry.iteration === iteration.name);
        const hours =
          (Date.parse(`${windows.at(-1)!.end}Z`) - Date.parse(`${windows[0]!.start}Z`)) / 3_600_000;
        // Within Friday 18:00 to Monday 06:00.
        expect(hours).toBeGreaterThan(24);
        expect(hours).toBeLessThanOrEqual(60);
      }
    });
  });

  it('is checked by a checker that does see broken plans', () => {
    const plan = generatePlan({ steps: 50 });
    plan.steps[0]!.predecessors = [plan.steps[1]!.id];
    plan.tasks[0]!.team = 'Nobody';
    plan.schedule[0]!.end = plan.schedule[0]!.start;
    expect(planProblems(plan)).toEqual([
      expect.stringContaining('which is not an earlier step'),
      expect.stringContaining('unknown team Nobody'),
      expect.stringContaining('not after'),
      // The shortened first window also leaves a gap before the second.
      expect.stringContaining('gap or overlap'),
    ]);
  });

  it('is deterministic: the same options give the same plan', () => {
    const options = { steps: 3_000, seed: 42 };
    expect(generatePlan(options)).toEqual(generatePlan(options));
  });

  it('gives another plan for another seed', () => {
    const first = generatePlan({ steps: 500, seed: 1 });
    const second = generatePlan({ steps: 500, seed: 2 });
    expect(second.steps.map((step) => step.id)).not.toEqual(first.steps.map((step) => step.id));
  });

  it.each([
    { steps: 1 },
    { steps: 4 },
    { steps: 7 },
    { steps: 60, seed: 3 },
    { steps: 1_000, tasksPerStep: 0, controls: 0 },
    { steps: 1_000, tasksPerStep: 6, controls: 2_000, seed: 9 },
    { steps: 200, tasksPerStep: 1, controls: 1_500, seed: 5 },
  ])('gives a valid plan for %o', (options) => {
    const plan = generatePlan(options);
    expect(planProblems(plan)).toEqual([]);
    expect(plan.steps).toHaveLength(options.steps);
    if (options.controls !== undefined) expect(plan.controls).toHaveLength(options.controls);
  });

  it('honours the averages it is given', () => {
    const plan = generatePlan({ steps: 4_000, tasksPerStep: 4, controls: 100 });
    expect(plan.tasks.length / plan.steps.length).toBeGreaterThan(3.8);
    expect(plan.tasks.length / plan.steps.length).toBeLessThan(4.2);
    expect(plan.controls).toHaveLength(100);
  });

  it('fits many controls into 4-digit numbers by using more lettered variants', () => {
    const plan = generatePlan({ steps: 2_000, controls: 30_000 });
    expect(plan.controls).toHaveLength(30_000);
    expect(plan.controls.every((control) => parseControlId(control.id).ok)).toBe(true);
    expect(new Set(plan.controls.map((control) => control.id)).size).toBe(30_000);
  });

  it.each([
    { steps: 0 },
    { steps: 1.5 },
    { steps: 10, tasksPerStep: -1 },
    { steps: 10, controls: 9999 * 26 + 1 },
    { steps: 10, seed: 0.5 },
  ])('refuses %o', (options) => {
    expect(() => generatePlan(options)).toThrow(RangeError);
  });
});
