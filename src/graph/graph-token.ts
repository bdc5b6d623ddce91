/**
 * App-only access tokens for Microsoft Graph: MSAL's confidential client with the client
 * credentials grant. MSAL keeps the token in its in-memory cache and serves it from there until
 * shortly before it expires, so a Graph call normally costs no round trip to Entra ID.
 */
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import type { GraphConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { loadMsalCredential } from './graph-credential.js';

/** The `.default` scope of the Graph instance in `baseUrl` (the global one, or a national cloud's). */
export function graphScope(baseUrl: string): string {
  return `${new URL(baseUrl).origin}/.default`;
}

/** Raised when Entra ID gives no token; the message carries MSAL's error code (e.g. invalid_client). */
export class GraphTokenError extends Error {
  readonly code = 'graph-token';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GraphTokenError';
  }
}

/** The Graph client's authentication provider, backed by MSAL. */
export class MsalTokenProvider implements AuthenticationProvider {
  private readonly application: ConfidentialClientApplication;
  private readonly scopes: string[];

  constructor(
    config: Pick<GraphConfig, 'tenantId' | 'clientId' | 'credential' | 'authorityHost' | 'baseUrl'>,
    private readonly logger: Logger,
  ) {
    this.scopes = [graphScope(config.baseUrl)];
    this.application = new ConfidentialClientApplication({
      auth: {
        clientId: config.clientId,
        authority: `${config.authorityHost}/${config.tenantId}`,
        ...loadMsalCredential(config.credential),
      },
      system: {
        loggerOptions: {
          logLevel: LogLevel.Warning,
          piiLoggingEnabled: false,
          loggerCallback: (level, message) => {
            if (level <= LogLevel.Error) logger.error({ msal: message }, 'msal');
            else logger.warn({ msal: message }, 'msal');
          },
        },
      },
    });
  }

  /** A valid access token for Graph: from MSAL's cache, or freshly requested from Entra ID. */
  async getAccessToken(): Promise<string> {
    let result;
    try {
      result = await this.application.acquireTokenByClientCredential({ scopes: this.scopes });
    } catch (error) {
      const code = (error as { errorCode?: string }).errorCode;
      const message = (error as Error).message;
      throw new GraphTokenError(
        `no access token for Microsoft Graph from Entra ID${code ? ` (${code})` : ''}: ${message}`,
        { cause: error },
      );
    }
    if (!result?.accessToken) throw new GraphTokenError('no access token for Microsoft Graph from Entra ID');
    if (!result.fromCache) {
      // Once an hour or so; the token itself is never logged.
      this.logger.info(
        { scope: this.scopes[0], expiresOn: result.expiresOn?.toISOString() },
        'graph access token acquired',
      );
    }
    return result.accessToken;
  }
}
