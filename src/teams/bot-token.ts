/**
 * Bearer tokens for the bot's own calls to the Bot Connector (proactive posts and updates), from
 * the same botbuilder credentials that validate incoming traffic: password, certificate, or managed
 * identity, single- or multi-tenant. botbuilder caches and refreshes the tokens. In local mode
 * there is no identity and the built-in connector needs no token.
 */
import type { ConfigurationServiceClientCredentialFactory } from 'botbuilder';
import type { Config } from '../config.js';

const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

export type TokenProvider = (serviceUrl: string) => Promise<string | null>;

export function createBotTokenProvider(
  config: Config,
  credentials: ConfigurationServiceClientCredentialFactory,
): TokenProvider {
  const appId = config.bot.appId;
  if (!appId) return async () => null;
  const tenant = config.bot.appType === 'MultiTenant' ? 'botframework.com' : config.bot.tenantId;
  const loginEndpoint = `https://login.microsoftonline.com/${tenant}`;
  let pending: Promise<{ getToken(forceRefresh?: boolean): Promise<string> }> | undefined;
  return async () => {
    pending ??= (
      credentials.createCredentials(
        appId,
        BOT_FRAMEWORK_AUDIENCE,
        loginEndpoint,
        true,
      ) as unknown as Promise<{
        getToken(): Promise<string>;
      }>
    ).catch((error: unknown) => {
      // A failed set-up (a network blip reaching Entra ID) is tried again at the next send.
      pending = undefined;
      throw error;
    });
    return (await pending).getToken();
  };
}
