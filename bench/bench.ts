/**
 * npm run bench — measured, not asserted:
 *  1. the pure audit engine on synthetic inventories of 1k and 10k resources (wall time);
 *  2. live collection + audit against moto server at 1k resources (AWS calls and wall time per
 *     resource); pass --live 1000,10000 for more sizes.
 * --week instead runs only the simulated week of alerts over the example account (bench/week.ts);
 * --live-only runs only the live measurements (which also print the calls by API); --bundles-only
 * only the bundles' sizes and cold starts; --sweep-only only the sweep through the latency proxy.
 * Prints one line per measurement.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { auditInventory } from '../src/app/audit.js';
import { auditAccount } from '../src/app/live.js';
import { settingsFrom, sweep } from '../src/app/runtime.js';
import { Aws } from '../src/aws/clients.js';
import { auditJsonChunks, renderAudit } from '../src/cli/format.js';
import { arnMatches } from '../src/inventory/arn.js';
import { bucketReads } from '../src/inventory/collect/buckets.js';
import { mapLimit } from '../src/inventory/collect/index.js';
import { parseInventory } from '../src/inventory/index.js';
import { inventorySchema } from '../src/inventory/schema.js';
import { parsePolicies } from '../src/policy/index.js';
import { configRouteCalls } from './config-route.js';
import { simulateWeek } from './week.js';

const args = process.argv.slice(2);
const liveAt = args.indexOf('--live');
const liveSizes = (liveAt >= 0 ? (args[liveAt + 1] ?? '1000') : '1000').split(',').map(Number);
// --sweep 1000,10000: the sweep through the 50 ms proxy at these sizes (default 1k)
const sweepAt = args.indexOf('--sweep');
const sweepSizes = (sweepAt >= 0 ? (args[sweepAt + 1] ?? '1000') : '1000').split(',').map(Number);
// --latency 0,50: the proxy's added latency per call, in ms (0 shows what moto itself costs)
const latencyAt = args.indexOf('--latency');
const latencies = (latencyAt >= 0 ? (args[latencyAt + 1] ?? '50') : '50').split(',').map(Number);

/**
 * The example account grown to `size` resources, with what a real account's data grows with
 * scaled alongside: recovery points, copy and restore jobs, collection errors, protected
 * resources and backup jobs.
 */
function scaledInventory(size: number) {
  const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
  const copies = Math.ceil(size / demo.resources.length);
  const clone = <T extends { Arn?: string; ResourceArn?: string; SourceResourceArn?: string }>(
    x: T,
    i: number,
  ): T => {
    const s = JSON.stringify(x).replaceAll(/(db:|cluster:|:::)([a-z0-9-]+)/g, `$1$2-c${i}`);
    return JSON.parse(s) as T;
  };
  const resources = [];
  const points = [];
  const jobs = [];
  const restores = [];
  // What a real account's data grows with: its collection errors, protected resources, backup jobs.
  const errors = [];
  const protectedResources = [];
  const backupJobs = [];
  for (let i = 0; i < copies; i++) {
    resources.push(...demo.resources.map((r) => clone(r, i)));
    points.push(...demo.recoveryPoints.map((p) => clone(p, i)));
    jobs.push(...demo.copyJobs.map((j) => clone(j, i)));
    restores.push(...demo.restoreJobs.map((j) => clone(j, i)));
    errors.push(...demo.collectionErrors.filter((e) => e.Arn !== '*').map((e) => clone(e, i)));
    protectedResources.push(...demo.protectedResources.map((p) => clone(p, i)));
    backupJobs.push(...demo.backupJobs.map((j) => clone(j, i)));
  }
  return inventorySchema.parse({
    ...demo,
    resources: resources.slice(0, size),
    recoveryPoints: points,
    copyJobs: jobs,
    restoreJobs: restores,
    collectionErrors: [...demo.collectionErrors.filter((e) => e.Arn === '*'), ...errors],
    protectedResources,
    backupJobs,
  });
}

function engine(size: number): void {
  const policies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
  const inventory = scaledInventory(size);
  const started = performance.now();
  const result = auditInventory(inventory, policies, new Date(inventory.capturedAt));
  const ms = performance.now() - started;
  console.log(
    `engine  ${String(size).padStart(6)} resources  ${ms.toFixed(0).padStart(6)} ms  ${(ms / size).toFixed(3)} ms/resource  ${result.findings.length} findings  (${inventory.collectionErrors.length} collection errors, ${inventory.protectedResources.length} protected resources, ${inventory.backupJobs.length} backup jobs)`,
  );
}

/**
 * The offline audit at `size` resources in a fresh process per format: audit and render (JSON is
 * streamed, as the CLI writes it), its wall time and the process's peak RSS. The inventory is built
 * in memory (at 100k resources its file would be ~670 MB, over the CLI's 256 MiB input cap).
 */
function offline(sizes: number[]): void {
  for (const size of sizes)
    for (const format of ['table', 'json'] as const) {
      const out = execFileSync(
        process.execPath,
        [process.argv[1] ?? 'dist/bench.mjs', '--offline-child', String(size), format],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 20,
        },
      );
      const r = JSON.parse(out.toString().trim().split('\n').pop() ?? '{}');
      console.log(
        `offline ${String(size).padStart(6)} resources  --format ${format.padEnd(5)}  audit ${(r.auditMs / 1000).toFixed(2)} s + render ${(r.renderMs / 1000).toFixed(2)} s  ${(r.bytes / 1024 / 1024).toFixed(0)} MB written  peak RSS ${r.rssMb.toFixed(0)} MB (inventory built in ${(r.buildMs / 1000).toFixed(1)} s)`,
      );
    }
}

function offlineChild(size: number, format: 'table' | 'json'): void {
  const policies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
  const t0 = performance.now();
  const inventory = scaledInventory(size);
  const t1 = performance.now();
  const result = auditInventory(inventory, policies, new Date(inventory.capturedAt));
  const t2 = performance.now();
  const fd = openSync('/dev/null', 'w');
  let bytes = 0;
  const write = (chunk: string) => {
    bytes += Buffer.byteLength(chunk);
    writeSync(fd, chunk);
  };
  if (format === 'json') for (const chunk of auditJsonChunks(result)) write(chunk);
  else write(renderAudit(result, 'table'));
  const t3 = performance.now();
  console.log(
    JSON.stringify({
      buildMs: t1 - t0,
      auditMs: t2 - t1,
      renderMs: t3 - t2,
      bytes,
      rssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const BENCH_POLICIES = 'policies:\n  bronze: { frequency: 1d, retentionDays: 7 }\n';

/** An empty moto account with `size` tagged resources in one Region: 70 % buckets, 30 % databases. */
async function seed(size: number, endpoint: string): Promise<number> {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  const region = 'eu-central-1';
  const aws = new Aws({ endpoint, credentials: BENCH_CREDENTIALS });
  const buckets = Math.round(size * 0.7);
  const seedStart = performance.now();
  await mapLimit(
    Array.from({ length: buckets }, (_, i) => `bench-bucket-${i}`),
    16,
    async (name) => {
      await aws.s3(region).send(
        (sdk) =>
          new sdk.CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: { LocationConstraint: region },
          }),
      );
      await aws.s3(region).send(
        (sdk) =>
          new sdk.PutBucketTaggingCommand({
            Bucket: name,
            Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'bronze' }] },
          }),
      );
      await aws.s3(region).send(
        (sdk) =>
          new sdk.PutBucketVersioningCommand({
            Bucket: name,
            VersioningConfiguration: { Status: 'Enabled' },
          }),
      );
    },
  );
  await mapLimit(
    Array.from({ length: size - buckets }, (_, i) => `bench-db-${i}`),
    16,
    (id) =>
      aws.rds(region).send(
        (sdk) =>
          new sdk.CreateDBInstanceCommand({
            DBInstanceIdentifier: id,
            DBInstanceClass: 'db.t3.micro',
            Engine: 'postgres',
            MasterUsername: 'bench',
            MasterUserPassword: 'bench-password-1',
            AllocatedStorage: 20,
            // moto keeps automated snapshots and caps them (SnapshotQuotaExceeded) at large sizes
            BackupRetentionPeriod: 0,
            Tags: [{ Key: 'backup:policy', Value: 'bronze' }],
          }),
      ),
  );
  return (performance.now() - seedStart) / 1000;
}

async function live(size: number, endpoint: string): Promise<void> {
  const region = 'eu-central-1';
  const seeded = await seed(size, endpoint);
  const reader = new Aws({ endpoint, credentials: BENCH_CREDENTIALS });
  const policies = parsePolicies(BENCH_POLICIES);
  const started = performance.now();
  const { inventory } = await auditAccount(reader, { regions: [region], policies, now: new Date() });
  const s = (performance.now() - started) / 1000;
  const n = inventory.resources.length;
  console.log(
    `live    ${String(n).padStart(6)} resources  ${s.toFixed(1).padStart(6)} s  ${((s * 1000) / n).toFixed(2)} ms/resource  ${reader.totalCalls()} AWS calls = ${(reader.totalCalls() / n).toFixed(2)} per resource  (seeding took ${seeded.toFixed(1)} s)`,
  );
  // Calls by API, and per resource of the type the API reads (S3: per bucket, RDS: per database).
  const byType = new Map<string, number>();
  for (const r of inventory.resources) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
  const per = (api: string) => {
    const count = api.startsWith('S3.')
      ? byType.get('AWS::S3::Bucket')
      : api.startsWith('RDS.')
        ? (byType.get('AWS::RDS::DBInstance') ?? 0) + (byType.get('AWS::RDS::DBCluster') ?? 0)
        : undefined;
    return count
      ? `  ${((reader.calls.get(api) ?? 0) / count).toFixed(2)} per ${api.startsWith('S3.') ? 'bucket' : 'database'}`
      : '';
  };
  console.log(
    `live    ${String(n).padStart(6)} resources  by type: ${[...byType].map(([t, k]) => `${t} ${k}`).join(', ')}`,
  );
  for (const [api, k] of [...reader.calls].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
    console.log(
      `live    ${String(n).padStart(6)} resources  ${api.padEnd(44)} ${String(k).padStart(6)} calls${per(api)}`,
    );
  // The bound for the active rules: each bucket's settings they read, the listing pages (tagging
  // 100 a page, ListBuckets 1,000, databases 100 — instances and clusters), and the account-wide
  // reads made once whatever the size (AWS Backup, KMS, STS: measured, counted as they are).
  const buckets = byType.get('AWS::S3::Bucket') ?? 0;
  const databases = n - buckets;
  const perBucket = bucketReads(policies)({ 'backup:policy': 'bronze' }).size;
  const perResourceApis = /^(S3|RDS)\.|^ResourceGroupsTaggingAPI\./;
  const fixed = [...reader.calls]
    .filter(([api]) => !perResourceApis.test(api))
    .reduce((t, [, k]) => t + k, 0);
  const bound =
    buckets * perBucket +
    Math.ceil(buckets / 100) +
    Math.ceil(buckets / 1000) +
    2 * Math.ceil(databases / 100) +
    fixed;
  const location = reader.calls.get('S3.GetBucketLocation') ?? 0;
  const direct = reader.totalCalls() - location;
  console.log(
    `live    ${String(n).padStart(6)} resources  bound for the active rules ${bound} calls = ${(bound / n).toFixed(2)} per resource (${perBucket} settings a bucket); measured without GetBucketLocation (moto's ListBuckets names no BucketRegion) ${direct} = ${(direct / n).toFixed(2)} per resource, ${(direct / bound).toFixed(2)}x the bound; with it ${(reader.totalCalls() / bound).toFixed(2)}x`,
  );
}

/**
 * A loopback HTTP proxy in front of moto that holds every request `ms` before forwarding it: the
 * round trip of a Lambda function to a regional AWS endpoint, give or take.
 */
function latencyProxy(target: string, ms: number): Promise<{ url: string; close: () => void }> {
  const to = new URL(target);
  const server = createHttpServer((req, res) => {
    setTimeout(() => {
      const up = httpRequest(
        { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    }, ms);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    }),
  );
}

/**
 * The sweep function's use case (collect, audit, plan, heal per the mode, Lambda defaults: cap
 * 20) over `size` resources, through the latency proxy, in a fresh process per mode: wall time,
 * AWS calls, peak RSS, and what the run did.
 */
async function sweepAtScale(size: number, endpoint: string, latencyMs: number): Promise<void> {
  // One account for both: the dry run writes nothing, so the apply run starts from the same state.
  const seeded = await seed(size, endpoint);
  for (const mode of ['dry-run', 'on'] as const) {
    const proxy = await latencyProxy(endpoint, latencyMs);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [process.argv[1] ?? 'dist/bench.mjs', '--sweep-child', proxy.url, mode],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let text = '';
        child.stdout.on('data', (d) => {
          text += d;
        });
        child.on('exit', (code) =>
          code === 0 ? resolve(text) : reject(new Error(`sweep child exited ${code}`)),
        );
      });
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
        seconds: number;
        calls: number;
        rssMb: number;
        resources: number;
        statuses: Record<string, number>;
      };
      console.log(
        `sweep   ${String(r.resources).padStart(6)} resources  ${mode.padEnd(7)} through a ${latencyMs} ms proxy  ${r.seconds.toFixed(1).padStart(6)} s  ${r.calls} AWS calls (${(r.calls / r.resources).toFixed(2)} per resource)  peak RSS ${r.rssMb.toFixed(0)} MB  actions ${JSON.stringify(r.statuses)}  (seeding took ${seeded.toFixed(1)} s)`,
      );
    } finally {
      proxy.close();
    }
  }
}

/** In the child process: one sweep, printed as JSON. */
async function sweepChild(endpoint: string, mode: 'dry-run' | 'on'): Promise<void> {
  const aws = new Aws({ endpoint, credentials: BENCH_CREDENTIALS });
  const settings = settingsFrom({ AWS_REGION: 'eu-central-1', REMEDIATION_MODE: mode });
  const started = performance.now();
  const swept = await sweep(aws, parsePolicies(BENCH_POLICIES), settings, new Date());
  const statuses: Record<string, number> = {};
  for (const r of swept.results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  if (process.env.BENCH_VERBOSE)
    for (const [api, k] of [...aws.calls].sort((x, y) => y[1] - x[1])) console.error(`[bench] ${api} ${k}`);
  for (const r of swept.results.filter((x) => x.status === 'failed').slice(0, 3))
    console.error(`[bench] failed: ${r.summary}: ${r.error}`);
  console.log(
    JSON.stringify({
      seconds: (performance.now() - started) / 1000,
      calls: aws.totalCalls(),
      rssMb: process.resourceUsage().maxRSS / 1024,
      resources: swept.result.summary.resources,
      statuses,
    }),
  );
}

/** One fresh node process importing `file` (and, with `event`, invoking its handler once): times in ms. */
function coldStart(
  file: string,
  env: NodeJS.ProcessEnv,
  event?: unknown,
): { total: number; load: number; first?: number; sdk: string[] } {
  const script = `
    import { createRequire } from 'node:module';
    const t0 = performance.now();
    const m = await import(${JSON.stringify(file)});
    const t1 = performance.now();
    let first;
    if (${JSON.stringify(event !== undefined)}) {
      await m.handler(${JSON.stringify(event ?? null)}, { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 60000 });
      first = performance.now() - t1;
    }
    const sdk = [...new Set(Object.keys(createRequire(import.meta.url).cache)
      .map((k) => k.match(/@aws-sdk[/](client-[a-z-]+)[/]/)?.[1]).filter(Boolean))].sort();
    process.stdout.write('\\n' + JSON.stringify({ load: t1 - t0, first, sdk }));`;
  const started = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = JSON.parse(out.toString().trim().split('\n').pop() ?? '{}');
  return { total: performance.now() - started, ...r };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Zip size and cold start of each packaged function, in fresh node processes (median of 7): the
 * whole process, the bundle's module loading and evaluation measured inside it (the rest is
 * process start, as an empty `node -e ""` shows), against the floor of a handler that is only
 * middy and a Powertools logger; and the config rule's first invocation on a change notification
 * (against moto), with the SDK packages that path loaded.
 */
async function bundles(endpoint: string): Promise<void> {
  execFileSync('npx', ['serverless', 'package'], { stdio: 'pipe' });
  const fns = {
    onResourceChange: 'on-resource-change',
    configRule: 'config-rule',
    sweep: 'sweep',
    onBackupEvent: 'on-backup-event',
    rotateKeyMaterial: 'rotate-key-material',
    validateRestore: 'validate-restore',
  };
  const RUNS = 7;
  const env = {
    ...process.env,
    AWS_REGION: 'eu-central-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const empty: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    execFileSync(process.execPath, ['-e', ''], { env });
    empty.push(performance.now() - started);
  }
  console.log(`bundle  process start (node -e "")  ${median(empty).toFixed(0)} ms (median of ${RUNS})`);
  const { build } = await import('esbuild');
  await build({
    entryPoints: ['bench/floor-handler.ts'],
    outfile: '.serverless/bench/floor/handler.mjs',
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const floor = Array.from({ length: RUNS }, () =>
    coldStart(`${process.cwd()}/.serverless/bench/floor/handler.mjs`, env),
  );
  const floorLoad = median(floor.map((r) => r.load));
  console.log(
    `bundle  floor (middy + Powertools Logger)  cold import ${median(floor.map((r) => r.total)).toFixed(0)} ms, of which module load+evaluation ${floorLoad.toFixed(0)} ms`,
  );
  for (const [fn, dir] of Object.entries(fns)) {
    const out = `.serverless/bench/${fn}`;
    execFileSync('python3', ['-m', 'zipfile', '-e', `.serverless/${fn}.zip`, out]);
    const file = `${process.cwd()}/${out}/functions/${dir}/handler.mjs`;
    const runs = Array.from({ length: RUNS }, () => coldStart(file, env));
    const kb = statSync(`.serverless/${fn}.zip`).size / 1024;
    const load = median(runs.map((r) => r.load));
    console.log(
      `bundle  ${fn.padEnd(16)} ${kb.toFixed(0).padStart(4)} KB zipped  cold import ${median(runs.map((r) => r.total)).toFixed(0)} ms, of which module load+evaluation ${load.toFixed(0)} ms (${(load - floorLoad).toFixed(0)} ms over the floor; SDK packages loaded at import: ${runs[0]?.sdk.length ?? '?'}) (median of ${RUNS}, node ${process.version})`,
    );
  }
  // The config rule's change path, first invocation: what it loads on first use, and how long.
  const change = JSON.parse(
    readFileSync(
      'test/fixtures/real/config/config_rule_change_notification_s3_bucket_custodian.json',
      'utf8',
    ),
  );
  const first = Array.from({ length: RUNS }, () =>
    coldStart(`${process.cwd()}/.serverless/bench/configRule/functions/config-rule/handler.mjs`, env, {
      ...change,
      resultToken: 'TESTMODE',
    }),
  );
  console.log(
    `bundle  configRule change notification: module load+evaluation ${median(first.map((r) => r.load)).toFixed(0)} ms, first invocation ${median(first.map((r) => r.first ?? Number.NaN)).toFixed(0)} ms (against moto), SDK packages it loaded: ${first[0]?.sdk.join(', ')}`,
  );
}

/** Star-heavy selection patterns (user text) against a 60-character bucket ARN: linear, not exponential. */
function patterns(): void {
  const arn = `arn:aws:s3:::${'a'.repeat(46)}`;
  for (const stars of [8, 9, 16]) {
    const pattern = `arn:aws:s3:::${'*a'.repeat(stars)}b`;
    const start = performance.now();
    for (let i = 0; i < 1000; i++) arnMatches(pattern, arn);
    const ms = (performance.now() - start) / 1000;
    console.log(
      `[bench] glob ${stars} stars vs ${arn.length}-char ARN (no match): ${(ms * 1000).toFixed(1)} µs/match`,
    );
  }
}

async function main(): Promise<void> {
  const offlineChildAt = args.indexOf('--offline-child');
  if (offlineChildAt >= 0)
    return offlineChild(
      Number(args[offlineChildAt + 1]),
      args[offlineChildAt + 2] === 'json' ? 'json' : 'table',
    );
  if (args.includes('--offline-only')) return offline([10_000, 50_000, 100_000]);
  const sweepChildAt = args.indexOf('--sweep-child');
  if (sweepChildAt >= 0)
    return sweepChild(args[sweepChildAt + 1] ?? '', args[sweepChildAt + 2] === 'on' ? 'on' : 'dry-run');
  // --live-only: only the live measurements (no bundles, patterns or engine timings).
  // --engine-only: only the engine timings, at 1k, 10k and 50k resources (growth should be linear).
  if (args.includes('--engine-only')) {
    for (const size of [1000, 10_000, 50_000]) engine(size);
    return;
  }
  const sweepOnly = args.includes('--sweep-only');
  execFileSync('bash', ['scripts/ensure-venv.sh'], { stdio: 'inherit' });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('.venv/bin/moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    // moto caps RDS snapshots at 1000 by default; a 10k-resource account has more databases than that
    env: { ...process.env, MOTO_RDS_SNAPSHOT_LIMIT: '100000' },
  });
  try {
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${endpoint}/moto-api/`)
          .then((r) => r.ok)
          .catch(() => false)
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!args.includes('--live-only') && !sweepOnly) {
      await bundles(endpoint);
      if (args.includes('--bundles-only')) return;
      patterns();
      for (const size of [1000, 10_000, 50_000]) engine(size);
      offline([10_000, 50_000, 100_000]);
    }
    if (!sweepOnly) {
      for (const size of liveSizes) await live(size, endpoint);
      // The AWS Config route, with Config (and S3's listing) mocked: moto's Select answers nothing.
      for (const size of [1000, 10_000]) {
        const r = await configRouteCalls(size);
        console.log(
          `config  ${String(size).padStart(6)} buckets    AWS Config route: ${r.calls} AWS calls = ${r.perResource.toFixed(3)} per resource  (${[...r.byApi].map(([api, k]) => `${api} ${k}`).join(', ')})`,
        );
      }
    }
    for (const size of sweepSizes) for (const ms of latencies) await sweepAtScale(size, endpoint, ms);
  } finally {
    child.kill('SIGTERM');
  }
}

if (args.includes('--week')) {
  const week = await simulateWeek();
  console.log(
    `week    result: ${week.messages} messages over ${Object.keys(week.byIncident).length} incidents, ${week.successfulJobMessages} for successful jobs`,
  );
} else await main();
