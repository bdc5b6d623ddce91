/**
 * What one card press costs the service, counted rather than timed under load: presses are sent one
 * at a time (one virtual user, no think time, the job worker stopped), over loopback HTTP from the
 * load client's thread, and for each press the service's process records
 * - the SQL statements it sent to PostgreSQL: every query of the `pg` driver, BEGIN and COMMIT
 *   included, each a round trip;
 * - the CPU time of its main thread (`process.threadCpuUsage`, user + system) from the end of the
 *   previous answer to the end of this one: the client runs in another thread, and between presses
 *   the main thread is idle, so this is the press's own work.
 * The bare botbuilder handler gets the same bodies, one at a time, for its CPU time per press.
 * Statement counts do not depend on how busy the machine is; CPU time a little (caches, clock
 * speed), far less than latency under load. Both predict the saturated throughput.
 *
 * Part of the card-action benchmark (bot-latency.ts). Standalone, with a CPU profile of the
 * measured presses: `npm run build && node dist/bench/press-cost.js [--presses N] [--profile FILE] [--database NAME]`.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import pg from 'pg';
import type restify from 'restify';
import { queryRows, type Database } from '../src/db/client.js';
import { sql } from '../src/db/orm.js';
import { DEFAULT_ADMIN_URL } from './bench-database.js';
import { startBareBot, startBotBenchService } from './bot-bench-service.js';
import { isEntryPoint } from './card-fanout.js';
import { printTable } from './print-table.js';
import { NO_THINK_TIME, runLoad, type LoadInput, type LoadOutput } from './load-client.js';
import { round, roundAll, summarize, type LatencySummary } from './stats.js';

export interface PressCost {
  presses: number;
  /** Mean SQL statements per press (null for the bare handler, which has no database). */
  statements: number | null;
  /** Mean main-thread CPU per press, ms. */
  cpuMs: number;
  /**
   * Mean CPU per press of the PostgreSQL backends serving the service, ms, from /proc when the
   * server runs on this machine (null otherwise, and for the bare handler).
   */
  databaseCpuMs: number | null;
  /** The round trip of a press alone (nothing else running), ms. */
  latencyMs: LatencySummary;
  /** The same per kind of press (step.start, task.start, task.done, step.done). */
  byKind: Record<string, { presses: number; statements: number | null; cpuMs: number }>;
}

export interface PressCostRun {
  cost: PressCost;
  load: LoadOutput;
}

/** Counts every statement the `pg` driver sends, in this process, while installed. */
function countStatements(): { count(): number; uninstall(): void } {
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = prototype.query;
  let statements = 0;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
  return {
    count: () => statements,
    uninstall: () => {
      prototype.query = original;
    },
  };
}

/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat's times. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) of each PostgreSQL backend connected to the service's database, by
 * pid, read from /proc: null when a backend's file cannot be read (a server on another machine).
 * The query's own backend is one of them; it costs next to nothing.
 */
async function backendCpuMs(database: Database): Promise<Map<number, number> | null> {
  const backends = await queryRows<{ pid: number }>(
    database.db,
    sql`select pid from pg_stat_activity where datname = current_database()`,
  );
  const cpu = new Map<number, number>();
  for (const { pid } of backends) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return null;
    }
    // Fields after the command name (in parentheses, which may hold spaces): utime is the 14th field.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND);
  }
  return cpu;
}

function cpuMsNow(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Sends `input`'s presses one at a time to the server listening at `input.url` (`server` is it, in
 * this process) and returns what each measured press cost. `profile`: a file to write a CPU profile
 * of the measured presses to.
 */
export async function measurePressCost(
  server: restify.Server,
  input: LoadInput,
  options: { countSql: boolean; profile?: string; database?: Database },
): Promise<PressCostRun> {
  const statements = options.countSql ? countStatements() : null;
  let databaseCpuBefore: Map<number, number> | null = null;
  const perAnswer: { statements: number; cpuMs: number }[] = [];
  let last = { statements: statements?.count() ?? 0, cpuMs: cpuMsNow() };
  let session: Session | undefined;
  const onAfter = () => {
    const now = { statements: statements?.count() ?? 0, cpuMs: cpuMsNow() };
    perAnswer.push({ statements: now.statements - last.statements, cpuMs: now.cpuMs - last.cpuMs });
    last = now;
    if (options.database && perAnswer.length === input.warmUp) {
      void backendCpuMs(options.database).then((cpu) => (databaseCpuBefore = cpu));
    }
    if (options.profile && perAnswer.length === input.warmUp && !session) {
      session = new Session();
      session.connect();
      void session.post('Profiler.enable').then(() => session!.post('Profiler.start'));
    }
  };
  server.on('after', onAfter);
  let load: LoadOutput;
  try {
    load = await runLoad({ ...input, users: 1, think: NO_THINK_TIME });
  } finally {
    server.removeListener('after', onAfter);
    statements?.uninstall();
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(options.profile!, JSON.stringify(profile));
    session.disconnect();
  }
  if (load.failures.length > 0) {
    throw new Error(`${load.failureCount} presses failed, e.g.: ${load.failures.slice(0, 3).join(' | ')}`);
  }
  const databaseCpuAfter = options.database ? await backendCpuMs(options.database) : null;
  const databaseCpuMs =
    databaseCpuBefore && databaseCpuAfter
      ? [...databaseCpuAfter].reduce((sum, [pid, ms]) => sum + ms - (databaseCpuBefore!.get(pid) ?? 0), 0)
      : null;
  const measured = perAnswer.slice(input.warmUp, input.warmUp + input.measured);
  const summarise = (rows: { statements: number; cpuMs: number }[]) => ({
    presses: rows.length,
    statements: options.countSql ? round(mean(rows.map((r) => r.statements)), 2) : null,
    cpuMs: round(mean(rows.map((r) => r.cpuMs)), 3),
  });
  const kinds = [...new Set(load.kinds)];
  return {
    load,
    cost: {
      ...summarise(measured),
      databaseCpuMs: databaseCpuMs === null ? null : round(databaseCpuMs / input.measured, 3),
      latencyMs: roundAll(summarize(load.latencies)),
      byKind: Object.fromEntries(
        kinds.map((kind) => [kind, summarise(measured.filter((_, i) => load.kinds[i] === kind))]),
      ),
    },
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The columns of `pressCostRows`. */
export const PRESS_COST_HEADER = [
  'handler',
  'presses',
  'SQL statements',
  'main-thread CPU ms',
  'PostgreSQL CPU ms',
  'round trip p50 ms',
];

/** The rows of a printed comparison: ours per kind, then the bare handler. */
export function pressCostRows(ours: PressCost, bare: PressCost): string[][] {
  return [
    [
      'runsheet, all presses',
      String(ours.presses),
      String(ours.statements),
      ours.cpuMs.toFixed(2),
      ours.databaseCpuMs === null ? 'n/a' : ours.databaseCpuMs.toFixed(2),
      ours.latencyMs.p50.toFixed(2),
    ],
    ...Object.entries(ours.byKind).map(([kind, c]) => [
      `  ${kind}`,
      String(c.presses),
      String(c.statements),
      c.cpuMs.toFixed(2),
      '',
      '',
    ]),
    [
      'bare CloudAdapter echoing a card',
      String(bare.presses),
      '0',
      bare.cpuMs.toFixed(2),
      '0',
      bare.latencyMs.p50.toFixed(2),
    ],
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const presses = Number(option('--presses') ?? 400);
  const profile = option('--profile');
  const adminUrl = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
  const service = await startBotBenchService(adminUrl, option('--database') ?? 'runsheet_bench_press_cost');
  try {
    const input: LoadInput = {
      ...service.loadBase,
      mode: 'workload',
      users: 1,
      warmUp: 50,
      measured: presses,
      think: NO_THINK_TIME,
    };
    const ours = await measurePressCost(service.server, input, {
      countSql: true,
      profile,
      database: service.database,
    });
    const bare = await startBareBot(ours.load.sampleCard ?? {});
    try {
      const replay = await measurePressCost(
        bare.server,
        {
          ...input,
          url: bare.url,
          mode: 'replay',
          recorded: { bodies: ours.load.bodies, userOf: ours.load.userOf, thinkMsAfter: [] },
        },
        { countSql: false },
      );
      console.log('\nCost of one press, one at a time (warm-up excluded)');
      printTable(PRESS_COST_HEADER, pressCostRows(ours.cost, replay.cost));
      console.log(
        `main-thread CPU ratio ${(ours.cost.cpuMs / replay.cost.cpuMs).toFixed(2)}, ` +
          `round-trip p50 ratio ${(ours.cost.latencyMs.p50 / replay.cost.latencyMs.p50).toFixed(2)}`,
      );
      if (profile) console.log(`CPU profile of the measured presses: ${profile}`);
    } finally {
      await bare.close();
    }
  } finally {
    await service.close();
  }
}

if (isEntryPoint(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error('press cost measurement crashed:', error);
    process.exitCode = 1;
  });
}
