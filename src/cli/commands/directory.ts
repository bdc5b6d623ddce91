/**
 * `runsheet directory check [--json]`: each of the plan's teams with the people it resolves to,
 * from Entra ID when Graph is configured, from the local JSON directory otherwise. Exit status 1
 * when any problem is flagged (an empty, unknown or missing group, a team without one).
 */
import { checkLocalDirectory, formatDirectoryCheck } from '../../directory/directory-check.js';
import { readTeamGroups } from '../../directory/team-groups.js';
import { checkGraphDirectory } from '../../graph/graph-directory-check.js';
import { createGraphApi } from '../../graph/graph-services.js';
import { createLogger } from '../../logger.js';
import { CliError, positionals, withCliContext, type CliOutput } from '../cli-context.js';
import type { CliOptions } from '../main.js';

export async function runDirectory(
  args: readonly string[],
  options: CliOptions,
  output: CliOutput,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'check') throw new CliError(`directory: expected check, not "${verb ?? ''}"`, 2);
  positionals(rest, []);
  return withCliContext(env, async ({ config, database, directory }) => {
    const teamGroups = await readTeamGroups(database.db);
    let report;
    if (config.graph) {
      // The CLI prints results, not logs; LOG_LEVEL=debug shows every Graph call on stderr.
      const logger = createLogger(env.LOG_LEVEL ? config.logLevel : 'silent', 2);
      report = await checkGraphDirectory(
        createGraphApi(config.graph, logger),
        teamGroups,
        config.graph.pilotsGroupId,
      );
    } else if (config.directoryFile) {
      report = checkLocalDirectory(directory, teamGroups);
    } else {
      throw new CliError(
        'no directory configured: set RUNSHEET_DIRECTORY (a directory JSON file) or the Graph settings (GRAPH_CLIENT_ID, ...)',
      );
    }
    output.out(options.json ? JSON.stringify(report) : formatDirectoryCheck(report));
    return report.problemCount === 0 ? 0 : 1;
  });
}
