#!/usr/bin/env node
// Checks the Containerfile without building it (no registry is reachable in CI), so that the image
// and the code cannot drift apart:
//   1. lint: dockerfile-utils' validator (the one behind VS Code's Dockerfile support), and the
//      project's own rules (exact base tag, non-root USER, HEALTHCHECK on /readyz, production-only
//      install, no secret-looking ENV or ARG, exec-form CMD);
//   2. assets: every non-TypeScript file under src/ is in package.json "files", the one list of
//      runtime assets the image's build stage packs (`npm pack`);
//   3. run: lays out the final stage in a temporary root, instruction by instruction (the build
//      stage's /app/package is what `npm pack` gives from CI's build), runs the Ansible role's migrate
//      command and the image's CMD in it with the image's ENV, WORKDIR and USER, waits until the
//      image's own HEALTHCHECK command passes, then sends the STOPSIGNAL and expects exit status 0.
// Any instruction it does not know how to lay out fails the check: teach it here rather than let
// the image and this check differ. Usage: node .ci/check-container.mjs (after `npm ci`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const containerfile = path.join(root, 'Containerfile');
const text = fs.readFileSync(containerfile, 'utf8');
const problems = [];
const fail = (message) => problems.push(message);
const log = (message) => console.log(`check-container: ${message}`);

// ---- 1. lint ------------------------------------------------------------------------------------
for (const diagnostic of validate(text)) {
  fail(`Containerfile:${diagnostic.range.start.line + 1}: ${diagnostic.message}`);
}
const dockerfile = DockerfileParser.parse(text);
const argDefaults = new Map();
for (const arg of dockerfile.getInitialARGs()) {
  const property = arg.getProperty();
  if (property) argDefaults.set(property.getName(), property.getValue() ?? '');
}
const stages = [];
for (const instruction of dockerfile.getInstructions()) {
  const keyword = instruction.getKeyword();
  if (keyword === 'FROM') stages.push({ from: instruction, instructions: [] });
  else if (stages.length > 0) stages.at(-1).instructions.push(instruction);
}
const finalStage = stages.at(-1);
const substitute = (value) =>
  value.replace(/\$\{?(\w+)\}?/g, (whole, name) => argDefaults.get(name) ?? whole);

for (const stage of stages) {
  const raw = substitute(stage.from.getArgumentsContent() ?? '').split(/\s+/)[0];
  if (!/@sha256:[0-9a-f]{64}$/.test(raw) && !/:\d+\.\d+\.\d+[-\w.]*$/.test(raw)) {
    fail(`FROM ${raw}: pin the base image by an exact version tag (x.y.z) or a digest`);
  }
  const nodeMajor = /node:(\d+)\./.exec(raw)?.[1];
  if (nodeMajor !== undefined && nodeMajor !== process.versions.node.split('.')[0]) {
    fail(`FROM ${raw}: Node ${nodeMajor} in the image, but CI tests on Node ${process.versions.node}`);
  }
}
const finalOf = (keyword) => finalStage.instructions.filter((each) => each.getKeyword() === keyword);
const user = finalOf('USER').at(-1)?.getArgumentsContent()?.trim();
if (!user) fail('the final stage has no USER: it would run as root');
else if (/^(root|0)(:|$)/.test(user)) fail(`USER ${user}: the service must not run as root`);
const healthcheck = finalOf('HEALTHCHECK').at(-1);
if (!healthcheck || !/\/readyz/.test(healthcheck.getRawArgumentsContent() ?? '')) {
  fail('the final stage needs a HEALTHCHECK on /readyz');
}
if (!finalOf('RUN').some((run) => /npm ci\b.*--omit=dev/.test(run.getRawArgumentsContent() ?? ''))) {
  fail('the final stage must install production dependencies only (npm ci --omit=dev)');
}
for (const instruction of dockerfile.getInstructions()) {
  if (!['ENV', 'ARG'].includes(instruction.getKeyword())) continue;
  for (const property of instruction.getProperties?.() ?? []) {
    if (/pass(word)?|secret|token|credential|private.?key/i.test(property.getName())) {
      fail(
        `${instruction.getKeyword()} ${property.getName()}: no secrets in the image; pass them at run time`,
      );
    }
  }
}
const cmd = finalOf('CMD').at(-1);
const execForm = (instruction) => {
  try {
    const parsed = JSON.parse(instruction.getRawArgumentsContent().replace(/\\\n/g, ''));
    return Array.isArray(parsed) && parsed.every((each) => typeof each === 'string') ? parsed : null;
  } catch {
    return null;
  }
};
const command = cmd ? execForm(cmd) : null;
if (!command) fail('CMD must be in exec form (a JSON array) so that the service gets the stop signal');
if (finalOf('ENTRYPOINT').length > 0) fail('ENTRYPOINT is not expected (this check runs CMD alone)');

// ---- 2. assets ----------------------------------------------------------------------------------
const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: root,
  encoding: 'utf8',
});
if (pack.status !== 0) throw new Error(`npm pack --dry-run failed: ${pack.stderr}`);
const packed = JSON.parse(pack.stdout)[0].files.map((file) => file.path);
const packedSet = new Set(packed);
const walk = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    );
for (const file of walk(path.join(root, 'src'))) {
  const relative = path.relative(root, file);
  if (!relative.endsWith('.ts') && !packedSet.has(relative)) {
    fail(`${relative} is read at run time (not compiled) but missing from package.json "files"`);
  }
}
for (const needed of ['dist/src/main.js', 'dist/src/db/migrate-cli.js', 'migrations/meta/_journal.json']) {
  if (!packedSet.has(needed)) fail(`${needed} is not in the packed service; run \`npm run build\` first?`);
}

if (problems.length > 0) finish();

// ---- 3. lay out the final stage and run it -----------------------------------------------------
const imageRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'runsheet-image-'));
fs.chmodSync(imageRoot, 0o755);
const inImage = (absolute) => path.join(imageRoot, absolute);
const env = {};
let workdir = '/';
let runAs = null;
const resolveIn = (target) => (path.isAbsolute(target) ? target : path.posix.join(workdir, target));
const copyInto = (source, destination) => {
  fs.mkdirSync(path.dirname(destination), { recursive: true, mode: 0o755 });
  fs.cpSync(source, destination, { recursive: true });
};
/** COPY's rules: a directory's contents go into the destination; a file into it when it names a directory. */
const copyAsContainerfile = (source, destination, intoDirectory) => {
  if (fs.statSync(source).isDirectory()) copyInto(source, destination);
  else copyInto(source, intoDirectory ? path.join(destination, path.basename(source)) : destination);
};
const asRoot = process.getuid?.() === 0;
const runStep = (step) => {
  const words = step.trim().split(/\s+/);
  if (words[0] === 'npm' && words[1] === 'ci') {
    // The same install, from the npm cache CI's own `npm ci` of this lockfile just filled.
    const result = spawnSync('npm', [...words.slice(1), '--prefer-offline'], {
      cwd: inImage(workdir),
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    if (result.status !== 0) throw new Error(`${step} failed:\n${result.stderr}`);
  } else if (words[0] === 'mkdir' && words[1] === '-p') {
    for (const dir of words.slice(2)) fs.mkdirSync(inImage(resolveIn(dir)), { recursive: true, mode: 0o755 });
  } else if (words[0] === 'chown' && words.length === 3 && /^\d+:\d+$/.test(words[1])) {
    const [uid, gid] = words[1].split(':').map(Number);
    if (asRoot) fs.chownSync(inImage(resolveIn(words[2])), uid, gid);
  } else {
    throw new Error(`RUN step \`${step}\`: check-container.mjs does not know how to lay it out; teach it`);
  }
};

for (const instruction of finalStage.instructions) {
  const keyword = instruction.getKeyword();
  const args = (instruction.getArguments?.() ?? []).map((arg) => arg.getValue());
  switch (keyword) {
    case 'ENV':
      for (const property of instruction.getProperties()) env[property.getName()] = property.getValue();
      break;
    case 'WORKDIR':
      workdir = resolveIn(args[0]);
      fs.mkdirSync(inImage(workdir), { recursive: true, mode: 0o755 });
      break;
    case 'COPY': {
      const from = instruction.getFromFlag?.()?.getValue();
      const sources = args.filter((arg) => !arg.startsWith('--'));
      const target = sources.pop();
      const destination = inImage(resolveIn(target));
      const intoDirectory = target.endsWith('/') || target === '.' || sources.length > 1;
      for (const source of sources) {
        if (from === 'build' && source.replace(/\/$/, '') === '/app/package') {
          // The build stage's `npm pack` of CI's own build: exactly the files it lists.
          for (const file of packed) copyInto(path.join(root, file), path.join(destination, file));
        } else if (from === 'build' && source.startsWith('/app/')) {
          copyAsContainerfile(path.join(root, source.slice('/app/'.length)), destination, intoDirectory);
        } else if (from === undefined) {
          copyAsContainerfile(path.join(root, source), destination, intoDirectory);
        } else {
          throw new Error(`COPY --from=${from} ${source}: check-container.mjs does not know that source`);
        }
      }
      break;
    }
    case 'RUN':
      for (const step of (instruction.getRawArgumentsContent() ?? '').replace(/\\\n/g, ' ').split('&&')) {
        runStep(step);
      }
      break;
    case 'USER': {
      const [uid, gid] = args[0].split(':').map(Number);
      runAs = { uid, gid: Number.isInteger(gid) ? gid : uid };
      break;
    }
    case 'ARG':
    case 'LABEL':
    case 'EXPOSE':
    case 'HEALTHCHECK':
    case 'STOPSIGNAL':
    case 'CMD':
      break;
    default:
      throw new Error(`${keyword}: check-container.mjs does not know how to lay it out; teach it`);
  }
}
// Absolute paths in the image's ENV point into the image's file system.
for (const [name, value] of Object.entries(env)) if (value.startsWith('/')) env[name] = inImage(value);

const port = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const runEnv = { PATH: process.env.PATH, ...env, PORT: String(port), LOG_LEVEL: 'info' };
const identity = asRoot && runAs ? runAs : {};
if (!asRoot) log(`not root: running as uid ${process.getuid?.()} instead of the image's USER ${user}`);

// The Ansible role's migrate step runs this command in the image before the service starts.
const ansibleDefaults = fs.readFileSync(path.join(root, 'ansible/roles/runsheet/defaults/main.yml'), 'utf8');
const migrateLine = /^runsheet_migrate_command:\s*(\[.*\])\s*$/m.exec(ansibleDefaults);
if (!migrateLine)
  throw new Error('ansible/roles/runsheet/defaults/main.yml: no one-line runsheet_migrate_command');
// A YAML flow sequence of quoted strings: ['node', 'dist/…'] (prettier) or ["node", …].
const migrate = [...migrateLine[1].matchAll(/'([^']*)'|"([^"]*)"/g)].map((match) => match[1] ?? match[2]);
const migrated = spawnSync(migrate[0] === 'node' ? process.execPath : migrate[0], migrate.slice(1), {
  cwd: inImage(workdir),
  env: runEnv,
  encoding: 'utf8',
  ...identity,
});
if (migrated.status !== 0) fail(`the migrate command ${JSON.stringify(migrate)} failed: ${migrated.stderr}`);
else log(`migrate command ran: ${migrated.stdout.trim()}`);

log(`running CMD ${JSON.stringify(command)} in ${workdir} as ${user}, port ${port}`);
const service = spawn(command[0] === 'node' ? process.execPath : command[0], command.slice(1), {
  cwd: inImage(workdir),
  env: runEnv,
  stdio: ['ignore', 'pipe', 'pipe'],
  ...identity,
});
let output = '';
service.stdout.on('data', (chunk) => (output += chunk));
service.stderr.on('data', (chunk) => (output += chunk));
const exited = new Promise((resolve) => service.once('exit', (code, signal) => resolve({ code, signal })));

const healthJson = /CMD\s+(\[.*\])\s*$/s.exec(healthcheck.getRawArgumentsContent() ?? '')?.[1] ?? '';
const health = execForm({ getRawArgumentsContent: () => healthJson });
if (!health) fail('HEALTHCHECK CMD must be in exec form (a JSON array)');
let healthy = false;
for (let attempt = 0; attempt < 120 && !healthy && service.exitCode === null; attempt++) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const probe = spawnSync(health[0] === 'node' ? process.execPath : health[0], health.slice(1), {
    env: runEnv,
    ...identity,
  });
  healthy = probe.status === 0;
}
if (!healthy) fail(`the HEALTHCHECK never passed; the service said:\n${output}`);
else log('HEALTHCHECK passed (/readyz 200)');

const stopSignal = finalOf('STOPSIGNAL').at(-1)?.getArgumentsContent()?.trim() ?? 'SIGTERM';
service.kill(stopSignal);
const stop = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(null), 30_000))]);
if (stop === null) {
  service.kill('SIGKILL');
  fail(`the service did not exit within 30 s of ${stopSignal}`);
} else if (stop.code !== 0) {
  fail(`the service exited with ${stop.code ?? stop.signal} after ${stopSignal}:\n${output}`);
} else log(`${stopSignal}: drained and exited 0`);
fs.rmSync(imageRoot, { recursive: true, force: true });
finish();

function finish() {
  if (problems.length > 0) {
    for (const problem of problems) console.error(`check-container: ${problem}`);
    process.exit(1);
  }
  log(`ok: ${packed.length} packed files, ${stages.length} stages`);
  process.exit(0);
}
