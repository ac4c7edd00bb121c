/**
 * vitest global setup: provisions .venv (moto server, cfn-lint) on first use, starts moto server
 * on a free loopback port, and hands its URL to the tests (inject('motoUrl')). Stopped at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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

let child: ChildProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  execFileSync('bash', ['scripts/ensure-venv.sh'], { stdio: 'inherit' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  child = spawn('.venv/bin/moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitUntilUp(url, child);
  project.provide('motoUrl', url);
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
}
