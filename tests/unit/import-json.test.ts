import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanJson } from '../../src/import/read-plan.js';
import type { ReadPlanResult } from '../../src/import/read-plan.js';
import { NO_REGISTERED_TYPES, validJsonDocument, validPlan } from '../fixtures/import/plan-builders.js';

function read(document: unknown): ReadPlanResult {
  return readPlanJson(JSON.stringify(document), NO_REGISTERED_TYPES);
}

function formatted(result: ReadPlanResult): string[] {
  return result.problems.map(formatProblem);
}

describe('reading JSON', () => {
  it('reads a valid plan as it is', () => {
    const result = read(validJsonDocument());
    expect(result.problems).toEqual([]);
    expect(result.plan).toEqual(validPlan());
  });

  it('reports shape errors at their JSON path, all at once', () => {
    const document = validJsonDocument();
    document.steps![0]!.durationMinutes = 'ten';
    delete document.steps![1]!.title;
    document.steps![2]!.predecessors = ['TRT-2', 7];
    document.tasks![0]!.colour = 'red';
    delete document.schedule;
    const result = read(document);
    expect(result.plan).toBeNull();
    expect(formatted(result)).toEqual([
      'steps[0].durationMinutes "ten" — Invalid input: expected number, received string',
      'steps[1].title — missing required field',
      'steps[2].predecessors[1] "7" — Invalid input: expected string, received number',
      'tasks[0].colour — unknown field, ignored',
      'schedule — missing required field',
    ]);
    expect(result.problems.map((problem) => problem.severity)).toEqual([
      'error',
      'error',
      'error',
      'warning',
      'error',
    ]);
  });

  it('only warns about unknown fields', () => {
    const document: Record<string, unknown> = validJsonDocument();
    document.comment = 'exported by hand';
    const result = read(document);
    expect(formatted(result)).toEqual(['comment — unknown field, ignored']);
    expect(result.plan).toEqual(validPlan());
  });

  it('applies the same rules as to a workbook, at JSON paths', () => {
    const document = validJsonDocument();
    const steps = document.steps!;
    steps[0]!.predecessors = ['chk 3'];
    steps[1]!.team = 'Nope';
    steps[2]!.scope = ['Cutover', 'DR9'];
    steps.push({ ...steps[1], id: 'trt-0002', team: 'Engine' });
    document.tasks![1]!.controls = ['C0001-A', 'C0002-a'];
    const result = read(document);
    expect(result.plan).toBeNull();
    expect(formatted(result)).toEqual([
      'steps[1].team "Nope" — unknown team Nope',
      'steps[2].scope[1] "DR9" — unknown iteration DR9',
      'steps[3].id "trt-0002" — duplicate step TRT-2 (first at steps[1].id)',
      'steps[0].predecessors[0] "chk 3" — predecessor cycle TRT-1 -> TRT-2 -> CHK-3 -> TRT-1',
      'tasks[1].controls[1] "C0002-a" — unknown control C0002-a',
    ]);
  });

  it('reads what is optional as its default', () => {
    const document = validJsonDocument();
    delete document.stepTypes;
    document.iterations = [{ name: 'Run1', kind: 'run' }];
    document.teams = [{ name: 'Operations' }, { name: 'Engine', adGroup: null }];
    document.steps = [{ id: 'TRT-1', title: 'Stop source', chapter: 'freeze', team: 'operations' }];
    document.tasks = [{ id: 'trt-1-01', description: 'Stop <b>jobs</b>', durationMinutes: null }];
    document.controls = [];
    document.schedule = [];
    const result = readPlanJson(JSON.stringify(document), { registeredStepTypes: new Set(['trt']) });
    expect(formatted(result)).toEqual([]);
    expect(result.plan).toEqual({
      ...validPlan(),
      stepTypes: [],
      teams: [
        { name: 'Operations', adGroup: '', channel: '', mailbox: '' },
        { name: 'Engine', adGroup: '', channel: '', mailbox: '' },
      ],
      iterations: [{ name: 'Run1', kind: 'RUN', timeZone: 'Europe/Zurich', comms: 'test' }],
      steps: [
        {
          id: 'TRT-1',
          title: 'Stop source',
          chapter: 'Freeze',
          team: 'Operations',
          environment: '',
          durationMinutes: null,
          predecessors: [],
          description: '',
          instructionsUrl: '',
          scope: [],
        },
      ],
      tasks: [
        {
          id: 'TRT-1-1',
          description: 'Stop <b>jobs</b>',
          team: 'Operations',
          durationMinutes: null,
          controls: [],
        },
      ],
      controls: [],
      schedule: [],
    });
  });

  it('reports text that is not JSON, or not a plan', () => {
    const broken = readPlanJson('{ "phases": [', NO_REGISTERED_TYPES);
    expect(broken.plan).toBeNull();
    expect(broken.problems).toHaveLength(1);
    expect(formatProblem(broken.problems[0]!)).toMatch(/^\$ — not valid JSON \(/);

    const list = read([]);
    expect(list.plan).toBeNull();
    expect(formatted(list)).toEqual(['$ "[]" — Invalid input: expected object, received array']);
  });

  it('accepts a byte order mark', () => {
    const result = readPlanJson(`\uFEFF${JSON.stringify(validJsonDocument())}`, NO_REGISTERED_TYPES);
    expect(result.problems).toEqual([]);
    expect(result.plan).toEqual(validPlan());
  });
});
