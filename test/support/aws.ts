/** Helpers for tests against moto server: clients pointed at it, and a reset between tests. */
import { inject } from 'vitest';
import { Aws } from '../../src/aws/clients.js';

export const MOTO_ACCOUNT = '123456789012';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function motoUrl(): string {
  return inject('motoUrl');
}

export function motoAws(): Aws {
  return new Aws({ endpoint: motoUrl(), credentials: TEST_CREDENTIALS, maxAttempts: 3 });
}

/** Empties every moto backend, so each test starts from a fresh account. */
export async function resetMoto(): Promise<void> {
  const res = await fetch(`${motoUrl()}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
}
