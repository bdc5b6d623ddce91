/**
 * Everything Runsheet gets from Microsoft Graph, built from the configuration: the directory
 * (Entra ID groups), the mail transport (sendMail from the cutover mailbox), and the directory's
 * reachability for /readyz. One MSAL client and one Graph client serve both, so they share the
 * token cache.
 */
import type { GraphConfig } from '../config.js';
import type { TeamGroup } from '../directory/team-groups.js';
import type { ReadinessCheck } from '../http/health.js';
import type { Logger } from '../logger.js';
import type { MailTransport } from '../mail/mail-transport.js';
import { GraphApi } from './graph-api.js';
import { GraphDirectory } from './graph-directory.js';
import { GraphMailTransport } from './graph-mail-transport.js';
import type { GraphRetryPolicy } from './graph-retry.js';
import { MsalTokenProvider } from './graph-token.js';

export interface GraphServices {
  api: GraphApi;
  /** Call `start()` once at start (it waits for the first read) and `stop()` when stopping. */
  directory: GraphDirectory;
  mailTransport: MailTransport;
  /** The directory's state for /readyz: ready once a snapshot was read; never calls Graph itself. */
  reachability: () => ReadinessCheck;
}

export interface GraphServicesOptions {
  /** The plan's teams and their groups (readTeamGroups over the database). */
  teamGroups: () => Promise<TeamGroup[]>;
  retry?: GraphRetryPolicy;
}

/** The Graph client alone (token provider, middleware), e.g. for `runsheet directory check`. */
export function createGraphApi(graph: GraphConfig, logger: Logger, retry?: GraphRetryPolicy): GraphApi {
  const graphLogger = logger.child({ component: 'graph' });
  return new GraphApi({
    baseUrl: graph.baseUrl,
    authProvider: new MsalTokenProvider(graph, graphLogger),
    logger: graphLogger,
    retry,
  });
}

/** Builds the Graph services; nothing is called until `directory.start()` or a send. */
export function createGraphServices(
  graph: GraphConfig,
  logger: Logger,
  options: GraphServicesOptions,
): GraphServices {
  const api = createGraphApi(graph, logger, options.retry);
  const directory = new GraphDirectory({
    api,
    pilotsGroupId: graph.pilotsGroupId,
    teamGroups: options.teamGroups,
    ttlMs: graph.directoryTtlSeconds * 1000,
    logger: logger.child({ component: 'directory' }),
  });
  return {
    api,
    directory,
    mailTransport: new GraphMailTransport(api, graph.mailbox),
    reachability: () => directory.reachability(),
  };
}

/** Raised when a one-off read of the directory (the CLI's) fails; the message says why. */
export class GraphDirectoryUnavailableError extends Error {
  readonly code = 'graph-directory-unavailable';
  constructor(detail: string) {
    super(`the directory could not be read from Entra ID: ${detail}`);
    this.name = 'GraphDirectoryUnavailableError';
  }
}

/** Reads the directory from Entra ID once, for a command that runs and exits (the CLI). */
export async function readGraphDirectory(
  graph: GraphConfig,
  logger: Logger,
  teamGroups: () => Promise<TeamGroup[]>,
): Promise<GraphDirectory> {
  const directory = new GraphDirectory({
    api: createGraphApi(graph, logger),
    pilotsGroupId: graph.pilotsGroupId,
    teamGroups,
    ttlMs: graph.directoryTtlSeconds * 1000,
    logger,
  });
  if (!(await directory.refresh())) throw new GraphDirectoryUnavailableError(directory.reachability().detail);
  return directory;
}
