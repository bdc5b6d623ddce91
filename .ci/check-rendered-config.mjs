#!/usr/bin/env node
// Checks that the configuration the Ansible role renders (env file + the unit's Secret= lines,
// with the vault example's values) is one the service accepts: the same zod schema (src/config.ts)
// that the README's `npm start` and the container's CMD read. Usage: check-rendered-config.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [dir] = process.argv.slice(2);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadConfig, ConfigError } = await import(path.join(root, 'dist/src/config.js'));

const env = {};
for (const line of fs.readFileSync(path.join(dir, 'runsheet.env'), 'utf8').split('\n')) {
  if (line.trim() === '' || line.startsWith('#')) continue;
  const at = line.indexOf('=');
  env[line.slice(0, at)] = line.slice(at + 1);
}
const unit = fs.readFileSync(path.join(dir, 'runsheet.container'), 'utf8');
const secrets = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
const problems = [];
for (const [, id, target] of unit.matchAll(/^Secret=([^,\n]+),type=env,target=(\S+)$/gm)) {
  if (!(target in secrets)) problems.push(`Secret=${id} sets ${target}, which the vault does not give`);
  if (target in env) problems.push(`${target} is both in the env file and a secret`);
  env[target] = secrets[target];
}
try {
  const config = loadConfig(env);
  console.log(
    `check-rendered-config: ok: ${config.localMode ? 'local' : 'teams'} mode, ${config.databaseUrl ? 'PostgreSQL' : 'PGlite'}, ` +
      `${config.instances} instance(s), port ${config.port}, settings ${Object.keys(env).sort().join(' ')}`,
  );
} catch (error) {
  problems.push(error instanceof ConfigError ? error.message : String(error));
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`check-rendered-config: ${problem}`);
  process.exit(1);
}
