/**
 * Small plans built in code for precise scenarios, and the people who act on them. The chain
 * A -> B -> C (TRT-1 -> TRT-2 -> TRT-3) has TRT-2 out of scope in Run1, so TRT-3 waits for TRT-1
 * there; TRT-4 follows TRT-3 in every iteration.
 */
import { DirectorySnapshot } from '../../src/directory/directory.js';
import type { PlanModel, PlanStep } from '../../src/domain/plan-model.js';

export const PEOPLE = {
  pilot: {
    aadObjectId: 'aad-pilot',
    name: 'Claire Pilot',
    email: 'claire.pilot@bank.example',
    pilot: true,
    teams: [],
  },
  engine: {
    aadObjectId: 'aad-engine',
    name: 'Luca Engine',
    email: 'luca.engine@bank.example',
    pilot: false,
    teams: ['Engine'],
  },
  engine2: {
    aadObjectId: 'aad-engine2',
    name: 'Anna Engine',
    email: 'anna.engine@bank.example',
    pilot: false,
    teams: ['Engine'],
  },
  dba: {
    aadObjectId: 'aad-dba',
    name: 'Pierre DBA',
    email: 'pierre.dba@bank.example',
    pilot: false,
    teams: ['DBA'],
  },
  viewer: {
    aadObjectId: 'aad-viewer',
    name: 'Greta Manager',
    email: 'greta.manager@bank.example',
    pilot: false,
    teams: [],
  },
} as const;

export const smallDirectory = () =>
  new DirectorySnapshot(
    'test directory',
    Object.values(PEOPLE).map((p) => ({ ...p, teams: [...p.teams] })),
  );

const step = (id: string, team: string, predecessors: string[], scope: string[]): PlanStep => ({
  id,
  title: `Step ${id}`,
  chapter: 'Extraction',
  team,
  environment: 'PROD',
  durationMinutes: 30,
  predecessors,
  description: `<p>Do ${id}.</p>`,
  instructionsUrl: '',
  scope,
});

export function smallPlan(): PlanModel {
  const all = ['Run1', 'DR1'];
  return {
    stepTypes: [{ type: 'TRT', name: 'Treatment' }],
    phases: [{ order: 1, name: 'CSD migration' }],
    chapters: [{ order: 1, name: 'Extraction', phase: 'CSD migration' }],
    teams: [
      { name: 'Engine', adGroup: 'g-engine', channel: '', mailbox: 'engine@bank.example' },
      { name: 'DBA', adGroup: 'g-dba', channel: '', mailbox: '' },
    ],
    iterations: [
      { name: 'Run1', kind: 'RUN', timeZone: 'Europe/Zurich', comms: 'test' },
      { name: 'DR1', kind: 'DR', timeZone: 'Europe/Zurich', comms: 'test' },
    ],
    steps: [
      step('TRT-1', 'Engine', [], all),
      step('TRT-2', 'DBA', ['TRT-1'], ['DR1']),
      step('TRT-3', 'Engine', ['TRT-2'], all),
      step('TRT-4', 'DBA', ['TRT-3'], all),
    ],
    tasks: [
      {
        id: 'TRT-1-1',
        description: '<p>Export.</p>',
        team: 'Engine',
        durationMinutes: 10,
        controls: ['C0001-a'],
      },
      { id: 'TRT-1-2', description: '<p>Check.</p>', team: 'DBA', durationMinutes: 5, controls: [] },
    ],
    controls: [{ id: 'C0001-a', name: 'Row counts', producer: 'Engine', validator: 'DBA', description: '' }],
    schedule: [
      { iteration: 'Run1', chapter: 'Extraction', start: '2026-12-05T18:00', end: '2026-12-06T02:00' },
    ],
  };
}

/**
 * The small plan with a go/no-go step closing its phase: IGO-5 (Engine) follows TRT-4 in every
 * iteration, and TRT-3 gets a task TRT-3-1 linking a second control, C0002-a, which the DBA team
 * both produces and validates. The phase CSD migration then has two controls: C0001-a (produced by
 * Engine, validated by DBA) and C0002-a. The other steps, tasks and figures are those of
 * `smallPlan`, so tests written for it read the same here.
 */
export function smallPlanWithGoNoGo(): PlanModel {
  const plan = smallPlan();
  return {
    ...plan,
    stepTypes: [...plan.stepTypes, { type: 'IGO', name: 'Go/no-go' }],
    steps: [...plan.steps, step('IGO-5', 'Engine', ['TRT-4'], ['Run1', 'DR1'])],
    tasks: [
      ...plan.tasks,
      {
        id: 'TRT-3-1',
        description: '<p>Reconcile.</p>',
        team: 'Engine',
        durationMinutes: 10,
        controls: ['C0002-a'],
      },
    ],
    controls: [
      ...plan.controls,
      { id: 'C0002-a', name: 'Balances', producer: 'DBA', validator: 'DBA', description: '' },
    ],
  };
}
