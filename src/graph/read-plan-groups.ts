/**
 * Reads the members of every group the plan names (each team's, and the pilots') in one pass, for
 * the directory's refresh and for `runsheet directory check`. A group shared by several teams is
 * read once; a few groups are read at a time, so a plan with many teams does not earn a 429.
 */
import { isGuid } from '../config.js';
import type { TeamGroup } from '../directory/team-groups.js';
import { GraphRequestError, type GraphApi } from './graph-api.js';
import { readGroupMembers, type GraphUser } from './group-members.js';

export type GroupOutcome =
  | { kind: 'members'; members: GraphUser[] }
  /** The team has no group in the workbook. */
  | { kind: 'no-group' }
  /** The workbook's value is not an object id (a display name, say). */
  | { kind: 'invalid-group' }
  /** Graph answered 404: no such group, or the app cannot see it. */
  | { kind: 'not-found'; error: GraphRequestError }
  /** Anything else: throttled, unreachable, token, access denied. */
  | { kind: 'failed'; error: Error };

export interface PlanGroups {
  pilots: { groupId: string; outcome: GroupOutcome };
  teams: { team: string; groupId: string; outcome: GroupOutcome }[];
}

/** Groups read at the same time. */
const PARALLEL_READS = 4;

export async function readPlanGroups(
  api: GraphApi,
  teamGroups: readonly TeamGroup[],
  pilotsGroupId: string,
): Promise<PlanGroups> {
  const ids = [...new Set([pilotsGroupId, ...teamGroups.map((t) => t.groupId)])].filter(isGuid);
  const outcomes = new Map<string, GroupOutcome>();
  // The pilots' group first, alone: when Graph cannot be reached at all, or no token comes, every
  // other group would fail the same way, after its own retries and its own token request.
  const first = ids.shift();
  if (first !== undefined) {
    const outcome = await readOne(api, first);
    outcomes.set(first, outcome);
    if (outcome.kind === 'failed' && isGraphWideFailure(outcome.error)) {
      for (const groupId of ids) outcomes.set(groupId, outcome);
      ids.length = 0;
    }
  }
  let nextIndex = 0;
  const reader = async () => {
    while (nextIndex < ids.length) {
      const groupId = ids[nextIndex++]!;
      outcomes.set(groupId, await readOne(api, groupId));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, ids.length) }, reader));
  const outcomeOf = (groupId: string): GroupOutcome =>
    groupId === '' ? { kind: 'no-group' } : (outcomes.get(groupId) ?? { kind: 'invalid-group' });
  return {
    pilots: { groupId: pilotsGroupId, outcome: outcomeOf(pilotsGroupId) },
    teams: teamGroups.map(({ team, groupId }) => ({ team, groupId, outcome: outcomeOf(groupId) })),
  };
}

/** Failures that are not about one group: no token, no network, Graph throttling or down. */
function isGraphWideFailure(error: Error): boolean {
  return (
    error instanceof GraphRequestError &&
    (error.code === 'token' ||
      error.code === 'unreachable' ||
      error.code === 'throttled' ||
      error.code === 'unavailable')
  );
}

async function readOne(api: GraphApi, groupId: string): Promise<GroupOutcome> {
  try {
    return { kind: 'members', members: await readGroupMembers(api, groupId) };
  } catch (error) {
    if (error instanceof GraphRequestError && error.code === 'not-found') return { kind: 'not-found', error };
    return { kind: 'failed', error: error as Error };
  }
}
