/**
 * The live forecast of a service instance follows changes made by another instance: after each
 * command, the cached forecast (brought up to date incrementally from the audit log) equals one
 * built from scratch, and a new minute moves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IterationForecast } from '../../src/domain/forecast.js';
import { Engine } from '../../src/engine/engine.js';
import { ForecastService } from '../../src/engine/forecast-service.js';
import { findIterationByName } from '../../src/engine/read-models.js';
import { storePlan } from '../../src/engine/store-plan.js';
import { PEOPLE, smallDirectory, smallPlan } from '../support/small-plan.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let writer: Engine;
let reader: Engine;
let now = new Date('2026-12-05T22:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  await storePlan(database, smallPlan(), { actor: 'test', source: 'small-plan' });
  writer = new Engine({ database, directory: smallDirectory(), clock: () => now });
  reader = new Engine({ database, directory: smallDirectory(), clock: () => now });
});
afterAll(async () => {
  await database?.destroy();
});

/** Forecast ends of every step, as `[key, ISO end | null]`. */
function ends(forecast: IterationForecast, keys: readonly string[]) {
  return keys.map((key, index) => {
    const end = forecast.endOf(index);
    return [key, Number.isNaN(end) ? null : new Date(end).toISOString()];
  });
}

async function cachedAndFresh() {
  const iteration = (await findIterationByName(database.db, 'Run1'))!;
  const snapshot = await reader.snapshot();
  const cached = await reader.forecasts.forecastOf(database.db, snapshot, iteration, now);
  const fresh = await new ForecastService({ holdAllowanceMinutes: 30 }).forecastOf(
    database.db,
    snapshot,
    iteration,
    now,
  );
  return {
    cached: ends(cached.forecast, snapshot.graph.keys),
    fresh: ends(fresh.forecast, snapshot.graph.keys),
    critical: cached.forecast.criticalPath().map((i) => snapshot.graph.keys[i]),
  };
}

describe('the live forecast', () => {
  it("follows another instance's commands incrementally, as a fresh build would", async () => {
    const commands = [
      ['22:00', 'activate', 'Run1', 'pilot'],
      ['22:05', 'start', 'TRT-1', 'engine'],
      ['22:20', 'hold', 'TRT-1', 'pilot'],
      ['22:30', 'resume', 'TRT-1', 'pilot'],
      ['22:50', 'fail', 'TRT-1', 'engine'],
    ] as const;
    for (const [time, action, subject, person] of commands) {
      now = new Date(`2026-12-05T${time}:00Z`);
      // Read once in this minute first, so that the read after the command is incremental only
      // (a new minute would recompute everything anyway).
      if (action !== 'activate') await cachedAndFresh();
      const result = await writer.execute({
        action,
        subject,
        actor: { aadObjectId: PEOPLE[person].aadObjectId },
        reason: action === 'fail' ? 'disk full' : undefined,
        source: 'cli',
      });
      expect(result.outcome, result.message).toBe('applied');
      const { cached, fresh } = await cachedAndFresh();
      expect(cached).toEqual(fresh);
    }
    // Failed at 22:50: retried from now (30 min), then TRT-3 and TRT-4; TRT-2 is out of Run1.
    const { cached, critical } = await cachedAndFresh();
    expect(cached).toEqual([
      ['TRT-1', '2026-12-05T23:20:00.000Z'],
      ['TRT-2', null],
      ['TRT-3', '2026-12-05T23:50:00.000Z'],
      ['TRT-4', '2026-12-06T00:20:00.000Z'],
    ]);
    expect(critical).toEqual(['TRT-1', 'TRT-3', 'TRT-4']);
  });

  it('moves with the clock, a minute at a time', async () => {
    now = new Date('2026-12-05T23:00:30Z');
    const { cached, fresh } = await cachedAndFresh();
    expect(cached).toEqual(fresh);
    expect(cached[0]).toEqual(['TRT-1', '2026-12-05T23:30:00.000Z']);
  });
});
