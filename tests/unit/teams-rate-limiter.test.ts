/** The Teams rate limiter: sliding windows per conversation and per app, on a fake clock. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConversationRateLimiter,
  TEAMS_APP_LIMIT,
  TEAMS_CONVERSATION_LIMITS,
  shareOfLimits,
  type RateWindow,
} from '../../src/teams/connector/rate-limiter.js';

/** A limiter on a clock that only moves when the test says so. */
function limiterOnFakeClock(options: { perConversation?: RateWindow[]; perApp?: RateWindow } = {}) {
  const clock = { now: 0 };
  const limiter = new ConversationRateLimiter({ now: () => clock.now, ...options });
  return { clock, limiter };
}

/** Books `count` sends on one conversation as fast as the limiter allows; returns their send times. */
function reserveMany(
  limiter: ConversationRateLimiter,
  clock: { now: number },
  conversationId: string,
  count: number,
) {
  return Array.from({ length: count }, () => clock.now + limiter.reserve(conversationId));
}

/** The largest number of the given times inside any interval [t, t + windowMs). */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let busiest = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while (sorted[last]! - sorted[first]! >= windowMs) first += 1;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

const inFirst = (times: readonly number[], windowMs: number) => times.filter((t) => t < windowMs).length;

describe('ConversationRateLimiter', () => {
  it('lets exactly 7 sends go in the first second of a conversation; the 8th waits for the second to pass', () => {
    const { clock, limiter } = limiterOnFakeClock();
    for (let send = 1; send <= 7; send += 1) {
      expect(limiter.delayFor('channel')).toBe(0);
      limiter.record('channel');
    }
    expect(limiter.delayFor('channel')).toBe(1000);
    clock.now = 999;
    expect(limiter.delayFor('channel')).toBe(1);
    clock.now = 1000;
    expect(limiter.delayFor('channel')).toBe(0);
  });

  it('holds 8 in 2 s: after 7 + 1, the next sends wait for the two seconds to pass', () => {
    const { clock, limiter } = limiterOnFakeClock();
    const times = reserveMany(limiter, clock, 'channel', 16);
    expect(times).toEqual([0, 0, 0, 0, 0, 0, 0, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 2000, 3000]);
  });

  it('holds 60 in 30 s on one conversation', () => {
    const { clock, limiter } = limiterOnFakeClock();
    const times = reserveMany(limiter, clock, 'channel', 61);
    expect(inFirst(times, 30_000)).toBe(60);
    expect(times[60]).toBe(30_000);
    expect(busiestWindow(times, 30_000)).toBe(60);
  });

  it('holds 1800 in an hour on one conversation', () => {
    const { clock, limiter } = limiterOnFakeClock();
    const times = reserveMany(limiter, clock, 'channel', 1801);
    expect(inFirst(times, 3_600_000)).toBe(1800);
    expect(times[1800]).toBe(3_600_000);
    expect(busiestWindow(times, 3_600_000)).toBe(1800);
    // Reserving books slots without spending time: the clock is still at 0, the next slot an hour away.
    expect(clock.now).toBe(0);
    expect(limiter.delayFor('channel')).toBeGreaterThanOrEqual(3_600_000);
  });

  it('holds 50 per second over all conversations together', () => {
    const { clock, limiter } = limiterOnFakeClock();
    const delays = Array.from({ length: 60 }, (_, n) => limiter.reserve(`channel-${n}`));
    expect(delays.filter((delay) => delay === 0)).toHaveLength(50);
    expect(delays.slice(50)).toEqual(Array(10).fill(1000));
    // The 60 conversations are within their own limits; only the app-wide window held them.
    clock.now = 1000;
    expect(limiter.delayFor('channel-0')).toBe(0);
    expect(limiter.delayFor('channel-55')).toBe(0);
  });

  it('does not make one conversation queue behind another that is at its limit', () => {
    const { clock, limiter } = limiterOnFakeClock();
    reserveMany(limiter, clock, 'busy', 20);
    expect(limiter.delayFor('busy')).toBeGreaterThan(0);
    expect(limiter.reserve('quiet')).toBe(0);
  });

  it('honours a pause after a 429, for that conversation only', () => {
    const { clock, limiter } = limiterOnFakeClock();
    clock.now = 5000;
    limiter.record('throttled');
    limiter.pause('throttled', 7000);
    expect(limiter.delayFor('throttled')).toBe(2000);
    expect(limiter.delayFor('other')).toBe(0);
    // An earlier deadline does not shorten a pause.
    limiter.pause('throttled', 6000);
    expect(limiter.reserve('throttled')).toBe(2000);
    clock.now = 7000;
    // The slot booked at 7000 is taken; the next send to the conversation follows it.
    expect(limiter.delayFor('throttled')).toBe(0);
    clock.now = 7001;
    expect(limiter.delayFor('throttled')).toBe(0);
  });

  it('pauses a conversation it has never seen', () => {
    const { limiter } = limiterOnFakeClock();
    limiter.pause('new', 1500);
    expect(limiter.reserve('new')).toBe(1500);
  });

  it('forgets sends older than its longest window, so memory stays bounded', () => {
    const { clock, limiter } = limiterOnFakeClock();
    for (let n = 0; n < 500; n += 1) limiter.reserve(`channel-${n % 100}`);
    expect(limiter.trackedConversations).toBe(100);
    clock.now = 2 * 3_600_000;
    limiter.reserve('later');
    expect(limiter.trackedConversations).toBe(1);
    expect(limiter.trackedSends).toBe(2);
  });

  it('keeps at most the largest limit of send times per conversation', () => {
    const { clock, limiter } = limiterOnFakeClock({ perConversation: [{ limit: 3, windowMs: 1000 }] });
    for (let n = 0; n < 50; n += 1) {
      limiter.reserve('channel');
      clock.now += 400;
    }
    // 3 for the conversation; the app-wide list only keeps the last second.
    expect(limiter.trackedSends).toBeLessThanOrEqual(3 + 3);
  });

  it('rejects a window that could never let a send through', () => {
    expect(() => new ConversationRateLimiter({ perApp: { limit: 0, windowMs: 1000 } })).toThrow(
      /invalid rate window/,
    );
  });

  describe('property: whatever the sequence of calls, booked sends never exceed a window', () => {
    type Step =
      | { op: 'advance'; ms: number }
      | { op: 'reserve'; conversation: number }
      /** delayFor() then record() when it says 0: the other way to use the limiter. */
      | { op: 'send-if-free'; conversation: number }
      | { op: 'pause'; conversation: number; forMs: number };
    const steps = (conversations: number, maxAdvanceMs: number, maxLength: number) =>
      fc.array(
        fc.oneof<fc.Arbitrary<Step>[]>(
          fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: maxAdvanceMs }) }),
          fc.record({
            op: fc.constant('reserve' as const),
            conversation: fc.integer({ min: 0, max: conversations - 1 }),
          }),
          fc.record({
            op: fc.constant('reserve' as const),
            conversation: fc.integer({ min: 0, max: conversations - 1 }),
          }),
          fc.record({
            op: fc.constant('reserve' as const),
            conversation: fc.integer({ min: 0, max: conversations - 1 }),
          }),
          fc.record({
            op: fc.constant('send-if-free' as const),
            conversation: fc.integer({ min: 0, max: conversations - 1 }),
          }),
          fc.record({
            op: fc.constant('pause' as const),
            conversation: fc.integer({ min: 0, max: conversations - 1 }),
            forMs: fc.integer({ min: 0, max: 3000 }),
          }),
        ),
        { maxLength },
      );
    const window = fc.record({
      limit: fc.integer({ min: 1, max: 6 }),
      windowMs: fc.integer({ min: 1, max: 2000 }),
    });

    /** Replays the steps and checks every booked send against every window and every pause. */
    function check(
      limiter: ConversationRateLimiter,
      clock: { now: number },
      perConversation: readonly RateWindow[],
      perApp: RateWindow,
      plan: Step[],
    ): void {
      const sendsByConversation = new Map<number, number[]>();
      const allSends: number[] = [];
      const pausedUntil = new Map<number, number>();
      for (const step of plan) {
        if (step.op === 'advance') clock.now += step.ms;
        else if (step.op === 'pause') {
          const until = clock.now + step.forMs;
          limiter.pause(`c${step.conversation}`, until);
          pausedUntil.set(step.conversation, Math.max(pausedUntil.get(step.conversation) ?? 0, until));
        } else {
          if (step.op === 'send-if-free' && limiter.delayFor(`c${step.conversation}`) > 0) continue;
          const delay =
            step.op === 'reserve'
              ? limiter.reserve(`c${step.conversation}`)
              : (limiter.record(`c${step.conversation}`), 0);
          expect(delay).toBeGreaterThanOrEqual(0);
          const at = clock.now + delay;
          expect(at).toBeGreaterThanOrEqual(pausedUntil.get(step.conversation) ?? 0);
          const sends = sendsByConversation.get(step.conversation) ?? [];
          // First come, first served within a conversation.
          expect(at).toBeGreaterThanOrEqual(sends.at(-1) ?? 0);
          sends.push(at);
          sendsByConversation.set(step.conversation, sends);
          allSends.push(at);
        }
      }
      for (const sends of sendsByConversation.values()) {
        for (const { limit, windowMs } of perConversation) {
          expect(busiestWindow(sends, windowMs)).toBeLessThanOrEqual(limit);
        }
      }
      expect(busiestWindow(allSends, perApp.windowMs)).toBeLessThanOrEqual(perApp.limit);
    }

    it('with random limits', () => {
      fc.assert(
        fc.property(
          fc.array(window, { minLength: 1, maxLength: 3 }),
          window,
          steps(5, 1500, 150),
          (perConversation, perApp, plan) => {
            const { clock, limiter } = limiterOnFakeClock({ perConversation, perApp });
            check(limiter, clock, perConversation, perApp, plan);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("with Teams' limits (the defaults), enough conversations to reach the app-wide limit", () => {
      fc.assert(
        fc.property(steps(30, 700, 600), (plan) => {
          const clock = { now: 0 };
          const limiter = new ConversationRateLimiter({ now: () => clock.now });
          check(limiter, clock, TEAMS_CONVERSATION_LIMITS, TEAMS_APP_LIMIT, plan);
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe('shareOfLimits', () => {
  it('gives each of N instances floor(limit / N) of every window, so that together they stay within', () => {
    expect(shareOfLimits(1)).toEqual({
      perConversation: [...TEAMS_CONVERSATION_LIMITS],
      perApp: TEAMS_APP_LIMIT,
    });
    expect(shareOfLimits(2)).toEqual({
      perConversation: [
        { limit: 3, windowMs: 1_000 },
        { limit: 4, windowMs: 2_000 },
        { limit: 30, windowMs: 30_000 },
        { limit: 900, windowMs: 3_600_000 },
      ],
      perApp: { limit: 25, windowMs: 1_000 },
    });
    for (let instances = 1; instances <= 7; instances++) {
      const share = shareOfLimits(instances);
      share.perConversation.forEach((window, i) =>
        expect(window.limit * instances).toBeLessThanOrEqual(TEAMS_CONVERSATION_LIMITS[i]!.limit),
      );
    }
  });

  it('refuses more instances than the smallest limit can be shared among', () => {
    expect(() => shareOfLimits(8)).toThrow('cannot share 7 sends in 1000 ms among 8 instances');
  });

  it('two limiters on half shares never book more than the whole limit in any second', () => {
    const limiters = [0, 1].map(() => new ConversationRateLimiter({ now: () => 0, ...shareOfLimits(2) }));
    const sends: number[] = [];
    for (let i = 0; i < 40; i++) {
      const slot = limiters[i % 2]!.book('19:c');
      sends.push(slot.at);
    }
    sends.sort((a, b) => a - b);
    // Teams' 7 in 1 s and 8 in 2 s hold for the two instances' sends together.
    for (let i = 0; i + 7 < sends.length; i++)
      expect(sends[i + 7]! - sends[i]!).toBeGreaterThanOrEqual(1_000);
    for (let i = 0; i + 8 < sends.length; i++)
      expect(sends[i + 8]! - sends[i]!).toBeGreaterThanOrEqual(2_000);
  });
});
