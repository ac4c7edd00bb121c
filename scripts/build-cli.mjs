// Bundles the CLI into dist/cli.mjs (one file, no runtime dependencies): the package's bin.
// `node scripts/build-cli.mjs --outfile DIR/cli.mjs` builds elsewhere (the tests do). The file is
// written next to its target and renamed over it, so a CLI running meanwhile never reads half.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({ options: { outfile: { type: 'string', default: 'dist/cli.mjs' } } });
const outfile = values.outfile;

const result = await build({
  entryPoints: ['src/cli/bin.ts'],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

const [file] = result.outputFiles;
mkdirSync(dirname(outfile), { recursive: true });
const partial = `${outfile}.${process.pid}.tmp`;
writeFileSync(partial, file.contents);
chmodSync(partial, 0o755); // the bin must be executable whatever the umask
renameSync(partial, outfile);
