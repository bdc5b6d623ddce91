/**
 * `runsheet directory check`, as an operator runs it before a cutover: against Entra ID through
 * Graph (nock at the token and Graph edges), and in local mode against the directory JSON. The
 * plan is the demo runsheet with two teams spoiled: Network has no AD group, Reporting a name
 * where the object id belongs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryCheckReport } from '../../src/directory/directory-check.js';
import {
  MEMBERS_QUERY,
  PILOTS_GROUP,
  graphEdge,
  graphEnvironment,
  graphUser,
  tokenEdge,
  useGraphEdges,
} from '../support/graph-edges.js';
import { runCliCaptured } from '../support/run-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OPERATIONS_GROUP = '00000000-0000-4000-8000-000000000001';
const ENGINE_GROUP = '00000000-0000-4000-8000-000000000002';

let tmp: string;
let baseEnv: NodeJS.ProcessEnv;
let database: TestDatabase | undefined;
let teamGroups: { name: string; adGroup: string }[];

const cli = (env: NodeJS.ProcessEnv, ...argv: string[]) => runCliCaptured(env, argv);

useGraphEdges();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-directory-check-'));
  baseEnv = { RUNSHEET_DATA_DIR: path.join(tmp, 'data'), LOG_LEVEL: 'silent' };
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase();
    baseEnv.DATABASE_URL = database.url;
  }
  const plan = JSON.parse(fs.readFileSync(path.join(ROOT, 'samples/demo-runsheet.json'), 'utf8'));
  for (const team of plan.teams) {
    if (team.name === 'Network') team.adGroup = '';
    if (team.name === 'Reporting') team.adGroup = 'Reporting team';
  }
  teamGroups = plan.teams;
  const file = path.join(tmp, 'plan.json');
  fs.writeFileSync(file, JSON.stringify(plan));
  const imported = await cli(baseEnv, 'import', file);
  expect(imported.code, imported.err).toBe(0);
});
afterAll(async () => {
  await database?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const membersPath = (group: string) => `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user`;

describe('runsheet directory check with Microsoft Graph', () => {
  it('prints each team with its members and flags missing, unknown and empty groups', async () => {
    tokenEdge();
    const reply = (group: string, status: number, body: object) =>
      graphEdge()
        .get(membersPath(group))
        .query(MEMBERS_QUERY)
        .matchHeader('consistencylevel', 'eventual')
        .reply(status, body, { 'request-id': `rid-${group.slice(-4)}` });
    reply(PILOTS_GROUP, 200, {
      value: [graphUser('11111111-0000-4000-8000-000000000001', 'Claire Pilot', 'claire.pilot@bank.example')],
    });
    reply(OPERATIONS_GROUP, 404, {
      error: { code: 'Request_ResourceNotFound', message: `Resource '${OPERATIONS_GROUP}' does not exist.` },
    });
    reply(ENGINE_GROUP, 200, { value: [] });
    for (const team of teamGroups) {
      if ([OPERATIONS_GROUP, ENGINE_GROUP].includes(team.adGroup) || !team.adGroup.startsWith('0000'))
        continue;
      const id = `22222222-0000-4000-8000-${team.adGroup.slice(-12)}`;
      reply(team.adGroup, 200, {
        value: [graphUser(id, `${team.name} Member`, null, `${team.name.replace(' ', '')}@bank.example`)],
      });
    }
    const env = { ...baseEnv, ...graphEnvironment() };

    const text = await cli(env, 'directory', 'check');

    expect(text.code).toBe(1);
    const lines = text.out.split('\n');
    expect(lines[0]).toBe('Directory: Microsoft Graph https://graph.microsoft.com/v1.0');
    expect(lines).toContain(`Pilots (group ${PILOTS_GROUP}): 1 member`);
    expect(lines).toContain('  Claire Pilot <claire.pilot@bank.example>');
    expect(lines).toContain(
      `Team Operations (group ${OPERATIONS_GROUP}): PROBLEM Graph does not know the group (404; wrong id, or deleted), request-id rid-0001`,
    );
    expect(lines).toContain(`Team Engine (group ${ENGINE_GROUP}): PROBLEM the group has no users`);
    expect(lines).toContain('Team Network: PROBLEM no AD group in the workbook (Teams sheet)');
    expect(lines).toContain(
      'Team Reporting (group Reporting team): PROBLEM "Reporting team" is not a group object id (a GUID)',
    );
    expect(lines).toContain('Team Testing (group 00000000-0000-4000-8000-000000000010): 1 member');
    expect(lines).toContain('  Testing Member <Testing@bank.example>');
    expect(lines.at(-1)).toBe('4 problems found.');
  });

  it('prints one JSON document with --json', async () => {
    tokenEdge();
    graphEdge()
      .get(/\/v1\.0\/groups\/[^/]+\/transitiveMembers\/microsoft\.graph\.user/)
      .query(MEMBERS_QUERY)
      .times(9)
      .reply(200, {
        value: [graphUser('33333333-0000-4000-8000-000000000001', 'Someone', 'someone@bank.example')],
      });
    const env = { ...baseEnv, ...graphEnvironment() };

    const result = await cli(env, 'directory', 'check', '--json');

    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as DirectoryCheckReport;
    expect(report.problemCount).toBe(2);
    expect(report.pilots).toMatchObject({ team: null, groupId: PILOTS_GROUP, problem: null });
    expect(report.teams.map((t) => [t.team, t.problem?.code ?? null, t.members.length])).toEqual([
      ['Operations', null, 1],
      ['Engine', null, 1],
      ['CRM', null, 1],
      ['DBA', null, 1],
      ['Network', 'no-group', 0],
      ['Business Ops', null, 1],
      ['Securities', null, 1],
      ['Payments', null, 1],
      ['Reporting', 'invalid-group', 0],
      ['Testing', null, 1],
    ]);
  });
});

describe('runsheet with Microsoft Graph, acting for someone', () => {
  it('resolves --as through the groups in Entra ID, read once for the command', async () => {
    tokenEdge();
    const claire = graphUser(
      '11111111-0000-4000-8000-000000000001',
      'Claire Pilot',
      null,
      'claire.pilot@bank.example',
    );
    graphEdge()
      .get(membersPath(PILOTS_GROUP))
      .query(MEMBERS_QUERY)
      .matchHeader('consistencylevel', 'eventual')
      .reply(200, { value: [claire] });
    graphEdge()
      .get(/\/v1\.0\/groups\/0{8}-0{4}-4000-8000-0{10}\d\d\/transitiveMembers\/microsoft\.graph\.user/)
      .query(MEMBERS_QUERY)
      .times(8)
      .reply(200, { value: [] });
    const env = { ...baseEnv, ...graphEnvironment() };

    const result = await cli(env, 'iteration', 'activate', 'Run0', '--as', 'claire.pilot@bank.example');

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const listed = await cli(env, 'iteration', 'list');
    expect(listed.out).toMatch(/^Run0\s+\S+\s+ACTIVE/m);
  });
});

describe('runsheet directory check in local mode', () => {
  it("checks the directory JSON against the plan's teams; groups are not needed locally", async () => {
    const env = { ...baseEnv, RUNSHEET_DIRECTORY: path.join(ROOT, 'samples/demo-directory.json') };

    const result = await cli(env, 'directory', 'check');

    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')[0]).toBe(`Directory: ${path.join(ROOT, 'samples/demo-directory.json')}`);
    expect(result.out).toContain('Team Network: 2 members');
    expect(result.out.split('\n').at(-1)).toBe('No problems found.');
  });

  it('flags a team nobody is in and people in teams the plan does not have', async () => {
    const directory = JSON.parse(fs.readFileSync(path.join(ROOT, 'samples/demo-directory.json'), 'utf8'));
    for (const user of directory.users) {
      if (user.teams.includes('Testing')) user.teams = ['Treasury'];
    }
    const file = path.join(tmp, 'directory.json');
    fs.writeFileSync(file, JSON.stringify(directory));

    const result = await cli({ ...baseEnv, RUNSHEET_DIRECTORY: file }, 'directory', 'check', '--json');

    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as DirectoryCheckReport;
    expect(report.teams.find((t) => t.team === 'Testing')?.problem).toEqual({
      code: 'empty',
      message: 'nobody in the directory is in team "Testing"',
    });
    expect(report.otherProblems.map((p) => p.code)).toEqual(['unknown-team', 'unknown-team']);
    expect(report.otherProblems[0]!.message).toMatch(/is in team "Treasury", which the plan does not have$/);
    expect(report.problemCount).toBe(3);
  });

  it('fails with a clear message when no directory is configured', async () => {
    const result = await cli(baseEnv, 'directory', 'check');
    expect(result.code).toBe(1);
    expect(result.err).toContain('no directory configured: set RUNSHEET_DIRECTORY');
  });
});
