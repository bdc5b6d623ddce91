/**
 * The service's Prometheus metrics (prom-client), in one registry for the process. Code that
 * records a fact calls one of the small functions below; it never touches prom-client itself, so
 * a module records without being wired to anything (the Graph client calls
 * {@link recordOutboundCall}, the SSE hub {@link setSseClients}).
 *
 * Counters and histograms are per process: with several instances, sum them across instances.
 * The job-table gauges are read from the shared database at each scrape, so every instance reports
 * the same values: aggregate those with max(), not sum(). See docs/operations.md, "Metrics and alerts".
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();

/** Seconds; from a fast database write to a slow Teams call under a 429 wait. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const commands = new Counter({
  name: 'runsheet_transitions_total',
  help: 'Commands executed by the engine, by action and outcome (applied, duplicate, stale, refused, error).',
  labelNames: ['action', 'outcome'] as const,
  registers: [metricsRegistry],
});

const commandSeconds = new Histogram({
  name: 'runsheet_transition_duration_seconds',
  help: 'Time the engine took to execute one command (its one transaction), by action.',
  labelNames: ['action'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const jobRuns = new Counter({
  name: 'runsheet_job_runs_total',
  help: 'Job runs finished by this process, by kind and outcome (done, retry, failed, released).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

const jobSeconds = new Histogram({
  name: 'runsheet_job_duration_seconds',
  help: 'Time one job run took in this process, from claim to recorded outcome, by kind.',
  labelNames: ['kind'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

/** Where the service calls out to. */
export type OutboundTarget = 'connector' | 'graph';

const outboundCalls = new Counter({
  name: 'runsheet_outbound_calls_total',
  help: 'HTTP requests to the Bot Connector and Microsoft Graph, by target and status ("error" when no response came).',
  labelNames: ['target', 'status'] as const,
  registers: [metricsRegistry],
});

const outboundSeconds = new Histogram({
  name: 'runsheet_outbound_call_duration_seconds',
  help: 'Latency of one HTTP request to the Bot Connector or Microsoft Graph, by target.',
  labelNames: ['target'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

const outboundThrottled = new Counter({
  name: 'runsheet_outbound_throttled_total',
  help: 'Requests answered 429 Too Many Requests, by target.',
  labelNames: ['target'] as const,
  registers: [metricsRegistry],
});

const outboundRetries = new Counter({
  name: 'runsheet_outbound_retries_total',
  help: 'Requests sent again after a 429, a transient status or a network error, by target.',
  labelNames: ['target'] as const,
  registers: [metricsRegistry],
});

const sseClients = new Gauge({
  name: 'runsheet_sse_clients',
  help: 'Server-sent event streams (open tabs) connected to this process.',
  registers: [metricsRegistry],
});

const httpSeconds = new Histogram({
  name: 'runsheet_http_request_duration_seconds',
  help: 'HTTP requests served, by method, route and status.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [metricsRegistry],
});

/** The last answer of each outbound target, shown by /readyz. */
export interface LastOutboundCall {
  status: number | 'error';
  at: Date;
  seconds: number;
}
const lastOutbound = new Map<OutboundTarget, LastOutboundCall>();

/** Records one command the engine executed; `outcome` is the result's outcome, or `error` when it threw. */
export function recordTransition(action: string, outcome: string, seconds: number): void {
  commands.inc({ action, outcome });
  commandSeconds.observe({ action }, seconds);
}

/** Runs one engine command and records its action, outcome and duration (outcome `error` when it throws). */
export async function observeTransition<T extends { outcome: string }>(
  action: string,
  run: () => Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  let outcome = 'error';
  try {
    const result = await run();
    outcome = result.outcome;
    return result;
  } finally {
    recordTransition(action, outcome, (performance.now() - startedAt) / 1000);
  }
}

/** Records one finished job run. `released` means it was handed back unfinished at shutdown. */
export function recordJobRun(kind: string, outcome: string, seconds: number): void {
  jobRuns.inc({ kind, outcome });
  jobSeconds.observe({ kind }, seconds);
}

/**
 * Records one HTTP request to the Bot Connector or Graph: its status (`'error'` when no response
 * came: network error, timeout) and its latency. A 429 also counts in `runsheet_outbound_throttled_total`.
 */
export function recordOutboundCall(target: OutboundTarget, status: number | 'error', seconds: number): void {
  outboundCalls.inc({ target, status: String(status) });
  outboundSeconds.observe({ target }, seconds);
  if (status === 429) outboundThrottled.inc({ target });
  lastOutbound.set(target, { status, at: new Date(), seconds });
}

/** Records that a request to `target` is being sent again (after a 429, a 5xx or a network error). */
export function recordOutboundRetry(target: OutboundTarget): void {
  outboundRetries.inc({ target });
}

/** The last request to `target` this process made, if any. */
export function lastOutboundCall(target: OutboundTarget): LastOutboundCall | undefined {
  return lastOutbound.get(target);
}

/** Sets how many SSE streams this process holds open; the SSE hub calls it as clients come and go. */
export function setSseClients(count: number): void {
  sseClients.set(count);
}

/** Records one HTTP request served. `route` is the route's pattern, never the raw URL (bounded labels). */
export function recordHttpRequest(method: string, route: string, status: number, seconds: number): void {
  httpSeconds.observe({ method, route, status: String(status) }, seconds);
}
