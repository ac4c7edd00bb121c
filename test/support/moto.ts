/**
 * vitest global setup: provisions .venv (moto server, cfn-lint) on first use, starts one moto
 * server per test worker, each on its own free loopback port, and hands their URLs to the tests
 * (inject('motoUrls')). All are stopped at the end.
 *
 * Why one per worker: every integration file resets moto (POST /moto-api/reset) and then relies on
 * what it created, so two files must never share a server at the same time. vitest numbers its
 * workers VITEST_POOL_ID = 1..maxWorkers and gives a number to one running file at a time, so file
 * and server pair up by that number (test/support/aws.ts motoUrl()) and the files run in parallel.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The moto server of VITEST_POOL_ID n is motoUrls[n - 1]. */
    motoUrls: string[];
  }
}

/** n distinct free loopback ports (all held open until each is known, so none repeats). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolve(typeof address === 'object' && address ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`moto server did not answer at ${url} within 30 s`);
}

/**
 * How many workers vitest runs this project's files on: its own rule (resolveMaxWorkers in
 * vitest/dist/chunks/cli-api.*.js): the project's maxWorkers, else the root's, else one less than
 * the cores (half of them in watch mode).
 */
function workerCount(project: TestProject): number {
  const configured = project.config.maxWorkers || project.vitest.config.maxWorkers;
  if (configured) return configured;
  const cores = availableParallelism();
  return Math.max(project.vitest.config.watch ? Math.floor(cores / 2) : cores - 1, 1);
}

const children: ChildProcess[] = [];

export async function setup(project: TestProject): Promise<void> {
  execFileSync('bash', ['scripts/ensure-venv.sh'], { stdio: 'inherit' });
  const ports = await freePorts(workerCount(project));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  try {
    await Promise.all(
      ports.map((port, i) => {
        const child = spawn('.venv/bin/moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
          stdio: 'ignore',
        });
        children.push(child);
        return waitUntilUp(urls[i] ?? '', child);
      }),
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide('motoUrls', urls);
}

export async function teardown(): Promise<void> {
  for (const child of children.splice(0)) child.kill('SIGTERM');
}
