/** What every CLI command opens: configuration, the migrated database, the directory, the engine. */
import os from 'node:os';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { DirectorySnapshot, type Directory } from '../directory/directory.js';
import { loadJsonDirectory } from '../directory/local-json-directory.js';
import { readTeamGroups } from '../directory/team-groups.js';
import { Engine } from '../engine/engine.js';
import { readGraphDirectory } from '../graph/graph-services.js';
import { createLogger } from '../logger.js';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** A failure the CLI reports as it is: exit 1 (refused, failed) or 2 (usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface CliContext {
  config: Config;
  database: Database;
  engine: Engine;
  /** The local JSON directory, or an empty one when none is configured. */
  directory: Directory;
  /** Whether a directory is configured (acting needs one to resolve --as). */
  hasDirectory: boolean;
}

export interface CliContextOptions {
  /**
   * The command resolves people (--as). With Graph configured, the groups are then read from Entra
   * ID before the command runs; other commands do not call Graph.
   */
  readsDirectory?: boolean;
}

/** Opens the context, runs `body`, and closes the database whatever happens. */
export async function withCliContext<T>(
  env: NodeJS.ProcessEnv,
  optionsOrBody: CliContextOptions | ((context: CliContext) => Promise<T>),
  maybeBody?: (context: CliContext) => Promise<T>,
): Promise<T> {
  const options = typeof optionsOrBody === 'function' ? {} : optionsOrBody;
  const body = typeof optionsOrBody === 'function' ? optionsOrBody : maybeBody!;
  const config = loadConfig(env);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
  });
  try {
    await database.migrate();
    const directory: Directory = config.graph
      ? options.readsDirectory
        ? await readGraphDirectory(
            config.graph,
            createLogger(env.LOG_LEVEL ? config.logLevel : 'silent', 2),
            () => readTeamGroups(database.db),
          )
        : new DirectorySnapshot('Microsoft Graph (not read by this command)', [])
      : config.directoryFile
        ? loadJsonDirectory(config.directoryFile)
        : new DirectorySnapshot('no directory configured (set RUNSHEET_DIRECTORY)', []);
    const engine = new Engine({ database, directory });
    return await body({
      config,
      database,
      engine,
      directory,
      hasDirectory: config.directoryFile !== undefined || config.graph !== undefined,
    });
  } finally {
    await database.close();
  }
}

/** The email given with --as, required for commands that act. */
export function requireActor(context: CliContext, as: string | undefined): string {
  if (!as) throw new CliError('this command acts for someone: give --as EMAIL', 2);
  if (!context.hasDirectory) {
    throw new CliError(
      '--as needs a directory to resolve the user: set RUNSHEET_DIRECTORY to a directory JSON file (e.g. samples/demo-directory.json), or the Graph settings',
    );
  }
  return as;
}

/** Who a CLI command is recorded as when no --as is given (import, export). */
export function operatingSystemActor(): string {
  return `cli:${os.userInfo().username}`;
}

/** Takes exactly `count` positional arguments, or fails with a usage error naming what is missing. */
export function positionals(args: readonly string[], names: readonly string[]): string[] {
  if (args.length < names.length) throw new CliError(`missing ${names.slice(args.length).join(' ')}`, 2);
  if (args.length > names.length) throw new CliError(`unexpected argument "${args[names.length]}"`, 2);
  return [...args];
}
