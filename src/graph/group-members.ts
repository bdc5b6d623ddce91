/**
 * Reads the users of an Entra ID group, nested groups included:
 * `GET /groups/{id}/transitiveMembers/microsoft.graph.user`. The cast to user is an advanced
 * directory query, so it needs `$count=true` and the `ConsistencyLevel: eventual` header, which
 * must go with every page, not only the first. Pages hold up to 999 users ($top); the rest come
 * through `@odata.nextLink`.
 */
import type { GraphApi } from './graph-api.js';

/** The properties Runsheet selects. `mail` is null for users without an Exchange mailbox. */
export interface GraphUser {
  id: string;
  displayName: string | null;
  mail: string | null;
  userPrincipalName: string | null;
}

export const MEMBERS_QUERY = '$select=id,displayName,mail,userPrincipalName&$count=true&$top=999';
export const ADVANCED_QUERY_HEADERS = { ConsistencyLevel: 'eventual' } as const;

/** Every user in the group, directly or through nested groups. A missing group is a GraphRequestError `not-found`. */
export function readGroupMembers(api: GraphApi, groupId: string): Promise<GraphUser[]> {
  return api.getAll<GraphUser>(
    `/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user?${MEMBERS_QUERY}`,
    { ...ADVANCED_QUERY_HEADERS },
  );
}

/** The address a user is written to and found by: `mail`, falling back to the UPN. */
export function primaryEmail(user: GraphUser): string {
  return (user.mail ?? user.userPrincipalName ?? '').trim();
}

/** The name shown for a user: the display name, or the address when there is none. */
export function nameOf(user: GraphUser): string {
  return user.displayName?.trim() || primaryEmail(user);
}
