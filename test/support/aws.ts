/** Helpers for tests against moto server: clients pointed at it, and a reset between tests. */
import { inject } from 'vitest';
import { Aws } from '../../src/aws/clients.js';

export const MOTO_ACCOUNT = '123456789012';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** This worker's own moto server (one per worker: see test/support/moto.ts). */
export function motoUrl(): string {
  const urls = inject('motoUrls');
  const id = process.env.VITEST_POOL_ID;
  const url = urls[Number(id) - 1];
  if (!url) throw new Error(`no moto server for VITEST_POOL_ID=${id} (${urls.length} started)`);
  return url;
}

export function motoAws(): Aws {
  return new Aws({ endpoint: motoUrl(), credentials: TEST_CREDENTIALS, maxAttempts: 3 });
}

/** Empties every moto backend, so each test starts from a fresh account. */
export async function resetMoto(): Promise<void> {
  const res = await fetch(`${motoUrl()}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
}
