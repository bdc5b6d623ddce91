/**
 * `npm run manifest`: builds the Teams app package an administrator uploads to Teams.
 *
 *     npm run manifest [-- --env-file FILE] [--out DIR]
 *
 * Fills manifest/manifest.template.json from the environment (and FILE, whose values yield to the
 * environment's, as with `node --env-file`), validates the result offline against Microsoft's
 * manifest schema and Runsheet's rules, checks the icons, and writes DIR/manifest.json and
 * DIR/runsheet-teams-app.zip (manifest.json, color.png, outline.png at the root). DIR defaults to
 * manifest/build/. Any problem stops the build, with every problem listed, and exit status 1.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import JSZip from 'jszip';
import { fillTemplate, ManifestError, placeholdersIn, resolveValues } from './manifest-template.js';
import type { ResolvedValues } from './manifest-template.js';
import { isMainModule, manifestDir } from './paths.js';
import { ICON_FILES, iconProblems, SCHEMA_VERSION, validateManifest } from './validate-manifest.js';

export const PACKAGE_FILE = 'runsheet-teams-app.zip';

/** The files of the app package, at the root of the zip, in this order. */
export const PACKAGE_ENTRIES = ['manifest.json', ICON_FILES.color, ICON_FILES.outline] as const;

// A fixed timestamp on every entry, so the same inputs give the same zip, byte for byte, and a
// package can be compared by its hash. (jszip writes DOS times from the UTC fields.)
const ENTRY_DATE = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

export interface BuildOptions {
  /** The variables; usually process.env merged with an env file. */
  readonly env: NodeJS.ProcessEnv;
  /** Where to write manifest.json and the zip; default manifest/build/. */
  readonly outDir?: string;
  /** The folder holding manifest.template.json and the icons; default manifest/. */
  readonly sourceDir?: string;
}

export interface BuildResult {
  readonly manifestFile: string;
  readonly packageFile: string;
  readonly manifest: Record<string, unknown>;
  readonly resolved: ResolvedValues;
}

/** The app package as a zip: the manifest and the two icons at the root. */
export async function zipAppPackage(
  files: Record<(typeof PACKAGE_ENTRIES)[number], Buffer>,
): Promise<Buffer> {
  const zip = new JSZip();
  for (const name of PACKAGE_ENTRIES) {
    // PNG data is already deflated; storing it as is keeps the entry from growing.
    const compression = name.endsWith('.png') ? 'STORE' : 'DEFLATE';
    zip.file(name, files[name], { date: ENTRY_DATE, createFolders: false, compression });
  }
  return zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 9 },
    platform: 'DOS',
  });
}

/** The entries of a zip, name to content, read back to check what was written. */
export async function readZipEntries(data: Buffer): Promise<Map<string, Buffer>> {
  const zip = await JSZip.loadAsync(data, { checkCRC32: true });
  const entries = new Map<string, Buffer>();
  for (const entry of Object.values(zip.files)) {
    entries.set(entry.name, await entry.async('nodebuffer'));
  }
  return entries;
}

/** Problems of a written package: exactly the three files at the root, each as intended. */
export async function packageProblems(
  zipData: Buffer,
  expected: Record<(typeof PACKAGE_ENTRIES)[number], Buffer>,
): Promise<string[]> {
  const entries = await readZipEntries(zipData);
  const problems: string[] = [];
  const names = [...entries.keys()].sort();
  const wanted = [...PACKAGE_ENTRIES].sort();
  if (names.join('\n') !== wanted.join('\n')) {
    problems.push(
      `${PACKAGE_FILE}: holds ${names.join(', ') || 'nothing'}, must hold exactly ${wanted.join(', ')}`,
    );
  }
  for (const name of PACKAGE_ENTRIES) {
    const entry = entries.get(name);
    if (entry !== undefined && !entry.equals(expected[name]))
      problems.push(`${PACKAGE_FILE}: ${name} differs`);
  }
  return problems;
}

/** Builds, validates and writes the manifest and the app package; throws ManifestError on problems. */
export async function buildAppPackage(options: BuildOptions): Promise<BuildResult> {
  const sourceDir = options.sourceDir ?? manifestDir();
  const outDir = options.outDir ?? path.join(manifestDir(), 'build');
  const templateText = readFileSync(path.join(sourceDir, 'manifest.template.json'), 'utf8');
  let used: Set<string>;
  try {
    used = placeholdersIn(JSON.parse(templateText));
  } catch (error) {
    throw new ManifestError([`manifest.template.json is not valid JSON: ${(error as Error).message}`]);
  }
  const color = readFileSync(path.join(sourceDir, ICON_FILES.color));
  const outline = readFileSync(path.join(sourceDir, ICON_FILES.outline));
  const problems = iconProblems(color, outline);
  let resolved: ResolvedValues;
  let manifest: Record<string, unknown>;
  try {
    resolved = resolveValues(options.env, used);
    manifest = fillTemplate(templateText, resolved.values);
  } catch (error) {
    // Listed with the icons' problems, so one run names everything to fix.
    if (error instanceof ManifestError) throw new ManifestError([...error.problems, ...problems]);
    throw error;
  }
  problems.unshift(...validateManifest(manifest));
  if (problems.length > 0) throw new ManifestError(problems);

  const files = {
    'manifest.json': Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'),
    [ICON_FILES.color]: color,
    [ICON_FILES.outline]: outline,
  } as Record<(typeof PACKAGE_ENTRIES)[number], Buffer>;
  const zip = await zipAppPackage(files);
  const zipProblems = await packageProblems(zip, files);
  if (zipProblems.length > 0) throw new ManifestError(zipProblems);

  mkdirSync(outDir, { recursive: true });
  const manifestFile = path.join(outDir, 'manifest.json');
  const packageFile = path.join(outDir, PACKAGE_FILE);
  writeFileSync(manifestFile, files['manifest.json']);
  writeFileSync(packageFile, zip);
  return { manifestFile, packageFile, manifest, resolved };
}

/** The environment with an env file's values under it: a variable set in `env` wins. */
export function mergeEnvFile(env: NodeJS.ProcessEnv, fileText: string): NodeJS.ProcessEnv {
  const fromFile = parseEnv(fileText) as Record<string, string>;
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== '') merged[name] = value;
  return merged;
}

/** The command: returns the exit status. */
export async function runManifestCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: { 'env-file'?: string; out?: string };
  try {
    args = parseArgs({
      args: argv,
      options: { 'env-file': { type: 'string' }, out: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`runsheet manifest: ${(error as Error).message}`);
    console.error('usage: npm run manifest [-- --env-file FILE] [--out DIR]');
    return 2;
  }
  try {
    let merged = env;
    if (args['env-file'] !== undefined) {
      let text: string;
      try {
        text = readFileSync(args['env-file'], 'utf8');
      } catch (error) {
        throw new ManifestError([
          `env file ${args['env-file']}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        ]);
      }
      merged = mergeEnvFile(env, text);
    }
    const result = await buildAppPackage({
      env: merged,
      ...(args.out === undefined ? {} : { outDir: path.resolve(args.out) }),
    });
    for (const [name, value] of Object.entries(result.resolved.values)) {
      const source = result.resolved.sources[name] === 'default' ? 'default' : 'set';
      console.log(`  ${name} = ${value} (${source})`);
    }
    console.log(`manifest.json valid against the Teams manifest schema v${SCHEMA_VERSION} (offline)`);
    console.log(`wrote ${path.relative(process.cwd(), result.manifestFile)}`);
    console.log(`wrote ${path.relative(process.cwd(), result.packageFile)} (${PACKAGE_ENTRIES.join(', ')})`);
    return 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      console.error(`runsheet manifest: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (isMainModule(import.meta.url)) process.exitCode = await runManifestCli(process.argv.slice(2));
