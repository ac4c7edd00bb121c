/**
 * The program: bundled as dist/cli.mjs, the package's bin. It always runs, whatever name or link
 * it is started through (npx, npm install -g, npm link all start it through a symbolic link).
 */
import { writeFileSync } from 'node:fs';
import { readTextFile } from '../files.js';
import { main } from './main.js';

// `backup-sentinel audit | head` closes stdout early: stop quietly, as other tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readFile: readTextFile,
  writeFile: (p, t) => writeFileSync(p, t),
  now: () => new Date(),
  env: process.env,
});
