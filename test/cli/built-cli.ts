/** Builds the CLI bundle into a temporary directory and runs it as a program. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds dist/cli.mjs into a fresh directory (not the shared dist/) and returns its path. */
export function buildCli(outfile = join(mkdtempSync(join(tmpdir(), 'sentinel-cli-')), 'cli.mjs')): string {
  execFileSync(process.execPath, ['scripts/build-cli.mjs', '--outfile', outfile]);
  return outfile;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `file args` (a program, or node for a .mjs) without blocking the event loop. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  const started = Date.now();
  const [command, argv] = file.endsWith('.mjs') ? [process.execPath, [file, ...args]] : [file, args];
  return new Promise((resolve) => {
    execFile(
      command,
      argv,
      {
        encoding: 'utf8',
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}
