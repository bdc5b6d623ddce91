/**
 * Run1 of the demo plan (samples/demo-runsheet.json) played out to a moment in the night, for the
 * planner's browser test and screenshots: a pilot activates Run1 on Friday 18 September 2026 at
 * 17:50 (Europe/Zurich), the first chapter runs a little late, the second finishes late, the third
 * is running at `PLANNER_NOW` (Saturday 10:30), the rest wait. Steps are forced through by a pilot
 * at chosen times on the engine's clock, so the actual times are exactly these.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { queryRows, type Database } from '../../src/db/client.js';
import { sql } from '../../src/db/orm.js';
import { loadJsonDirectory } from '../../src/directory/local-json-directory.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { readPlanJson } from '../../src/import/read-plan.js';

export const DEMO_ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO_DIRECTORY_FILE = path.join(DEMO_ROOT, 'samples/demo-directory.json');
export const PILOT_EMAIL = 'claire.pilot@bank.example';
export const VIEWER_EMAIL = 'greta.manager@bank.example';
const ZONE = 'Europe/Zurich';

const at = (local: string) => DateTime.fromISO(local, { zone: ZONE }).toJSDate();

/** Saturday 19 September 2026, 10:30 in Zurich: Client extraction is running. */
export const PLANNER_NOW = at('2026-09-19T10:30');

/** How each chapter's steps are played: from `start`, one step finished every `everyMinutes`. */
const PLAY: { chapter: string; start: string; everyMinutes: number; limit?: number }[] = [
  { chapter: 'Freeze source changes', start: '2026-09-18T18:05', everyMinutes: 29 },
  { chapter: 'Source shutdown', start: '2026-09-19T01:40', everyMinutes: 35 },
  { chapter: 'Client extraction', start: '2026-09-19T09:50', everyMinutes: 12, limit: 3 },
];

/** Imports the demo plan into `database` and plays Run1 up to PLANNER_NOW; returns the engine's clock. */
export async function playDemoRun1(database: Database): Promise<{ engine: Engine; clock: { now: Date } }> {
  const read = await readPlanJson(
    fs.readFileSync(path.join(DEMO_ROOT, 'samples/demo-runsheet.json'), 'utf8'),
    {
      registeredStepTypes: new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']),
    },
  );
  if (!read.plan) throw new Error(`the demo plan does not read: ${JSON.stringify(read.problems[0])}`);
  await storePlan(database, read.plan, { actor: 'test', source: 'demo-runsheet.json' });
  const clock = { now: at('2026-09-18T17:50') };
  const engine = new Engine({
    database,
    directory: loadJsonDirectory(DEMO_DIRECTORY_FILE),
    clock: () => clock.now,
  });
  const pilot = { email: PILOT_EMAIL };
  const activated = await engine.execute({
    action: 'activate',
    subject: 'Run1',
    actor: pilot,
    source: 'cli',
  });
  if (activated.outcome !== 'applied') throw new Error(activated.message);

  const snapshot = await engine.snapshot();
  const [run1] = await queryRows<{ id: number }>(
    database.db,
    sql`select id from iterations where name = 'Run1'`,
  );
  const scope = snapshot.scopeOf(run1!.id);
  for (const play of PLAY) {
    const steps = snapshot.steps.filter(
      (step, index) => step.chapter === play.chapter && scope.isInScope(index),
    );
    let time = at(play.start).getTime();
    const count = play.limit ?? steps.length;
    for (const [n, step] of steps.slice(0, count + 1).entries()) {
      clock.now = new Date(time);
      const started = await engine.execute({
        action: 'start',
        subject: step.key,
        iteration: 'Run1',
        actor: pilot,
        force: true,
        source: 'cli',
      });
      if (started.outcome !== 'applied') throw new Error(`${step.key}: ${started.message}`);
      // The step after the last finished one is left running (the chapter is in progress).
      if (play.limit !== undefined && n === count) break;
      time += play.everyMinutes * 60_000;
      clock.now = new Date(time);
      const done = await engine.execute({
        action: 'done',
        subject: step.key,
        iteration: 'Run1',
        actor: pilot,
        force: true,
        // The go/no-go steps of Source shutdown (GON-11, IGO-15) meet open controls of their phase.
        acknowledgeControls: true,
        source: 'cli',
      });
      if (done.outcome !== 'applied') throw new Error(`${step.key}: ${done.message}`);
    }
  }
  // Some control results of the night: three passed, one failed, one cancelled.
  const controls = await queryRows<{ key: string }>(
    database.db,
    sql`select key from controls order by sort_order limit 5`,
  );
  const outcomes = ['pass', 'pass', 'fail', 'pass', 'cancel'] as const;
  for (const [n, control] of controls.entries()) {
    clock.now = new Date(at('2026-09-19T02:00').getTime() + n * 17 * 60_000);
    const result = await engine.execute({
      action: outcomes[n]!,
      subject: control.key,
      iteration: 'Run1',
      actor: pilot,
      reason: outcomes[n] === 'pass' ? null : 'Row counts differ from the source',
      source: 'cli',
    });
    if (result.outcome !== 'applied') throw new Error(`${control.key}: ${result.message}`);
  }
  clock.now = PLANNER_NOW;
  return { engine, clock };
}
