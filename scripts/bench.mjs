// npm run bench: bundles bench/bench.ts and runs it (arguments are passed through).
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/bench.ts'],
  outfile: 'dist/bench.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  // The bench builds a floor handler with esbuild's API itself.
  external: ['esbuild'],
  logLevel: 'warning',
});
execFileSync(process.execPath, ['dist/bench.mjs', ...process.argv.slice(2)], { stdio: 'inherit' });
