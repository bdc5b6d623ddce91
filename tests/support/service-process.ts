/**
 * The real service as a child process (`node dist/src/main.js`, the image's command), for tests
 * of what only a process shows: signals, restarts, several instances on one database. The build
 * output is compiled first when it is older than the sources.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');

function newestSourceTime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceTime(full));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const isStale = () =>
  !fs.existsSync(MAIN) ||
  fs.statSync(MAIN).mtimeMs <
    Math.max(newestSourceTime(path.join(ROOT, 'src')), newestSourceTime(path.join(ROOT, 'cards')));

/** Compiles dist/ when it is missing or older than src/; one test file at a time (a lock directory). */
export async function ensureBuilt(): Promise<void> {
  if (!isStale()) return;
  const lock = path.join(os.tmpdir(), `runsheet-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
  for (let waited = 0; ; waited += 500) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (waited > 180_000) throw new Error(`waited 3 minutes for ${lock}; remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    if (!isStale()) return;
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
  } finally {
    fs.rmdirSync(lock);
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every log line so far, parsed (pino JSON). */
  readonly logs: Record<string, unknown>[];
  /** Resolves once /readyz answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** Resolves with the first log line matching `test`. */
  waitForLog(
    test: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** The value of one sample of /metrics (`name{labels}` exactly as printed), 0 when absent. */
  metric(sample: string): Promise<number>;
}

/** Starts `node dist/src/main.js` with `env` (plus PORT and LOG_LEVEL=debug); call `ready()` next. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const service: ServiceProcess = {
    url,
    child,
    logs,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${stderr}`);
        const status = await fetch(`${url}/readyz`).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error(`the service at ${url} was not ready within ${timeoutMs} ms: ${stderr}`);
    },
    waitForLog(test, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(test);
          if (!found) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no such log line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async metric(sample) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
      return line === undefined ? 0 : Number(line.slice(sample.length + 1));
    },
  };
  return service;
}
