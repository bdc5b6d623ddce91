/**
 * The Microsoft Graph adapter of the directory port: the pilots are the transitive members of the
 * pilots' group, and a team's members those of the group its row in the workbook names.
 *
 * Lookups never wait on Graph. They read the last good snapshot, which a background refresh
 * replaces every GRAPH_DIRECTORY_TTL_SECONDS. A refresh that fails (Graph unreachable, throttled
 * beyond the retries, access denied, the pilots' group gone) keeps the old snapshot, logs why,
 * and is tried again sooner. A team whose group is missing (404) or not set is only logged: that is
 * a plan problem `runsheet directory check` reports, and the other teams stay current.
 */
import { DirectorySnapshot, type DirectoryUser } from '../directory/directory.js';
import { SwitchableDirectory } from '../directory/switchable-directory.js';
import type { TeamGroup } from '../directory/team-groups.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Logger } from '../logger.js';
import type { GraphApi } from './graph-api.js';
import { nameOf, primaryEmail, type GraphUser } from './group-members.js';
import { readPlanGroups, type PlanGroups } from './read-plan-groups.js';

export interface GraphDirectoryOptions {
  api: GraphApi;
  pilotsGroupId: string;
  /** The plan's teams and their groups, read again at every refresh (a re-import may change them). */
  teamGroups: () => Promise<TeamGroup[]>;
  /** How long a snapshot is used before it is read again. */
  ttlMs: number;
  /** How soon a failed refresh is tried again. Default: the TTL, at most 60 s. */
  retryMs?: number;
  logger: Logger;
  /** Runs `task` after `ms`; returns a cancel function. Tests inject their own. Default: an unref'd timer. */
  schedule?: (task: () => void, ms: number) => () => void;
  now?: () => Date;
}

const SOURCE = 'Microsoft Graph (Entra ID groups)';

const realSchedule = (task: () => void, ms: number) => {
  const timer = setTimeout(task, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Lookups go to the current snapshot ({@link SwitchableDirectory}); a successful refresh swaps it. */
export class GraphDirectory extends SwitchableDirectory {
  private loadedAt: Date | undefined;
  private lastFailure: { at: Date; message: string } | undefined;
  private inFlight: Promise<boolean> | undefined;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private readonly schedule: (task: () => void, ms: number) => () => void;
  private readonly now: () => Date;
  private readonly retryMs: number;

  constructor(private readonly options: GraphDirectoryOptions) {
    super(new DirectorySnapshot(SOURCE, []));
    this.schedule = options.schedule ?? realSchedule;
    this.now = options.now ?? (() => new Date());
    this.retryMs = options.retryMs ?? Math.min(options.ttlMs, 60_000);
  }

  /** Loads the first snapshot (waited for, so the service starts with its people) and keeps it fresh. */
  async start(): Promise<boolean> {
    this.stopped = false;
    return this.refreshAndReschedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * Reads the groups now and swaps the snapshot in when every group could be read. Concurrent
   * calls share one refresh. Resolves to whether the snapshot was replaced; never rejects.
   */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** For /readyz: ready once a snapshot is loaded, with its age and the last failure, if any. */
  reachability(): ReadinessCheck {
    const users = this.allUsers().length;
    const failure = this.lastFailure
      ? `; last refresh failed at ${this.lastFailure.at.toISOString()}: ${this.lastFailure.message}`
      : '';
    if (!this.loadedAt) return { ok: false, detail: `no snapshot from Entra ID yet${failure}` };
    return { ok: true, detail: `${users} users, read at ${this.loadedAt.toISOString()}${failure}` };
  }

  private async refreshAndReschedule(): Promise<boolean> {
    const replaced = await this.refresh();
    if (!this.stopped) {
      this.cancelTimer?.();
      const delay = replaced ? this.options.ttlMs : this.retryMs;
      this.cancelTimer = this.schedule(() => void this.refreshAndReschedule(), delay);
    }
    return replaced;
  }

  private async load(): Promise<boolean> {
    const { api, pilotsGroupId, logger } = this.options;
    const startedAt = Date.now();
    try {
      const groups = await readPlanGroups(api, await this.options.teamGroups(), pilotsGroupId);
      const failures = refreshFailures(groups);
      if (failures.length > 0) throw new Error(failures.join('; '));
      const unresolved = groups.teams.filter((t) => t.outcome.kind !== 'members');
      if (unresolved.length > 0) {
        logger.warn(
          {
            teams: unresolved.map((t) => `${t.team}: ${t.outcome.kind}${t.groupId ? ` (${t.groupId})` : ''}`),
          },
          'teams without members from Entra ID (see runsheet directory check)',
        );
      }
      const users = buildDirectoryUsers(groups);
      this.replace(new DirectorySnapshot(SOURCE, users));
      this.loadedAt = this.now();
      this.lastFailure = undefined;
      logger.info(
        {
          users: users.length,
          pilots: users.filter((u) => u.pilot).length,
          teams: groups.teams.length,
          ms: Date.now() - startedAt,
        },
        'directory read from Entra ID',
      );
      return true;
    } catch (error) {
      const message = (error as Error).message;
      this.lastFailure = { at: this.now(), message };
      logger.error(
        { error: message, servingSnapshotFrom: this.loadedAt?.toISOString() ?? null },
        this.loadedAt
          ? 'directory refresh from Entra ID failed; keeping the last snapshot'
          : 'directory could not be read from Entra ID; nobody can act until it is',
      );
      return false;
    }
  }
}

/** Why a reading cannot become the snapshot: any group that could not be read, or no pilots' group. */
function refreshFailures(groups: PlanGroups): string[] {
  const failures: string[] = [];
  const pilots = groups.pilots.outcome;
  if (pilots.kind === 'not-found' || pilots.kind === 'failed') {
    failures.push(`pilots' group ${groups.pilots.groupId}: ${pilots.error.message}`);
  }
  const reported = new Set<string>();
  for (const { team, groupId, outcome } of groups.teams) {
    if (outcome.kind === 'failed' && !reported.has(groupId)) {
      reported.add(groupId);
      failures.push(`team ${team}: ${outcome.error.message}`);
    }
  }
  return failures;
}

/** One directory user per Entra ID user, with the teams whose groups hold them and whether they pilot. */
export function buildDirectoryUsers(groups: PlanGroups): DirectoryUser[] {
  const users = new Map<string, DirectoryUser>();
  const userFor = (member: GraphUser): DirectoryUser => {
    const key = member.id.toLowerCase();
    let user = users.get(key);
    if (!user) {
      const email = primaryEmail(member);
      const upn = member.userPrincipalName?.trim();
      user = {
        aadObjectId: member.id,
        name: nameOf(member),
        email,
        pilot: false,
        teams: [],
        ...(upn && upn.toLowerCase() !== email.toLowerCase() ? { alternateEmails: [upn] } : {}),
      };
      users.set(key, user);
    }
    return user;
  };
  if (groups.pilots.outcome.kind === 'members') {
    for (const member of groups.pilots.outcome.members) userFor(member).pilot = true;
  }
  for (const { team, outcome } of groups.teams) {
    if (outcome.kind !== 'members') continue;
    for (const member of outcome.members) {
      const user = userFor(member);
      if (!user.teams.includes(team)) user.teams.push(team);
    }
  }
  return [...users.values()];
}
