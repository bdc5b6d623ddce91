/**
 * `npm run simulate -- [--speed 60] [--iteration DR1] [--plan FILE] [--report FILE.html|.csv]`:
 * a simulated rehearsal (bench/simulate-rehearsal.ts) from a fresh database. With DATABASE_URL it
 * uses that PostgreSQL database (which must be empty of plans, or hold this plan with the iteration
 * not yet activated); without, an in-memory embedded database. Imports the plan (default
 * samples/demo-runsheet.json) with the sample directory, plays the iteration (default DR1) and
 * writes the rehearsal report at the end (default `<iteration>-simulated-report.html`). The alerts'
 * grace periods are the service's (RUNSHEET_ALERT_*).
 *
 * `--serve [--port N]` also runs the service on the simulation's clock (bench/simulate-serve.ts), in
 * local mode on 127.0.0.1 (default port: PORT, else 3978), and prints where to watch: the tab's
 * board and /dev. The rehearsal starts `--delay` seconds later (default 10) and the service stays
 * up after it, until Ctrl-C.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openDatabase, openPglite, packageRoot } from '../src/db/client.js';
import { loadJsonDirectory } from '../src/directory/local-json-directory.js';
import { loadRehearsalReport } from '../src/engine/rehearsal-report.js';
import { storePlan } from '../src/engine/store-plan.js';
import { readPlanFile } from '../src/import/read-plan.js';
import { renderReportCsv } from '../src/report/report-csv.js';
import { renderReportHtml } from '../src/report/report-html.js';
import { simulateRehearsal, simulationStart } from './simulate-rehearsal.js';
import { startSimulationService, type SimulationService } from './simulate-serve.js';

const { values } = parseArgs({
  options: {
    speed: { type: 'string', default: '60' },
    iteration: { type: 'string', default: 'DR1' },
    plan: { type: 'string', default: path.join(packageRoot(), 'samples/demo-runsheet.json') },
    directory: { type: 'string', default: path.join(packageRoot(), 'samples/demo-directory.json') },
    report: { type: 'string' },
    seed: { type: 'string' },
    serve: { type: 'boolean', default: false },
    port: { type: 'string' },
    delay: { type: 'string', default: '10' },
  },
});
const speed = values.speed === 'max' ? Infinity : Number(values.speed);
if (!(speed > 0)) throw new Error(`--speed must be a positive number or "max", not "${values.speed}"`);
const port = Number(values.port ?? process.env.PORT ?? 3978);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  throw new Error(`--port must be a port number (0 to 65535), not "${values.port}"`);
const delaySeconds = Number(values.delay);
if (!(delaySeconds >= 0)) throw new Error(`--delay must be a number of seconds, not "${values.delay}"`);
const config = loadConfig(process.env);
const database = process.env.DATABASE_URL
  ? await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  : await openPglite(undefined);
try {
  await database.migrate();
  const directory = loadJsonDirectory(values.directory);
  const read = await readPlanFile(values.plan, {
    registeredStepTypes: new Set(['TRT', 'PRE', 'BUS', 'IGO', 'BGO', 'DUM', 'SYS', 'CHK', 'GON']),
  });
  if (!read.plan)
    throw new Error(`${values.plan} did not read: ${JSON.stringify(read.problems.slice(0, 3))}`);
  await storePlan(database, read.plan, { actor: 'simulate', source: path.basename(values.plan) });
  let service: SimulationService | undefined;
  if (values.serve) {
    service = await startSimulationService({
      database,
      directoryFile: values.directory,
      start: await simulationStart(database, values.iteration),
      port,
      dataDir: await mkdtemp(path.join(os.tmpdir(), 'runsheet-simulation-')),
    });
    const pilot = directory.pilots()[0];
    console.log(
      [
        `Watch it at ${service.base}/tab/?iteration=${encodeURIComponent(values.iteration)}` +
          (pilot ? ` (pick ${pilot.name})` : ''),
        `  and ${service.base}/dev (the Pilots channel shows the alert cards).`,
        `Starting in ${delaySeconds} s.`,
      ].join('\n'),
    );
    await new Promise((resolve) => setTimeout(resolve, delaySeconds * 1000));
  }
  console.log(
    `Simulating ${values.iteration} of ${path.basename(values.plan)} at ${speed}x on ${database.location}`,
  );
  const result = await simulateRehearsal({
    database,
    directory: service?.directory ?? directory,
    clock: service?.clock,
    engine: service?.engine,
    iteration: values.iteration,
    speed,
    seed: values.seed ? Number(values.seed) : undefined,
    settings: {
      overrunGraceMinutes: config.time.overrunGraceMinutes,
      readyGraceMinutes: config.time.readyGraceMinutes,
      chapterGraceMinutes: config.time.chapterGraceMinutes,
    },
    log: (line) => console.log(line),
  });
  const file = values.report ?? `${result.iteration}-simulated-report.html`;
  const report = await loadRehearsalReport(result.engine, result.iteration, result.endedAt);
  await writeFile(file, /\.csv$/i.test(file) ? renderReportCsv(report) : renderReportHtml(report), 'utf8');
  console.log(
    `${result.steps} steps, ${result.alertsRaised.length} alerts raised, ${result.alertsResolved.length} resolved, ` +
      `forecast end moved ${result.forecastMoves} times, critical path head changed ${result.criticalHeads.length - 1} times; ` +
      `report written to ${file}`,
  );
  if (service) {
    console.log(`The service stays up at ${service.base} until Ctrl-C.`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await service.stop();
  }
} finally {
  await database.close();
}
