/**
 * The Bot Framework adapter: botbuilder's CloudAdapter with ConfigurationBotFrameworkAuthentication,
 * which validates the Bot Framework token of every incoming request when an app id is configured
 * (401 otherwise), and accepts unauthenticated traffic in local mode, where there is no identity.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface BotIdentity {
  adapter: CloudAdapter;
  credentials: ConfigurationServiceClientCredentialFactory;
}

/** Builds the adapter from the configured identity (password, SingleTenant, or managed identity). */
export function createBotAdapter(config: Config, logger: Logger): BotIdentity {
  // Local mode has no identity at all; botbuilder only accepts that as an empty multi-tenant one.
  const settings = config.localMode
    ? {
        MicrosoftAppId: '',
        MicrosoftAppPassword: '',
        MicrosoftAppType: 'MultiTenant',
        MicrosoftAppTenantId: '',
      }
    : {
        MicrosoftAppId: config.bot.appId ?? '',
        MicrosoftAppPassword: config.bot.appPassword ?? '',
        MicrosoftAppType: config.bot.appType,
        MicrosoftAppTenantId: config.bot.tenantId ?? '',
      };
  const credentials = new ConfigurationServiceClientCredentialFactory(settings);
  const auth = new ConfigurationBotFrameworkAuthentication(settings, credentials);
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    // Log with the activity's ids, and say something short: a silent failure at 3 a.m. is worse.
    logger.error(
      {
        err: error,
        activityId: context.activity.id,
        conversation: context.activity.conversation?.id,
        type: context.activity.type,
      },
      'bot turn failed',
    );
    if (context.activity.type === 'message') {
      await context
        .sendActivity(
          'Something went wrong on my side; the pilots have the details in the logs. Please try again.',
        )
        .catch(() => undefined);
    }
  };
  return { adapter, credentials };
}
