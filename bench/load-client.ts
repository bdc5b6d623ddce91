/**
 * The load client of the card-action benchmark (bench/bot-latency.ts): virtual users pressing
 * step-card buttons over loopback HTTP, in a worker thread of its own (its own event loop, so the
 * client's work is not billed to the server it measures).
 *
 * The load model is a closed one: each virtual user has at most one press in flight. A user
 * presses, waits for the whole answer, thinks for a time drawn uniformly from
 * `[think.minMs, think.maxMs]` (0 and 0: no think time, the next press goes out at once), and
 * presses again. So "50 concurrent users" means 50 people, never 50 requests fired regardless
 * of answers.
 *
 * Two modes:
 * - `workload`: the users carry out steps on the real service. Each takes a ready step of their
 *   team (or any), presses Start, then Start and Done of each task, then Done, as an
 *   `adaptiveCard/action` invoke shaped like tests/fixtures/teams/card-action-execute.json, sent
 *   by a member of the team the button belongs to. Steps made ready by a Done (read from the
 *   notice on the returned card) are taken up in turn. It records which user sent each body and
 *   how long they thought after it.
 * - `replay`: the same users send the same bodies again, each user its own in the same order,
 *   with the same think times (used for the bare handler, so both see the same load).
 */
import type { MessagePort } from 'node:worker_threads';
import { functionThread } from './card-fanout.js';

export interface ThinkTime {
  minMs: number;
  maxMs: number;
}

export const NO_THINK_TIME: ThinkTime = { minMs: 0, maxMs: 0 };

export interface LoadUser {
  aadObjectId: string;
  name: string;
  team: string;
}

export interface LoadInput {
  url: string;
  mode: 'workload' | 'replay';
  /** Virtual users: the first `users` of `people` (workload), or of the recorded users (replay). */
  users: number;
  warmUp: number;
  measured: number;
  think: ThinkTime;
  iteration: string;
  tenantId: string;
  seed: number;
  people: LoadUser[];
  channelByTeam: Record<string, string>;
  /** `goNoGo`: a go/no-go step (IGO, BGO, GON), whose Done the pilot presses (see `pressesOf`). */
  steps: Record<string, { team: string; goNoGo: boolean; tasks: { key: string; team: string }[] }>;
  /** The pilot, who marks go/no-go steps done over their phase's unchecked controls. */
  pilot: LoadUser;
  initiallyReady: string[];
  /** Replay: what a workload run sent (its `bodies`, `userOf` and `thinkMsAfter`). */
  recorded?: { bodies: string[]; userOf: number[]; thinkMsAfter: number[] };
}

export interface LoadOutput {
  /** Measured round trips, ms, in completion order, with the kind of press of each. */
  latencies: number[];
  kinds: string[];
  warmUpLatencies: number[];
  /** Every request body sent, by issue index (the bare run replays them)… */
  bodies: string[];
  /** …the virtual user who sent it… */
  userOf: number[];
  /** …and how long that user thought after its answer before pressing again. */
  thinkMsAfter: number[];
  /** The card returned to the first measured press. */
  sampleCard: object | null;
  failures: string[];
  failureCount: number;
  /** From the first measured press sent to the last answer received. */
  measuredWallMs: number;
  stepsCompleted: number;
  stepsMadeReady: number;
  /** Ready steps nobody touched, for a later run. */
  readyLeft: string[];
}

/** Runs the load in a worker thread; resolves with what it measured. */
export function runLoad(input: LoadInput): Promise<LoadOutput> {
  return new Promise((resolve, reject) => {
    const thread = functionThread(loadThread, input, []);
    thread.once('message', (message: { ok: true; output: LoadOutput } | { ok: false; error: string }) => {
      void thread.terminate();
      if (message.ok) resolve(message.output);
      else reject(new Error(`the load client failed: ${message.error}`));
    });
    thread.once('error', reject);
  });
}

/** Presses per second over the measured part of a run. */
export function pressRate(output: LoadOutput): number {
  return (output.latencies.length * 1000) / output.measuredWallMs;
}

/**
 * The load client's thread. Self-contained (it runs from its source text, see `functionThread`):
 * it uses nothing from this module but types, and Node's global fetch (undici, keep-alive).
 */
function loadThread(input: LoadInput, port: MessagePort): void {
  interface Actor {
    aadObjectId: string;
    name: string;
  }
  interface Press {
    kind: string;
    verb: string;
    team: string;
    /** Pressed by the pilot rather than a member of `team`. */
    byPilot?: boolean;
    data: Record<string, string | boolean>;
  }
  const total = input.warmUp + input.measured;
  const output: LoadOutput = {
    latencies: [],
    kinds: [],
    warmUpLatencies: [],
    bodies: [],
    userOf: [],
    thinkMsAfter: [],
    sampleCard: null,
    failures: [],
    failureCount: 0,
    measuredWallMs: 0,
    stepsCompleted: 0,
    stepsMadeReady: 0,
    readyLeft: [],
  };
  let issued = 0;
  let measuredStart = 0;
  let measuredEnd = 0;
  let state = input.seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const fail = (problem: string) => {
    output.failureCount++;
    if (output.failures.length < 10) output.failures.push(problem);
  };
  const think = (ms: number) =>
    ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  const drawThink = () => input.think.minMs + random() * (input.think.maxMs - input.think.minMs);

  /** Sends request `index` and times the whole round trip; returns the parsed invoke response. */
  const send = async (index: number, user: number, body: string, kind: string) => {
    output.bodies[index] = body;
    output.userOf[index] = user;
    const started = performance.now();
    if (index === input.warmUp) measuredStart = started;
    let status = 0;
    let text: string;
    try {
      const response = await fetch(input.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = String(error);
    }
    const finished = performance.now();
    if (index < input.warmUp) {
      output.warmUpLatencies.push(finished - started);
    } else {
      output.latencies.push(finished - started);
      output.kinds.push(kind);
      measuredEnd = Math.max(measuredEnd, finished);
    }
    let parsed: { statusCode?: number; value?: { body?: unknown[] } } | null;
    try {
      parsed = JSON.parse(text) as { statusCode?: number; value?: { body?: unknown[] } };
    } catch {
      parsed = null;
    }
    if (status !== 200 || parsed?.statusCode !== 200) {
      fail(`#${index} ${kind}: HTTP ${status} ${text.slice(0, 200)}`);
      return null;
    }
    if (index === input.warmUp && parsed.value) output.sampleCard = parsed.value;
    return parsed.value ?? null;
  };

  /** The outcome notice the bot put on top of the card it returned: `{ text, color }`. */
  const noticeOf = (card: { body?: unknown[] } | null) => {
    for (const element of card?.body ?? []) {
      const block = element as { type?: string; inlines?: { text?: string; color?: string }[] };
      const first = block.inlines?.[0];
      if (block.type === 'RichTextBlock' && first?.color !== undefined) return first;
    }
    return null;
  };

  const invoke = (index: number, actor: Actor, step: string, press: Press): string => {
    const channel = input.channelByTeam[input.steps[step]!.team]!;
    const messageId = `card-${step}`;
    return JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `f:bench-${index}`,
      timestamp: new Date().toISOString(),
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      channelId: 'msteams',
      from: { id: `29:${actor.aadObjectId}`, aadObjectId: actor.aadObjectId, name: actor.name },
      conversation: {
        isGroup: true,
        conversationType: 'channel',
        tenantId: input.tenantId,
        id: `${channel};messageid=${messageId}`,
      },
      recipient: { id: '28:bench-runsheet', name: 'Runsheet' },
      replyToId: messageId,
      value: {
        action: { type: 'Action.Execute', id: press.verb, verb: press.verb, data: press.data },
        trigger: 'manual',
      },
      channelData: {
        channel: { id: channel },
        team: { id: channel },
        tenant: { id: input.tenantId },
        source: { name: 'message' },
      },
      locale: 'en-GB',
    });
  };

  /** Each recorded user sends its own bodies again, in order, thinking as long as it did. */
  const replay = async () => {
    const recorded = input.recorded!;
    const byUser = new Map<number, number[]>();
    recorded.bodies.forEach((_, index) => {
      const user = recorded.userOf[index]!;
      byUser.set(user, [...(byUser.get(user) ?? []), index]);
    });
    const replayUser = async (user: number, indices: number[]) => {
      for (const original of indices) {
        if (issued >= total) return;
        const index = issued++;
        const card = await send(index, user, recorded.bodies[original]!, 'replay');
        if (card === null) return;
        output.thinkMsAfter[index] = recorded.thinkMsAfter[original] ?? 0;
        await think(output.thinkMsAfter[index]);
      }
    };
    const users = [...byUser].slice(0, input.users);
    await Promise.all(users.map(([user, indices]) => replayUser(user, indices)));
  };

  const workload = async () => {
    const pool = [...input.initiallyReady];
    const seen = new Set(pool);
    const waiting: (() => void)[] = [];
    let working = 0;
    let starved = false;
    const wake = () => waiting.splice(0).forEach((resolve) => resolve());
    const membersOf = new Map<string, Actor[]>();
    for (const person of input.people)
      membersOf.set(person.team, [...(membersOf.get(person.team) ?? []), person]);

    const take = (team: string): string | undefined => {
      if (pool.length === 0) return undefined;
      let index = pool.findIndex((key) => input.steps[key]?.team === team);
      if (index < 0) index = Math.floor(random() * pool.length);
      const [key] = pool.splice(index, 1);
      return key;
    };
    const nextStep = async (team: string): Promise<string | undefined> => {
      for (;;) {
        if (issued >= total || starved) return undefined;
        const key = take(team);
        if (key !== undefined) return key;
        if (working === 0) {
          starved = true;
          wake();
          return undefined;
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    };
    const pressesOf = (key: string): Press[] => {
      const step = input.steps[key]!;
      const data = (seen: string, task?: string) => ({
        step: key,
        iteration: input.iteration,
        seen,
        ...(task ? { task } : {}),
      });
      return [
        { kind: 'step.start', verb: 'step.start', team: step.team, data: data('OPEN') },
        ...step.tasks.flatMap((task): Press[] => [
          { kind: 'task.start', verb: 'task.start', team: task.team, data: data('OPEN', task.key) },
          { kind: 'task.done', verb: 'task.done', team: task.team, data: data('IN_PROGRESS', task.key) },
        ]),
        // Nobody checks controls in this load, so a go/no-go step's Done meets open controls: the
        // pilot presses Done anyway on its card, as at a real go/no-go.
        step.goNoGo
          ? {
              kind: 'step.done',
              verb: 'step.done',
              team: step.team,
              byPilot: true,
              data: { ...data('IN_PROGRESS'), acknowledgeControls: true },
            }
          : { kind: 'step.done', verb: 'step.done', team: step.team, data: data('IN_PROGRESS') },
      ];
    };

    const user = async (me: LoadUser, number: number) => {
      for (let key = await nextStep(me.team); key !== undefined; key = await nextStep(me.team)) {
        working++;
        for (const press of pressesOf(key)) {
          if (issued >= total) break;
          const index = issued++;
          const actor = press.byPilot
            ? input.pilot
            : press.team === me.team
              ? me
              : (membersOf.get(press.team) ?? [me])[0]!;
          const card = await send(index, number, invoke(index, actor, key, press), press.kind);
          if (card === null) break;
          const notice = noticeOf(card as { body?: unknown[] });
          if (notice?.color !== 'good') {
            fail(`#${index} ${press.kind} ${key}: ${notice?.text ?? 'no notice on the card'}`);
            break;
          }
          if (press.kind === 'step.done') {
            output.stepsCompleted++;
            const ready = /Now ready: (.+)\.$/.exec(notice.text ?? '')?.[1]?.split(', ') ?? [];
            for (const next of ready) {
              if (seen.has(next) || !input.steps[next]) continue;
              seen.add(next);
              pool.push(next);
              output.stepsMadeReady++;
            }
            wake();
          }
          output.thinkMsAfter[index] = drawThink();
          await think(output.thinkMsAfter[index]);
        }
        working--;
        wake();
      }
    };
    await Promise.all(input.people.slice(0, input.users).map((me, number) => user(me, number)));
    output.readyLeft = pool;
    if (starved && issued < total) fail(`ran out of ready steps after ${issued} presses`);
  };

  (input.mode === 'replay' ? replay() : workload()).then(
    () => {
      output.measuredWallMs = measuredEnd - measuredStart;
      port.postMessage({ ok: true, output });
    },
    (error: unknown) => port.postMessage({ ok: false, error: String((error as Error)?.stack ?? error) }),
  );
}
