/** Runs the CLI's main() in this process, at a fixed time, with no environment and no writes. */
import { type Io, main } from '../../src/cli/main.js';
import { readTextFile } from '../../src/files.js';

export async function runMain(argv: string[], readFile: Io['readFile'] = readTextFile) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile,
    writeFile: () => {
      throw new Error('no writes in these tests');
    },
    now: () => new Date('2026-11-25T07:00:00Z'),
    env: {},
  });
  return { code, stdout, stderr };
}
