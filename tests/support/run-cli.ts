/** Runs one `runsheet` command in the test process, capturing what it prints. */
import { runCli } from '../../src/cli/main.js';

export async function runCliCaptured(
  env: NodeJS.ProcessEnv,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) },
    env,
  );
  return { code, out: out.trim(), err: err.trim() };
}
