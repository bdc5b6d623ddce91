/**
 * `runsheet directory check` against Entra ID: reads every group the plan names, now (not the
 * service's cached snapshot), and reports each team's members or what is wrong with its group.
 */
import {
  checkedMember,
  directoryCheckReport,
  type CheckedGroup,
  type DirectoryCheckReport,
  type DirectoryProblem,
} from '../directory/directory-check.js';
import type { TeamGroup } from '../directory/team-groups.js';
import type { GraphApi } from './graph-api.js';
import { nameOf, primaryEmail } from './group-members.js';
import { readPlanGroups, type GroupOutcome } from './read-plan-groups.js';

export async function checkGraphDirectory(
  api: GraphApi,
  teamGroups: readonly TeamGroup[],
  pilotsGroupId: string,
): Promise<DirectoryCheckReport> {
  const groups = await readPlanGroups(api, teamGroups, pilotsGroupId);
  const checked = (team: string | null, groupId: string, outcome: GroupOutcome): CheckedGroup => {
    const members =
      outcome.kind === 'members'
        ? outcome.members.map((user) =>
            checkedMember({
              aadObjectId: user.id,
              name: nameOf(user),
              email: primaryEmail(user),
            }),
          )
        : [];
    return { team, groupId, members, problem: problemOf(team, groupId, outcome) };
  };
  return directoryCheckReport(
    `Microsoft Graph ${api.baseUrl}`,
    checked(null, groups.pilots.groupId, groups.pilots.outcome),
    groups.teams.map(({ team, groupId, outcome }) => checked(team, groupId, outcome)),
  );
}

function problemOf(team: string | null, groupId: string, outcome: GroupOutcome): DirectoryProblem | null {
  const whose = team === null ? "the pilots' group (RUNSHEET_PILOTS_GROUP_ID)" : 'the group';
  switch (outcome.kind) {
    case 'members':
      return outcome.members.length === 0 ? { code: 'empty', message: `${whose} has no users` } : null;
    case 'no-group':
      return { code: 'no-group', message: 'no AD group in the workbook (Teams sheet)' };
    case 'invalid-group':
      return { code: 'invalid-group', message: `"${groupId}" is not a group object id (a GUID)` };
    case 'not-found':
      return {
        code: 'not-found',
        message: `Graph does not know ${whose} (404; wrong id, or deleted)${requestIdOf(outcome.error)}`,
      };
    case 'failed':
      return { code: 'unreadable', message: outcome.error.message };
  }
}

function requestIdOf(error: { requestId?: string | null }): string {
  return error.requestId ? `, request-id ${error.requestId}` : '';
}
