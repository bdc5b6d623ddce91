/**
 * Runs a command in a process of its own and measures it from outside: wall time, and peak
 * resident set size as the kernel accounts it for the child (GNU time's `%M`, the child's
 * `ru_maxrss` from wait4), so that each figure is one process's own, with nothing of the
 * benchmark's in it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** GNU time; Debian and Ubuntu ship it in the `time` package. */
export const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  wallMs: number;
  /** Peak resident set size of the process, in MiB. */
  peakRssMB: number;
}

/** Runs `command` (argv) with `env` and measures it; fails when it exits with another status than 0. */
export async function runMeasured(command: readonly string[], env: NodeJS.ProcessEnv): Promise<MeasuredRun> {
  if (!existsSync(GNU_TIME)) {
    throw new Error(
      `${GNU_TIME} (GNU time) is needed to measure the peak memory of each process: apt-get install time`,
    );
  }
  const directory = mkdtempSync(path.join(os.tmpdir(), 'runsheet-bench-rss-'));
  const rssFile = path.join(directory, 'maxrss');
  try {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', rssFile, ...command], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    const wallMs = performance.now() - started;
    const run = {
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
      exitCode,
      wallMs,
      // GNU time writes "Command exited with non-zero status N" first when it failed.
      peakRssMB: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024,
    };
    if (exitCode !== 0) {
      throw new Error(`${command.join(' ')} exited with ${exitCode}:\n${run.stderr.slice(-4000)}`);
    }
    return run;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
