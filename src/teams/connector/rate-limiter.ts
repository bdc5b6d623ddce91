/**
 * Keeps the bot's outgoing Bot Connector calls under Microsoft Teams' rate limits, so that a burst
 * of card updates (a phase finishing, 300 steps becoming ready) is spread out instead of being
 * answered with 429s. Teams throttles per bot per conversation (7 in 1 s, 8 in 2 s, 60 in 30 s,
 * 1800 in an hour) and per app overall (50 per second); a sliding window per limit models both.
 *
 * The limiter is pure bookkeeping over an injected clock: it never sleeps or sets timers, it only
 * says how long the caller must wait. That keeps it deterministic under test and lets the caller
 * decide whether a long wait is worth holding a job for.
 *
 * It is per process. With several instances each keeps its own books over its share of every limit
 * ({@link shareOfLimits}, from RUNSHEET_INSTANCES): N instances each held to floor(limit / N) in
 * every window cannot together exceed the limit in any window, without talking to each other. The
 * 429 handling in the connector client remains the backstop (clock skew, a miscounted N).
 */

/** At most `limit` sends in any interval of `windowMs` milliseconds. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface ConversationRateLimiterOptions {
  /** The clock, in milliseconds; `Date.now` unless a test injects a fake one. */
  now?: () => number;
  /** Limits for each conversation separately. */
  perConversation?: readonly RateWindow[];
  /** The limit over all conversations together. */
  perApp?: RateWindow;
}

/** Teams' documented per-bot, per-conversation limits. */
export const TEAMS_CONVERSATION_LIMITS: readonly RateWindow[] = [
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1_800, windowMs: 3_600_000 },
];

/** Teams' documented limit per app and tenant. */
export const TEAMS_APP_LIMIT: RateWindow = { limit: 50, windowMs: 1_000 };

/**
 * The limits one of `instances` service processes may use, so that together they stay within
 * Teams' limits: each limit divided by the number of instances, rounded down. With 2 instances a
 * conversation gets 3 sends per second and 4 per 2 s from each; the app 25 per second from each.
 */
export function shareOfLimits(
  instances: number,
  limits: { perConversation: readonly RateWindow[]; perApp: RateWindow } = {
    perConversation: TEAMS_CONVERSATION_LIMITS,
    perApp: TEAMS_APP_LIMIT,
  },
): { perConversation: RateWindow[]; perApp: RateWindow } {
  const share = (window: RateWindow): RateWindow => {
    const limit = Math.floor(window.limit / instances);
    if (!Number.isInteger(instances) || instances < 1 || limit < 1)
      throw new Error(
        `cannot share ${window.limit} sends in ${window.windowMs} ms among ${instances} instances`,
      );
    return { limit, windowMs: window.windowMs };
  };
  return { perConversation: limits.perConversation.map(share), perApp: share(limits.perApp) };
}

interface ConversationState {
  /** Send times, ascending. Never earlier than `now - longest window` once pruned. */
  sends: number[];
  /** No send before this time (a 429's Retry-After); 0 when not paused. */
  pausedUntil: number;
}

/**
 * A sliding-window rate limiter keyed by conversation, with one app-wide window on top.
 *
 * "N in W ms" means: no interval of length W holds more than N sends, i.e. for send times sorted
 * ascending, `t[i + N] - t[i] >= W`. So with 7 per second the 8th send may go exactly 1000 ms after
 * the 1st.
 *
 * Sends to one conversation are scheduled in order (first come, first served): a later caller is
 * never given an earlier slot than an earlier caller, so replies and in-place updates in a channel
 * keep their order. Different conversations do not queue behind each other, except through the
 * app-wide window.
 */
export class ConversationRateLimiter {
  private readonly clock: () => number;
  private readonly conversationWindows: readonly RateWindow[];
  private readonly appWindow: RateWindow;
  /** How far back a conversation's history matters: its longest window. */
  private readonly conversationHorizonMs: number;
  /** At most this many sends per conversation are ever needed: the largest limit. */
  private readonly conversationHistoryCap: number;
  private readonly conversations = new Map<string, ConversationState>();
  /**
   * App-wide send times, ascending. Unlike one conversation's, these may be reserved out of order
   * (conversation A waits for its own window while B goes now), so app-wide checks consider every
   * interval around the candidate time, not just the one ending at it.
   */
  private readonly appSends: number[] = [];
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(options: ConversationRateLimiterOptions = {}) {
    this.clock = options.now ?? Date.now;
    this.conversationWindows = options.perConversation ?? TEAMS_CONVERSATION_LIMITS;
    this.appWindow = options.perApp ?? TEAMS_APP_LIMIT;
    for (const window of [...this.conversationWindows, this.appWindow]) {
      if (!(window.limit >= 1 && Number.isInteger(window.limit) && window.windowMs > 0)) {
        throw new Error(`invalid rate window: ${window.limit} in ${window.windowMs} ms`);
      }
    }
    this.conversationHorizonMs = Math.max(0, ...this.conversationWindows.map((w) => w.windowMs));
    this.conversationHistoryCap = Math.max(0, ...this.conversationWindows.map((w) => w.limit));
  }

  /** The limiter's clock, in milliseconds. Pause deadlines are expressed on it. */
  now(): number {
    return this.clock();
  }

  /** Milliseconds to wait before the next send to this conversation may go; 0 when it may go now. */
  delayFor(conversationId: string): number {
    const now = this.clock();
    this.prune(now);
    return this.earliestSendTime(conversationId, now) - now;
  }

  /** Records that a send to this conversation went out now. */
  record(conversationId: string): void {
    const now = this.clock();
    this.prune(now);
    this.recordAt(conversationId, now);
  }

  /**
   * Books the earliest allowed slot for a send to this conversation and returns how long to wait
   * for it. Booking at once (rather than `delayFor` now and `record` after the wait) is what lets
   * concurrent callers queue up: the second caller sees the first one's slot as taken.
   */
  reserve(conversationId: string): number {
    return this.book(conversationId).waitMs;
  }

  /** As {@link reserve}, also returning the slot booked (`at`, on this limiter's clock). */
  book(conversationId: string): { at: number; waitMs: number } {
    const now = this.clock();
    this.prune(now);
    const at = this.earliestSendTime(conversationId, now);
    this.recordAt(conversationId, at);
    return { at, waitMs: at - now };
  }

  /**
   * Called when the slot booked at `bookedAt` has come, just before sending: whether the send may
   * really go now, by the sends that went out before it as they are now recorded (see
   * {@link settle}: they may have left later than booked, and Teams counts them from then). If not,
   * the booking moves to the time it may go, and the wait until then is returned; 0 means send now.
   */
  recheck(conversationId: string, bookedAt: number): { at: number; waitMs: number } {
    const now = this.clock();
    const state = this.conversations.get(conversationId);
    let at = Math.max(now, state?.pausedUntil ?? 0);
    const own = state?.sends ?? [];
    for (const window of this.conversationWindows)
      at = Math.max(at, sentWindowFreesAt(own, window, at, bookedAt));
    at = Math.max(at, sentWindowFreesAt(this.appSends, this.appWindow, at, bookedAt));
    if (at > now) this.settle(conversationId, bookedAt, at);
    return { at: Math.max(at, now), waitMs: Math.max(0, at - now) };
  }

  /**
   * Records that the send booked at `bookedAt` really went out at `sentAt` (its response time is a
   * safe stand-in: Teams had the request by then). A send leaves later than booked when the process
   * is busy or a connection slow; counted from its booked time, it would let the next sends of the
   * conversation go too early by Teams' clock and earn 429s. Only ever moves a send later.
   */
  settle(conversationId: string, bookedAt: number, sentAt: number): void {
    if (sentAt <= bookedAt) return;
    const sends = this.conversations.get(conversationId)?.sends;
    if (sends && moveTime(sends, bookedAt, sentAt)) moveTime(this.appSends, bookedAt, sentAt);
  }

  /** Gives back a slot booked but not used (the caller gave up before sending). */
  release(conversationId: string, bookedAt: number): void {
    const sends = this.conversations.get(conversationId)?.sends;
    if (sends && removeTime(sends, bookedAt)) removeTime(this.appSends, bookedAt);
  }

  /**
   * Holds all sends to this conversation until `untilMs` (on this limiter's clock), after Teams
   * answered 429 with a Retry-After. Slots already handed out before the pause are not moved: their
   * callers are already waiting, and will get a 429 of their own if they are still too early.
   */
  pause(conversationId: string, untilMs: number): void {
    const state = this.stateOf(conversationId);
    state.pausedUntil = Math.max(state.pausedUntil, untilMs);
  }

  /** How many send times the limiter holds (all conversations plus the app-wide list): for tests and metrics. */
  get trackedSends(): number {
    let total = this.appSends.length;
    for (const state of this.conversations.values()) total += state.sends.length;
    return total;
  }

  /** How many conversations the limiter holds state for: for tests and metrics. */
  get trackedConversations(): number {
    return this.conversations.size;
  }

  private earliestSendTime(conversationId: string, now: number): number {
    const state = this.conversations.get(conversationId);
    let at = now;
    if (state !== undefined) {
      at = Math.max(at, state.pausedUntil);
      const sends = state.sends;
      const last = sends.at(-1);
      // First come, first served within a conversation, so its posts and updates keep their order.
      // With the new send at or after every earlier one, only the interval ending at it can be over
      // a limit, which is why one look per window suffices here (unlike the app-wide check).
      if (last !== undefined) at = Math.max(at, last);
      for (const { limit, windowMs } of this.conversationWindows) {
        const oldestThatCounts = sends[sends.length - limit];
        if (oldestThatCounts !== undefined) at = Math.max(at, oldestThatCounts + windowMs);
      }
    }
    return this.earliestAppSlot(at);
  }

  /**
   * The earliest time at or after `from` at which one more send keeps every interval of the app
   * window within its limit. It can only become allowed at `from` itself or where an earlier send
   * drops out of reach (`send + windowMs`), so those are the only candidates to check.
   */
  private earliestAppSlot(from: number): number {
    const { windowMs } = this.appWindow;
    if (this.appSlotIsFree(from)) return from;
    for (let index = upperBound(this.appSends, from - windowMs); index < this.appSends.length; index += 1) {
      const candidate = this.appSends[index]! + windowMs;
      if (candidate > from && this.appSlotIsFree(candidate)) return candidate;
    }
    // Past every booked send plus a window, nothing is in reach any more.
    return Math.max(from, (this.appSends.at(-1) ?? from) + windowMs);
  }

  /** Whether a send at `at` keeps every run of `limit + 1` consecutive app-wide sends at least a window long. */
  private appSlotIsFree(at: number): boolean {
    const { limit, windowMs } = this.appWindow;
    const sends = this.appSends;
    const position = upperBound(sends, at);
    // The send times with `at` inserted at `position`, without building the array.
    const withNew = (index: number): number =>
      index < position ? sends[index]! : index === position ? at : sends[index - 1]!;
    const count = sends.length + 1;
    for (let first = Math.max(0, position - limit); first <= position; first += 1) {
      const last = first + limit;
      if (last >= count) break;
      if (withNew(last) - withNew(first) < windowMs) return false;
    }
    return true;
  }

  private recordAt(conversationId: string, at: number): void {
    const sends = this.stateOf(conversationId).sends;
    sends.splice(upperBound(sends, at), 0, at);
    // Only the last `largest limit` sends can ever decide a wait.
    if (sends.length > this.conversationHistoryCap)
      sends.splice(0, sends.length - this.conversationHistoryCap);
    this.appSends.splice(upperBound(this.appSends, at), 0, at);
  }

  private stateOf(conversationId: string): ConversationState {
    let state = this.conversations.get(conversationId);
    if (state === undefined) {
      state = { sends: [], pausedUntil: 0 };
      this.conversations.set(conversationId, state);
    }
    return state;
  }

  /**
   * Drops what can no longer matter, so memory stays bounded by the traffic of the longest window
   * rather than growing for the life of the process. A send at or before `now - windowMs` cannot
   * share an interval with any send from now on.
   */
  private prune(now: number): void {
    dropUpTo(this.appSends, now - this.appWindow.windowMs);
    // Sweeping every conversation on every call would cost O(conversations); once per horizon is enough
    // to bound memory, since a stale entry only wastes space, never changes an answer.
    if (now - this.lastSweep < this.conversationHorizonMs) return;
    this.lastSweep = now;
    for (const [conversationId, state] of this.conversations) {
      dropUpTo(state.sends, now - this.conversationHorizonMs);
      if (state.sends.length === 0 && state.pausedUntil <= now) this.conversations.delete(conversationId);
    }
  }
}

/**
 * The earliest time from `at` at which one more send fits `window`, counting only the sends at or
 * before `at` (those already gone) and not counting one send at `own` (the caller's own booking).
 */
function sentWindowFreesAt(sends: readonly number[], window: RateWindow, at: number, own: number): number {
  let result = at;
  for (;;) {
    // Newest first: once `limit` sends are found in the window, the oldest of them must drop out.
    let counted = 0;
    let ownSkipped = false;
    let limitThNewest = 0;
    for (let i = upperBound(sends, result) - 1; i >= 0 && sends[i]! > result - window.windowMs; i -= 1) {
      if (!ownSkipped && sends[i] === own) {
        ownSkipped = true;
        continue;
      }
      counted += 1;
      if (counted === window.limit) {
        limitThNewest = sends[i]!;
        break;
      }
    }
    if (counted < window.limit) return result;
    result = limitThNewest + window.windowMs;
  }
}

/** Moves one occurrence of `from` to `to` in an ascending array; false when `from` is not there. */
function moveTime(sorted: number[], from: number, to: number): boolean {
  if (!removeTime(sorted, from)) return false;
  sorted.splice(upperBound(sorted, to), 0, to);
  return true;
}

/** Removes one occurrence of `value` from an ascending array; false when it is not there. */
function removeTime(sorted: number[], value: number): boolean {
  const index = upperBound(sorted, value) - 1;
  if (index < 0 || sorted[index] !== value) return false;
  sorted.splice(index, 1);
  return true;
}

/** The index of the first element greater than `value` in an ascending array. */
function upperBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Removes the elements at or below `cutoff` from the front of an ascending array. */
function dropUpTo(sorted: number[], cutoff: number): void {
  const count = upperBound(sorted, cutoff);
  if (count > 0) sorted.splice(0, count);
}
