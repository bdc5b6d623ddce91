/**
 * The Teams app package: the template filled from the environment, validated offline against
 * Microsoft's manifest schema (vendored) and Runsheet's rules, the icons, and the zip.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import JSZip from 'jszip';
import pngjs from 'pngjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  buildAppPackage,
  mergeEnvFile,
  PACKAGE_ENTRIES,
  runManifestCli,
  packageProblems,
  readZipEntries,
  zipAppPackage,
} from '../../src/manifest/build-manifest.js';
import { renderIcons } from '../../src/manifest/make-icons.js';
import {
  COMMAND_SCOPES,
  fillTemplate,
  generateCommandLists,
  ManifestError,
  placeholdersIn,
  resolveValues,
} from '../../src/manifest/manifest-template.js';
import { manifestDir, packageRoot } from '../../src/manifest/paths.js';
import {
  COMMAND_LIMITS,
  iconProblems,
  ruleProblems,
  schemaPath,
  schemaProblems,
  SCHEMA_VERSION,
  validateManifest,
} from '../../src/manifest/validate-manifest.js';
import { COMMAND_LIST } from '../../src/teams/commands/command-help.js';

const APP_ID = '11111111-2222-4333-8444-555555555555';
const HOST = 'runsheet.bank.example';
const ENV = { MicrosoftAppId: APP_ID, RUNSHEET_PUBLIC_HOSTNAME: HOST };

const outDirs: string[] = [];
function tempOut(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'runsheet-manifest-'));
  outDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

const templateText = () => readFileSync(path.join(manifestDir(), 'manifest.template.json'), 'utf8');
const packageVersion = () =>
  (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

/** The manifest filled with the test values, as a fresh object a test may break. */
function filledManifest(env: NodeJS.ProcessEnv = ENV): Record<string, unknown> {
  const text = templateText();
  return fillTemplate(text, resolveValues(env, placeholdersIn(JSON.parse(text))).values);
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

type Bot = {
  botId: string;
  scopes: string[];
  commandLists: { scopes: string[]; commands: { title: string }[] }[];
};
const botOf = (manifest: Record<string, unknown>) => (manifest.bots as Bot[])[0]!;

describe('the manifest template filled with test values', () => {
  it('validates against the vendored Teams manifest schema and Runsheet rules', () => {
    const manifest = filledManifest();
    expect(schemaProblems(manifest)).toEqual([]);
    expect(ruleProblems(manifest)).toEqual([]);
    expect(manifest.manifestVersion).toBe(SCHEMA_VERSION);
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${SCHEMA_VERSION}/MicrosoftTeams.schema.json`,
    );
  });

  it('puts the app id, host name, version and URL defaults in place, and no placeholder remains', () => {
    const manifest = filledManifest();
    expect(manifest.id).toBe(APP_ID);
    expect(botOf(manifest).botId).toBe(APP_ID);
    expect(botOf(manifest).scopes).toEqual(['team', 'groupChat', 'personal']);
    expect(manifest.validDomains).toEqual([HOST]);
    expect(manifest.version).toBe(packageVersion());
    expect(manifest.developer).toEqual({
      name: 'Runsheet',
      websiteUrl: `https://${HOST}/`,
      privacyUrl: `https://${HOST}/`,
      termsOfUseUrl: `https://${HOST}/`,
    });
    expect(JSON.stringify(manifest)).not.toContain('${{');
    expect(JSON.stringify(manifest)).not.toContain('@generated');
  });

  it('takes the optional values from the environment when they are set', () => {
    const manifest = filledManifest({
      ...ENV,
      RUNSHEET_APP_VERSION: '2.3.4',
      RUNSHEET_WEBSITE_URL: 'https://intranet.bank.example/runsheet',
      RUNSHEET_TERMS_OF_USE_URL: 'https://intranet.bank.example/terms',
    });
    expect(manifest.version).toBe('2.3.4');
    expect(manifest.developer).toMatchObject({
      websiteUrl: 'https://intranet.bank.example/runsheet',
      privacyUrl: 'https://intranet.bank.example/runsheet',
      termsOfUseUrl: 'https://intranet.bank.example/terms',
    });
  });
});

describe('missing and malformed variables', () => {
  const used = () => placeholdersIn(JSON.parse(templateText()));

  it('names every missing variable, in one error', () => {
    const problems = problemsOf(() => resolveValues({}, used()));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^MicrosoftAppId: not set/);
    expect(problems[1]).toMatch(/^RUNSHEET_PUBLIC_HOSTNAME: not set/);
  });

  it('names the one that is missing, not the defaults that depend on it', () => {
    expect(problemsOf(() => resolveValues({ MicrosoftAppId: APP_ID }, used()))).toEqual([
      expect.stringMatching(/^RUNSHEET_PUBLIC_HOSTNAME: not set/),
    ]);
  });

  it('counts an empty value as unset', () => {
    expect(problemsOf(() => resolveValues({ ...ENV, MicrosoftAppId: '' }, used()))).toEqual([
      expect.stringMatching(/^MicrosoftAppId: not set/),
    ]);
  });

  it('names each malformed value with what it should be', () => {
    const problems = problemsOf(() =>
      resolveValues(
        {
          MicrosoftAppId: 'not-a-guid',
          RUNSHEET_PUBLIC_HOSTNAME: 'https://runsheet.bank.example/',
          RUNSHEET_APP_VERSION: '1.0',
          RUNSHEET_PRIVACY_URL: 'http://intranet.bank.example/privacy',
        },
        used(),
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^MicrosoftAppId="not-a-guid": must be a GUID/),
      expect.stringMatching(
        /^RUNSHEET_PUBLIC_HOSTNAME="https:\/\/runsheet.bank.example\/": must be a bare host/,
      ),
      expect.stringMatching(/^RUNSHEET_APP_VERSION="1.0": must be MAJOR.MINOR.PATCH/),
      expect.stringMatching(
        /^RUNSHEET_PRIVACY_URL="http:\/\/intranet.bank.example\/privacy": must be an https/,
      ),
    ]);
  });

  it('refuses a template placeholder that is not a known variable', () => {
    const text = templateText().replace('${{RUNSHEET_WEBSITE_URL}}', '${{RUNSHEET_WEBSITE}}');
    const { values } = resolveValues(ENV, new Set());
    expect(problemsOf(() => fillTemplate(text, values))).toEqual([
      expect.stringContaining('${{RUNSHEET_WEBSITE}}, which is not a known variable'),
    ]);
  });

  it('fails the whole build with every missing variable named, and writes nothing', async () => {
    const out = tempOut();
    await expect(buildAppPackage({ env: {}, outDir: out })).rejects.toThrow(
      /MicrosoftAppId: not set[\s\S]*RUNSHEET_PUBLIC_HOSTNAME: not set/,
    );
    expect(existsSync(path.join(out, 'runsheet-teams-app.zip'))).toBe(false);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);
  });
});

describe('command lists', () => {
  const expected = COMMAND_LIST.filter((command) => command.inManifest).map((command) => ({
    title: command.name,
    description: command.description,
  }));

  it("are COMMAND_LIST's inManifest commands, in its order, one list per bot scope", () => {
    const bot = botOf(filledManifest());
    expect(bot.commandLists.map((list) => list.scopes)).toEqual(COMMAND_SCOPES.map((scope) => [scope]));
    for (const list of bot.commandLists) expect(list.commands).toEqual(expected);
    expect(generateCommandLists()).toEqual(bot.commandLists);
  });

  it('leave out the pilots-only commands, which `help` shows to pilots', () => {
    const titles = botOf(filledManifest()).commandLists[0]!.commands.map((command) => command.title);
    for (const command of COMMAND_LIST.filter((c) => c.pilotsOnly))
      expect(titles).not.toContain(command.name);
    expect(titles.length).toBeGreaterThan(0);
  });

  it("respect Runsheet's menu limits (title, description, count)", () => {
    expect(expected.length).toBeLessThanOrEqual(COMMAND_LIMITS.commands);
    for (const command of expected) {
      expect(command.title.length).toBeLessThanOrEqual(COMMAND_LIMITS.title);
      expect(command.description.length).toBeLessThanOrEqual(COMMAND_LIMITS.description);
    }
  });

  it('must stay generated: hand-written lists in the template are refused', () => {
    const text = templateText().replace(/"commandLists": "[^"]*"/, '"commandLists": []');
    expect(problemsOf(() => fillTemplate(text, resolveValues(ENV, new Set()).values))).toEqual([
      expect.stringContaining('bots[0].commandLists must be'),
    ]);
  });
});

describe('the validator rejects a broken manifest', () => {
  it('a wrong manifestVersion (the schema)', () => {
    const manifest = { ...filledManifest(), manifestVersion: '1.28' };
    expect(schemaProblems(manifest)).toEqual([`manifest.json/manifestVersion: must be "${SCHEMA_VERSION}"`]);
  });

  it('a command title over the schema limit of 128 characters (the schema)', () => {
    const manifest = filledManifest();
    botOf(manifest).commandLists[0]!.commands[0]!.title = 'x'.repeat(129);
    expect(schemaProblems(manifest)).toEqual([
      'manifest.json/bots/0/commandLists/0/commands/0/title: must NOT have more than 128 characters',
    ]);
  });

  it("a command title over Runsheet's limit of 32 characters (the rules)", () => {
    const manifest = filledManifest();
    botOf(manifest).commandLists[1]!.commands[2]!.title = 'x'.repeat(33);
    expect(schemaProblems(manifest)).toEqual([]);
    expect(ruleProblems(manifest)).toEqual([
      'manifest.json/bots/0/commandLists/1/commands/2/title: 33 characters, at most 32',
    ]);
  });

  it('a bad app id, an unknown property, a missing required field, a bad accent colour', () => {
    const manifest: Record<string, unknown> = {
      ...filledManifest(),
      id: 'runsheet',
      tabs: [],
      accentColor: 'blue',
    };
    delete manifest.developer;
    const problems = validateManifest(manifest);
    expect(problems).toContain(
      'manifest.json/id: must match pattern "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"',
    );
    expect(problems).toContain('manifest.json: unknown property tabs');
    expect(problems).toContain("manifest.json: must have required property 'developer'");
    expect(problems).toContain('manifest.json/accentColor: must match pattern "^#[0-9a-fA-F]{6}$"');
  });

  it('a bot scope without a command list, and a list for a scope the bot lacks', () => {
    const manifest = filledManifest();
    const bot = botOf(manifest);
    bot.commandLists = bot.commandLists.slice(1);
    bot.scopes = ['groupChat'];
    expect(ruleProblems(manifest)).toEqual([
      "manifest.json/bots/0/commandLists/1/scopes: personal is not one of the bot's scopes",
    ]);
    bot.scopes = ['team', 'groupChat', 'personal'];
    expect(ruleProblems(manifest)).toEqual([
      'manifest.json/bots/0/commandLists: no command list for the team scope',
    ]);
  });
});

describe('the vendored schema', () => {
  it("is Microsoft's v1.29 schema, unchanged (hash of its parsed content, see manifest/schema/README.md)", () => {
    const schema: unknown = JSON.parse(readFileSync(schemaPath(), 'utf8'));
    expect(createHash('sha256').update(JSON.stringify(schema)).digest('hex')).toBe(
      '308deaa9b4d812be7055446ae63eb5e2d3a8efd77e4a5df4a0c72fc2d4d2bd88',
    );
  });
});

describe('icons', () => {
  const read = (file: string) => readFileSync(path.join(manifestDir(), file));
  const decode = (data: Buffer) => pngjs.PNG.sync.read(data);

  it('the committed icons pass the checks: colour 192×192, outline 32×32 white on transparent', () => {
    expect(iconProblems(read('color.png'), read('outline.png'))).toEqual([]);
  });

  it('the committed icons are what the generator draws (pixel for pixel)', () => {
    const drawn = renderIcons();
    expect(decode(read('color.png')).data.equals(decode(drawn.color).data)).toBe(true);
    expect(decode(read('outline.png')).data.equals(decode(drawn.outline).data)).toBe(true);
  });

  it('a wrong size, a coloured outline and a non-PNG are refused', () => {
    const color = read('color.png');
    // The colour icon as outline: wrong size, opaque background, pixels in colour.
    expect(iconProblems(color, color)).toEqual([
      'outline.png: 192×192, must be 32×32',
      expect.stringMatching(
        /^outline.png: \d+ visible pixels are not white, first \(0, 0\) is rgba\(30, 91, 140, 255\)$/,
      ),
      'outline.png: no transparent pixel, the background must be transparent',
    ]);
    expect(iconProblems(Buffer.from('not a png'), read('outline.png'))).toEqual([
      expect.stringMatching(/^color.png: not a readable PNG/),
    ]);
  });
});

describe('the app package', () => {
  it('holds exactly manifest.json, color.png and outline.png at the root, with the right content', async () => {
    const out = tempOut();
    const result = await buildAppPackage({ env: ENV, outDir: out });
    expect(result.packageFile).toBe(path.join(out, 'runsheet-teams-app.zip'));
    const zip = await JSZip.loadAsync(readFileSync(result.packageFile), { checkCRC32: true });
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);

    const manifestText = await zip.file('manifest.json')!.async('string');
    expect(manifestText).toBe(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(JSON.parse(manifestText)).toEqual(result.manifest);
    expect(validateManifest(JSON.parse(manifestText) as Record<string, unknown>)).toEqual([]);

    for (const [name, size] of [
      ['color.png', 192],
      ['outline.png', 32],
    ] as const) {
      const data = await zip.file(name)!.async('nodebuffer');
      expect(data.equals(readFileSync(path.join(manifestDir(), name)))).toBe(true);
      const png = pngjs.PNG.sync.read(data);
      expect([png.width, png.height]).toEqual([size, size]);
    }
  });

  it('is the same bytes for the same inputs', async () => {
    const first = await buildAppPackage({ env: ENV, outDir: tempOut() });
    const second = await buildAppPackage({ env: ENV, outDir: tempOut() });
    expect(readFileSync(first.packageFile).equals(readFileSync(second.packageFile))).toBe(true);
  });

  it('the package check notices an extra or a changed entry', async () => {
    const files = {
      'manifest.json': Buffer.from('{}'),
      'color.png': Buffer.from('c'),
      'outline.png': Buffer.from('o'),
    };
    const zip = await zipAppPackage(files);
    expect(await packageProblems(zip, files)).toEqual([]);
    expect([...(await readZipEntries(zip)).keys()]).toEqual([...PACKAGE_ENTRIES]);

    const extra = new JSZip();
    for (const [name, data] of Object.entries(files)) extra.file(name, data);
    extra.file('icons/extra.png', Buffer.from('x'));
    const problems = await packageProblems(await extra.generateAsync({ type: 'nodebuffer' }), {
      ...files,
      'manifest.json': Buffer.from('{"changed":true}'),
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^runsheet-teams-app.zip: holds color.png, icons\/, icons\/extra.png, manifest.json/,
      ),
      'runsheet-teams-app.zip: manifest.json differs',
    ]);
  });
});

describe('the command', () => {
  it('lists the icon problems with the missing variables, in one run', async () => {
    const source = tempOut();
    copyFileSync(
      path.join(manifestDir(), 'manifest.template.json'),
      path.join(source, 'manifest.template.json'),
    );
    copyFileSync(path.join(manifestDir(), 'color.png'), path.join(source, 'color.png'));
    copyFileSync(path.join(manifestDir(), 'color.png'), path.join(source, 'outline.png'));
    await expect(buildAppPackage({ env: {}, sourceDir: source, outDir: tempOut() })).rejects.toThrow(
      /MicrosoftAppId: not set[\s\S]*RUNSHEET_PUBLIC_HOSTNAME: not set[\s\S]*outline.png: 192×192, must be 32×32/,
    );
  });

  it('builds from an env file and exits 0; exits 1 naming what is missing', async () => {
    const dir = tempOut();
    const envFile = path.join(dir, 'teams.env');
    writeFileSync(
      envFile,
      `MicrosoftAppId=${APP_ID}\nRUNSHEET_PUBLIC_HOSTNAME=${HOST}\nRUNSHEET_APP_VERSION=1.2.0\n`,
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await runManifestCli(['--env-file', envFile, '--out', dir], {})).toBe(0);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect(manifest).toMatchObject({ id: APP_ID, version: '1.2.0', validDomains: [HOST] });
      expect(existsSync(path.join(dir, 'runsheet-teams-app.zip'))).toBe(true);
      expect(log.mock.calls.flat().join('\n')).toContain('RUNSHEET_APP_VERSION = 1.2.0 (set)');

      expect(await runManifestCli(['--out', tempOut()], { MicrosoftAppId: APP_ID })).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toMatch(/RUNSHEET_PUBLIC_HOSTNAME: not set/);
      expect(await runManifestCli(['--env-file', path.join(dir, 'missing.env')], {})).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toContain('missing.env: ENOENT');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });
});

describe('the env file', () => {
  it('fills what the environment leaves unset; a value set in the environment wins', () => {
    const merged = mergeEnvFile(
      { MicrosoftAppId: APP_ID, RUNSHEET_APP_VERSION: '' },
      `# production\nMicrosoftAppId=99999999-2222-4333-8444-555555555555\nRUNSHEET_PUBLIC_HOSTNAME="${HOST}"\nRUNSHEET_APP_VERSION=1.2.0\n`,
    );
    expect(merged).toMatchObject({
      MicrosoftAppId: APP_ID,
      RUNSHEET_PUBLIC_HOSTNAME: HOST,
      RUNSHEET_APP_VERSION: '1.2.0',
    });
  });
});
