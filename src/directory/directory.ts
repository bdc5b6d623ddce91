/**
 * The directory port: who is a pilot, who is in which team. Two adapters plug in: the local JSON
 * file (local mode, tests) and Microsoft Graph (production, over the teams' Entra ID groups).
 * Lookups are synchronous over a snapshot the adapter keeps fresh, so a card click never waits
 * on Graph.
 */

export interface DirectoryUser {
  aadObjectId: string;
  name: string;
  email: string;
  pilot: boolean;
  /** Names of the plan teams the user belongs to. */
  teams: string[];
  /** Other addresses the user is found by (Entra ID: the UPN when it differs from `mail`). */
  alternateEmails?: readonly string[];
}

export type Role = 'pilot' | 'member' | 'viewer';

export interface Directory {
  /** Where the snapshot comes from, for messages and logs (a file path, `graph`). */
  readonly source: string;
  findByAadObjectId(aadObjectId: string): DirectoryUser | undefined;
  /** Case-insensitive. */
  findByEmail(email: string): DirectoryUser | undefined;
  membersOf(team: string): DirectoryUser[];
  pilots(): DirectoryUser[];
  allUsers(): DirectoryUser[];
}

/** A user in no team and not a pilot is a viewer (managers). */
export function roleOf(user: DirectoryUser): Role {
  if (user.pilot) return 'pilot';
  return user.teams.length > 0 ? 'member' : 'viewer';
}

/** An in-memory directory over a list of users; the adapters build one from their source. */
export class DirectorySnapshot implements Directory {
  private readonly byAad = new Map<string, DirectoryUser>();
  private readonly byEmail = new Map<string, DirectoryUser>();
  private readonly byTeam = new Map<string, DirectoryUser[]>();

  constructor(
    readonly source: string,
    private readonly users: readonly DirectoryUser[],
  ) {
    for (const user of users) {
      this.byAad.set(user.aadObjectId.toLowerCase(), user);
      for (const alias of user.alternateEmails ?? []) this.byEmail.set(alias.toLowerCase(), user);
      this.byEmail.set(user.email.toLowerCase(), user);
      for (const team of user.teams) {
        const members = this.byTeam.get(team) ?? [];
        members.push(user);
        this.byTeam.set(team, members);
      }
    }
  }

  findByAadObjectId(aadObjectId: string): DirectoryUser | undefined {
    return this.byAad.get(aadObjectId.toLowerCase());
  }

  findByEmail(email: string): DirectoryUser | undefined {
    return this.byEmail.get(email.trim().toLowerCase());
  }

  membersOf(team: string): DirectoryUser[] {
    return [...(this.byTeam.get(team) ?? [])];
  }

  pilots(): DirectoryUser[] {
    return this.users.filter((user) => user.pilot);
  }

  allUsers(): DirectoryUser[] {
    return [...this.users];
  }
}
