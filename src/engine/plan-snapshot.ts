/**
 * An in-memory snapshot of the plan's structure (steps, links, owning teams, scope per iteration),
 * loaded once per plan revision. Transitions read it instead of walking the graph in SQL, which is
 * what keeps a transition's readiness check to one small query at 20,000 steps. Every import bumps
 * `plan_meta.revision`, so every instance reloads the snapshot on its next command.
 */
import { sql } from '../db/orm.js';
import { queryRows, toDate, type Queryable } from '../db/client.js';
import { buildPlanGraph, type PlanGraph } from '../domain/plan-graph.js';
import { IterationScope } from '../domain/readiness.js';

export interface SnapshotStep {
  dbId: number;
  key: string;
  title: string;
  team: string;
  chapter: string;
  phase: string;
}

export interface PlanSnapshot {
  readonly revision: number;
  readonly graph: PlanGraph;
  /** Indexed like `graph.keys`. */
  readonly steps: readonly SnapshotStep[];
  /** Registered step types (upper case), for reading ids. */
  readonly stepTypes: ReadonlySet<string>;
  indexOfKey(key: string): number | undefined;
  indexOfDbId(dbId: number): number | undefined;
  /** The readiness view of one iteration (built on first use, then kept). */
  scopeOf(iterationId: number): IterationScope;
}

/** Caches the snapshot of the newest plan revision; safe to share across requests. */
export class PlanSnapshotCache {
  private current: PlanSnapshot | undefined;
  private loading: Promise<PlanSnapshot> | undefined;

  /**
   * `shareLoads: false` on the embedded database. It has one connection: a caller inside a
   * transaction that waited for a load started outside it (through the database, not its
   * transaction) would wait for ever, since that load waits for the transaction to end.
   */
  constructor(private readonly options: { shareLoads: boolean } = { shareLoads: true }) {}

  /** Returns the snapshot for `revision`, loading it through `db` when the cached one is older. */
  async get(db: Queryable, revision: number): Promise<PlanSnapshot> {
    if (this.current?.revision === revision) return this.current;
    if (!this.options.shareLoads) {
      const snapshot = await loadPlanSnapshot(db, revision);
      this.current = snapshot;
      return snapshot;
    }
    // Concurrent commands after an import share one load instead of each reading 20,000 steps.
    if (!this.loading) {
      this.loading = loadPlanSnapshot(db, revision).finally(() => {
        this.loading = undefined;
      });
    }
    const snapshot = await this.loading;
    if (snapshot.revision === revision) this.current = snapshot;
    return snapshot.revision === revision ? snapshot : loadPlanSnapshot(db, revision);
  }

  /**
   * The snapshot loaded last, without asking the database which revision is current: for a reader
   * that checks the revision in a query of its own (a step card), else undefined.
   */
  latest(): PlanSnapshot | undefined {
    return this.current;
  }

  invalidate(): void {
    this.current = undefined;
  }
}

async function loadPlanSnapshot(db: Queryable, revision: number): Promise<PlanSnapshot> {
  const stepRows = await queryRows<{
    id: number;
    key: string;
    title: string;
    team: string;
    chapter: string;
    phase: string;
  }>(
    db,
    sql`select s.id, s.key, s.title, t.name as team, c.name as chapter, p.name as phase
        from steps s join teams t on t.id = s.team_id join chapters c on c.id = s.chapter_id
        join phases p on p.id = c.phase_id
        where not s.archived order by s.sort_order, s.id`,
  );
  const linkRows = await queryRows<{ step_id: number; predecessor_id: number }>(
    db,
    sql`select step_id, predecessor_id from step_predecessors order by step_id, sort_order`,
  );
  const scopeRows = await queryRows<{ iteration_id: number; step_ids: number[] | string }>(
    db,
    sql`select iteration_id, array_agg(step_id) as step_ids from step_scope group by iteration_id`,
  );

  const keyOfDbId = new Map<number, string>(stepRows.map((row) => [row.id, row.key]));
  const predecessorsOf = new Map<number, string[]>();
  for (const link of linkRows) {
    const predecessorKey = keyOfDbId.get(link.predecessor_id);
    if (predecessorKey === undefined) continue; // an archived predecessor no longer constrains anything
    const list = predecessorsOf.get(link.step_id) ?? [];
    list.push(predecessorKey);
    predecessorsOf.set(link.step_id, list);
  }
  const graph = buildPlanGraph(
    stepRows.map((row) => ({ key: row.key, predecessors: predecessorsOf.get(row.id) ?? [] })),
  );
  const indexByDbId = new Map<number, number>(stepRows.map((row, index) => [row.id, index]));

  const scopeMembers = new Map<number, Uint8Array>();
  for (const row of scopeRows) {
    const members = new Uint8Array(stepRows.length);
    for (const stepId of parseIntArray(row.step_ids)) {
      const index = indexByDbId.get(stepId);
      if (index !== undefined) members[index] = 1;
    }
    scopeMembers.set(row.iteration_id, members);
  }
  // Fixed starts are imported with the plan, so a new set comes with a new revision.
  const fixedStartRows = await queryRows<{
    iteration_id: number;
    step_id: number;
    not_before: Date | string;
  }>(db, sql`select iteration_id, step_id, not_before from step_fixed_starts`);
  const fixedStarts = new Map<number, Map<number, number>>();
  for (const row of fixedStartRows) {
    const index = indexByDbId.get(row.step_id);
    if (index === undefined) continue;
    const ofIteration = fixedStarts.get(row.iteration_id) ?? new Map<number, number>();
    ofIteration.set(index, toDate(row.not_before)!.getTime());
    fixedStarts.set(row.iteration_id, ofIteration);
  }
  const scopes = new Map<number, IterationScope>();
  const typeRows = await queryRows<{ type: string }>(db, sql`select type from step_types`);

  return {
    revision,
    graph,
    steps: stepRows.map((row) => ({
      dbId: row.id,
      key: row.key,
      title: row.title,
      team: row.team,
      chapter: row.chapter,
      phase: row.phase,
    })),
    stepTypes: new Set(typeRows.map((row) => row.type)),
    indexOfKey: (key) => graph.indexOf(key),
    indexOfDbId: (dbId) => indexByDbId.get(dbId),
    scopeOf(iterationId) {
      let scope = scopes.get(iterationId);
      if (!scope) {
        const members = scopeMembers.get(iterationId) ?? new Uint8Array(stepRows.length);
        const notBefore = fixedStarts.get(iterationId);
        scope = new IterationScope(
          graph,
          (index) => members[index] === 1,
          (index) => notBefore?.get(index) ?? null,
        );
        scopes.set(iterationId, scope);
      }
      return scope;
    },
  };
}

// node-postgres parses int[] into numbers; PGlite may hand back the text form `{1,2,3}`.
function parseIntArray(value: number[] | string): number[] {
  if (Array.isArray(value)) return value.map(Number);
  return value
    .replace(/[{}]/g, '')
    .split(',')
    .filter((part) => part.length > 0)
    .map(Number);
}
