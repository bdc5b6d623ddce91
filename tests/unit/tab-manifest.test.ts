/**
 * The tab in the Teams app manifest: a configurable tab whose configuration page the service
 * serves, the personal Board tab, and webApplicationInfo for the tab's single sign-on, with the
 * application id URI the service accepts as audience (src/config.ts tabSsoConfig).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { fillTemplate, placeholdersIn, resolveValues } from '../../src/manifest/manifest-template.js';
import { manifestDir } from '../../src/manifest/paths.js';
import { validateManifest } from '../../src/manifest/validate-manifest.js';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const TAB_CLIENT = '99999999-2222-4333-8444-555555555555';

function manifestFor(env: NodeJS.ProcessEnv) {
  const text = readFileSync(path.join(manifestDir(), 'manifest.template.json'), 'utf8');
  const { values } = resolveValues(env, placeholdersIn(JSON.parse(text)));
  return fillTemplate(text, values) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('the tab in the manifest', () => {
  it('declares the configurable tab, the personal tab and SSO for the bot app by default', () => {
    const manifest = manifestFor({
      MicrosoftAppId: APP_ID,
      RUNSHEET_PUBLIC_HOSTNAME: 'runsheet.bank.example',
    });
    expect(validateManifest(manifest)).toEqual([]);
    expect(manifest.configurableTabs[0]).toMatchObject({
      configurationUrl: 'https://runsheet.bank.example/tab/config',
      canUpdateConfiguration: true,
    });
    expect(manifest.staticTabs[0]).toMatchObject({
      contentUrl: 'https://runsheet.bank.example/tab/?view=board',
      scopes: ['personal'],
    });
    expect(manifest.webApplicationInfo).toEqual({
      id: APP_ID,
      resource: `api://runsheet.bank.example/${APP_ID}`,
    });
  });

  it('uses the tab app registration when one is given, as the service does for the audience', () => {
    const env = {
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'x',
      MicrosoftAppTenantId: 'tenant',
      RUNSHEET_PUBLIC_HOSTNAME: 'runsheet.bank.example',
      RUNSHEET_TAB_CLIENT_ID: TAB_CLIENT,
    };
    const manifest = manifestFor(env);
    expect(manifest.webApplicationInfo.id).toBe(TAB_CLIENT);
    expect(loadConfig(env).tabSso.audiences).toEqual([manifest.webApplicationInfo.resource, TAB_CLIENT]);
  });
});
