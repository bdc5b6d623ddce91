/**
 * Offline checks of the Teams app package: the manifest against Microsoft's manifest JSON schema
 * (vendored in manifest/schema/, never fetched), the rules the schema leaves loose, and the icons.
 * Each check returns every problem it finds, one line each, so one run lists them all.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import pngjs from 'pngjs';
import { COMMAND_SCOPES } from './manifest-template.js';
import { manifestDir } from './paths.js';

/** The manifest schema version the template targets and the vendored schema describes. */
export const SCHEMA_VERSION = '1.29';

/** The vendored schema file, from github.com/OfficeDev/microsoft-teams-app-schema (see its README). */
export function schemaPath(): string {
  return path.join(manifestDir(), 'schema', `MicrosoftTeams.schema.v${SCHEMA_VERSION}.json`);
}

/** The icon files the package holds; the manifest must name exactly these. */
export const ICON_FILES = { color: 'color.png', outline: 'outline.png' } as const;
export const ICON_SIZES = { color: 192, outline: 32 } as const;

/**
 * Runsheet's own limits for the command menu, stricter than schema 1.29 (which allows titles of
 * 128 characters, descriptions of 4000 and 12 commands). They are the limits of the schemas up to
 * 1.19 and of what Teams' menu shows: one word to insert, one line to read, 10 entries.
 */
export const COMMAND_LIMITS = { commands: 10, title: 32, description: 128 } as const;

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  // The Teams schemas are JSON Schema draft-04, which Ajv 8 reads through ajv-draft-04. Strict mode
  // stays on for the schema's own keywords (a typo would throw); the type, tuple and required
  // checks of strict mode are off because Microsoft's schema does not follow them.
  const ajv = new ajvDraft04.default({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
  });
  ajvFormats.default(ajv);
  compiled = ajv.compile(JSON.parse(readFileSync(schemaPath(), 'utf8')) as object);
  return compiled;
}

function describe(error: ErrorObject): string {
  const where = `manifest.json${error.instancePath === '' ? '' : error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${where}: unknown property ${String(params.additionalProperty)}`;
  if (error.keyword === 'enum') return `${where}: ${error.message} (${JSON.stringify(params.allowedValues)})`;
  if (error.keyword === 'const') return `${where}: must be ${JSON.stringify(params.allowedValue)}`;
  return `${where}: ${error.message ?? error.keyword}`;
}

/** Problems of the manifest against Microsoft's schema, one line each; empty when it conforms. */
export function schemaProblems(manifest: unknown): string[] {
  const validate = schemaValidator();
  if (validate(manifest)) return [];
  return [...new Set((validate.errors ?? []).map(describe))];
}

interface CommandList {
  scopes?: unknown;
  commands?: { title?: unknown; description?: unknown }[];
}

/** Problems the schema does not catch: command menu limits, icon names, scope coverage. */
export function ruleProblems(manifest: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const icons = (manifest.icons ?? {}) as Record<string, unknown>;
  for (const [kind, file] of Object.entries(ICON_FILES)) {
    if (icons[kind] !== file) problems.push(`manifest.json/icons/${kind}: must be ${JSON.stringify(file)}`);
  }
  const bots = Array.isArray(manifest.bots) ? (manifest.bots as Record<string, unknown>[]) : [];
  for (const [b, bot] of bots.entries()) {
    const lists = Array.isArray(bot.commandLists) ? (bot.commandLists as CommandList[]) : [];
    const botScopes = Array.isArray(bot.scopes) ? (bot.scopes as string[]) : [];
    const listed = new Set<string>();
    for (const [l, list] of lists.entries()) {
      const at = `manifest.json/bots/${b}/commandLists/${l}`;
      for (const scope of Array.isArray(list.scopes) ? (list.scopes as string[]) : []) {
        if (!botScopes.includes(scope))
          problems.push(`${at}/scopes: ${scope} is not one of the bot's scopes`);
        if (listed.has(scope)) problems.push(`${at}/scopes: ${scope} has more than one command list`);
        listed.add(scope);
      }
      const commands = list.commands ?? [];
      if (commands.length > COMMAND_LIMITS.commands) {
        problems.push(
          `${at}/commands: ${commands.length} commands, Teams' menu shows ${COMMAND_LIMITS.commands}`,
        );
      }
      const titles = new Set<string>();
      for (const [c, command] of commands.entries()) {
        const title = typeof command.title === 'string' ? command.title : '';
        const description = typeof command.description === 'string' ? command.description : '';
        if (title.length > COMMAND_LIMITS.title) {
          problems.push(
            `${at}/commands/${c}/title: ${title.length} characters, at most ${COMMAND_LIMITS.title}`,
          );
        }
        if (description === '') problems.push(`${at}/commands/${c}/description: missing`);
        if (description.length > COMMAND_LIMITS.description) {
          problems.push(
            `${at}/commands/${c}/description: ${description.length} characters, at most ${COMMAND_LIMITS.description}`,
          );
        }
        if (titles.has(title))
          problems.push(`${at}/commands/${c}/title: ${JSON.stringify(title)} appears twice`);
        titles.add(title);
      }
    }
    for (const scope of COMMAND_SCOPES) {
      if (botScopes.includes(scope) && !listed.has(scope)) {
        problems.push(`manifest.json/bots/${b}/commandLists: no command list for the ${scope} scope`);
      }
    }
  }
  return problems;
}

/** Every problem of the manifest: Microsoft's schema first, then Runsheet's rules. */
export function validateManifest(manifest: Record<string, unknown>): string[] {
  return [...schemaProblems(manifest), ...ruleProblems(manifest)];
}

/** A PNG's size and RGBA pixels, or the reason it cannot be read. */
function readPng(file: string, data: Buffer): { width: number; height: number; rgba: Buffer } | string {
  try {
    const png = pngjs.PNG.sync.read(data);
    return { width: png.width, height: png.height, rgba: png.data };
  } catch (error) {
    return `${file}: not a readable PNG (${(error as Error).message})`;
  }
}

/**
 * Problems of the icons: the colour icon must be 192×192; the outline icon 32×32, white on
 * transparent (every pixel that shows is pure white, some are fully transparent, some opaque).
 */
export function iconProblems(color: Buffer, outline: Buffer): string[] {
  const problems: string[] = [];
  const colorPng = readPng(ICON_FILES.color, color);
  if (typeof colorPng === 'string') problems.push(colorPng);
  else if (colorPng.width !== ICON_SIZES.color || colorPng.height !== ICON_SIZES.color) {
    problems.push(`${ICON_FILES.color}: ${colorPng.width}×${colorPng.height}, must be 192×192`);
  }
  const outlinePng = readPng(ICON_FILES.outline, outline);
  if (typeof outlinePng === 'string') {
    problems.push(outlinePng);
    return problems;
  }
  if (outlinePng.width !== ICON_SIZES.outline || outlinePng.height !== ICON_SIZES.outline) {
    problems.push(`${ICON_FILES.outline}: ${outlinePng.width}×${outlinePng.height}, must be 32×32`);
  }
  let transparent = 0;
  let opaque = 0;
  let coloured = 0;
  let firstColoured: string | undefined;
  const { rgba, width } = outlinePng;
  for (let i = 0; i < rgba.length; i += 4) {
    const [r, g, b, a] = [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]];
    if (a === 0) transparent++;
    else {
      if (a === 255) opaque++;
      if (r !== 255 || g !== 255 || b !== 255) {
        coloured++;
        const pixel = i / 4;
        firstColoured ??= `(${pixel % width}, ${Math.floor(pixel / width)}) is rgba(${r}, ${g}, ${b}, ${a})`;
      }
    }
  }
  if (coloured > 0) {
    problems.push(`${ICON_FILES.outline}: ${coloured} visible pixels are not white, first ${firstColoured}`);
  }
  if (transparent === 0)
    problems.push(`${ICON_FILES.outline}: no transparent pixel, the background must be transparent`);
  if (opaque === 0) problems.push(`${ICON_FILES.outline}: no opaque pixel, the symbol is missing`);
  return problems;
}
