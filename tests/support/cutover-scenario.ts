/**
 * A cutover for tests that run the service as child processes: a plan whose steps are all ready
 * at activation (cards to send at once), its people in a directory file the children load, the
 * teams' channels linked to a test connector, and activation through the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../src/db/client.js';
import { DirectorySnapshot, type DirectoryUser } from '../../src/directory/directory.js';
import type { PlanModel, PlanStep } from '../../src/domain/plan-model.js';
import { resolveActor } from '../../src/engine/actor.js';
import { linkConversation } from '../../src/engine/conversation-links.js';
import { Engine } from '../../src/engine/engine.js';
import { storePlan } from '../../src/engine/store-plan.js';

export const ITERATION = 'Run1';
const TENANT = '72f988bf-0000-4000-8000-0000000000aa';

export const PILOT: DirectoryUser = {
  aadObjectId: 'aad-pilot',
  name: 'Claire Pilot',
  email: 'claire.pilot@bank.example',
  pilot: true,
  teams: [],
};

/** The one member of each team, who presses its cards. */
export const memberOf = (team: string): DirectoryUser => ({
  aadObjectId: `aad-${team.toLowerCase()}`,
  name: `${team} Member`,
  email: `${team.toLowerCase()}@bank.example`,
  pilot: false,
  teams: [team],
});

export const channelOf = (team: string) => `19:${team.toLowerCase()}@thread.tacv2`;

/** `stepsPerTeam` independent steps per team (TRT-1001…), all ready when Run1 is activated. */
export function readyStepsPlan(teams: readonly string[], stepsPerTeam: number): PlanModel {
  const steps: PlanStep[] = teams.flatMap((team, t) =>
    Array.from({ length: stepsPerTeam }, (_, i) => ({
      id: `TRT-${1001 + t * stepsPerTeam + i}`,
      title: `Move ${team} batch ${i + 1}`,
      chapter: 'Extraction',
      team,
      environment: 'PROD',
      durationMinutes: 15,
      predecessors: [],
      description: `<p>Batch ${i + 1}.</p>`,
      instructionsUrl: '',
      scope: [ITERATION],
    })),
  );
  return {
    stepTypes: [{ type: 'TRT', name: 'Treatment' }],
    phases: [{ order: 1, name: 'Migration' }],
    chapters: [{ order: 1, name: 'Extraction', phase: 'Migration' }],
    teams: teams.map((name) => ({ name, adGroup: `g-${name}`, channel: '', mailbox: '' })),
    iterations: [{ name: ITERATION, kind: 'RUN', timeZone: 'Europe/Zurich', comms: 'test' }],
    steps,
    tasks: [],
    controls: [],
    schedule: [
      { iteration: ITERATION, chapter: 'Extraction', start: '2026-12-05T18:00', end: '2026-12-06T02:00' },
    ],
  };
}

export interface Cutover {
  directory: DirectorySnapshot;
  /** The directory file to give the service processes (RUNSHEET_DIRECTORY). */
  directoryFile: string;
  stepIds: string[];
  /** Activates Run1 as the pilot: every step becomes ready and its card job is enqueued. */
  activate(): Promise<void>;
}

/** Stores the plan, writes the directory file into `dir` and links every team's channel to `serviceUrl`. */
export async function prepareCutover(
  database: Database,
  options: { teams: readonly string[]; stepsPerTeam: number; serviceUrl: string; dir: string },
): Promise<Cutover> {
  const plan = readyStepsPlan(options.teams, options.stepsPerTeam);
  await storePlan(database, plan, { actor: 'test', source: 'ready-steps' });
  const users = [PILOT, ...options.teams.map(memberOf)];
  const directoryFile = path.join(options.dir, 'directory.json');
  fs.writeFileSync(directoryFile, JSON.stringify({ users }));
  const directory = new DirectorySnapshot('test directory', users);
  const actor = resolveActor(directory, { aadObjectId: PILOT.aadObjectId })!;
  for (const team of options.teams) {
    const conversationId = channelOf(team);
    const info = {
      conversationId,
      serviceUrl: options.serviceUrl,
      tenantId: TENANT,
      reference: {
        conversation: { id: conversationId },
        serviceUrl: options.serviceUrl,
        channelId: 'msteams',
      },
    };
    const linked = await linkConversation(database, { info, target: team, actor });
    if (!linked.ok) throw new Error(linked.message);
  }
  return {
    directory,
    directoryFile,
    stepIds: plan.steps.map((step) => step.id),
    async activate() {
      const engine = new Engine({ database, directory });
      const result = await engine.execute({
        action: 'activate',
        subject: ITERATION,
        actor: { aadObjectId: PILOT.aadObjectId },
        source: 'teams',
      });
      if (result.outcome !== 'applied') throw new Error(result.message);
    },
  };
}

/** A card press (Action.Execute invoke) as Teams sends it, from the team's member on the step's card. */
export function cardPress(
  team: string,
  step: string,
  verb: string,
  seen: string,
  serviceUrl: string,
): object {
  const member = memberOf(team);
  const channel = channelOf(team);
  return {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `f:invoke-${step}-${verb}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: `29:${member.aadObjectId}`, aadObjectId: member.aadObjectId, name: member.name },
    conversation: {
      isGroup: true,
      conversationType: 'channel',
      tenantId: TENANT,
      id: `${channel};messageid=1`,
    },
    recipient: { id: '28:runsheet', name: 'Runsheet' },
    replyToId: '1',
    value: {
      action: { type: 'Action.Execute', verb, data: { step, iteration: ITERATION, seen } },
      trigger: 'manual',
    },
    channelData: {
      channel: { id: channel },
      team: { id: channel },
      tenant: { id: TENANT },
      source: { name: 'message' },
    },
    locale: 'en-GB',
  };
}
