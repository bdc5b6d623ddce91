/** Where the manifest tooling finds its files, from src/manifest/ (tests) or dist/src/manifest/. */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root: the nearest folder above this module holding package.json. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The `manifest/` folder: template, icons, vendored schema; the build writes to `manifest/build/`. */
export function manifestDir(): string {
  return path.join(packageRoot(), 'manifest');
}

/** True when the module of `moduleUrl` is the script node was started with (not an import). */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  if (moduleUrl === pathToFileURL(path.resolve(script)).href) return true;
  try {
    return moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}
