import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/import/problems.js';
import { readPlanJson } from '../../src/import/read-plan.js';
import type { ReadPlanResult } from '../../src/import/read-plan.js';
import { validJsonDocument, validPlan } from '../fixtures/import/plan-builders.js';

type JsonDocument = ReturnType<typeof validJsonDocument>;

/** Reads the valid plan after `change`; the rules are the same for workbooks (one validator). */
function readChanged(change: (document: JsonDocument) => void, registered: string[] = []): ReadPlanResult {
  const document = validJsonDocument();
  change(document);
  return readPlanJson(JSON.stringify(document), { registeredStepTypes: new Set(registered) });
}

function problemsAfter(change: (document: JsonDocument) => void, registered: string[] = []): string[] {
  return readChanged(change, registered).problems.map(formatProblem);
}

describe('identifiers', () => {
  it('reads ids forgivingly and stores them canonically, lists without repeats', () => {
    const result = readChanged((plan) => {
      plan.steps![0]!.id = 'trt-0001';
      plan.steps![1]!.id = 'TRT 2';
      plan.steps![2]!.predecessors = ['trt2', 'TRT-0002', 'trt 1'];
      plan.tasks![1]!.id = 'trt2-01';
      plan.tasks![1]!.controls = ['c0001A', 'C0001-a'];
      plan.controls![0]!.id = 'c0001 A';
    });
    expect(result.problems).toEqual([]);
    expect(result.plan!.steps.map((step) => step.id)).toEqual(['TRT-1', 'TRT-2', 'CHK-3']);
    expect(result.plan!.steps[2]!.predecessors).toEqual(['TRT-2', 'TRT-1']);
    expect(result.plan!.tasks[1]).toMatchObject({ id: 'TRT-2-1', controls: ['C0001-a'] });
    expect(result.plan!.controls[0]!.id).toBe('C0001-a');
  });

  it('names the input of a malformed id, an unregistered type and a task number out of range', () => {
    expect(
      problemsAfter((plan) => {
        plan.steps![2]!.id = 'XYZ-3';
        plan.steps![2]!.predecessors = ['TRT-0'];
        plan.tasks![0]!.id = 'TRT-1-1001';
        plan.tasks![1]!.id = 'TRT-2-0';
        plan.controls![0]!.id = 'C001-a';
      }),
    ).toEqual([
      'steps[2].id "XYZ-3" — has step type XYZ, which is not registered',
      'steps[2].predecessors[0] "TRT-0" — has step number 0; it must be 1 or more',
      'tasks[0].id "TRT-1-1001" — has task number 1001; it must be 1 to 1000',
      'tasks[1].id "TRT-2-0" — has task number 0; it must be 1 to 1000',
      'tasks[1].controls[0] "C0001-a" — unknown control C0001-a',
      'controls[0].id "C001-a" — not a control id (expected C, 4 digits, -, letters, e.g. C0042-b)',
    ]);
  });

  it('takes registered step types from the options and from the plan', () => {
    const onlyRegistered = readChanged(
      (plan) => {
        plan.stepTypes = [{ type: 'chk', name: 'Check' }];
      },
      ['trt'],
    );
    expect(onlyRegistered.problems).toEqual([]);
    expect(onlyRegistered.plan!.stepTypes).toEqual([{ type: 'CHK', name: 'Check' }]);

    expect(
      problemsAfter((plan) => {
        plan.stepTypes = [{ type: 'TR', name: '' }, { type: 'trt' }, { type: 'TRT' }];
      }),
    ).toEqual([
      'stepTypes[0].type "TR" — not a step type (3 letters, e.g. TRT)',
      'stepTypes[2].type "TRT" — duplicate step type TRT (first at stepTypes[1].type)',
      'steps[2].id "CHK-3" — has step type CHK, which is not registered',
    ]);
  });

  it('reports a task whose step is not in the plan, and duplicate tasks and controls', () => {
    expect(
      problemsAfter((plan) => {
        plan.tasks!.push({ id: 'TRT-9-1', description: 'x' }, { id: 'trt-1-001', description: 'y' });
        plan.controls!.push({ ...plan.controls![0]!, id: 'c0001-A' });
      }),
    ).toEqual([
      'tasks[2].id "TRT-9-1" — its step TRT-9 is not in the plan',
      'tasks[3].id "trt-1-001" — duplicate task TRT-1-1 (first at tasks[0].id)',
      'controls[1].id "c0001-A" — duplicate control C0001-a (first at controls[0].id)',
    ]);
  });
});

describe('names and references', () => {
  it('reports duplicate names of phases, chapters, teams and iterations', () => {
    expect(
      problemsAfter((plan) => {
        plan.phases!.push({ order: 3, name: 'pre-migration' });
        plan.chapters!.push({ order: 3, name: 'Freeze', phase: 'Migration' });
        plan.teams!.push({ name: ' engine ' });
        // Iteration names head the Steps columns, so they match like headers do.
        plan.iterations!.push({ name: 'RUN 1', kind: 'RUN' });
      }),
    ).toEqual([
      'phases[2].name "pre-migration" — duplicate phase Pre-migration (first at phases[0].name)',
      'chapters[2].name "Freeze" — duplicate chapter Freeze (first at chapters[0].name)',
      'teams[2].name "engine" — duplicate team Engine (first at teams[1].name)',
      'iterations[2].name "RUN 1" — duplicate iteration Run1 (first at iterations[0].name)',
    ]);
  });

  it('reports unknown phases, chapters, teams and iterations', () => {
    expect(
      problemsAfter((plan) => {
        plan.chapters![1]!.phase = 'Interim';
        plan.steps![0]!.chapter = 'Thaw';
        plan.tasks![0]!.team = 'Ghosts';
        plan.controls![0]!.producer = 'Nobody';
        plan.schedule![0]!.iteration = 'Run7';
        plan.schedule![1]!.chapter = 'Unload';
      }),
    ).toEqual([
      'chapters[1].phase "Interim" — unknown phase Interim',
      'steps[0].chapter "Thaw" — unknown chapter Thaw',
      'tasks[0].team "Ghosts" — unknown team Ghosts',
      'controls[0].producer "Nobody" — unknown team Nobody',
      'schedule[0].iteration "Run7" — unknown iteration Run7',
      'schedule[1].chapter "Unload" — unknown chapter Unload',
    ]);
  });

  it('matches references forgivingly and stores the declared names', () => {
    const result = readChanged((plan) => {
      plan.steps![0]!.team = 'OPERATIONS';
      plan.steps![0]!.scope = ['cutover', 'run1', 'Run1'];
      plan.schedule![0]!.chapter = ' freeze ';
    });
    expect(result.problems).toEqual([]);
    expect(result.plan!.steps[0]).toMatchObject({ team: 'Operations', scope: ['Run1', 'Cutover'] });
    expect(result.plan!.schedule[0]!.chapter).toBe('Freeze');
  });

  it('reports required values left blank', () => {
    expect(
      problemsAfter((plan) => {
        plan.steps![0]!.title = ' ';
        plan.tasks![0]!.description = '';
        plan.iterations![0]!.kind = '';
      }),
    ).toEqual([
      'iterations[0].kind — required, but blank',
      'steps[0].title — required, but blank',
      'tasks[0].description — required, but blank',
    ]);
  });
});

describe('values', () => {
  it('reports kinds, comms modes and time zones that are none', () => {
    expect(
      problemsAfter((plan) => {
        plan.iterations![0]!.kind = 'TEST';
        plan.iterations![0]!.comms = 'loud';
        plan.iterations![1]!.timeZone = 'Europe/Zurch';
      }),
    ).toEqual([
      'iterations[0].kind "TEST" — not an iteration kind (RUN, DR, CUTOVER)',
      'iterations[0].comms "loud" — not a comms mode (off, test, live)',
      'iterations[1].timeZone "Europe/Zurch" — not an IANA time zone (e.g. Europe/Zurich)',
    ]);
  });

  it('reads kinds, comms modes and time zones in any case, stored canonically', () => {
    const result = readChanged((plan) => {
      plan.iterations = [
        { name: 'Run1', kind: 'run', timeZone: 'europe/zurich', comms: 'OFF' },
        plan.iterations![1]!,
      ];
    });
    expect(result.problems).toEqual([]);
    expect(result.plan!.iterations[0]).toEqual({
      name: 'Run1',
      kind: 'RUN',
      timeZone: 'Europe/Zurich',
      comms: 'off',
    });
  });

  it('reports durations that are negative or not whole minutes, and orders that are not whole', () => {
    expect(
      problemsAfter((plan) => {
        plan.steps![0]!.durationMinutes = -5;
        plan.tasks![0]!.durationMinutes = 2.5;
        plan.phases![0]!.order = 1.5;
      }),
    ).toEqual([
      'phases[0].order "1.5" — not a whole number',
      'steps[0].durationMinutes "-5" — not a duration in minutes (a whole number, 0 or more)',
      'tasks[0].durationMinutes "2.5" — not a duration in minutes (a whole number, 0 or more)',
    ]);
  });

  it('accepts only http and https instructions links', () => {
    expect(
      problemsAfter((plan) => {
        plan.steps![0]!.instructionsUrl = 'ftp://files.example/runbook';
        plan.steps![1]!.instructionsUrl = 'javascript:alert(1)';
        plan.steps![2]!.instructionsUrl = 'wiki/runbook';
      }),
    ).toEqual([
      'steps[0].instructionsUrl "ftp://files.example/runbook" — not an http or https link',
      'steps[1].instructionsUrl "javascript:alert(1)" — not an http or https link',
      'steps[2].instructionsUrl "wiki/runbook" — not an http or https link',
    ]);
  });
});

describe('schedule', () => {
  it('reports an end not after the start and a chapter scheduled twice in an iteration', () => {
    expect(
      problemsAfter((plan) => {
        plan.schedule![0]!.end = '2026-09-04T18:00';
        plan.schedule!.push({
          iteration: 'cutover',
          chapter: 'LOAD',
          start: '2026-12-07T18:00',
          end: '2026-12-08T01:00',
        });
      }),
    ).toEqual([
      'schedule[0].end "2026-09-04T18:00" — end is not after start 2026-09-04T18:00',
      'schedule[2].chapter "LOAD" — chapter Load is already scheduled in iteration Cutover (at schedule[1].chapter)',
    ]);
  });

  it('gives no plan when there is an error, and a plan despite warnings', () => {
    const failing = readChanged((plan) => {
      plan.schedule![0]!.end = '2026-09-04T17:00';
    });
    expect(failing.plan).toBeNull();

    const warned = readChanged((plan) => {
      plan.steps![0]!.description = '<p>Stop it.<script>alert(1)</script></p>';
    });
    expect(warned.problems.map((problem) => problem.severity)).toEqual(['warning']);
    expect(warned.plan).toEqual(validPlan());
  });
});

describe('registered types', () => {
  it('needs no Step types when every type is registered already', () => {
    const result = readChanged(
      (plan) => {
        plan.stepTypes = [];
      },
      ['TRT', 'CHK'],
    );
    expect(result.problems).toEqual([]);
    expect(result.plan).toEqual({ ...validPlan(), stepTypes: [] });
  });
});
