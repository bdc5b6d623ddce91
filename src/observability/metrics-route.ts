/**
 * `GET /metrics` in Prometheus' text format, and the gauges read at scrape time: the job table
 * (shared by every instance) and this process's database connections.
 */
import { Gauge, collectDefaultMetrics } from 'prom-client';
import type restify from 'restify';
import { sql } from '../db/orm.js';
import { queryRows, type Database } from '../db/client.js';
import { metricsRegistry } from './metrics.js';

/** The database the scrape-time gauges read; the last server mounted wins (one per process in service). */
let scrapedDatabase: Database | undefined;

interface JobCountRow {
  kind: string;
  state: string;
  n: number;
  oldest_due_seconds: number | null;
}

const jobGauge = new Gauge({
  name: 'runsheet_jobs',
  help: 'Jobs in the job table, by kind and state (the whole database: the same on every instance).',
  labelNames: ['kind', 'state'] as const,
  registers: [metricsRegistry],
});

const databaseUpGauge = new Gauge({
  name: 'runsheet_database_up',
  help: '1 when the job table could be read at this scrape, else 0 (the job gauges are then absent).',
  registers: [metricsRegistry],
});

const oldestPendingGauge = new Gauge({
  name: 'runsheet_jobs_oldest_pending_age_seconds',
  help: 'Seconds since the oldest pending job of a kind became due (0 when none is waiting): how far the workers are behind.',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
  async collect() {
    jobGauge.reset();
    oldestPendingGauge.reset();
    if (scrapedDatabase === undefined) return;
    let rows: JobCountRow[];
    try {
      rows = await queryRows<JobCountRow>(
        scrapedDatabase.db,
        sql`select kind, state, count(*)::int as n,
                   extract(epoch from now() - min(run_at) filter (where state = 'pending' and run_at <= now()))::float8
                     as oldest_due_seconds
            from jobs group by kind, state`,
      );
    } catch {
      // Unreachable database: the process metrics are still worth serving; this gauge says why jobs are missing.
      databaseUpGauge.set(0);
      return;
    }
    databaseUpGauge.set(1);
    for (const row of rows) {
      jobGauge.set({ kind: row.kind, state: row.state }, row.n);
      if (row.state === 'pending') oldestPendingGauge.set({ kind: row.kind }, row.oldest_due_seconds ?? 0);
    }
  },
});

new Gauge({
  name: 'runsheet_db_pool_connections',
  help: 'Database connections of this process by state: total, idle, and callers waiting for one (PGlite: one connection).',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    if (scrapedDatabase === undefined) return;
    const stats = scrapedDatabase.poolStats();
    this.set({ state: 'total' }, stats.total);
    this.set({ state: 'idle' }, stats.idle);
    this.set({ state: 'waiting' }, stats.waiting);
  },
});

/** Process metrics (CPU, memory, event loop, GC) are collected only where metrics are served, not in the CLI. */
let processMetricsStarted = false;

/** Serves the metrics at `GET /metrics`; the job gauges are read from `database` at each scrape. */
export function mountMetrics(server: restify.Server, database: Database): void {
  scrapedDatabase = database;
  if (!processMetricsStarted) {
    collectDefaultMetrics({ register: metricsRegistry, prefix: 'runsheet_' });
    processMetricsStarted = true;
  }
  server.get('/metrics', async (_req, res) => {
    const body = await metricsRegistry.metrics();
    res.setHeader('content-type', metricsRegistry.contentType);
    res.sendRaw(200, body);
  });
}
