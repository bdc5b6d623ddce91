/**
 * Who is calling the tab's API. Every /tab/api request is authenticated here before any handler
 * runs; there is no anonymous API.
 *
 * - With an app id configured (Teams mode): `Authorization: Bearer <Entra token>` from
 *   `authentication.getAuthToken()`, validated by entra-token.ts. The local-mode header is refused.
 * - In local mode (no MicrosoftAppId): the `x-runsheet-local-user: <email>` header the tab's user
 *   picker sends, naming a directory user. A Bearer token is still accepted when SSO is configured
 *   (RUNSHEET_TAB_CLIENT_ID and RUNSHEET_TAB_TENANT_ID), so SSO can be tried without a bot.
 */
import type { TabSsoConfig } from '../config.js';
import type { Directory } from '../directory/directory.js';
import { createEntraTokenVerifier, type EntraTokenVerifier, type TokenRefusalCode } from './entra-token.js';
import { tabUserFrom, type TabUser } from './tab-user.js';

/** The header local mode's user picker sends; refused whenever an app id is configured. */
export const LOCAL_USER_HEADER = 'x-runsheet-local-user';

export type TabAuthRefusalCode =
  TokenRefusalCode | 'no_identity' | 'sso_not_configured' | 'local_identity_refused' | 'unknown_local_user';

export type TabAuthResult =
  { ok: true; user: TabUser } | { ok: false; code: TabAuthRefusalCode; reason: string };

export interface TabAuthOptions {
  localMode: boolean;
  sso: TabSsoConfig;
  directory: Directory;
}

export type TabAuthenticator = (headers: {
  authorization?: string | undefined;
  localUser?: string | undefined;
}) => Promise<TabAuthResult>;

/** Builds the authenticator for the configured mode; see the file comment. */
export function createTabAuthenticator(options: TabAuthOptions): TabAuthenticator {
  const { localMode, sso, directory } = options;
  const verify: EntraTokenVerifier | undefined =
    sso.clientId && sso.tenantId && sso.jwksUrl && sso.audiences.length > 0
      ? createEntraTokenVerifier({ tenantId: sso.tenantId, audiences: sso.audiences, jwksUrl: sso.jwksUrl })
      : undefined;

  return async ({ authorization, localUser }) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (localUser !== undefined && !localMode) {
      return {
        ok: false,
        code: 'local_identity_refused',
        reason:
          'local identities are refused: this service has an app id (MicrosoftAppId); open the tab in Teams',
      };
    }
    if (bearer !== undefined) {
      if (!verify) {
        return {
          ok: false,
          code: 'sso_not_configured',
          reason: 'single sign-on is not configured (RUNSHEET_TAB_CLIENT_ID and RUNSHEET_TAB_TENANT_ID)',
        };
      }
      const check = await verify(bearer);
      if (!check.ok) return check;
      return { ok: true, user: tabUserFrom(directory, check.identity, 'entra') };
    }
    if (localUser !== undefined) {
      const user = directory.findByEmail(localUser);
      if (!user) {
        return {
          ok: false,
          code: 'unknown_local_user',
          reason: `${localUser} is not in the directory (${directory.source})`,
        };
      }
      return { ok: true, user: tabUserFrom(directory, user, 'local') };
    }
    return {
      ok: false,
      code: 'no_identity',
      reason: localMode
        ? `no identity: send Authorization: Bearer <token>, or pick a user (${LOCAL_USER_HEADER})`
        : 'no identity: send Authorization: Bearer <Entra token from Teams>',
    };
  };
}
