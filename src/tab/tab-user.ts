/**
 * Who is using the tab: the person behind a validated Entra token (or, in local mode only, the
 * person picked on the page), mapped through the directory to their role.
 */
import { roleOf, type Directory, type Role } from '../directory/directory.js';
import type { ActorRef } from '../engine/command.js';

export interface TabUser {
  /** Entra object id (`oid`); absent for a local-mode pick of a user without one. */
  aadObjectId: string | undefined;
  email: string;
  name: string;
  /** pilot, member (of a plan team) or viewer. Someone the directory does not know is a viewer. */
  role: Role;
  teams: readonly string[];
  /** False when the directory does not know them: they may read, and the engine refuses their actions. */
  inDirectory: boolean;
  /** How they were identified. */
  via: 'entra' | 'local';
}

/** The user behind a signed-in identity: found by object id, else by email; a viewer when unknown. */
export function tabUserFrom(
  directory: Directory,
  identity: { aadObjectId?: string; email: string; name: string },
  via: TabUser['via'],
): TabUser {
  const found =
    (identity.aadObjectId ? directory.findByAadObjectId(identity.aadObjectId) : undefined) ??
    (identity.email ? directory.findByEmail(identity.email) : undefined);
  if (!found) {
    return {
      aadObjectId: identity.aadObjectId,
      email: identity.email,
      name: identity.name || identity.email,
      role: 'viewer',
      teams: [],
      inDirectory: false,
      via,
    };
  }
  return {
    aadObjectId: found.aadObjectId,
    email: found.email,
    name: found.name,
    role: roleOf(found),
    teams: found.teams,
    inDirectory: true,
    via,
  };
}

/** The engine's actor reference for a tab user. */
export function actorOf(user: TabUser): ActorRef {
  return { ...(user.aadObjectId ? { aadObjectId: user.aadObjectId } : {}), email: user.email };
}
