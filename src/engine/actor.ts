/** Resolves who acts, through the directory port, into the facts role checks need. */
import type { Directory, DirectoryUser } from '../directory/directory.js';
import type { ActorRef } from './command.js';

export interface Actor {
  email: string;
  name: string;
  isPilot: boolean;
  teams: readonly string[];
}

/** The directory user behind an actor reference, or undefined when the directory does not know them. */
export function resolveActor(directory: Directory, ref: ActorRef): Actor | undefined {
  let user: DirectoryUser | undefined;
  if (ref.aadObjectId) user = directory.findByAadObjectId(ref.aadObjectId);
  if (!user && ref.email) user = directory.findByEmail(ref.email);
  if (!user) return undefined;
  return { email: user.email, name: user.name, isPilot: user.pilot, teams: user.teams };
}

/** How an unknown actor is named in refusals and in the audit log. */
export function describeActorRef(ref: ActorRef): string {
  return ref.email ?? (ref.aadObjectId ? `aad:${ref.aadObjectId}` : 'unknown');
}

/** "Luca Engine is in Engine", "Greta Manager is a viewer": said with every role refusal. */
export function describeActorRole(actor: Actor): string {
  if (actor.isPilot) return `${actor.name} is a pilot`;
  if (actor.teams.length === 0) return `${actor.name} is a viewer (in no team)`;
  return `${actor.name} is in ${actor.teams.join(', ')}`;
}
