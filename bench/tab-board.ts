/**
 * The tab's board at plan scale (part of `npm run bench`): run on the core benchmark's database,
 * after its workload (the generated 20,000-step plan, Run1 active, ~1,000 transitions made).
 *
 * The tab is served by a fresh Engine (an empty plan snapshot cache, as after a service start) on
 * 127.0.0.1, in local mode (the pilot's identity in the local-mode header; token validation is
 * measured by the tests, not here). Over loopback HTTP, as the page does it:
 *
 * - first load, cold: /tab/session, /me, /iterations, then /board and /board/steps together, the
 *   first requests this service answers (the snapshot of 20,000 steps loads on the way);
 * - first load, warm: the same sequence again, as a second person opening the tab;
 * - each API answer: 40 rounds of /board, /board/steps (default filter, a text search over every
 *   status, a team filter, a later page) and /steps/:id of a random step;
 * - live updates: 20 commands through the engine while an SSE stream is open; commit (execute
 *   resolved) to event received.
 *
 * Targets (issue 5): first load ≤ 1 s, each API answer ≤ 200 ms (the p99 of all of them), and a
 * change on the stream within 1 s of commit (the p99).
 */
import type { AddressInfo } from 'node:net';
import type { Database } from '../src/db/client.js';
import type { Directory } from '../src/directory/directory.js';
import { Engine } from '../src/engine/engine.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startTabService } from '../src/tab/tab-service.js';
import { benchLogger, type BenchSectionResult, type BenchTarget } from './card-fanout.js';
import { printTable } from './print-table.js';
import { round, summarize, type LatencySummary } from './stats.js';

export interface TabBoardBenchOptions {
  database: Database;
  directory: Directory;
  /** The engine the workload used: its commands are the changes the stream must carry. */
  engine: Engine;
  iteration: string;
  pilotEmail: string;
}

export async function runTabBoardBench(options: TabBoardBenchOptions): Promise<BenchSectionResult> {
  const { database, directory, iteration, pilotEmail } = options;
  console.log('\n== Tab board (20,000 steps) ==');
  const logger = benchLogger();
  const engine = new Engine({ database, directory });
  const server = createHttpServer({ database, logger, about: { service: 'runsheet-bench' } });
  const tab = await startTabService({
    config: {
      localMode: true,
      tabSso: { clientId: undefined, tenantId: undefined, audiences: [], jwksUrl: undefined },
    },
    server,
    engine,
    directory,
    logger,
  });
  await listen(server, 0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = { 'x-runsheet-local-user': pilotEmail };
  const get = async (path: string): Promise<{ ms: number; body: unknown }> => {
    const started = performance.now();
    const response = await fetch(`${base}${path}`, { headers });
    const body = (await response.json()) as unknown;
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(body)}`);
    return { ms, body };
  };
  const query = `iteration=${encodeURIComponent(iteration)}`;
  const firstLoad = async () => {
    const started = performance.now();
    await get('/tab/session');
    await get('/tab/api/me');
    await get('/tab/api/iterations');
    const [board, steps] = await Promise.all([
      get(`/tab/api/board?${query}`),
      get(`/tab/api/board/steps?${query}&limit=50`),
    ]);
    return { totalMs: performance.now() - started, boardMs: board.ms, stepsMs: steps.ms, board: board.body };
  };

  try {
    const cold = await firstLoad();
    const warm = await firstLoad();
    const totals = (cold.board as { totals: { total: number } }).totals;
    console.log(
      `first load: cold ${round(cold.totalMs, 1)} ms (board ${round(cold.boardMs, 1)}, steps ${round(cold.stepsMs, 1)}), ` +
        `warm ${round(warm.totalMs, 1)} ms; ${totals.total} steps in scope`,
    );

    const all = (await get(`/tab/api/board/steps?${query}&status=all&limit=200`)).body as {
      steps: { id: string; team: string }[];
      total: number;
    };
    const latencies: Record<string, number[]> = {
      board: [],
      'steps (default)': [],
      'steps (search)': [],
      'steps (team)': [],
      'steps (page 40)': [],
      'step detail': [],
    };
    for (let round = 0; round < 40; round++) {
      const step = all.steps[(round * 37) % all.steps.length]!;
      latencies.board!.push((await get(`/tab/api/board?${query}`)).ms);
      latencies['steps (default)']!.push((await get(`/tab/api/board/steps?${query}`)).ms);
      latencies['steps (search)']!.push(
        (await get(`/tab/api/board/steps?${query}&status=all&q=${encodeURIComponent(step.id.slice(0, 6))}`))
          .ms,
      );
      latencies['steps (team)']!.push(
        (await get(`/tab/api/board/steps?${query}&status=all&team=${encodeURIComponent(step.team)}`)).ms,
      );
      latencies['steps (page 40)']!.push(
        (await get(`/tab/api/board/steps?${query}&status=all&offset=2000&limit=50`)).ms,
      );
      latencies['step detail']!.push(
        (await get(`/tab/api/steps/${encodeURIComponent(step.id)}?${query}`)).ms,
      );
    }
    const summaries = Object.fromEntries(
      Object.entries(latencies).map(([name, list]) => [name, summarize(list)]),
    ) as Record<string, LatencySummary>;
    const everyAnswer = summarize(Object.values(latencies).flat());
    printTable(
      ['API answer (40 each)', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      Object.entries(summaries).map(([name, s]) => [
        name,
        ...[s.p50, s.p95, s.p99, s.max].map((v) => String(round(v, 1))),
      ]),
    );

    const live = await measureLiveUpdates(
      base,
      headers,
      options.engine,
      iteration,
      pilotEmail,
      all.steps.map((s) => s.id),
    );
    console.log(
      `live updates: ${live.count} changes, commit to event p50 ${round(live.summary.p50, 1)} ms, p99 ${round(live.summary.p99, 1)} ms`,
    );

    const targets: BenchTarget[] = [
      {
        name: 'tab board first load (cold, 20,000 steps)',
        value: round(cold.totalMs, 1),
        unit: 'ms',
        target: 1000,
        pass: cold.totalMs <= 1000,
      },
      {
        name: 'tab API answer p99 (20,000 steps)',
        value: round(everyAnswer.p99, 1),
        unit: 'ms',
        target: 200,
        pass: everyAnswer.p99 <= 200,
      },
      {
        name: 'tab live update, commit to event p99',
        value: round(live.summary.p99, 1),
        unit: 'ms',
        target: 1000,
        pass: live.summary.p99 <= 1000,
      },
    ];
    return {
      figures: {
        firstLoadColdMs: round(cold.totalMs, 1),
        firstLoadWarmMs: round(warm.totalMs, 1),
        stepsInScope: totals.total,
        answers: summaries,
        everyAnswer,
        liveUpdates: live.summary,
      },
      targets,
      notes: [],
    };
  } finally {
    await tab.stop();
    server.close();
  }
}

/** Commits holds and resumes through the engine and times each until its event arrives on an open stream. */
async function measureLiveUpdates(
  base: string,
  headers: Record<string, string>,
  engine: Engine,
  iteration: string,
  pilotEmail: string,
  stepIds: readonly string[],
): Promise<{ count: number; summary: LatencySummary }> {
  const controller = new AbortController();
  const response = await fetch(`${base}/tab/api/events`, { headers, signal: controller.signal });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const arrived = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const reading = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const id = /^id: (\d+)$/m.exec(buffer.slice(0, end))?.[1];
        buffer = buffer.slice(end + 2);
        if (id) {
          arrived.set(Number(id), performance.now());
          waiters.get(Number(id))?.();
        }
      }
    }
  })();
  const latencies: number[] = [];
  const open = stepIds.slice(-10);
  for (const action of ['hold', 'resume'] as const) {
    for (const subject of open) {
      const result = await engine.execute({
        action,
        subject,
        iteration,
        actor: { email: pilotEmail },
        source: 'cli',
      });
      const committed = performance.now();
      const seq = result.auditSeq;
      if (!arrived.has(seq)) await new Promise<void>((resolve) => waiters.set(seq, resolve));
      latencies.push(arrived.get(seq)! - committed);
    }
  }
  controller.abort();
  await reading;
  return { count: latencies.length, summary: summarize(latencies.map((ms) => Math.max(0, ms))) };
}
