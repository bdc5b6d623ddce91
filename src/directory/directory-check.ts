/**
 * `runsheet directory check`: who each of the plan's teams resolves to, and what is wrong with it.
 * The report has one shape for both sources: the Entra ID groups (src/graph/graph-directory-check.ts)
 * and the local JSON file, checked here against the plan's teams the same way.
 */
import type { Directory, DirectoryUser } from './directory.js';
import type { TeamGroup } from './team-groups.js';

/**
 * - `no-group`: the team has no AD group in the workbook (a problem with Graph only);
 * - `invalid-group`: the workbook's value is not an object id;
 * - `not-found`: Graph does not know the group (404);
 * - `empty`: the group (or the file's team) has no users;
 * - `unreadable`: Graph could not be asked (throttled, unreachable, access denied);
 * - `unknown-team`: the local file puts someone in a team the plan does not have;
 * - `no-teams`: the plan has no teams (none imported yet).
 */
export type DirectoryProblemCode =
  'no-group' | 'invalid-group' | 'not-found' | 'empty' | 'unreadable' | 'unknown-team' | 'no-teams';

export interface DirectoryProblem {
  code: DirectoryProblemCode;
  message: string;
}

export interface CheckedMember {
  aadObjectId: string;
  name: string;
  email: string;
}

export interface CheckedGroup {
  /** The plan team's name; null for the pilots. */
  team: string | null;
  /** The Entra ID group's object id ('' when none is set). */
  groupId: string;
  members: CheckedMember[];
  problem: DirectoryProblem | null;
}

export interface DirectoryCheckReport {
  /** Where the people come from: the file's path, or Microsoft Graph. */
  source: string;
  pilots: CheckedGroup;
  teams: CheckedGroup[];
  /** Problems that belong to no single team of the plan. */
  otherProblems: DirectoryProblem[];
  /** How many problems in all; the command fails when there is any. */
  problemCount: number;
}

/** Completes a report: counts the problems. */
export function directoryCheckReport(
  source: string,
  pilots: CheckedGroup,
  teams: CheckedGroup[],
  otherProblems: DirectoryProblem[] = [],
): DirectoryCheckReport {
  if (teams.length === 0) {
    otherProblems = [
      ...otherProblems,
      { code: 'no-teams', message: 'the plan has no teams (import a plan first)' },
    ];
  }
  const problemCount =
    [pilots, ...teams].filter((group) => group.problem !== null).length + otherProblems.length;
  return { source, pilots, teams, otherProblems, problemCount };
}

export function checkedMember(user: Pick<DirectoryUser, 'aadObjectId' | 'name' | 'email'>): CheckedMember {
  return { aadObjectId: user.aadObjectId, name: user.name, email: user.email };
}

/** Checks a local directory (the JSON file) against the plan's teams. Groups are not needed locally. */
export function checkLocalDirectory(
  directory: Directory,
  teamGroups: readonly TeamGroup[],
): DirectoryCheckReport {
  const pilots = directory.pilots().map(checkedMember);
  const pilotsGroup: CheckedGroup = {
    team: null,
    groupId: '',
    members: pilots,
    problem: pilots.length === 0 ? { code: 'empty', message: 'nobody in the directory is a pilot' } : null,
  };
  const teams = teamGroups.map(({ team, groupId }): CheckedGroup => {
    const members = directory.membersOf(team).map(checkedMember);
    return {
      team,
      groupId,
      members,
      problem:
        members.length === 0
          ? { code: 'empty', message: `nobody in the directory is in team "${team}"` }
          : null,
    };
  });
  const planTeams = new Set(teamGroups.map((t) => t.team));
  const otherProblems: DirectoryProblem[] = [];
  for (const user of directory.allUsers()) {
    for (const team of user.teams) {
      if (!planTeams.has(team)) {
        otherProblems.push({
          code: 'unknown-team',
          message: `${user.name} <${user.email}> is in team "${team}", which the plan does not have`,
        });
      }
    }
  }
  return directoryCheckReport(directory.source, pilotsGroup, teams, otherProblems);
}

/** The report as people read it: each team with its members, problems marked. */
export function formatDirectoryCheck(report: DirectoryCheckReport): string {
  const lines = [`Directory: ${report.source}`];
  for (const group of [report.pilots, ...report.teams]) {
    const name = group.team === null ? 'Pilots' : `Team ${group.team}`;
    const id = group.groupId ? ` (group ${group.groupId})` : '';
    const count = `${group.members.length} member${group.members.length === 1 ? '' : 's'}`;
    lines.push(group.problem ? `${name}${id}: PROBLEM ${group.problem.message}` : `${name}${id}: ${count}`);
    for (const member of group.members) lines.push(`  ${member.name} <${member.email}>`);
  }
  for (const problem of report.otherProblems) lines.push(`PROBLEM ${problem.message}`);
  lines.push(
    report.problemCount === 0
      ? 'No problems found.'
      : `${report.problemCount} problem${report.problemCount === 1 ? '' : 's'} found.`,
  );
  return lines.join('\n');
}
