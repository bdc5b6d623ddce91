/**
 * The Entra ID directory against nock at the token and Graph edges: transitive members paged
 * through @odata.nextLink with ConsistencyLevel on every page, users matched by object id, mail
 * or UPN, the snapshot kept when a refresh fails, and refreshes scheduled in the background.
 */
import { describe, expect, it } from 'vitest';
import { roleOf } from '../../src/directory/directory.js';
import type { TeamGroup } from '../../src/directory/team-groups.js';
import { GraphDirectory } from '../../src/graph/graph-directory.js';
import { createGraphApi } from '../../src/graph/graph-services.js';
import {
  GRAPH,
  MEMBERS_QUERY,
  PILOTS_GROUP,
  capturedLogger,
  graphConfig,
  graphEdge,
  graphUser,
  recordedSleep,
  tokenEdge,
  useGraphEdges,
} from '../support/graph-edges.js';

const ENGINE_GROUP = '00000000-0000-4000-8000-0000000e4617';
const DBA_GROUP = '00000000-0000-4000-8000-0000000000db';
const membersPath = (group: string) => `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user`;

const CLAIRE = graphUser('11111111-0000-4000-8000-000000000001', 'Claire Pilot', 'claire.pilot@bank.example');
const LUCA = graphUser(
  '11111111-0000-4000-8000-000000000002',
  'Luca Engine',
  'luca.engine@bank.example',
  'e12345@bank.example',
);
const ANNA = graphUser(
  '11111111-0000-4000-8000-000000000003',
  'Anna Engine',
  null,
  'anna.engine@bank.example',
);
const PIERRE = graphUser('11111111-0000-4000-8000-000000000004', 'Pierre DBA', 'pierre.dba@bank.example');

const TEAMS: TeamGroup[] = [
  { team: 'Engine', groupId: ENGINE_GROUP },
  { team: 'DBA', groupId: DBA_GROUP },
];

useGraphEdges();

function directory(
  options: { teams?: TeamGroup[]; schedule?: (task: () => void, ms: number) => () => void } = {},
) {
  const { logger, lines } = capturedLogger();
  const { sleep } = recordedSleep();
  const api = createGraphApi(graphConfig(), logger, { sleep, maxAttempts: 2 });
  const scheduled: number[] = [];
  const tasks: (() => void)[] = [];
  const graphDirectory = new GraphDirectory({
    api,
    pilotsGroupId: PILOTS_GROUP,
    teamGroups: async () => options.teams ?? TEAMS,
    ttlMs: 300_000,
    logger,
    schedule:
      options.schedule ??
      ((task, ms) => {
        scheduled.push(ms);
        tasks.push(task);
        return () => undefined;
      }),
  });
  return { graphDirectory, lines, scheduled, tasks };
}

/** Graph answers one group's members in one page. */
function members(group: string, users: object[], headers: Record<string, string> = {}) {
  return graphEdge()
    .get(membersPath(group))
    .query(MEMBERS_QUERY)
    .matchHeader('consistencylevel', 'eventual')
    .reply(200, { '@odata.count': users.length, value: users }, headers);
}

describe('GraphDirectory', () => {
  it('follows @odata.nextLink, sending ConsistencyLevel: eventual with every page', async () => {
    tokenEdge();
    members(PILOTS_GROUP, [CLAIRE]);
    const next = `${GRAPH}/v1.0/groups/${ENGINE_GROUP}/transitiveMembers/microsoft.graph.user?$select=id,displayName,mail,userPrincipalName&$count=true&$top=999&$skiptoken=RFNwdAIAAQAAACpHcm91cF8`;
    graphEdge()
      .get(membersPath(ENGINE_GROUP))
      .query(MEMBERS_QUERY)
      .matchHeader('consistencylevel', 'eventual')
      .reply(200, { '@odata.count': 2, value: [LUCA], '@odata.nextLink': next });
    graphEdge()
      .get(membersPath(ENGINE_GROUP))
      .query({ ...MEMBERS_QUERY, $skiptoken: 'RFNwdAIAAQAAACpHcm91cF8' })
      .matchHeader('consistencylevel', 'eventual')
      .reply(200, { value: [ANNA] });
    members(DBA_GROUP, [PIERRE]);
    const { graphDirectory } = directory();

    expect(await graphDirectory.start()).toBe(true);

    expect(graphDirectory.membersOf('Engine').map((u) => u.name)).toEqual(['Luca Engine', 'Anna Engine']);
    expect(graphDirectory.membersOf('DBA').map((u) => u.name)).toEqual(['Pierre DBA']);
    expect(graphDirectory.pilots().map((u) => u.email)).toEqual(['claire.pilot@bank.example']);
    graphDirectory.stop();
  });

  it('matches users by object id, by mail, and by UPN (the address for users without mail)', async () => {
    tokenEdge();
    members(PILOTS_GROUP, [CLAIRE, LUCA]);
    members(ENGINE_GROUP, [LUCA, ANNA]);
    members(DBA_GROUP, [PIERRE]);
    const { graphDirectory } = directory();
    await graphDirectory.start();

    const luca = graphDirectory.findByAadObjectId(LUCA.id.toUpperCase());
    expect(luca).toMatchObject({
      name: 'Luca Engine',
      email: 'luca.engine@bank.example',
      pilot: true,
      teams: ['Engine'],
    });
    expect(graphDirectory.findByEmail('E12345@bank.example')).toBe(luca);
    expect(graphDirectory.findByEmail('anna.engine@bank.example')).toMatchObject({
      aadObjectId: ANNA.id,
      pilot: false,
    });
    expect(roleOf(graphDirectory.findByEmail('pierre.dba@bank.example')!)).toBe('member');
    expect(graphDirectory.findByEmail('nobody@bank.example')).toBeUndefined();
    expect(graphDirectory.reachability()).toMatchObject({ ok: true });
  });

  it('keeps the last snapshot when a refresh fails, logs why, and tries again sooner', async () => {
    tokenEdge();
    members(PILOTS_GROUP, [CLAIRE]);
    members(ENGINE_GROUP, [LUCA]);
    members(DBA_GROUP, [PIERRE]);
    const { graphDirectory, lines, scheduled, tasks } = directory();
    await graphDirectory.start();
    expect(scheduled).toEqual([300_000]);

    // The next refresh: the pilots' group reads, but the Engine group stays unavailable.
    members(PILOTS_GROUP, [CLAIRE]);
    graphEdge()
      .get(membersPath(ENGINE_GROUP))
      .query(MEMBERS_QUERY)
      .times(2)
      .reply(503, {}, { 'request-id': 'rid-503' });
    members(DBA_GROUP, []);
    tasks[0]!();
    await vitestFlush(() => scheduled.length === 2);

    expect(scheduled).toEqual([300_000, 60_000]);
    expect(graphDirectory.membersOf('Engine').map((u) => u.name)).toEqual(['Luca Engine']);
    expect(graphDirectory.membersOf('DBA').map((u) => u.name)).toEqual(['Pierre DBA']);
    const failure = lines.find((line) => line.level === 50);
    expect(failure).toMatchObject({
      msg: 'directory refresh from Entra ID failed; keeping the last snapshot',
    });
    expect(String(failure!.error)).toContain('team Engine: Graph GET');
    expect(String(failure!.error)).toContain('HTTP 503');
    expect(String(failure!.error)).toContain('request-id rid-503');
    expect(graphDirectory.reachability()).toMatchObject({ ok: true });
    expect(graphDirectory.reachability().detail).toContain('last refresh failed');
    graphDirectory.stop();
  });

  it('leaves a team with a missing (404) or unset group empty, without failing the refresh', async () => {
    tokenEdge();
    members(PILOTS_GROUP, [CLAIRE]);
    graphEdge()
      .get(membersPath(ENGINE_GROUP))
      .query(MEMBERS_QUERY)
      .reply(404, {
        error: { code: 'Request_ResourceNotFound', message: `Resource '${ENGINE_GROUP}' does not exist` },
      });
    const { graphDirectory, lines } = directory({
      teams: [...TEAMS.slice(0, 1), { team: 'Network', groupId: '' }],
    });

    expect(await graphDirectory.start()).toBe(true);

    expect(graphDirectory.membersOf('Engine')).toEqual([]);
    expect(graphDirectory.pilots()).toHaveLength(1);
    expect(lines.find((line) => line.level === 40 && Array.isArray(line.teams))?.teams).toEqual([
      `Engine: not-found (${ENGINE_GROUP})`,
      'Network: no-group',
    ]);
  });

  it('does not serve anyone before the first read succeeds, and says so', async () => {
    tokenEdge();
    graphEdge()
      .get(membersPath(PILOTS_GROUP))
      .query(MEMBERS_QUERY)
      .reply(403, {
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
        },
      });
    members(ENGINE_GROUP, [LUCA]);
    members(DBA_GROUP, [PIERRE]);
    const { graphDirectory, scheduled } = directory();

    expect(await graphDirectory.start()).toBe(false);

    expect(graphDirectory.allUsers()).toEqual([]);
    expect(scheduled).toEqual([60_000]);
    const readiness = graphDirectory.reachability();
    expect(readiness.ok).toBe(false);
    expect(readiness.detail).toContain('Authorization_RequestDenied');
  });

  it('reads no other group when Graph is unreachable, and serves lookups from memory meanwhile', async () => {
    tokenEdge();
    members(PILOTS_GROUP, [CLAIRE]);
    members(ENGINE_GROUP, [LUCA]);
    members(DBA_GROUP, [PIERRE]);
    const { graphDirectory, tasks } = directory();
    await graphDirectory.start();

    graphEdge().get(membersPath(PILOTS_GROUP)).query(MEMBERS_QUERY).times(2).reply(503);
    tasks[0]!();
    // A lookup during the refresh is answered at once from the snapshot.
    expect(graphDirectory.findByEmail('luca.engine@bank.example')?.teams).toEqual(['Engine']);
    expect(await graphDirectory.refresh()).toBe(false);
    expect(graphDirectory.findByEmail('luca.engine@bank.example')?.teams).toEqual(['Engine']);
  });
});

/** Lets the refresh started by a scheduled task run until `done` holds. */
async function vitestFlush(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(done()).toBe(true);
}
