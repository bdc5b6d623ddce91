/**
 * Fills `manifest/manifest.template.json` into the Teams app manifest: `${{NAME}}` placeholders
 * from the environment (or defaults), and the bot's `commandLists` from COMMAND_LIST, the one list
 * of chat commands the parser and the help answer also read.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMAND_LIST } from '../teams/commands/command-help.js';
import { packageRoot } from './paths.js';

/** What stands in the template's `bots[].commandLists`: the build replaces it with generated lists. */
export const COMMAND_LISTS_MARKER = '@generated from COMMAND_LIST in src/teams/commands/command-help.ts';

/** The bot scopes a command list is generated for, one list each, as Microsoft recommends. */
export const COMMAND_SCOPES = ['team', 'groupChat', 'personal'] as const;

/** The values the placeholders take; every name is one of MANIFEST_VARIABLES. */
export type ManifestValues = Readonly<Record<string, string>>;

/** One `${{NAME}}` the template may use. */
export interface ManifestVariable {
  readonly name: string;
  /** What it is, for the error when it is missing and for the docs. */
  readonly meaning: string;
  /** The value when the environment leaves it unset, from the values resolved before it. */
  readonly default?: (resolved: ManifestValues) => string | undefined;
  /** A problem with a given value, in a few words, or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
// A DNS name with at least two labels: what Teams' validDomains and an https:// origin need.
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/i;
// Teams wants MAJOR.MINOR.PATCH, numbers only (no pre-release or build part).
const APP_VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

function httpsUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '' ? undefined : 'must be an https:// URL';
  } catch {
    return 'must be an https:// URL';
  }
}

function packageVersion(): string {
  const text = readFileSync(path.join(packageRoot(), 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Every placeholder the template may use, in the order they are resolved (a default may read the
 * values above it). docs/configuration.md and manifest/README.md list the same names.
 */
export const MANIFEST_VARIABLES: readonly ManifestVariable[] = [
  {
    name: 'MicrosoftAppId',
    meaning: "the bot's Microsoft App ID, from its Azure Bot resource; also the Teams app's id",
    check: (value) =>
      GUID.test(value) ? undefined : 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
  },
  {
    name: 'RUNSHEET_PUBLIC_HOSTNAME',
    meaning: 'the host name Teams reaches the service at, without https:// or a path',
    check: (value) =>
      HOSTNAME.test(value)
        ? undefined
        : 'must be a bare host name such as runsheet.bank.example (no scheme, port or path)',
  },
  {
    name: 'RUNSHEET_TAB_CLIENT_ID',
    meaning:
      "the Entra app (client) id the tab's single sign-on tokens are issued to (webApplicationInfo); the bot's app id unless the tab has an app registration of its own",
    default: (resolved) => resolved.MicrosoftAppId,
    check: (value) =>
      GUID.test(value) ? undefined : 'must be a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)',
  },
  {
    name: 'RUNSHEET_APP_VERSION',
    meaning: "the app package's version; raise it for every package uploaded to Teams",
    default: () => packageVersion(),
    check: (value) => (APP_VERSION.test(value) ? undefined : 'must be MAJOR.MINOR.PATCH, such as 1.4.0'),
  },
  {
    name: 'RUNSHEET_WEBSITE_URL',
    meaning: "the developer's website shown on the app's details page",
    default: (resolved) =>
      resolved.RUNSHEET_PUBLIC_HOSTNAME === undefined
        ? undefined
        : `https://${resolved.RUNSHEET_PUBLIC_HOSTNAME}/`,
    check: httpsUrl,
  },
  {
    name: 'RUNSHEET_PRIVACY_URL',
    meaning: 'the privacy statement shown on the app details page',
    default: (resolved) => resolved.RUNSHEET_WEBSITE_URL,
    check: httpsUrl,
  },
  {
    name: 'RUNSHEET_TERMS_OF_USE_URL',
    meaning: 'the terms of use shown on the app details page',
    default: (resolved) => resolved.RUNSHEET_WEBSITE_URL,
    check: httpsUrl,
  },
];

/** Raised when the manifest cannot be built; `problems` lists every reason, one line each. */
export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot build the Teams app package:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** Where a value came from, for the build's summary. */
export type ValueSource = 'environment' | 'default';

export interface ResolvedValues {
  readonly values: ManifestValues;
  readonly sources: Readonly<Record<string, ValueSource>>;
}

const PLACEHOLDER = /\$\{\{([^}]*)\}\}/g;

/** Every placeholder name in the template's string values (keys hold none). */
export function placeholdersIn(template: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node === 'string') for (const match of node.matchAll(PLACEHOLDER)) names.add(match[1] ?? '');
    else if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(visit);
  };
  visit(template);
  return names;
}

/**
 * The value of every variable, from `env` (an empty value counts as unset, as in src/config.ts)
 * or its default. Throws ManifestError naming every missing or malformed variable. Only the
 * variables in `used` are required; others are resolved when a default can be computed.
 */
export function resolveValues(env: NodeJS.ProcessEnv, used: ReadonlySet<string>): ResolvedValues {
  const values: Record<string, string> = {};
  const sources: Record<string, ValueSource> = {};
  const problems: string[] = [];
  for (const variable of MANIFEST_VARIABLES) {
    const given = env[variable.name];
    const fromEnvironment = given !== undefined && given !== '';
    const value = fromEnvironment ? given : variable.default?.(values);
    if (value === undefined) {
      // A default that cannot be computed follows from a problem already listed (a missing host
      // name, say); listed on its own only when nothing else explains it.
      if (used.has(variable.name) && (variable.default === undefined || problems.length === 0)) {
        problems.push(`${variable.name}: not set (${variable.meaning})`);
      }
      continue;
    }
    const problem = variable.check?.(value);
    if (problem !== undefined) {
      const shown = `${variable.name}=${JSON.stringify(value)}`;
      problems.push(fromEnvironment ? `${shown}: ${problem}` : `${shown} (the default): ${problem}`);
      continue;
    }
    values[variable.name] = value;
    sources[variable.name] = fromEnvironment ? 'environment' : 'default';
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return { values, sources };
}

/** One command list per scope, each holding COMMAND_LIST's `inManifest` commands in its order. */
export function generateCommandLists(): {
  scopes: string[];
  commands: { title: string; description: string }[];
}[] {
  const commands = COMMAND_LIST.filter((command) => command.inManifest).map((command) => ({
    title: command.name,
    description: command.description,
  }));
  return COMMAND_SCOPES.map((scope) => ({ scopes: [scope], commands: commands.map((c) => ({ ...c })) }));
}

/**
 * The manifest from the template text: placeholders replaced by `values` (a string that is only a
 * placeholder becomes the value, others are interpolated) and the command lists generated.
 * Throws ManifestError for an unknown placeholder, an unresolved one, or a missing marker.
 */
export function fillTemplate(templateText: string, values: ManifestValues): Record<string, unknown> {
  let template: unknown;
  try {
    template = JSON.parse(templateText);
  } catch (error) {
    throw new ManifestError([`manifest.template.json is not valid JSON: ${(error as Error).message}`]);
  }
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new ManifestError(['manifest.template.json must hold a JSON object']);
  }
  const problems: string[] = [];
  const known = new Set(MANIFEST_VARIABLES.map((variable) => variable.name));
  for (const name of placeholdersIn(template)) {
    if (!known.has(name))
      problems.push(`manifest.template.json uses \${{${name}}}, which is not a known variable`);
    else if (values[name] === undefined) problems.push(`${name}: no value`);
  }
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') return node.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    }
    return node;
  };
  const manifest = fill(template) as Record<string, unknown>;
  const bots = Array.isArray(manifest.bots) ? (manifest.bots as Record<string, unknown>[]) : [];
  if (bots.length === 0) problems.push('manifest.template.json declares no bot');
  for (const [index, bot] of bots.entries()) {
    if (bot.commandLists !== COMMAND_LISTS_MARKER) {
      problems.push(
        `manifest.template.json: bots[${index}].commandLists must be ${JSON.stringify(COMMAND_LISTS_MARKER)}; ` +
          'the lists are generated from COMMAND_LIST, edit that instead',
      );
    } else {
      bot.commandLists = generateCommandLists();
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return manifest;
}
