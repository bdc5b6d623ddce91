/**
 * A directory whose snapshot can be swapped while the service runs: the engine and the bot hold
 * this one object from the start, and every lookup goes to whatever snapshot is current. Local
 * mode's dev channel uses it to load the demo people in one click when no directory is
 * configured; a configured directory (RUNSHEET_DIRECTORY) is never replaced by it.
 */
import type { Directory, DirectoryUser } from './directory.js';

export class SwitchableDirectory implements Directory {
  constructor(private current: Directory) {}

  get source(): string {
    return this.current.source;
  }

  /** The snapshot lookups currently go to. */
  get snapshot(): Directory {
    return this.current;
  }

  /** Makes every later lookup use `next`. */
  replace(next: Directory): void {
    this.current = next;
  }

  findByAadObjectId(aadObjectId: string): DirectoryUser | undefined {
    return this.current.findByAadObjectId(aadObjectId);
  }

  findByEmail(email: string): DirectoryUser | undefined {
    return this.current.findByEmail(email);
  }

  membersOf(team: string): DirectoryUser[] {
    return this.current.membersOf(team);
  }

  pilots(): DirectoryUser[] {
    return this.current.pilots();
  }

  allUsers(): DirectoryUser[] {
    return this.current.allUsers();
  }
}
