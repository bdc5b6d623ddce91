/** The plan's teams with the Entra ID group each one is made of (the workbook's Teams sheet). */
import { sql } from '../db/orm.js';
import { queryRows, type Queryable } from '../db/client.js';

export interface TeamGroup {
  team: string;
  /** The group's object id as the workbook gives it; empty when the team has none. */
  groupId: string;
}

/** The current (non-archived) teams in the plan's order. */
export function readTeamGroups(db: Queryable): Promise<TeamGroup[]> {
  return queryRows<TeamGroup>(
    db,
    sql`select name as team, trim(ad_group) as "groupId" from teams where not archived order by id`,
  );
}
